"""The README's Python examples run as written (in order, in one namespace)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_examples_run(capsys) -> None:  # type: ignore[no-untyped-def]
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert "Salesforce ConnectionState.DISCONNECTED RequiredAction.RECONNECT" in capsys.readouterr().out
    log = namespace["log"]
    assert len(log["id"]) == 2 + 1_000 + 2  # install, disconnect, 1000 activity rows, 2 arrow rows
    # Tables out as Arrow: the same events as the columns above, read by polars and DuckDB.
    assert namespace["frame"].height == len(log["id"])
    assert dict(namespace["per_type"])["app_activity"] == 1_000 + 1
    assert len(namespace["page"]) == 100 and namespace["cursor"] is not None

"""The README's Python examples run as written (in order, in one namespace)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_examples_run(capsys) -> None:  # type: ignore[no-untyped-def]
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert "Salesforce ConnectionState.DISCONNECTED RequiredAction.RECONNECT" in capsys.readouterr().out
    log = namespace["log"]
    assert len(log["id"]) == 2 + 1_000 + 2  # install, disconnect, 1000 activity rows, 2 arrow rows

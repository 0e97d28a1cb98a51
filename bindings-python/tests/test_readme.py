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
    # access request (queued, G2), install, disconnect, 1000 activity rows, 2 arrow rows
    assert len(log["id"]) == 3 + 1_000 + 2
    # Tables out as Arrow: the same events as the columns above, read by polars and DuckDB.
    assert namespace["frame"].height == len(log["id"])
    assert dict(namespace["per_type"])["app_activity"] == 1_000 + 1
    assert len(namespace["page"]) == 100 and namespace["cursor"] is not None


def test_readme_import_sketch_runs_on_the_fixtures() -> None:
    """The import sketch (a ```py block) runs on the core's fixtures, with the values its comments
    name: the webhook batch's sources and, read twice, the security history skipped."""
    import connected_apps as ca

    # The import sketch is the one ```py block that imports webhooks (the Dask and PySpark
    # sketches, also ```py, need a cluster and are not run here).
    blocks = [b for b in re.findall(r"```py\n(.*?)```", README.read_text(), flags=re.S) if "import_webhooks" in b]
    assert len(blocks) == 1
    fixtures = README.parent / "core" / "tests" / "fixtures"
    engine = ca.Engine(ca.Account("1", "Acme"))
    engine.add_user(ca.User("ops", "Ops", "ops@example.com", super_admin=True, platform_user_id="4455"))
    engine.add_user(ca.User("admin", "Admin", "ADMIN@acme.example", super_admin=True))
    engine.add_app(ca.App("gmail", "Gmail", "Google", level="account_level", distribution="marketplace"))
    namespace: dict = {
        "ca": ca,
        "engine": engine,
        "body": (fixtures / "webhook_batch.json").read_text(encoding="utf-8"),
        "text": (fixtures / "security_activity.json").read_text(encoding="utf-8"),
    }
    exec(compile(blocks[0], str(README), "exec"), namespace)
    assert namespace["cube"].event_count == 3
    assert namespace["report"]["imported"] == 3 and namespace["report"]["unresolved_actors"] == {}
    # The comments' values: the batch's sources, and the history skipped when read again.
    assert namespace["cube"].import_webhooks(namespace["body"])["duplicates"] == 8
    again = engine.import_security_activity(namespace["text"])
    assert again["skipped"] == {"already in the log": 3}
    report = ca.RecordAggregate().import_webhooks(namespace["body"])
    assert report["by_source"] == {"CRM_UI": 2, "IMPORT": 1, "INTEGRATION": 4}

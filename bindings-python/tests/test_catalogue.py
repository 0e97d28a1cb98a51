"""The catalogue of bad inputs (core/tests/data/bad_inputs.json), run through the Python module.

Each case must raise the exception class of its kind, and the engine must serialise to the same
bytes before and after. The Rust tests and the UniFFI hosts run the same file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import connected_apps as ca

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "core/tests/data"))

from catalogue import CASES, SAMPLE_TEXT, case_ids, patched_sample, restore_text, when  # noqa: E402

KINDS: dict[str, type[ca.ConnectedAppsError]] = {
    "not_found": ca.NotFoundError,
    "permission_denied": ca.PermissionDeniedError,
    "conflict": ca.ConflictError,
    "invalid_state": ca.InvalidStateError,
    "invalid_input": ca.InvalidInputError,
}


def activity_filter(spec: dict[str, Any] | None) -> dict[str, Any]:
    spec = dict(spec or {})
    for bound in ("since", "until"):
        if bound in spec:
            spec[bound] = when(spec[bound])
    return spec


class Subject:
    """What a case may change: the engine, a record aggregate and a usage history."""

    def __init__(self) -> None:
        self.engine = ca.Engine.from_json(SAMPLE_TEXT)
        self.records = ca.RecordAggregate()
        self.usage = ca.UsageHistory()

    def json(self) -> tuple[str, str, str]:
        return self.engine.to_json(), self.records.to_json(), self.usage.to_json()


def record_daily_usage(usage: ca.UsageHistory, text: str) -> None:
    snapshots, _report = ca.usage_snapshots_from_daily_usage(text)
    usage.record_snapshots(snapshots)


def ingest_record_columns(records: ca.RecordAggregate, case: dict[str, Any]) -> None:
    """The case's rows as numpy columns, with generated dictionaries (`app-<i>`, `2-<i>`)."""
    rows = case["rows"]
    records.ingest_columns(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.uint32),
        [f"app-{i}" for i in range(case["app_dictionary_len"])],
        np.array([r[2] for r in rows], dtype=np.uint32),
        [f"2-{i}" for i in range(case["type_dictionary_len"])],
        np.array([r[3] for r in rows], dtype=np.uint8),
    )


def run_activity(engine: ca.Engine, case: dict[str, Any]) -> None:
    cursor = case.get("cursor")
    if "cursor_from" in case:
        cursor = engine.activity(**activity_filter(case["cursor_from"]), page_size=1).next_cursor
    engine.activity(**activity_filter(case.get("filter")), cursor=cursor, page_size=case["page_size"])


ENGINE_OPERATIONS: dict[str, Callable[[ca.Engine, dict[str, Any]], Any]] = {
    "execute": lambda e, c: e.execute(c["actor"], c["command"], when(c["now"])),
    "import_ndjson": lambda e, c: e.import_ndjson(c["text"]),
    "restore": lambda e, c: ca.Engine.from_json(patched_sample(c["patch"])),
    "restore_text": lambda e, c: ca.Engine.from_json(restore_text(c)),
    "activity": run_activity,
    "facets": lambda e, c: e.activity_facets(**activity_filter(c.get("filter"))),
    "add_user": lambda e, c: e.add_user(c["user"]),
    "add_team": lambda e, c: e.add_team(c["team"]),
    "add_app": lambda e, c: e.add_app(c["app"]),
    "set_account": lambda e, c: e.set_account(c["account"]),
    "set_user_active": lambda e, c: e.set_user_active(c["user"], c["active"]),
    "create_rule": lambda e, c: e.create_rule(c["actor"], c["rule"], when(c["now"])),
    "dry_run": lambda e, c: e.dry_run_notifications(c["rules"], when(c["from"]), when(c["to"])),
    "record_deliveries": lambda e, c: e.record_deliveries(c["deliveries"], when(c["now"])),
    "record_governance_deliveries": lambda e, c: e.record_governance_deliveries(c["deliveries"], when(c["now"])),
    "import_security_activity": lambda e, c: e.import_security_activity(c["json"]),
    "import_audit_logs": lambda e, c: e.import_audit_logs(c["json"]),
}
OPERATIONS: dict[str, Callable[[Subject, dict[str, Any]], Any]] = {
    **{op: (lambda run: lambda s, c: run(s.engine, c))(run) for op, run in ENGINE_OPERATIONS.items()},
    "ingest_webhooks": lambda s, c: s.records.import_webhooks(c["json"]),
    "ingest_journal": lambda s, c: s.records.import_journal(c["json"]),
    "import_daily_usage": lambda s, c: record_daily_usage(s.usage, c["json"]),
    "insights": lambda s, c: s.records.insights(
        when(c["now"]), when(c["now"]).date(), window_days=c["window_days"]
    ),
    "usage_report": lambda s, c: s.usage.report(s.engine.account, when(c["now"]), window_days=c["window_days"]),
    "aggregate_restore": lambda s, c: ca.RecordAggregate.from_json(c["json"]),
    "usage_restore": lambda s, c: ca.UsageHistory.from_json(c["json"]),
    "usage_record": lambda s, c: s.usage.record_snapshots(c["snapshots"]),
    "record_columns": lambda s, c: ingest_record_columns(s.records, c),
}


def test_the_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_bad_input(case: dict[str, Any]) -> None:
    subject = Subject()
    before = subject.json()
    with pytest.raises(KINDS[case["kind"]]):
        OPERATIONS[case["op"]](subject, case)
    assert subject.json() == before

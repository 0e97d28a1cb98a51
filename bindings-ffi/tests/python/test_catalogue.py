"""The catalogue of bad inputs (core/tests/data/bad_inputs.json), run through the UniFFI bindings.

Inputs in the core's JSON shape are read with the library's own `*_from_json` functions, so a
JSON-shaped defect (an unknown field, an unknown value) is refused by the same rule as in Rust;
each case must raise the error case of its kind and leave the engine's JSON unchanged.
"""

import json
import sys
from pathlib import Path

import pytest

import connected_apps_ffi as ca

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "core/tests/data"))

from catalogue import CASES, SAMPLE_TEXT, case_ids, patched_sample, restore_text, when  # noqa: E402

KINDS = {
    "not_found": ca.ConnectedAppsError.NotFound,
    "permission_denied": ca.ConnectedAppsError.PermissionDenied,
    "conflict": ca.ConnectedAppsError.Conflict,
    "invalid_state": ca.ConnectedAppsError.InvalidState,
    "invalid_input": ca.ConnectedAppsError.InvalidInput,
}


class Subject:
    """What a case may change: the engine, a record aggregate and a usage history."""

    def __init__(self):
        self.engine = ca.AccountEngine.from_json(SAMPLE_TEXT)
        self.records = ca.RecordAggregate()
        self.usage = ca.UsageHistory()

    def json(self):
        return self.engine.to_json(), self.records.to_json(), self.usage.to_json()


def insights(records, case):
    settings = ca.default_insights_settings()
    settings.window_days = case["window_days"]
    now = when(case["now"])
    grouping = ca.Grouping(app=False, record_type=False, action=False)
    query = ca.InsightsQuery(
        as_of=now.date().isoformat(), include_incomplete_day=False, app=None, record_type=None, group_by=grouping
    )
    records.insights(settings, query, now)


def usage_report(subject, case):
    settings = ca.default_usage_settings()
    settings.window_days = case["window_days"]
    subject.usage.report(subject.engine.account(), settings, when(case["now"]))


def usage_record(usage, case):
    snapshots = [
        ca.UsageSnapshot(app=s["app"], at=when(s["at"]), calls_today=s["calls_today"], usage_limit=None, resets_at=None)
        for s in case["snapshots"]
    ]
    usage.record_all(snapshots)


def record_columns(records, case):
    rows = case["rows"]
    records.ingest_columns(
        ca.RecordEventColumns(
            at_micros=[r[0] for r in rows],
            apps=[r[1] for r in rows],
            app_dictionary=[f"app-{i}" for i in range(case["app_dictionary_len"])],
            record_types=[r[2] for r in rows],
            record_type_dictionary=[f"2-{i}" for i in range(case["type_dictionary_len"])],
            actions=bytes(r[3] for r in rows),
        )
    )


def actor(case):
    return ca.Actor.SYSTEM() if case["actor"] is None else ca.Actor.USER(case["actor"])


def activity_filter(spec):
    return ca.activity_filter_from_json(json.dumps(spec or {}))


def run_activity(engine, case):
    cursor = case.get("cursor")
    if "cursor_from" in case:
        cursor = engine.activity(activity_filter(case["cursor_from"]), None, 1).next_cursor
    engine.activity(activity_filter(case.get("filter")), cursor, case["page_size"])


ENGINE_OPERATIONS = {
    "execute": lambda e, c: e.execute(actor(c), ca.command_from_json(json.dumps(c["command"])), when(c["now"])),
    "import_ndjson": lambda e, c: e.import_ndjson(c["text"]),
    "restore": lambda e, c: ca.AccountEngine.from_json(patched_sample(c["patch"])),
    "restore_text": lambda e, c: ca.AccountEngine.from_json(restore_text(c)),
    "activity": run_activity,
    "facets": lambda e, c: e.activity_facets(activity_filter(c.get("filter"))),
    "add_user": lambda e, c: e.add_user(ca.user_from_json(json.dumps(c["user"]))),
    "add_team": lambda e, c: e.add_team(ca.team_from_json(json.dumps(c["team"]))),
    "add_app": lambda e, c: e.add_app(ca.app_from_json(json.dumps(c["app"]))),
    "set_account": lambda e, c: e.set_account(ca.account_from_json(json.dumps(c["account"]))),
    "set_user_active": lambda e, c: e.set_user_active(c["user"], c["active"]),
    "create_rule": lambda e, c: e.create_rule(c["actor"], ca.rule_from_json(json.dumps(c["rule"])), when(c["now"])),
    "dry_run": lambda e, c: e.dry_run_notifications(
        [ca.rule_from_json(json.dumps(r)) for r in c["rules"]], when(c["from"]), when(c["to"])
    ),
    "record_deliveries": lambda e, c: e.record_deliveries(
        ca.deliveries_from_json(json.dumps(c["deliveries"])), when(c["now"])
    ),
    "record_governance_deliveries": lambda e, c: e.record_governance_deliveries(
        ca.governance_deliveries_from_json(json.dumps(c["deliveries"])), when(c["now"])
    ),
    "import_security_activity": lambda e, c: ca.import_security_activity(e, c["json"]),
    "import_audit_logs": lambda e, c: ca.import_audit_logs(e, c["json"]),
}
OPERATIONS = {
    **{op: (lambda run: lambda s, c: run(s.engine, c))(run) for op, run in ENGINE_OPERATIONS.items()},
    "ingest_webhooks": lambda s, c: ca.ingest_webhooks(s.records, c["json"]),
    "ingest_journal": lambda s, c: ca.ingest_journal(s.records, c["json"]),
    "import_daily_usage": lambda s, c: s.usage.record_all(ca.usage_snapshots_from_daily_usage(c["json"]).items),
    "insights": lambda s, c: insights(s.records, c),
    "usage_report": usage_report,
    "aggregate_restore": lambda s, c: ca.RecordAggregate.from_json(c["json"]),
    "usage_restore": lambda s, c: ca.UsageHistory.from_json(c["json"]),
    "usage_record": lambda s, c: usage_record(s.usage, c),
    "record_columns": lambda s, c: record_columns(s.records, c),
}


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_bad_input(case):
    subject = Subject()
    before = subject.json()
    with pytest.raises(KINDS[case["kind"]]):
        OPERATIONS[case["op"]](subject, case)
    assert subject.json() == before

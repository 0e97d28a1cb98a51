"""Real payloads (K1–K3) from the core's fixtures: what they yield and the import reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import connected_apps as ca

FIXTURES = Path(__file__).resolve().parents[2] / "core" / "tests" / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_security_activity_and_audit_logs_become_events() -> None:
    for read, name in ((ca.events_from_security_activity, "security_activity"), (ca.events_from_audit_logs, "audit_logs")):
        events, report = read(fixture(f"{name}.json"))
        assert events and all(isinstance(e, ca.Event) for e in events)
        assert report["imported"] == len(events) <= report["read"]
        assert all(isinstance(e.type, ca.ActivityType) for e in events)
    events, report = ca.events_from_security_activity(fixture("security_activity.json"))
    assert "LOGIN_SUCCESS" in report["unsupported"]
    assert ("gmail", ca.ActivityType.UNINSTALLED) in {(e.app, e.type) for e in events}


def test_daily_usage_becomes_snapshots() -> None:
    snapshots, report = ca.usage_snapshots_from_daily_usage(fixture("daily_api_usage.json"))
    assert snapshots and report["imported"] == len(snapshots)


def test_webhooks_and_journal_fill_a_cube() -> None:
    cube = ca.RecordAggregate()
    report = cube.import_webhooks(fixture("webhook_batch.json"))
    assert cube.event_count == report["imported"] > 0
    before = cube.event_count
    journal = cube.import_journal(fixture("webhooks_journal.json"))
    assert cube.event_count == before + journal["imported"]


def test_webhooks_are_credited_to_the_integration_and_counted_once() -> None:
    cube = ca.RecordAggregate()
    body = fixture("webhook_batch.json")
    report = cube.import_webhooks(body)
    assert report["by_source"] == {"CRM_UI": 2, "IMPORT": 1, "INTEGRATION": 4}
    assert (report["imported"], report["duplicates"], report["repeat_updates"], report["expired"]) == (3, 1, 1, 0)
    assert sorted({c["app"] for c in cube.cells()}) == ["54321", "77001"], "never the subscriber 1160452"
    again = cube.import_webhooks(body)
    assert (again["imported"], again["duplicates"]) == (0, 8)
    resent = cube.import_webhooks(fixture("webhook_batch_resent.json"))
    assert (resent["imported"], resent["duplicates"]) == (2, 1)
    restored = ca.RecordAggregate.from_json(cube.to_json())
    assert restored.import_webhooks(fixture("webhook_batch_resent.json"))["imported"] == 0
    before = cube.to_json()
    with pytest.raises(ca.InvalidInputError, match="unknown changeSource"):
        cube.import_webhooks(body.replace('"CRM_UI"', '"TELEPATHY"', 1))
    assert cube.to_json() == before


def test_security_activity_imports_into_an_engine_resolving_actors() -> None:
    engine = ca.Engine(ca.Account("1", "Acme"))
    engine.add_user(ca.User("ops", "Ops", "ops@example.com", super_admin=True, platform_user_id="4455"))
    engine.add_user(ca.User("admin", "Admin", "ADMIN@acme.example", super_admin=True))
    assert engine.user("ops").platform_user_id == "4455"
    engine.add_app(ca.App("gmail", "Gmail", "Google", level="account_level", distribution="marketplace"))
    report = engine.import_security_activity(fixture("security_activity.json"))
    assert report["imported"] == 3 and report["unresolved_actors"] == {} and report["skipped"] == {}
    assert [(e.type, e.actor) for e in engine.events()] == [
        (ca.ActivityType.INSTALLED, "ops"),
        (ca.ActivityType.UNINSTALLED, "ops"),
        (ca.ActivityType.REINSTALLED, "admin"),
    ]
    again = engine.import_security_activity(fixture("security_activity.json"))
    assert (again["imported"], again["skipped"]) == (0, {"already in the log": 3})
    audit = engine.import_audit_logs(fixture("audit_logs.json"))
    assert audit["unsupported"]["PROPERTY_MAPPINGS/DISCONNECT"] == 1


def test_malformed_payloads_raise_invalid_input() -> None:
    with pytest.raises(ca.InvalidInputError):
        ca.events_from_audit_logs("{not json")
    cube = ca.RecordAggregate()
    with pytest.raises(ca.InvalidInputError):
        cube.import_webhooks('[{"eventId": 1}]')
    assert cube.event_count == 0


def test_usage_history_and_report() -> None:
    from datetime import datetime, timezone

    snapshots, _ = ca.usage_snapshots_from_daily_usage(fixture("daily_api_usage.json"))
    history = ca.UsageHistory()
    assert history.record_snapshots(snapshots) == len(snapshots)
    latest = max(datetime.fromisoformat(s["at"].replace("Z", "+00:00")) for s in snapshots)
    report = history.report(ca.Account("1", "Acme", subscriptions={"sales": "professional"}), latest)
    assert report.limits["daily"] == 625_000
    # The fixture's readings of 2 March: 182,450 + 40,210 calls (the timed-out one adds nothing).
    assert report.calls_today == 182_450 + 40_210 and report.limit == 625_000
    assert report.share_used == pytest.approx((182_450 + 40_210) / 625_000)
    assert len(report.days) == 30 and report.resets_at > latest
    with pytest.raises(ca.InvalidInputError):
        history.report(ca.Account("1", "Acme", time_zone="Mars/Olympus_Mons"), latest)

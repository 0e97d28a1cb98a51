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
    journal = cube.import_journal(fixture("webhooks_journal.json"), "journal-app")
    assert cube.event_count == before + journal["imported"]


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
    assert report.calls_today >= 0 and 0 <= report.share_used
    assert len(report.days) == 30 and report.resets_at > latest
    with pytest.raises(ca.InvalidInputError):
        history.report(ca.Account("1", "Acme", time_zone="Mars/Olympus_Mons"), latest)

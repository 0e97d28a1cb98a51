"""The platform's real payloads through the UniFFI importers."""


import pytest

import connected_apps_ffi as ca
from conftest import E, FIXTURES


def test_real_payloads_become_inputs_with_a_report():
    usage = ca.usage_snapshots_from_daily_usage((FIXTURES / "daily_api_usage.json").read_text())
    assert [s.calls_today for s in usage.items][:1] == [182450]
    assert (usage.report.read, usage.report.imported) == (3, 2)
    assert usage.report.unsupported == {"fetch status TIMEOUT": 1}
    security = ca.events_from_security_activity((FIXTURES / "security_activity.json").read_text())
    assert [type(e.kind) for e in security.items] == [
        ca.EventKind.INSTALLED, ca.EventKind.UNINSTALLED, ca.EventKind.REINSTALLED
    ]
    assert security.items[0].actor == "4455" and security.report.unsupported["LOGIN_SUCCESS"] == 1
    audit = ca.events_from_audit_logs((FIXTURES / "audit_logs.json").read_text())
    assert audit.items[1].kind == ca.EventKind.DISCONNECTED() and audit.items[1].app == "salesforce"
    webhooks = ca.record_events_from_webhooks((FIXTURES / "webhook_batch.json").read_text())
    # Credited to the integration in sourceId, never to the subscribing appId 1160452.
    assert [(e.app, e.record_type, e.action) for e in webhooks.items] == [
        ("54321", "companies", ca.RecordAction.UPDATED),
        ("54321", "deals", ca.RecordAction.DELETED),
        ("77001", "2-123456", ca.RecordAction.CREATED),
    ]
    assert webhooks.report.by_source == {"CRM_UI": 2, "IMPORT": 1, "INTEGRATION": 4}
    assert (webhooks.report.duplicates, webhooks.report.repeat_updates) == (1, 1)
    aggregate = ca.RecordAggregate()
    bad = ca.RecordEvent(at=webhooks.items[0].at, app="", record_type="contacts", action=ca.RecordAction.CREATED)
    with pytest.raises(E.InvalidInput):
        aggregate.ingest_all(webhooks.items + [bad])
    assert aggregate.event_count() == 0, "a refused batch counts nothing"
    journal = ca.record_events_from_journal((FIXTURES / "webhooks_journal.json").read_text())
    assert journal.items[0].app == "54321" and journal.report.unsupported["ASSOCIATION_ADDED"] == 1
    with pytest.raises(E.InvalidInput, match="malformed"):
        ca.events_from_audit_logs("{")


def test_imports_count_each_delivery_once_and_resolve_actors(engine):
    aggregate = ca.RecordAggregate()
    body = (FIXTURES / "webhook_batch.json").read_text()
    first = ca.ingest_webhooks(aggregate, body)
    assert (first.imported, first.duplicates, first.by_source["INTEGRATION"]) == (3, 1, 4)
    again = ca.ingest_webhooks(aggregate, body)
    assert (again.imported, again.duplicates) == (0, 8)
    assert aggregate.event_count() == 3
    copy = ca.RecordAggregate.from_json(aggregate.to_json())
    assert ca.ingest_webhooks(copy, body).imported == 0, "the dedupe memory survives a snapshot"
    before = aggregate.to_json()
    with pytest.raises(E.InvalidInput, match="attemptNumber -1 is negative"):
        ca.ingest_webhooks(aggregate, body.replace('"attemptNumber": 0', '"attemptNumber": -1', 1))
    assert aggregate.to_json() == before
    journal = ca.ingest_journal(aggregate, (FIXTURES / "webhooks_journal.json").read_text())
    # 54321 already updated company 9876 on 2 March (webhook batch): the journal's updates of it repeat.
    assert (journal.imported, journal.repeat_updates) == (3, 2)

    ops = ca.User(id="ops", name="Ops", email="OPS@acme.example", active=True, super_admin=True,
                  permissions=[], platform_user_id="4455")
    engine.add_user(ops)
    security = (FIXTURES / "security_activity.json").read_text()
    report = ca.import_security_activity(engine, security)
    # gmail is user-level: ops's install and uninstall name ops's connection; 7788 is unknown,
    # so its install (which would name 7788's connection) is skipped and reported.
    assert report.imported == 2 and report.unsupported["LOGIN_SUCCESS"] == 1
    assert report.unresolved_actors == {"7788 <admin@acme.example>": 1}
    assert report.skipped == {"user-level app with an unknown actor": 1}
    assert [(e.user, e.actor) for e in engine.events()] == [("ops", "ops"), ("ops", "ops")]
    again = ca.import_security_activity(engine, security)
    assert (again.imported, again.skipped["already in the log"]) == (0, 2)
    audit = ca.import_audit_logs(engine, (FIXTURES / "audit_logs.json").read_text())
    assert audit.unsupported["PROPERTY_MAPPINGS/DISCONNECT"] == 1

"""Notification rules, evaluation, the delivery log and the dry run through the UniFFI bindings."""

from datetime import timedelta

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, MIA, at, install


def disconnect_rule(**changes) -> ca.Rule:
    fields = dict(
        id="r1",
        name="Salesforce down",
        rule_type=ca.RuleType.APP_DISCONNECTED,
        apps=ca.RuleApps.ONLY(["salesforce"]),
        recipients=ca.Recipients.SPECIFIC(users=["admin"], teams=["sales"]),
        channels=[ca.Channel.EMAIL, ca.Channel.IN_APP],
        frequency=ca.Frequency.DAILY,
        notify_recovered=True,
    )
    fields.update(changes)
    return ca.Rule(**fields)


def test_notification_rules_evaluation_delivery_log_and_dry_run(engine):
    engine.create_rule("mia", disconnect_rule(), at(0))
    assert [r.id for r in engine.rules()] == ["r1"] and engine.rule("r1") == disconnect_rule()
    assert engine.active_rules()[0].since == at(0)
    assert engine.resolve_recipients(disconnect_rule().recipients) == ["admin", "ben", "mia"]
    # N3: only super admins edit or delete a rule once it is set up.
    with pytest.raises(E.PermissionDenied, match='user "mia" is not a super admin'):
        engine.edit_rule("mia", disconnect_rule(name="Renamed"), at(1))
    engine.edit_rule("admin", disconnect_rule(recipients=ca.Recipients.SUPER_ADMINS()), at(1))
    assert [type(e.change) for e in engine.rule_events()] == [ca.RuleChange.CREATED, ca.RuleChange.EDITED]
    with pytest.raises(E.InvalidInput, match='disconnect rule "r2" must have a reminder frequency'):
        engine.create_rule("admin", disconnect_rule(id="r2", frequency=None), at(2))
    with pytest.raises(E.Conflict, match='duplicate rule id "r1"'):
        engine.create_rule("admin", disconnect_rule(), at(2))
    with pytest.raises(E.NotFound, match='unknown rule "r9"'):
        engine.delete_rule("admin", "r9", at(2))

    install(engine, ADMIN, "salesforce", at(10))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(20))
    now = at(20) + timedelta(days=1, minutes=5)
    due = engine.due_notifications(now)
    assert [(d.trigger, d.recipient, d.channel) for d in due] == [
        (ca.Trigger.DISCONNECTED(event=2), "admin", ca.Channel.EMAIL),
        (ca.Trigger.DISCONNECTED(event=2), "admin", ca.Channel.IN_APP),
        (ca.Trigger.REMINDER(disconnected=2, n=1), "admin", ca.Channel.EMAIL),
        (ca.Trigger.REMINDER(disconnected=2, n=1), "admin", ca.Channel.IN_APP),
    ]
    assert due[2].due_at == ca.reminder_due(ca.Frequency.DAILY, at(20), 1) == at(20) + timedelta(days=1)
    assert engine.due_notifications(now) == due  # evaluating twice yields the same
    # Only deliveries the engine produced at that clock are recorded, all or nothing.
    first = due[0]
    forged = ca.Delivery(
        due_at=first.due_at,
        rule=first.rule,
        trigger=first.trigger,
        app=first.app,
        connection_user=first.connection_user,
        recipient="ben",
        channel=first.channel,
    )
    with pytest.raises(E.InvalidInput, match="is not due at"):
        engine.record_deliveries([*due, forged], now)
    with pytest.raises(E.InvalidInput, match="is not due at"):
        engine.record_deliveries(due, at(20) + timedelta(hours=23))  # the reminder is not due yet
    assert engine.delivery_log().notices == []
    assert engine.record_deliveries(due, now) == 2
    assert engine.due_notifications(now) == []  # recorded notices are not due again
    log = engine.delivery_log()
    assert len(log.notices) == 2 and log.settled_before is None
    engine.execute(ADMIN, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=None), at(22))
    engine.settle_deliveries(at(21))
    log = engine.delivery_log()
    assert log.settled_before == at(21) and len(log.notices) == 1
    assert [o.event for o in log.open_at_settle] == [2]
    # Never settled past the newest event.
    engine.settle_deliveries(at(40))
    log = engine.delivery_log()
    assert log.settled_before == at(22)
    # The rules and the delivery log travel in the snapshot.
    assert ca.AccountEngine.from_json(engine.to_json()).delivery_log() == log

    # X1: a dry run of other rules over the same log changes nothing.
    installs = disconnect_rule(
        id="i1", rule_type=ca.RuleType.APP_INSTALLED, apps=ca.RuleApps.ALL(), frequency=None, notify_recovered=False
    )
    dry = engine.dry_run_notifications([installs], at(0), at(30))
    # Recipients: admin, and the sales team's members (N4: teams expanded, each person once).
    assert [(d.rule, d.trigger, d.recipient) for d in dry[::2]] == [
        ("i1", ca.Trigger.INSTALLED(event=1), "admin"),
        ("i1", ca.Trigger.INSTALLED(event=1), "ben"),
        ("i1", ca.Trigger.INSTALLED(event=1), "mia"),
    ]
    assert [d.channel for d in dry] == [ca.Channel.EMAIL, ca.Channel.IN_APP] * 3
    with pytest.raises(E.InvalidInput, match="window starts at"):
        engine.dry_run_notifications([installs], at(30), at(0))
    with pytest.raises(E.InvalidInput, match="spans more than 366 days"):
        engine.dry_run_notifications([installs], at(0), at(0) + timedelta(days=367))
    engine.delete_rule("admin", "r1", at(30))
    assert engine.rules() == []


def test_access_request_reminders_until_expired(engine):
    """G2: an access_requested rule notifies at the request, then every period while it stays
    open; nothing at or after its expiry."""
    engine.set_governance_settings(ca.GovernanceSettings(request_expiry_days=2))
    fields = dict(
        id="asks",
        rule_type=ca.RuleType.ACCESS_REQUESTED,
        apps=ca.RuleApps.ALL(),
        recipients=ca.Recipients.SUPER_ADMINS(),
        channels=[ca.Channel.IN_APP],
        notify_recovered=False,
    )
    rule = disconnect_rule(**fields)
    with pytest.raises(E.InvalidInput, match='access-request rule "asks" must have a reminder frequency'):
        engine.create_rule("admin", disconnect_rule(**fields, frequency=None), at(0))
    assert engine.rules() == []
    engine.create_rule("admin", rule, at(0))
    event = engine.request_access("ben", "salesforce", None, "crm sync", at(10))
    due = engine.due_notifications(at(10))
    assert [(d.trigger, d.connection_user, d.recipient) for d in due] == [
        (ca.Trigger.ACCESS_REQUESTED(event=event), "ben", "admin")
    ]
    engine.record_deliveries(due, at(10))
    day = at(10) + timedelta(days=1)
    assert engine.due_notifications(day - timedelta(seconds=1)) == []
    [reminder] = engine.due_notifications(day)
    assert reminder.trigger == ca.Trigger.REQUEST_REMINDER(requested=event, n=1)
    # The second reminder would fall at the expiry: the request is closed then.
    assert engine.due_notifications(day + timedelta(days=1)) == []
    timeline = engine.dry_run_notifications([rule], at(0), at(10) + timedelta(days=5))
    assert [d.trigger for d in timeline] == [
        ca.Trigger.ACCESS_REQUESTED(event=event),
        ca.Trigger.REQUEST_REMINDER(requested=event, n=1),
    ]

"""Access and permissions (O3) and notification rules and deliveries (N1–N4, X1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

import connected_apps as ca
from conftest import at, snapshot

INSTALLS = {
    "id": "installs",
    "name": "New apps",
    "type": "app_installed",
    "apps": "all",
    "recipients": "super_admins",
    "channels": ["email", "in_app"],
}
DISCONNECTS = {
    "id": "disconnects",
    "name": "Salesforce down",
    "type": ca.RuleType.APP_DISCONNECTED,
    "apps": {"only": ["salesforce"]},
    "recipients": {"specific": {"users": ["ann"], "teams": []}},
    "channels": [ca.Channel.EMAIL],
    "frequency": ca.Frequency.HOURLY,
}


def test_access_of_a_connection(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(0))  # grants the required scope only
    access = engine.access("salesforce")
    assert (access.app, access.app_name, access.user, access.version) == ("salesforce", "Salesforce", None, None)
    assert access.pending_scopes == [] and not access.needs_reauthentication
    by_name = {s["name"]: s for s in access.scopes}
    assert by_name["crm.objects.contacts.read"]["access"] == {"status": "authorised"}
    assert by_name["crm.objects.deals.read"]["access"] == {
        "status": "available_after_reauthentication",
        "scopes": ["crm.objects.deals.read"],
    }
    with pytest.raises(ca.InvalidStateError, match="not installed"):
        engine.access("slack")
    with pytest.raises(ca.NotFoundError):
        engine.access("ghost")


def test_rules_deliveries_and_the_delivery_log(engine: ca.Engine) -> None:
    engine.create_rule("ann", INSTALLS, at(0))
    engine.create_rule("admin", ca.Rule.from_dict(DISCONNECTS), at(0))
    rules = {r.id: r for r in engine.notification_rules()}
    assert rules["disconnects"].type is ca.RuleType.APP_DISCONNECTED
    assert rules["disconnects"].frequency is ca.Frequency.HOURLY
    assert rules["installs"].channels == [ca.Channel.EMAIL, ca.Channel.IN_APP]
    assert rules["installs"].apps == "all" and rules["installs"].recipients == "super_admins"
    assert [c["actor"] for c in engine.rule_changes()] == ["ann", "admin"]

    engine.install("admin", "salesforce", at(1))
    engine.disconnect("admin", "salesforce", at(2))
    due = engine.due_notifications(at(3.5))
    kinds = [(d.rule, d.trigger["kind"], d.recipient, d.channel) for d in due]
    assert ("installs", "installed", "admin", ca.Channel.EMAIL) in kinds
    assert ("disconnects", "disconnected", "ann", ca.Channel.EMAIL) in kinds
    assert ("disconnects", "reminder", "ann", ca.Channel.EMAIL) in kinds  # hourly reminder at 3:00
    assert all(d.due_at <= at(3.5) for d in due)
    # Only what the engine produced at that clock is recorded, all or nothing.
    forged = {**due[0].to_dict(), "recipient": "bob"}
    with pytest.raises(ca.InvalidInputError, match="is not due at"):
        engine.record_deliveries([*due, forged], at(3.5))
    with pytest.raises(ca.InvalidInputError, match="is not due at"):
        engine.record_deliveries(due, at(2.5))  # the 3:00 reminder is not due yet
    assert engine.due_notifications(at(3.5)) == due
    assert engine.record_deliveries(due, at(3.5)) == len({(d.rule, str(d.trigger)) for d in due})
    assert engine.due_notifications(at(3.5)) == []  # N4: nothing twice
    engine.settle_deliveries(at(3))  # never past the newest event (the disconnect at 2)
    assert engine.delivery_log()["settled_before"] == "2026-03-02T11:00:00Z"
    # Dry runs are bounded: a window of more than a year is refused.
    with pytest.raises(ca.InvalidInputError, match="spans more than 366 days"):
        engine.dry_run_notifications([INSTALLS], at(0), at(24 * 367))


def test_dry_run_changes_nothing(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(1))
    before = snapshot(engine)
    deliveries = engine.dry_run_notifications([INSTALLS], at(0), at(2))
    assert [(d.app, d.recipient) for d in deliveries] == [("salesforce", "admin"), ("salesforce", "admin")]
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda e: e.create_rule("bob", INSTALLS, at(1)), ca.PermissionDeniedError),
        (lambda e: e.edit_rule("ann", {**INSTALLS, "name": "Renamed"}, at(1)), ca.PermissionDeniedError),
        (lambda e: e.create_rule("admin", INSTALLS, at(1)), ca.ConflictError),
        (lambda e: e.delete_rule("admin", "ghost", at(1)), ca.NotFoundError),
        (lambda e: e.create_rule("admin", {**DISCONNECTS, "id": "d2", "frequency": None}, at(1)), ca.InvalidInputError),
        (lambda e: e.create_rule("admin", {"id": "x"}, at(1)), ca.InvalidInputError),
    ],
)
def test_refused_rule_changes_raise_and_change_nothing(engine, change, error) -> None:  # type: ignore[no-untyped-def]
    engine.create_rule("admin", INSTALLS, at(0))
    before = (snapshot(engine), engine.rule_changes())
    with pytest.raises(error):
        change(engine)
    assert (snapshot(engine), engine.rule_changes()) == before


def test_rules_survive_a_snapshot(engine: ca.Engine) -> None:
    engine.create_rule("admin", INSTALLS, at(0))
    again = ca.Engine.from_json(engine.to_json())
    assert again.notification_rules() == engine.notification_rules()


def test_app_version_change_is_reflected_in_access(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(0))
    assert engine.app_version("salesforce") is None
    engine.append(
        ca.Event(
            100,
            at(1),
            "salesforce",
            ca.ActivityType.APP_VERSION_CHANGED,
            details={
                "version": "2.0",
                "scopes": [
                    {"name": "crm.objects.contacts.read", "requirement": "required"},
                    {"name": "crm.objects.contacts.write", "requirement": "required"},
                ],
            },
        )
    )
    assert engine.app_version("salesforce") == ("2.0", at(1))
    current = engine.current_app("salesforce")
    assert current is not None and [s["name"] for s in current.scopes][-1] == "crm.objects.contacts.write"
    access = engine.access("salesforce")
    assert access.version == "2.0" and access.pending_scopes == ["crm.objects.contacts.write"]
    engine.reauthenticate("admin", "salesforce", at(2))
    assert engine.access("salesforce").pending_scopes == []


def test_access_request_reminders_until_decided(engine: ca.Engine) -> None:
    """G2: an access_requested rule notifies when a request is made, then every period while it
    stays open; the approval stops it."""
    engine.create_rule(
        "admin",
        {
            "id": "asks",
            "name": "Access requests",
            "type": ca.RuleType.ACCESS_REQUESTED,
            "apps": "all",
            "recipients": "super_admins",
            "channels": ["email"],
            "frequency": ca.Frequency.DAILY,
        },
        at(0),
    )
    assert engine.notification_rules()[0].type is ca.RuleType.ACCESS_REQUESTED
    event = engine.request_access("bob", "slack", at(1), reason="team chat")
    [first] = engine.due_notifications(at(1))
    assert (first.trigger, first.connection_user, first.recipient) == (
        {"kind": "access_requested", "event": event},
        "bob",
        "admin",
    )
    engine.record_deliveries([first], at(1))
    assert engine.due_notifications(at(25) - timedelta(seconds=1)) == []
    [reminder] = engine.due_notifications(at(25))
    assert reminder.trigger == {"kind": "request_reminder", "requested": event, "n": 1}
    assert engine.record_deliveries([reminder], at(25)) == 1
    assert [d.trigger["n"] for d in engine.due_notifications(at(49))] == [2]  # still open
    engine.approve_request("admin", "slack", "bob", "allow_list", at(26))
    assert engine.due_notifications(at(24 * 5)) == []  # nothing after the approval
    restored = ca.Engine.from_json(engine.to_json())
    assert restored.due_notifications(at(24 * 5)) == []
    assert restored.delivery_log() == engine.delivery_log()
    # Without a frequency the rule is refused, and nothing changes.
    before = snapshot(engine)
    with pytest.raises(ca.InvalidInputError, match='access-request rule "bad" must have a reminder frequency'):
        engine.create_rule(
            "admin",
            {
                "id": "bad",
                "name": "Bad",
                "type": "access_requested",
                "apps": "all",
                "recipients": "super_admins",
                "channels": ["email"],
            },
            at(27),
        )
    assert snapshot(engine) == before

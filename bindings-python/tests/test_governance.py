"""Governance (G1–G3) from Python: approval policies, the access-request queue, the inventory and
revocations; every refusal raises the error kind's exception and changes nothing."""

from __future__ import annotations

import pytest

import connected_apps as ca
from conftest import at, snapshot

DEALS = "crm.objects.deals.read"
CONTACTS = "crm.objects.contacts.read"


def test_team_rule_blocks_and_names_the_rule_user_exception_wins(engine: ca.Engine) -> None:
    ids = engine.set_policy("admin", "salesforce", [{"level": {"team": "sales"}, "approval": "blocked"}], at(0))
    assert ids == [1]
    assert engine.events()[0].type is ca.ActivityType.POLICY_CHANGED
    assert engine.policy_decision("salesforce", "ann") == {"approval": "blocked", "level": {"team": "sales"}}
    assert engine.policy_decision("salesforce", "admin") == {"approval": "allowed", "level": None}
    before = snapshot(engine)
    with pytest.raises(ca.PermissionDeniedError, match='blocked for user "ann" by the team "sales" rule'):
        engine.install("ann", "salesforce", at(1))
    assert snapshot(engine) == before
    engine.set_policy("admin", "salesforce", [{"level": {"user": "ann"}, "approval": "allowed"}], at(1))
    assert isinstance(engine.install("ann", "salesforce", at(2)), ca.Applied)
    assert engine.app_policy("salesforce") == {"teams": {"sales": "blocked"}, "users": {"ann": "allowed"}}


def test_policy_refusals_change_nothing(engine: ca.Engine) -> None:
    before = snapshot(engine)
    with pytest.raises(ca.PermissionDeniedError, match="not a super admin"):
        engine.set_policy("ann", "salesforce", [{"level": "account", "approval": "blocked"}], at(0))
    with pytest.raises(ca.NotFoundError, match='unknown team "nope"'):
        engine.set_policy("admin", "salesforce", [{"level": {"team": "nope"}, "approval": "blocked"}], at(0))
    with pytest.raises(ca.NotFoundError):
        engine.set_policy("admin", "nope", [{"level": "account", "approval": "blocked"}], at(0))
    with pytest.raises(ca.InvalidInputError, match="twice with different rules"):
        engine.set_policy(
            "admin",
            "salesforce",
            [{"level": "account", "approval": "blocked"}, {"level": "account", "approval": "allowed"}],
            at(0),
        )
    with pytest.raises(ca.InvalidInputError, match="not optional"):
        engine.turn_off_scopes("admin", "salesforce", [CONTACTS], at(0))
    assert snapshot(engine) == before


def test_scopes_turned_off_and_violations_until_revoked(engine: ca.Engine) -> None:
    engine.install("ann", "salesforce", at(0), scopes=[CONTACTS, DEALS])
    engine.turn_off_scopes("admin", "salesforce", [DEALS], at(1))
    [violation] = engine.policy_violations(at(1))
    assert violation["connection"] == {"app": "salesforce"} and violation["scopes_off"] == [DEALS]
    assert engine.connection_state("salesforce", at(1)) is ca.ConnectionState.CONNECTED
    engine.revoke_connection("admin", "salesforce", at(2), reason="deals scope is off")
    assert engine.connection_state("salesforce", at(2)) is ca.ConnectionState.UNINSTALLED
    assert engine.policy_violations(at(2)) == []
    before = snapshot(engine)
    with pytest.raises(ca.InvalidStateError, match="not installed"):
        engine.revoke_connection("admin", "salesforce", at(3))
    with pytest.raises(ca.InvalidInputError, match="turned off by policy"):
        engine.install("ann", "salesforce", at(3), scopes=[CONTACTS, DEALS])
    assert snapshot(engine) == before


def test_the_queue_approve_deny_and_expiry(engine: ca.Engine) -> None:
    engine.set_policy("admin", "slack", [{"level": "account", "approval": "needs_approval"}], at(0))
    engine.request_access("bob", "gmail", at(0.5), reason="mail")
    request = engine.install("ann", "slack", at(1))  # needs approval: a request, even with access
    assert isinstance(request, ca.InstallRequest)
    engine.request_access("bob", "slack", at(2), reason="team chat")
    queue = engine.access_queue(at(3))
    assert [(q["app"], q["requesters"]) for q in queue] == [("slack", 2), ("gmail", 1)]
    assert [r["requester"] for r in queue[0]["requests"]] == ["ann", "bob"]
    assert queue[0]["requests"][1]["reason"] == "team chat"
    before = snapshot(engine)
    with pytest.raises(ca.ConflictError, match="already has an open request"):
        engine.request_access("bob", "slack", at(3))
    with pytest.raises(ca.PermissionDeniedError):
        engine.approve_request("ann", "slack", "bob", "install", at(3))
    assert snapshot(engine) == before
    assert len(engine.approve_request("admin", "slack", "ann", "install", at(3))) == 2
    assert engine.connection_state("slack", at(3)) is ca.ConnectionState.CONNECTED
    with pytest.raises(ca.InvalidStateError, match="already approved"):
        engine.approve_request("admin", "slack", "ann", "install", at(4))
    engine.deny_request("admin", "slack", "bob", "already installed for the account", at(4))
    assert engine.access_request("slack", "bob")["status"]["status"] == "denied"
    # Expiry: 1 day; the gmail request of bob is refused once expired.
    with pytest.raises(ca.InvalidInputError, match="outside 1..=365"):
        engine.set_request_expiry_days(0)
    engine.set_request_expiry_days(1)
    assert engine.request_expiry_days == 1
    engine.request_access("ann", "gmail", at(5))
    with pytest.raises(ca.InvalidStateError, match="expired"):
        engine.approve_request("admin", "gmail", "ann", "allow_list", at(29))
    engine2 = ca.Engine.from_json(engine.to_json())
    assert engine2.access_queue(at(6)) == engine.access_queue(at(6))
    assert engine2.request_expiry_days == 1


def test_inventory_and_revoking_a_leavers_connections(engine: ca.Engine) -> None:
    engine.install("ann", "gmail", at(0))
    engine.install("ann", "salesforce", at(0))
    for h in (1, 2):
        engine.report_activity("gmail", at(h), user="ann")
    inventory = engine.user_inventory("ann", at(3))
    assert [c["connection"]["app"] for c in inventory["connections"]] == ["gmail", "salesforce"]
    assert inventory["connections"][0]["usage"]["uses"] == 2
    assert [u["user"] for u in engine.app_users("gmail", at(3))] == ["ann"]
    offered = engine.deactivate_user("ann", at(3))
    assert offered == [{"app": "gmail", "user": "ann"}, {"app": "salesforce"}]
    assert len(engine.revoke_user_connections("admin", "ann", at(4), reason="left")) == 2
    assert engine.user_inventory("ann", at(4))["connections"] == []
    with pytest.raises(ca.NotFoundError):
        engine.user_inventory("nobody", at(4))

"""Governance (G1–G3) through UniFFI: approval policies, the access-request queue, the inventory
and revocations; refusals raise the error kind's case and change nothing."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, BEN, E, MIA, at, install

CONTACTS = "crm.objects.contacts.read"
DEALS = "crm.objects.deals.write"


def rule(level, approval):
    return ca.PolicyRule(level=level, approval=approval)


def test_policy_precedence_blocks_with_the_rule_named(engine):
    engine.set_policy("admin", "salesforce", [rule(ca.PolicyLevel.TEAM("sales"), ca.Approval.BLOCKED)], at(0))
    decision = engine.policy_decision("salesforce", "mia")
    assert decision.approval == ca.Approval.BLOCKED and decision.level == ca.PolicyLevel.TEAM("sales")
    assert engine.policy_decision("salesforce", "admin").level is None
    before = engine.to_json()
    with pytest.raises(E.PermissionDenied, match='blocked for user "mia" by the team "sales" rule'):
        install(engine, MIA, "salesforce", at(1))
    with pytest.raises(E.PermissionDenied, match="not a super admin"):
        engine.set_policy("mia", "salesforce", [rule(ca.PolicyLevel.ACCOUNT(), ca.Approval.ALLOWED)], at(1))
    with pytest.raises(E.NotFound, match='unknown team "nope"'):
        engine.set_policy("admin", "salesforce", [rule(ca.PolicyLevel.TEAM("nope"), ca.Approval.ALLOWED)], at(1))
    with pytest.raises(E.InvalidInput, match="twice with different rules"):
        engine.set_policy(
            "admin",
            "salesforce",
            [rule(ca.PolicyLevel.USER("mia"), ca.Approval.ALLOWED), rule(ca.PolicyLevel.USER("mia"), None)],
            at(1),
        )
    assert engine.to_json() == before
    engine.set_policy("admin", "salesforce", [rule(ca.PolicyLevel.USER("mia"), ca.Approval.ALLOWED)], at(1))
    assert isinstance(install(engine, MIA, "salesforce", at(2)), ca.Outcome.APPLIED)
    policy = engine.app_policy("salesforce")
    assert policy.teams == {"sales": ca.Approval.BLOCKED} and policy.users == {"mia": ca.Approval.ALLOWED}


def test_scopes_off_violations_and_revoke(engine):
    install(engine, MIA, "salesforce", at(0), scopes=[CONTACTS, DEALS])
    engine.turn_off_scopes("admin", "salesforce", [DEALS], at(1))
    [violation] = engine.policy_violations(at(1))
    assert violation.scopes_off == [DEALS] and violation.user == "mia"
    engine.revoke_connection("admin", "salesforce", None, "scope off", at(2))
    assert engine.connection_state("salesforce", None, at(2)) == ca.ConnectionState.UNINSTALLED
    before = engine.to_json()
    with pytest.raises(E.InvalidState, match="not installed"):
        engine.revoke_connection("admin", "salesforce", None, "", at(3))
    with pytest.raises(E.InvalidInput, match="turned off by policy"):
        install(engine, MIA, "salesforce", at(3), scopes=[CONTACTS, DEALS])
    assert engine.to_json() == before


def test_queue_approve_deny_expiry(engine):
    engine.set_policy("admin", "salesforce", [rule(ca.PolicyLevel.ACCOUNT(), ca.Approval.NEEDS_APPROVAL)], at(0))
    engine.request_access("ben", "gmail", None, "", at(0))
    outcome = install(engine, MIA, "salesforce", at(1))
    assert isinstance(outcome, ca.Outcome.INSTALL_REQUESTED)
    engine.request_access("ben", "salesforce", None, "crm sync", at(2))
    queue = engine.access_queue(at(3))
    assert [(q.app, q.requesters) for q in queue] == [("salesforce", 2), ("gmail", 1)]
    assert queue[0].requests[1].reason == "crm sync"
    with pytest.raises(E.Conflict):
        engine.request_access("ben", "salesforce", None, "", at(3))
    with pytest.raises(E.PermissionDenied):
        engine.deny_request("mia", "salesforce", "ben", "no", at(3))
    assert len(engine.approve_request("admin", "salesforce", "mia", ca.ApprovalGrant.INSTALL, at(3))) == 2
    with pytest.raises(E.InvalidState, match="already approved"):
        engine.approve_request("admin", "salesforce", "mia", ca.ApprovalGrant.INSTALL, at(4))
    engine.deny_request("admin", "salesforce", "ben", "installed for the account", at(4))
    assert isinstance(engine.access_request("salesforce", "ben").status, ca.RequestStatus.DENIED)
    with pytest.raises(E.InvalidInput):
        engine.set_governance_settings(ca.GovernanceSettings(request_expiry_days=366))
    engine.set_governance_settings(ca.GovernanceSettings(request_expiry_days=1))
    engine.request_access("mia", "gmail", None, "", at(5))
    with pytest.raises(E.InvalidState, match="expired"):
        engine.approve_request("admin", "gmail", "mia", ca.ApprovalGrant.ALLOW_LIST, at(5 + 24 * 60))


def test_inventory_and_leaver(engine):
    install(engine, MIA, "gmail", at(0))
    install(engine, MIA, "salesforce", at(0))
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="gmail", user="mia"), at(1))
    inventory = engine.user_inventory("mia", at(2))
    assert [c.connection.app for c in inventory.connections] == ["gmail", "salesforce"]
    assert inventory.connections[0].usage.uses == 1
    assert [u.user for u in engine.app_users("gmail", at(2))] == ["mia"]
    offered = engine.deactivate_user("mia", at(2))
    assert [k.app for k in offered] == ["gmail", "salesforce"]
    assert len(engine.revoke_user_connections("admin", "mia", "left", at(3))) == 2
    assert engine.user_inventory("mia", at(3)).connections == []

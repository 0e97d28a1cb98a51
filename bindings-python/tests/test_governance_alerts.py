"""Governance policies with audit and enforce (G4), blast radius (X4), least privilege (X6)."""

from __future__ import annotations

import pytest

import connected_apps as ca
from conftest import at, snapshot

MASS_DELETE = {
    "id": "mass-delete",
    "name": "Mass delete",
    "severity": "critical",
    "conditions": [{"metric": "records_deleted_per_day", "at_least": 300}],
    "mode": "enforce",
    "apps": {"only": ["salesforce"]},
}
HEAVY_CALLS = {
    "id": "heavy",
    "name": "Heavy API use",
    "severity": "medium",
    "conditions": [{"metric": "api_share_of_limit_percent", "at_least": 50}],
    "mode": "audit",
    "apps": "all",
}


def evidence(deletes: int) -> tuple[ca.RecordAggregate, ca.UsageReport]:
    records = ca.RecordAggregate()
    for _ in range(deletes):
        records.ingest(at(8), "salesforce", "contacts", "deleted")
    history = ca.UsageHistory()
    history.record("salesforce", at(8), 6_000, usage_limit=10_000)
    account = ca.Account("portal-1", "Acme", default_language="fr", time_zone="Europe/Paris")
    return records, history.report(account, at(9))


def test_audit_reports_and_enforce_disconnects_as_system_events(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.read"])
    engine.set_governance_policy("admin", MASS_DELETE, at(1))
    engine.set_governance_policy("admin", HEAVY_CALLS, at(1))
    records, usage = evidence(299)
    report = engine.evaluate_governance(at(9), records=records, usage=usage)
    # 299 deletes stay under the threshold; 60 % of the limit reaches the audit policy's 50 %.
    assert [(a["policy"], a["app"], a["conditions"][0]["observed"]) for a in report["alerts"]] == [
        ("heavy", "salesforce", 60)
    ]
    assert report["disconnects"] == []
    records, usage = evidence(300)
    events = len(engine.events())
    outcome = engine.apply_governance(at(9), records=records, usage=usage)
    assert [a["policy"] for a in outcome["report"]["alerts"]] == ["heavy", "mass-delete"]
    assert outcome["report"]["disconnects"] == [{"app": "salesforce"}]
    assert len(outcome["events"]) == 1 and len(engine.events()) == events + 1
    logged = engine.events()[-1]
    assert (logged.app, logged.actor) == ("salesforce", None)
    # Alerts go out through governance_alert rules.
    engine.create_rule(
        "admin",
        {
            "id": "gov",
            "name": "Governance",
            "type": ca.RuleType.GOVERNANCE_ALERT,
            "apps": "all",
            "recipients": "super_admins",
            "channels": ["email"],
        },
        at(9),
    )
    deliveries = engine.governance_notifications(outcome["report"]["alerts"])
    assert [(d["policy"], d["recipient"], d["severity"]) for d in deliveries] == [
        ("heavy", "admin", "medium"),
        ("mass-delete", "admin", "critical"),
    ]
    record_governance_deliveries(engine, outcome["report"]["alerts"], deliveries)
    # Policies survive a snapshot.
    restored = ca.Engine.from_json(engine.to_json())
    assert restored.governance_policies() == engine.governance_policies()


def record_governance_deliveries(engine: ca.Engine, alerts: list, deliveries: list) -> None:
    """Recorded, governance alerts are not delivered again that UTC day; the next day they are.
    Bad records (unknown rule, a rule of another type, twice) are refused and change nothing."""
    engine.create_rule(
        "admin",
        {"id": "installs", "name": "Installs", "type": "app_installed", "apps": "all",
         "recipients": "super_admins", "channels": ["email"]},
        at(9),
    )
    assert engine.record_governance_deliveries(deliveries, at(9)) == 2
    assert engine.governance_notifications(alerts) == []
    later = [{**a, "at": at(14.9)} for a in alerts]
    assert engine.governance_notifications(later) == []
    assert [(n["rule"], n["policy"], n["day"]) for n in engine.delivery_log()["governance"]] == [
        ("gov", "heavy", "2026-03-02"),
        ("gov", "mass-delete", "2026-03-02"),
    ]
    before = engine.to_json()
    with pytest.raises(ca.ConflictError, match="already delivered"):
        engine.record_governance_deliveries(deliveries[:1], at(9))
    with pytest.raises(ca.NotFoundError, match='unknown rule "ghost"'):
        engine.record_governance_deliveries([{**deliveries[0], "rule": "ghost"}], at(9))
    with pytest.raises(ca.InvalidInputError, match='rule "installs" is a app_installed rule'):
        engine.record_governance_deliveries([{**deliveries[0], "rule": "installs"}], at(9))
    with pytest.raises(ca.InvalidInputError, match="is not due at"):
        engine.record_governance_deliveries([{**deliveries[0], "recipient": "ann"}], at(9))
    assert engine.to_json() == before
    restored = ca.Engine.from_json(before)
    assert restored.to_json() == before and restored.governance_notifications(alerts) == []
    tomorrow = [{**a, "at": at(24)} for a in alerts]
    again = engine.governance_notifications(tomorrow)
    assert [d["policy"] for d in again] == ["heavy", "mass-delete"]
    assert engine.record_governance_deliveries(again, at(24)) == 2


def test_bad_policies_and_non_admins_are_refused_and_change_nothing(engine: ca.Engine) -> None:
    before = snapshot(engine)
    with pytest.raises(ca.PermissionDeniedError, match="not a super admin"):
        engine.set_governance_policy("ann", MASS_DELETE, at(1))
    unknown = {**MASS_DELETE, "conditions": [{"metric": "records_shredded_per_day", "at_least": 1}]}
    with pytest.raises(ca.InvalidInputError, match="unknown metric \"records_shredded_per_day\""):
        engine.set_governance_policy("admin", unknown, at(1))
    for bad in (0, 2**40 + 1):
        out_of_range = {**MASS_DELETE, "conditions": [{"metric": "records_deleted_per_day", "at_least": bad}]}
        with pytest.raises(ca.InvalidInputError, match=f"at_least {bad} "):
            engine.set_governance_policy("admin", out_of_range, at(1))
    with pytest.raises(ca.NotFoundError, match="unknown policy"):
        engine.remove_governance_policy("admin", "nope", at(1))
    assert snapshot(engine) == before
    # Just inside the bound it is accepted.
    edge = {**MASS_DELETE, "conditions": [{"metric": "records_deleted_per_day", "at_least": 2**40}]}
    engine.set_governance_policy("admin", edge, at(1))
    assert [p["id"] for p in engine.governance_policies()] == ["mass-delete"]
    engine.remove_governance_policy("admin", "mass-delete", at(2))
    assert engine.governance_policies() == [] and len(engine.governance_policy_changes()) == 2


def test_blast_radius_and_least_privilege(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.read"])
    records, _ = evidence(12)
    radius = engine.blast_radius("salesforce", at(9), records=records)
    assert radius["records"] == [{"record_type": "contacts", "action": "deleted", "count": 12}]
    assert (radius["records_total"], radius["users"], radius["rules"]) == (12, ["admin"], [])
    assert radius["confirmation_prompt"].startswith("Uninstalling Salesforce removes 0 workflow actions")
    assert radius["confirmation_prompt"].endswith('Type "uninstall" to confirm.')
    with pytest.raises(ca.NotFoundError, match='unknown app "nope"'):
        engine.blast_radius("nope", at(9))

    views = engine.least_privilege(at(9), records=records)
    [salesforce] = [v for v in views if v["app"] == "salesforce"]
    assert salesforce["exercised"] == ["crm.objects.contacts.read"]
    assert salesforce["droppable"] == ["crm.objects.deals.read"]
    assert salesforce["reauthenticate"] == {
        "command": "reauthenticate",
        "app": "salesforce",
        "user": None,
        "scopes": ["crm.objects.contacts.read"],
        "expires_at": None,
        "dropped": ["crm.objects.deals.read"],
    }
    # Executed, the offer narrows the grant; re-run, nothing is droppable any more.
    engine.execute("admin", salesforce["reauthenticate"], at(9))
    assert engine.state().connection("salesforce").granted_scopes == ["crm.objects.contacts.read"]
    assert engine.events()[-1].type is ca.ActivityType.REAUTHENTICATED
    [after] = [v for v in engine.least_privilege(at(9), records=records) if v["app"] == "salesforce"]
    assert (after["droppable"], after["reauthenticate"]) == ([], None)
    text = engine.to_json()
    assert '"dropped": [\n          "crm.objects.deals.read"\n        ]' in text
    assert ca.Engine.from_json(text).to_json() == text
    assert engine.least_privilege(at(9), window_days=3660, records=records)
    for bad in (0, 3661):
        with pytest.raises(ca.InvalidInputError, match=f"window of {bad} days"):
            engine.least_privilege(at(9), window_days=bad, records=records)


def test_a_reauthentication_drops_only_granted_scopes_the_app_does_not_require(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.read"])
    before = engine.to_json()
    refusals = {
        "crm.objects.contacts.read": ([], "the app requires it"),
        "crm.objects.deals.read": (["crm.objects.deals.read"], "it is also granted by the same reauthentication"),
    }
    for scope, (scopes, reason) in refusals.items():
        with pytest.raises(ca.InvalidInputError, match=f'cannot drop scope "{scope}": {reason}'):
            engine.reauthenticate("admin", "salesforce", at(1), scopes=scopes, dropped=[scope])
        assert engine.to_json() == before
    engine.reauthenticate("admin", "salesforce", at(1), scopes=[], dropped=["crm.objects.deals.read"])
    assert engine.state().connection("salesforce").granted_scopes == ["crm.objects.contacts.read"]
    after = engine.to_json()
    with pytest.raises(ca.InvalidInputError, match="it is not granted"):
        engine.reauthenticate("admin", "salesforce", at(2), scopes=[], dropped=["crm.objects.deals.read"])
    assert engine.to_json() == after

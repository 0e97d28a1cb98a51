"""Governance through the UniFFI bindings: policies in audit and enforce (G4), blast radius (X4),
least privilege (X6)."""

import copy

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, account, at, install


def changed(record, **fields):
    """A copy of a generated record with some fields changed."""
    out = copy.copy(record)
    for name, value in fields.items():
        setattr(out, name, value)
    return out


def policy(pid, mode, metric, at_least=None, apps=None):
    return ca.GovernancePolicy(
        id=pid,
        name=f"Policy {pid}",
        severity=ca.Severity.HIGH,
        conditions=[ca.GovernanceCondition(metric=metric, at_least=at_least, scope=None)],
        mode=mode,
        apps=ca.RuleApps.ONLY(apps) if apps else ca.RuleApps.ALL(),
    )


def evidence(deletes):
    records = ca.RecordAggregate()
    for _ in range(deletes):
        records.ingest(ca.RecordEvent(at=at(60), app="salesforce", record_type="contacts", action=ca.RecordAction.DELETED))
    history = ca.UsageHistory()
    history.record(ca.UsageSnapshot(app="salesforce", at=at(60), calls_today=6000, usage_limit=10000, resets_at=None))
    return records, history.report(account(), ca.default_usage_settings(), at(90))


def test_audit_and_enforce_policies(engine):
    install(engine, ADMIN, "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.write"])
    engine.set_governance_policy("admin", policy("heavy", ca.GovernanceMode.AUDIT, "api_share_of_limit_percent", 60), at(1))
    engine.set_governance_policy(
        "admin", policy("wipe", ca.GovernanceMode.ENFORCE, "records_deleted_per_day", 300, ["salesforce"]), at(1)
    )
    records, usage = evidence(299)
    report = engine.evaluate_governance(at(90), records, usage, None, None)
    assert [(a.policy, a.app, a.conditions[0].observed) for a in report.alerts] == [("heavy", "salesforce", 60)]
    assert report.disconnects == []
    records, usage = evidence(300)
    outcome = engine.apply_governance(at(90), records, usage, None, None)
    assert [a.policy for a in outcome.report.alerts] == ["heavy", "wipe"]
    assert outcome.report.disconnects == [ca.GovernanceDisconnect(app="salesforce", user=None)]
    assert len(outcome.events) == 1
    engine.create_rule(
        "admin",
        ca.Rule(id="gov", name="Governance", rule_type=ca.RuleType.GOVERNANCE_ALERT, apps=ca.RuleApps.ALL(),
                recipients=ca.Recipients.SUPER_ADMINS(), channels=[ca.Channel.EMAIL], frequency=None,
                notify_recovered=False),
        at(90),
    )
    deliveries = engine.governance_notifications(outcome.report.alerts)
    assert [(d.policy, d.recipient, d.severity) for d in deliveries] == [
        ("heavy", "admin", ca.Severity.HIGH), ("wipe", "admin", ca.Severity.HIGH)
    ]
    # Recorded, the alerts are not delivered again that UTC day; the next day they are.
    engine.create_rule(
        "admin",
        ca.Rule(id="installs", name="Installs", rule_type=ca.RuleType.APP_INSTALLED, apps=ca.RuleApps.ALL(),
                recipients=ca.Recipients.SUPER_ADMINS(), channels=[ca.Channel.EMAIL], frequency=None,
                notify_recovered=False),
        at(90),
    )
    assert engine.record_governance_deliveries(deliveries, at(90)) == 2
    assert engine.governance_notifications(outcome.report.alerts) == []
    assert [(n.rule, n.policy, n.day) for n in engine.delivery_log().governance_notices] == [
        ("gov", "heavy", "2026-03-02"), ("gov", "wipe", "2026-03-02")
    ]
    before = engine.to_json()
    with pytest.raises(E.Conflict, match="already delivered"):
        engine.record_governance_deliveries(deliveries[:1], at(90))
    with pytest.raises(E.NotFound, match='unknown rule "ghost"'):
        engine.record_governance_deliveries([changed(deliveries[0], rule="ghost")], at(90))
    with pytest.raises(E.InvalidInput, match='rule "installs" is a app_installed rule'):
        engine.record_governance_deliveries([changed(deliveries[0], rule="installs")], at(90))
    assert engine.to_json() == before
    restored = ca.AccountEngine.from_json(before)
    assert restored.to_json() == before and restored.governance_notifications(outcome.report.alerts) == []
    tomorrow = [changed(a, at=at(90 + 24 * 60)) for a in outcome.report.alerts]
    again = engine.governance_notifications(tomorrow)
    assert [d.policy for d in again] == ["heavy", "wipe"]
    assert engine.record_governance_deliveries(again, at(90 + 24 * 60)) == 2
    restored = ca.AccountEngine.from_json(engine.to_json())
    assert restored.governance_policies() == engine.governance_policies()


def test_bad_policies_are_refused_and_change_nothing(engine):
    before = engine.to_json()
    with pytest.raises(E.PermissionDenied, match='user "mia" is not a super admin'):
        engine.set_governance_policy("mia", policy("p", ca.GovernanceMode.AUDIT, "publisher_not_certified"), at(1))
    with pytest.raises(E.InvalidInput, match='unknown metric "records_shredded"'):
        engine.set_governance_policy("admin", policy("p", ca.GovernanceMode.AUDIT, "records_shredded", 1), at(1))
    for bad in (0, 1001):
        with pytest.raises(E.InvalidInput, match=f"at_least {bad} of metric api_share_of_limit_percent"):
            engine.set_governance_policy("admin", policy("p", ca.GovernanceMode.AUDIT, "api_share_of_limit_percent", bad), at(1))
    with pytest.raises(E.NotFound, match='unknown policy "p"'):
        engine.remove_governance_policy("admin", "p", at(1))
    assert engine.to_json() == before
    engine.set_governance_policy("admin", policy("p", ca.GovernanceMode.AUDIT, "api_share_of_limit_percent", 1000), at(1))
    assert [p.id for p in engine.governance_policies()] == ["p"]
    assert len(engine.governance_policy_changes()) == 1


def test_blast_radius_and_least_privilege(engine):
    install(engine, ADMIN, "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.write"])
    records, _ = evidence(12)
    radius = engine.blast_radius("salesforce", at(90), records, None)
    assert [w.id for w in radius.workflow_actions] == ["salesforce-task"]
    assert radius.records == [ca.RecordTouch(record_type="contacts", action=ca.RecordAction.DELETED, count=12)]
    assert (radius.records_total, radius.users, radius.rules) == (12, ["admin"], [])
    assert ca.blast_radius_confirmation_prompt(radius).startswith("Uninstalling Salesforce removes 1 workflow action and affects 1 user")
    with pytest.raises(E.NotFound, match='unknown app "nope"'):
        engine.blast_radius("nope", at(90), None, None)
    [view] = [v for v in engine.least_privilege(at(90), 30, records, None) if v.app == "salesforce"]
    assert view.exercised == ["crm.objects.contacts.read"] and view.droppable == ["crm.objects.deals.write"]
    assert view.reauthenticate == ca.Command.REAUTHENTICATE(
        app="salesforce",
        user=None,
        scopes=["crm.objects.contacts.read"],
        expires_at=None,
        dropped=["crm.objects.deals.write"],
    )
    # Executed, the offer narrows the grant (X6); re-run, nothing is droppable any more.
    engine.execute(ADMIN, view.reauthenticate, at(91))
    assert engine.connection("salesforce", None).granted_scopes == ["crm.objects.contacts.read"]
    assert engine.events()[-1].kind == ca.EventKind.REAUTHENTICATED(
        scopes=["crm.objects.contacts.read"], expires_at=None, dropped=["crm.objects.deals.write"]
    )
    [after] = [v for v in engine.least_privilege(at(91), 30, records, None) if v.app == "salesforce"]
    assert (after.droppable, after.reauthenticate) == ([], None)
    text = engine.to_json()
    assert ca.AccountEngine.from_json(text).to_json() == text
    assert engine.least_privilege(at(91), 3660, records, None)
    for bad in (0, 3661):
        with pytest.raises(E.InvalidInput, match=f"window of {bad} days"):
            engine.least_privilege(at(91), bad, records, None)


def test_a_reauthentication_drops_only_granted_scopes_the_app_does_not_require(engine):
    install(engine, ADMIN, "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.write"])
    before = engine.to_json()

    def reauth(scopes, dropped):
        return ca.Command.REAUTHENTICATE(app="salesforce", user=None, scopes=scopes, expires_at=None, dropped=dropped)

    refusals = {
        "crm.objects.contacts.read": ([], "the app requires it"),
        "crm.objects.deals.write": (["crm.objects.deals.write"], "it is also granted by the same reauthentication"),
    }
    for scope, (scopes, reason) in refusals.items():
        with pytest.raises(E.InvalidInput, match=f'cannot drop scope "{scope}": {reason}'):
            engine.execute(ADMIN, reauth(scopes, [scope]), at(1))
        assert engine.to_json() == before
    engine.execute(ADMIN, reauth([], ["crm.objects.deals.write"]), at(1))
    assert engine.connection("salesforce", None).granted_scopes == ["crm.objects.contacts.read"]
    after = engine.to_json()
    with pytest.raises(E.InvalidInput, match="it is not granted"):
        engine.execute(ADMIN, reauth([], ["crm.objects.deals.write"]), at(2))
    assert engine.to_json() == after
    # Without `dropped`, the old reauthentication: it grants and drops nothing.
    engine.execute(ADMIN, ca.Command.REAUTHENTICATE(app="salesforce", user=None, scopes=None, expires_at=None), at(2))
    assert engine.events()[-1].kind.dropped == []

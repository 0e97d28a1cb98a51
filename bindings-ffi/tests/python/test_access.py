"""Access and permissions through the UniFFI bindings."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, MIA, account, app, at, install


def test_access_and_permissions_after_an_app_version_adds_a_scope(engine):
    engine.set_account(account(subscriptions={}))
    install(engine, ADMIN, "salesforce", at(0))
    access = engine.access("salesforce", None)
    deals = next(s for s in access.scopes if s.name == "crm.objects.deals.write")
    # `from` is a Python keyword: the generated field is `_from`.
    assert deals.access == ca.Access.NEEDS_UPGRADE(
        upgrades=[ca.Upgrade(hub=ca.Hub.SALES, tier=ca.Tier.PROFESSIONAL, _from=ca.Tier.FREE)]
    )
    assert access.features[0].access == ca.Access.AUTHORISED()
    assert access.version is None and not ca.needs_reauthentication(access)
    scopes = app("salesforce", "Salesforce").scopes + [
        ca.ScopeDecl(name="crm.objects.companies.read", requirement=ca.ScopeRequirement.REQUIRED, requires=None)
    ]
    engine.execute(
        ca.Actor.SYSTEM(), ca.Command.REPORT_APP_VERSION(app="salesforce", version="2.0", scopes=scopes, features=[]), at(1)
    )
    access = engine.access("salesforce", None)
    assert access.version == "2.0" and access.pending_scopes == ["crm.objects.companies.read"]
    assert ca.needs_reauthentication(access)
    assert engine.app_revision("salesforce").version == "2.0"
    assert engine.app_revision("gmail") is None
    # Reauthenticating without naming scopes grants the pending ones (I8).
    engine.execute(MIA, ca.Command.REAUTHENTICATE(app="salesforce", user=None, scopes=None, expires_at=None), at(2))
    assert engine.access("salesforce", None).pending_scopes == []
    with pytest.raises(E.InvalidState, match='app "social" is not installed'):
        engine.access("social", None)
    with pytest.raises(E.NotFound, match='unknown app "nope"'):
        engine.access("nope", None)

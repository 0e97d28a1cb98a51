"""Connection lifecycle through the UniFFI bindings: install, uninstall, disconnect, reconnect, reports."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, BEN, E, MIA, SF_STEPS, app, at, install


def test_install_by_a_permitted_user_connects_with_the_granted_scopes(engine):
    outcome = install(engine, ADMIN, "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.write"])
    assert outcome == ca.Outcome.APPLIED(event=1)
    conn = engine.connection("salesforce", None)
    assert conn.granted_scopes == ["crm.objects.contacts.read", "crm.objects.deals.write"]
    assert conn.installed_by == "admin" and conn.installed_at == at(0)
    assert conn.health == ca.Health.CONNECTED()
    assert engine.connection_state("salesforce", None, at(1)) == ca.ConnectionState.CONNECTED
    # I3: an app already connected cannot be installed again.
    with pytest.raises(E.Conflict, match='app "salesforce" is already installed'):
        install(engine, MIA, "salesforce", at(1))


def test_install_without_permission_returns_a_request_for_an_admin_queued_as_an_event(engine):
    outcome = install(engine, BEN, "salesforce", at(0))
    assert isinstance(outcome, ca.Outcome.INSTALL_REQUESTED)
    request = outcome[0]
    assert (request.app, request.app_name, request.requested_by) == ("salesforce", "Salesforce", "ben")
    assert (request.admin, request.admin_email, request.requested_at) == ("admin", "admin@acme.test", at(0))
    # Queued as an access request (I2, G2): one event, no connection.
    [queued] = engine.events()
    assert queued.id == request.request and isinstance(queued.kind, ca.EventKind.ACCESS_REQUESTED)
    assert engine.connection_state("salesforce", None, at(0)) is None
    with pytest.raises(E.PermissionDenied, match="not an active super admin"):
        engine.execute(BEN, ca.Command.INSTALL(app="salesforce", scopes=None, expires_at=None, request_admin="mia"), at(0))


def test_uninstall_needs_the_confirmation_word_and_returns_post_uninstall_steps(engine):
    install(engine, ADMIN, "salesforce", at(0))
    wrong = ca.Command.UNINSTALL(app="salesforce", user=None, confirmation="yes")
    with pytest.raises(E.InvalidInput, match='confirmation must be exactly "uninstall", got "yes"'):
        engine.execute(ADMIN, wrong, at(1))
    assert len(engine.events()) == 1
    word = ca.uninstall_confirmation()
    assert word == "uninstall"
    outcome = engine.execute(ADMIN, ca.Command.UNINSTALL(app="salesforce", user=None, confirmation=word), at(2))
    assert outcome == ca.Outcome.UNINSTALLED(event=2, post_uninstall_steps=SF_STEPS)
    assert engine.connection_state("salesforce", None, at(3)) == ca.ConnectionState.UNINSTALLED
    # Installing again is a reinstall.
    install(engine, MIA, "salesforce", at(4))
    assert isinstance(engine.events()[-1].kind, ca.EventKind.REINSTALLED)


def test_disconnect_reconnect_reauthenticate_and_sync_settings(engine):
    install(engine, MIA, "salesforce", at(0))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    assert engine.connection_state("salesforce", None, at(1)) == ca.ConnectionState.DISCONNECTED
    with pytest.raises(E.InvalidState, match="already disconnected"):
        engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    engine.execute(MIA, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=at(60)), at(2))
    assert engine.connection_state("salesforce", None, at(3)) == ca.ConnectionState.CONNECTED
    # The expiry depends on the clock the host passes.
    assert engine.connection_state("salesforce", None, at(61)) == ca.ConnectionState.EXPIRED
    engine.execute(
        MIA,
        ca.Command.REAUTHENTICATE(app="salesforce", user=None, scopes=["crm.objects.deals.write"], expires_at=None),
        at(62),
    )
    assert engine.connection("salesforce", None).granted_scopes == [
        "crm.objects.contacts.read",
        "crm.objects.deals.write",
    ]
    engine.execute(MIA, ca.Command.SET_SYNC_SETTING(app="salesforce", user=None, setting="contacts", on=True), at(63))
    engine.execute(MIA, ca.Command.SET_SYNC_SETTING(app="salesforce", user=None, setting="deals", on=False), at(63))
    assert engine.connection("salesforce", None).sync_settings == {"contacts": True, "deals": False}
    with pytest.raises(E.InvalidInput, match="sync setting name must not be empty"):
        engine.execute(MIA, ca.Command.SET_SYNC_SETTING(app="salesforce", user=None, setting=" ", on=True), at(64))
    # Without App Marketplace Access a user may not manage the connection.
    with pytest.raises(E.PermissionDenied, match='user "ben" lacks the app_marketplace_access permission'):
        engine.execute(BEN, ca.Command.DISCONNECT(app="salesforce", user=None), at(64))
    with pytest.raises(E.PermissionDenied, match='user "old" is deactivated'):
        engine.execute(ca.Actor.USER("old"), ca.Command.DISCONNECT(app="salesforce", user=None), at(64))
    with pytest.raises(E.PermissionDenied, match="needs an acting user"):
        engine.execute(ca.Actor.SYSTEM(), ca.Command.DISCONNECT(app="salesforce", user=None), at(64))


def test_reports_from_the_platform(engine):
    install(engine, ADMIN, "salesforce", at(0))
    system = ca.Actor.SYSTEM()
    engine.execute(system, ca.Command.REPORT_ACTIVITY(app="salesforce", user=None), at(1))
    assert engine.connection("salesforce", None).last_activity_at == at(1)
    engine.execute(system, ca.Command.REPORT_UPDATE_AVAILABILITY(app="salesforce", user=None, available=True), at(2))
    assert engine.connection("salesforce", None).update_available
    engine.execute(system, ca.Command.REPORT_EXPIRED(app="salesforce", user=None), at(3))
    assert engine.connection_state("salesforce", None, at(3)) == ca.ConnectionState.EXPIRED
    info = ca.ConnectionErrorInfo(code="AUTH_401", message="token revoked", resolution_steps=["reconnect salesforce"])
    engine.execute(system, ca.Command.REPORT_ERROR(app="salesforce", user=None, error=info), at(4))
    assert engine.connection("salesforce", None).health == ca.Health.ERROR(info)
    engine.execute(system, ca.Command.REPORT_CONNECTED(app="salesforce", user=None), at(5))
    assert engine.connection_state("salesforce", None, at(5)) == ca.ConnectionState.CONNECTED
    new_scopes = app("salesforce", "Salesforce").scopes + [
        ca.ScopeDecl(name="crm.objects.companies.read", requirement=ca.ScopeRequirement.REQUIRED, requires=None)
    ]
    engine.execute(
        system, ca.Command.REPORT_APP_VERSION(app="salesforce", version="2.0", scopes=new_scopes, features=[]), at(6)
    )
    kind = engine.events()[-1].kind
    assert isinstance(kind, ca.EventKind.APP_VERSION_CHANGED) and kind.version == "2.0"
    with pytest.raises(E.NotFound, match='unknown app "nope"'):
        engine.execute(system, ca.Command.REPORT_ACTIVITY(app="nope", user=None), at(7))


def test_user_level_connections_are_per_user(engine):
    install(engine, MIA, "gmail", at(0))
    install(engine, ADMIN, "gmail", at(1))
    assert engine.connection("gmail", "mia").installed_by == "mia"
    with pytest.raises(E.InvalidInput, match="is user-level"):
        engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="gmail", user=None), at(2))
    assert [c.key for c in engine.connections()] == [
        ca.ConnectionKey(app="gmail", user="admin"),
        ca.ConnectionKey(app="gmail", user="mia"),
    ]


def test_an_install_request_with_no_active_super_admin_is_refused_and_changes_nothing(engine):
    engine.set_user_active("admin", False)
    before = engine.to_json()
    with pytest.raises(E.InvalidState, match='no active super admin can receive an install request for app "salesforce"'):
        install(engine, BEN, "salesforce", at(0))
    assert engine.to_json() == before and engine.events() == []
    # One super admin active again: the request goes to them.
    engine.set_user_active("admin", True)
    outcome = install(engine, BEN, "salesforce", at(0))
    assert isinstance(outcome, ca.Outcome.INSTALL_REQUESTED) and outcome[0].admin == "admin"

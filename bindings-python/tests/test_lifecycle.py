"""The lifecycle commands (I1–I9) and their errors, one exception class per error kind."""

from __future__ import annotations

import pytest

import connected_apps as ca
from conftest import T0, at, snapshot


def test_install_without_permission_returns_the_request_for_an_admin(engine: ca.Engine) -> None:
    request = engine.install("bob", "salesforce", at(1))
    assert isinstance(request, ca.InstallRequest)
    assert (request.app, request.app_name, request.requested_by) == ("salesforce", "Salesforce", "bob")
    assert (request.admin, request.admin_email, request.requested_at) == ("admin", "ada@acme.test", at(1))
    # Queued as an access request (I2, G2): one event, no connection.
    assert engine.event_count == 1 and request.request == engine.events()[0].id
    assert engine.events()[0].type is ca.ActivityType.ACCESS_REQUESTED
    assert engine.connection_state("salesforce", at(1)) is None


def test_install_grants_scopes_and_reinstall_after_uninstall(engine: ca.Engine) -> None:
    outcome = engine.install("ann", "salesforce", at(1), scopes=["crm.objects.contacts.read", "crm.objects.deals.read"])
    assert isinstance(outcome, ca.Applied) and outcome.event == 1
    connection = engine.state().connection("salesforce")
    assert connection is not None
    assert connection.granted_scopes == ["crm.objects.contacts.read", "crm.objects.deals.read"]
    assert (connection.installed_by, connection.installed_at) == ("ann", at(1))
    assert connection.state_at(at(2)) is ca.ConnectionState.CONNECTED

    gone = engine.uninstall("admin", "salesforce", at(2), confirmation=ca.UNINSTALL_CONFIRMATION)
    assert isinstance(gone, ca.Uninstalled)
    assert gone.post_uninstall_steps == ["remove the managed package from Salesforce"]  # I6
    assert gone.to_dict() == {
        "outcome": "uninstalled",
        "event": 2,
        "post_uninstall_steps": ["remove the managed package from Salesforce"],
    }
    engine.install("admin", "salesforce", at(3))
    types = [e.type for e in engine.events()]
    assert types == [ca.ActivityType.INSTALLED, ca.ActivityType.UNINSTALLED, ca.ActivityType.REINSTALLED]


def test_disconnect_reconnect_reauthenticate_sync_and_reports(engine: ca.Engine) -> None:
    engine.install("ann", "salesforce", at(0))
    engine.disconnect("ann", "salesforce", at(1))
    assert engine.connection_state("salesforce", at(1)) is ca.ConnectionState.DISCONNECTED
    engine.reconnect("ann", "salesforce", at(2), expires_at=at(10))
    assert engine.connection_state("salesforce", at(9)) is ca.ConnectionState.CONNECTED
    assert engine.connection_state("salesforce", at(10)) is ca.ConnectionState.EXPIRED  # the clock expires it
    engine.reauthenticate("ann", "salesforce", at(3), scopes=["crm.objects.deals.read"])
    engine.set_sync_setting("ann", "salesforce", "contacts", True, at(4))
    engine.report_activity("salesforce", at(5))
    engine.report_update_availability("salesforce", True, at(5))
    engine.report_error("salesforce", at(6), code="AUTH", message="token revoked", resolution_steps=["sign in again"])
    connection = engine.state().connection("salesforce")
    assert connection is not None
    assert connection.sync_settings == {"contacts": True}
    assert connection.last_activity_at == at(5) and connection.update_available
    assert connection.error == {"code": "AUTH", "message": "token revoked", "resolution_steps": ["sign in again"]}
    assert "crm.objects.deals.read" in connection.granted_scopes
    engine.report_connected("salesforce", at(7))
    engine.report_expired("salesforce", at(8))
    assert engine.connection_state("salesforce", at(8)) is ca.ConnectionState.EXPIRED
    reauth = engine.events()[3]
    assert reauth.type is ca.ActivityType.REAUTHENTICATED
    assert reauth.details == {"scopes": ["crm.objects.deals.read"]}


def test_user_level_connections_and_generic_execute(engine: ca.Engine) -> None:
    engine.install("ann", "gmail", at(0))
    outcome = engine.execute("admin", {"command": "install", "app": "gmail"}, at(1))
    assert isinstance(outcome, ca.Applied)
    assert [(c.app, c.user) for c in engine.state().connections()] == [("gmail", "admin"), ("gmail", "ann")]
    engine.execute(None, {"command": "report_expired", "app": "gmail", "user": "ann"}, at(2))
    assert engine.connection_state("gmail", at(2), user="ann") is ca.ConnectionState.EXPIRED


def test_state_as_of_an_instant(engine: ca.Engine) -> None:
    engine.install("ann", "salesforce", at(0))
    engine.disconnect("ann", "salesforce", at(2))
    before = engine.state_as_of(at(1))
    assert before.connection("salesforce").state_at(at(1)) is ca.ConnectionState.CONNECTED  # type: ignore[union-attr]
    assert len(engine.state_as_of(T0 - (at(1) - T0))) == 0
    assert engine.state_as_of(at(3)) == engine.state()


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (lambda e: e.install("ann", "ghost", at(5)), ca.NotFoundError, 'unknown app .*"ghost"'),
        (lambda e: e.install("ghost", "slack", at(5)), ca.NotFoundError, "unknown user"),
        (lambda e: e.disconnect("bob", "salesforce", at(5)), ca.PermissionDeniedError, "lacks the app_marketplace_access"),
        (lambda e: e.install("admin", "salesforce", at(5)), ca.ConflictError, "already installed"),
        (lambda e: e.disconnect("admin", "slack", at(5)), ca.InvalidStateError, "is not installed"),
        (
            lambda e: e.uninstall("admin", "salesforce", at(5), confirmation="yes"),
            ca.InvalidInputError,
            'confirmation must be exactly "uninstall", got "yes"',
        ),
        (lambda e: e.install("ann", "salesforce", at(-5)), ca.InvalidInputError, "older than the newest"),
        (lambda e: e.execute("admin", {"command": "explode"}, at(5)), ca.InvalidInputError, "invalid command"),
        (lambda e: e.append(ca.Event(1, at(5), "salesforce", "connected")), ca.ConflictError, "duplicate event id 1"),
    ],
)
def test_each_error_kind_raises_its_exception_and_changes_nothing(engine, command, error, message) -> None:  # type: ignore[no-untyped-def]
    engine.install("admin", "salesforce", at(0))
    before = snapshot(engine)
    with pytest.raises(error, match=message) as raised:
        command(engine)
    assert isinstance(raised.value, ca.ConnectedAppsError)
    assert snapshot(engine) == before


def test_exception_hierarchy() -> None:
    for cls in (ca.NotFoundError, ca.PermissionDeniedError, ca.ConflictError, ca.InvalidStateError, ca.InvalidInputError):
        assert issubclass(cls, ca.ConnectedAppsError) and cls.__module__ == "connected_apps"
    assert issubclass(ca.ConnectedAppsError, Exception)


def test_append_events_one_by_one_and_all_or_nothing(engine: ca.Engine) -> None:
    engine.append(ca.Event(10, at(0), "slack", ca.ActivityType.INSTALLED, actor="admin", details={"scopes": []}))
    engine.append({"id": 11, "at": "2026-03-02T10:00:00+01:00", "app": "slack", "kind": {"type": "disconnected"}})
    assert [e.id for e in engine.events()] == [10, 11]
    assert engine.events()[1].at == at(0)  # the +01:00 offset normalised to UTC
    before = snapshot(engine)
    good = ca.Event(12, at(1), "slack", ca.ActivityType.RECONNECTED)
    bad = ca.Event(13, at(2), "slack", ca.ActivityType.RECONNECTED)  # already connected
    with pytest.raises(ca.InvalidStateError, match="already connected"):
        engine.append_all([good, bad])
    assert snapshot(engine) == before
    assert engine.append_all([good]) == 1


def test_reports_need_the_platform_or_a_user_who_may_manage_the_connection(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(0))
    before = snapshot(engine)
    with pytest.raises(ca.PermissionDeniedError, match='user "bob" lacks the app_marketplace_access permission'):
        engine.report_error("salesforce", at(1), code="X", message="m", actor="bob")
    assert snapshot(engine) == before
    engine.report_error("salesforce", at(1), code="X", message="m", actor="ann")
    engine.report_connected("salesforce", at(2))  # the platform


def test_status_reports_about_an_app_without_status_are_refused(engine: ca.Engine) -> None:
    engine.install("admin", "slack", at(0))
    before = snapshot(engine)
    with pytest.raises(ca.InvalidInputError, match='app "slack" does not report status'):
        engine.report_error("slack", at(1), code="X", message="m")
    assert snapshot(engine) == before
    # What the engine knows by itself needs attention for every app.
    engine.disconnect("admin", "slack", at(2))
    home = engine.connections_home("admin", at(3))
    assert [i.app for i in home.needs_attention] == ["slack"]
    assert home.my_apps[0].status is None


def test_event_ids_past_the_limit_are_refused(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(0))
    before = snapshot(engine)
    with pytest.raises(ca.InvalidInputError, match="event id 18446744073709551615 is over the limit"):
        engine.append(ca.Event(2**64 - 1, at(1), "salesforce", "app_activity"))
    assert snapshot(engine) == before
    engine.append(ca.Event(ca.MAX_EVENT_ID, at(1), "salesforce", "app_activity"))
    assert engine.report_activity("salesforce", at(2)).event == ca.MAX_EVENT_ID + 1
    assert ca.Engine.from_json(engine.to_json()).to_json() == engine.to_json()


def test_unknown_fields_and_time_zones_are_refused(engine: ca.Engine) -> None:
    before = snapshot(engine)
    with pytest.raises(ca.InvalidInputError, match="unknown field `colour`"):
        engine.execute("admin", {"command": "install", "app": "slack", "colour": "blue"}, at(0))
    assert snapshot(engine) == before
    account = {"id": "p", "name": "A", "default_language": "en", "time_zone": "Mars/Olympus"}
    with pytest.raises(ca.InvalidInputError, match='unknown time zone "Mars/Olympus"'):
        ca.Engine(account)
    with pytest.raises(ca.InvalidInputError, match="unknown field `colour`"):
        ca.Engine({**account, "time_zone": "UTC", "colour": "blue"})


def test_an_install_request_with_no_active_super_admin_is_refused_and_changes_nothing(engine: ca.Engine) -> None:
    engine.set_user_active("admin", False)
    before = snapshot(engine)
    with pytest.raises(ca.InvalidStateError, match='no active super admin can receive an install request for app "salesforce"'):
        engine.install("bob", "salesforce", at(1))
    assert snapshot(engine) == before and engine.event_count == 0
    # One super admin active again: the request goes to them.
    engine.set_user_active("admin", True)
    request = engine.install("bob", "salesforce", at(1))
    assert isinstance(request, ca.InstallRequest) and request.admin == "admin"

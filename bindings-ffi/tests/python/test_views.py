"""The Connections home, the app overview and the app log through the UniFFI bindings."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, MIA, at, install


def test_connections_home(engine):
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    install(engine, ADMIN, "social", at(2))
    info = ca.ConnectionErrorInfo(code="E1", message="sync failing", resolution_steps=["check the field mapping"])
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ERROR(app="salesforce", user=None, error=info), at(3))
    home = engine.connections_home("admin", at(10))
    assert home.viewer == "admin" and home.as_of == at(10)
    [item] = home.needs_attention
    assert (item.app, item.state, item.action, item.error_code) == (
        "salesforce",
        ca.ConnectionState.ERROR,
        ca.RequiredAction.FOLLOW_RESOLUTION_STEPS,
        "E1",
    )
    assert item.since == at(3) and item.resolution_steps == ["check the field mapping"]
    assert [(r.app, r.status) for r in home.my_apps] == [
        ("salesforce", ca.ConnectionState.ERROR),
        ("social", None),
    ]
    [other] = home.other_users_apps
    assert (other.app, other.connections, other.users, other.can_install_yourself) == ("gmail", 1, ["mia"], True)
    assert home.summary == ca.Summary(
        total=1, connected=0, disconnected=0, expired=0, error=1, without_status=0, update_available=0
    )
    with pytest.raises(E.NotFound):
        engine.connections_home("ghost", at(10))


def test_app_overview_and_filtered_app_log(engine):
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(MIA, ca.Command.SET_SYNC_SETTING(app="salesforce", user=None, setting="deals", on=True), at(1))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    everything = ca.AppLogFilter(types=[], users=[])
    overview = engine.app_overview("salesforce", None, everything, at(3))
    assert overview.app.name == "Salesforce" and overview.status == ca.ConnectionState.DISCONNECTED
    [conn] = overview.connections
    assert conn.sync_settings == {"deals": True} and conn.installed_at == at(0)
    assert [a.action for a in overview.alerts] == [ca.RequiredAction.RECONNECT]
    assert [e.id for e in overview.log] == [3, 2, 1]
    by_mia = ca.AppLogFilter(types=[], users=["mia"])
    assert [e.kind for e in engine.app_log("salesforce", by_mia)] == [
        ca.EventKind.DISCONNECTED(),
        ca.EventKind.SYNC_SETTING_CHANGED(setting="deals", on=True),
    ]
    installs = ca.AppLogFilter(types=[ca.ActivityType.INSTALLED], users=[])
    assert [e.id for e in engine.app_overview("salesforce", "admin", installs, at(3)).log] == [1]
    with pytest.raises(E.NotFound, match='unknown app "nope"'):
        engine.app_overview("nope", None, everything, at(3))

"""The Connections home, the app overview and the app log through the UniFFI bindings."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, MIA, at, install, micros


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


# ---------------------------------------------------------------- one account engine (issue 13)


def test_app_log_columns_come_from_the_core_and_follow_changes(engine):
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="salesforce", user=None), at(3))
    everything = ca.AppLogFilter(types=[], users=[])
    code = ca.activity_type_code
    columns = engine.app_log_columns("salesforce", everything)
    assert columns == ca.AppLogColumns(
        ids=[4, 3, 1],
        at_micros=[micros(at(3)), micros(at(2)), micros(at(0))],
        types=bytes(code(t) for t in [ca.ActivityType.APP_ACTIVITY, ca.ActivityType.DISCONNECTED, ca.ActivityType.INSTALLED]),
        actors=[ca.no_user_code(), 0, 1],
        actor_dictionary=["mia", "admin"],
    )
    assert columns.ids == [e.id for e in engine.app_log("salesforce", everything)]
    by_mia = engine.app_log_columns("salesforce", ca.AppLogFilter(types=[], users=["mia"]))
    assert (by_mia.ids, by_mia.actors, by_mia.actor_dictionary) == ([3], [0], ["mia"])
    assert engine.app_log_columns("nope", everything) == ca.AppLogColumns(
        ids=[], at_micros=[], types=b"", actors=[], actor_dictionary=[]
    )
    # The core's index catches up with new events by itself, and after a restore.
    engine.execute(ADMIN, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=None), at(4))
    assert engine.app_log_columns("salesforce", everything).ids == [5, 4, 3, 1]
    restored = ca.AccountEngine.from_json(engine.to_json())
    assert restored.to_json() == engine.to_json()
    assert restored.app_log_columns("salesforce", everything) == engine.app_log_columns("salesforce", everything)


def test_the_app_log_spans_activity_pages(engine):
    install(engine, ADMIN, "salesforce", at(0))
    n = 1200
    columns = ca.EventColumns(
        ids=list(range(10, 10 + n)),
        at_micros=[micros(at(1)) + i for i in range(n)],
        types=bytes([ca.activity_type_code(ca.ActivityType.APP_ACTIVITY)] * n),
        apps=[0] * n,
        app_dictionary=["salesforce"],
        users=None,
        actors=None,
        user_dictionary=[],
    )
    assert engine.ingest_events(columns) == n
    log = engine.app_log("salesforce", ca.AppLogFilter(types=[], users=[]))
    assert len(log) == n + 1 and log[0].id == 10 + n - 1 and log[-1].id == 1
    everything = ca.ActivityFilter(types=[], users=[], apps=[], since=None, until=None)
    assert engine.activity_facets(everything).total == n + 1


def test_connections_columns_equal_the_connections_and_their_state_at_now(engine):
    assert engine.connections_columns(at(0)).apps == []
    install(engine, ADMIN, "salesforce", at(0), expires_at=at(20))
    install(engine, MIA, "gmail", at(1))
    install(engine, ADMIN, "gmail", at(2))
    install(engine, ADMIN, "social", at(3))
    engine.execute(MIA, ca.Command.DISCONNECT(app="gmail", user="mia"), at(4))
    for now in (at(19), at(20)):
        c = engine.connections_columns(now)

        def name(code):
            return None if code == ca.no_user_code() else c.user_dictionary[code]

        rows = [
            (c.app_dictionary[a], name(u), s, f, i, name(b), x, la, h, up, g)
            for a, u, b, s, f, i, x, la, h, up, g in zip(
                c.apps, c.users, c.installed_by, c.states, c.first_installed_at_micros, c.installed_at_micros,
                c.expires_at_micros, c.last_activity_at_micros, c.health_since_micros, c.update_available,
                c.granted_scopes)
        ]
        optional = lambda t: None if t is None else micros(t)  # noqa: E731
        expected = [
            (k.key.app, k.key.user, engine.connection_state(k.key.app, k.key.user, now), micros(k.first_installed_at),
             micros(k.installed_at), k.installed_by, optional(k.expires_at), optional(k.last_activity_at),
             micros(k.health_since), k.update_available, len(k.granted_scopes))
            for k in engine.connections()
        ]
        assert rows == expected and len(rows) == 4
    # By app then user; the clock decides: salesforce's grant runs out at at(20).
    c = engine.connections_columns(at(20))
    assert c.app_dictionary == ["gmail", "salesforce", "social"] and c.apps == [0, 0, 1, 2]
    assert [c.user_dictionary[u] for u in c.users[:2]] == ["admin", "mia"]
    assert c.users[2:] == [ca.no_user_code()] * 2
    assert engine.connections_columns(at(19)).states[:3] == [ca.ConnectionState.CONNECTED,
                                                             ca.ConnectionState.DISCONNECTED,
                                                             ca.ConnectionState.CONNECTED]
    assert c.states[2] == ca.ConnectionState.EXPIRED

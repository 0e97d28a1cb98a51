"""The Connections home (H1–H6), one app's overview (O1, O2) and the app log as columns."""

from __future__ import annotations

import numpy as np

import connected_apps as ca
from conftest import at


def populated(engine: ca.Engine) -> ca.Engine:
    engine.install("admin", "salesforce", at(0))
    engine.install("ann", "gmail", at(1))
    engine.install("admin", "slack", at(2))
    engine.install("admin", "social", at(2))
    engine.disconnect("admin", "salesforce", at(3))
    engine.report_error("gmail", at(4), user="ann", code="E42", message="mailbox gone", resolution_steps=["reconnect"])
    return engine


def test_connections_home_for_the_viewer(engine: ca.Engine) -> None:
    home = populated(engine).connections_home("ann", at(5))
    assert home.viewer == "ann" and home.as_of == at(5)
    # H1: error before disconnected.
    attention = home.needs_attention
    assert [(i.app, i.state, i.action) for i in attention] == [
        ("gmail", ca.ConnectionState.ERROR, ca.RequiredAction.FOLLOW_RESOLUTION_STEPS),
        ("salesforce", ca.ConnectionState.DISCONNECTED, ca.RequiredAction.RECONNECT),
    ]
    assert (attention[0].error_code, attention[0].message, attention[0].resolution_steps) == (
        "E42",
        "mailbox gone",
        ["reconnect"],
    )
    assert attention[0].since == at(4) and attention[0].user == "ann"
    # H2: by name; the multi-account and silent apps show no status.
    rows = {r.app: r for r in home.my_apps}
    assert list(rows) == ["gmail", "salesforce", "slack", "social"]
    assert rows["slack"].status is None and rows["social"].status is None
    assert rows["salesforce"].status is ca.ConnectionState.DISCONNECTED
    assert rows["salesforce"].installed_by == "admin" and rows["salesforce"].installed_at == at(0)
    assert rows["gmail"].level is ca.AppLevel.USER_LEVEL and rows["gmail"].last_activity_at is None
    summary = home.summary
    assert (summary.total, summary.connected, summary.disconnected, summary.error, summary.without_status) == (
        3,
        0,
        1,
        1,
        1,
    )
    assert home.to_dict()["summary"]["total"] == 3
    assert repr(home).startswith("ConnectionsHome(as_of='2026-03-02T14:00:00Z', my_apps=[4 items]")


def test_other_users_apps(engine: ca.Engine) -> None:
    home = populated(engine).connections_home("bob", at(5))
    [other] = home.other_users_apps
    assert (other.app, other.connections, other.users) == ("gmail", 1, ["ann"])
    assert other.can_open_listing and not other.can_install_yourself


def test_app_overview_and_log_filters(engine: ca.Engine) -> None:
    populated(engine)
    overview = engine.app_overview("salesforce", at(5), types=[ca.ActivityType.DISCONNECTED])
    assert overview.app.name == "Salesforce"
    assert overview.status is ca.ConnectionState.DISCONNECTED
    assert [a.action for a in overview.alerts] == [ca.RequiredAction.RECONNECT]
    [connection] = overview.connections
    assert connection.state is ca.ConnectionState.DISCONNECTED and connection.installed_by == "admin"
    assert [e.type for e in overview.log] == [ca.ActivityType.DISCONNECTED]
    # Newest first; users filter the actor.
    assert [e.type for e in engine.app_log("salesforce")] == [ca.ActivityType.DISCONNECTED, ca.ActivityType.INSTALLED]
    assert engine.app_log("salesforce", users=["ann"]) == []
    gmail = engine.app_overview("gmail", at(5), viewer="ann")
    assert gmail.status is ca.ConnectionState.ERROR


def test_app_log_as_columns(engine: ca.Engine) -> None:
    populated(engine)
    columns = engine.app_log_columns("gmail")
    assert columns["id"].dtype == np.uint64 and list(columns["id"]) == [6, 2]
    assert columns["at"].dtype == np.dtype("datetime64[us]")
    assert columns["at"][0] == np.datetime64("2026-03-02T13:00:00", "us")
    types = [list(ca.ActivityType)[code] for code in columns["type"]]
    assert types == [ca.ActivityType.CONNECTION_ERROR, ca.ActivityType.INSTALLED]
    assert columns["actor"][0] == ca.NO_USER
    assert [columns["actor_dictionary"][c] for c in columns["actor"][1:]] == ["ann"]


def test_view_errors(engine: ca.Engine) -> None:
    import pytest

    with pytest.raises(ca.NotFoundError):
        engine.connections_home("ghost", at(0))
    with pytest.raises(ca.NotFoundError):
        engine.app_overview("ghost", at(0))
    with pytest.raises(ValueError, match="unknown activity type"):
        engine.app_log("slack", types=["exploded"])

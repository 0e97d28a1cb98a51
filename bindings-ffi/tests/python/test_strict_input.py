"""Who may report, event ids and strict input through the UniFFI bindings."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, BEN, E, MIA, account, app, at, install


def test_reports_need_the_platform_or_a_user_who_may_manage_the_connection(engine):
    install(engine, ADMIN, "salesforce", at(0))
    info = ca.ConnectionErrorInfo(code="E1", message="sync failing", resolution_steps=[])
    report = ca.Command.REPORT_ERROR(app="salesforce", user=None, error=info)
    before = engine.to_json()
    with pytest.raises(E.PermissionDenied, match='user "ben" lacks the app_marketplace_access permission'):
        engine.execute(BEN, report, at(1))
    with pytest.raises(E.PermissionDenied, match='user "old" is deactivated'):
        engine.execute(ca.Actor.USER("old"), report, at(1))
    assert engine.to_json() == before
    engine.execute(MIA, report, at(1))
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_CONNECTED(app="salesforce", user=None), at(2))


def test_apps_without_status_need_attention_only_for_what_the_engine_knows(engine):
    engine.add_app(app("quiet", "Quiet", reports_status=False))
    install(engine, ADMIN, "quiet", at(0))
    before = engine.to_json()
    with pytest.raises(E.InvalidInput, match='app "quiet" does not report status'):
        engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_EXPIRED(app="quiet", user=None), at(1))
    assert engine.to_json() == before
    engine.execute(ADMIN, ca.Command.DISCONNECT(app="quiet", user=None), at(2))
    home = engine.connections_home("admin", at(3))
    assert [(i.app, i.state) for i in home.needs_attention] == [("quiet", ca.ConnectionState.DISCONNECTED)]
    assert home.summary.disconnected == 1 and home.summary.without_status == 0


def test_event_ids_past_the_limit_are_refused(engine):
    install(engine, ADMIN, "salesforce", at(0))
    before = engine.to_json()
    activity = lambda i, m: ca.Event(id=i, at=at(m), app="salesforce", user=None, actor=None, kind=ca.EventKind.APP_ACTIVITY())  # noqa: E731
    with pytest.raises(E.InvalidInput, match="event id 18446744073709551615 is over the limit of 9223372036854775807"):
        engine.append(activity(2**64 - 1, 1))
    assert engine.to_json() == before
    assert ca.max_event_id() == 2**63 - 1
    engine.append(activity(ca.max_event_id(), 1))
    outcome = engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="salesforce", user=None), at(2))
    assert outcome == ca.Outcome.APPLIED(event=ca.max_event_id() + 1)
    text = engine.to_json()
    assert ca.AccountEngine.from_json(text).to_json() == text


def test_unknown_time_zones_and_snapshot_fields_are_refused(engine):
    with pytest.raises(E.InvalidInput, match='unknown time zone "Mars/Olympus"'):
        ca.AccountEngine(account(time_zone="Mars/Olympus"))
    before = engine.to_json()
    with pytest.raises(E.InvalidInput, match='unknown time zone "Europe/Nowhere"'):
        engine.set_account(account(time_zone="Europe/Nowhere"))
    assert engine.to_json() == before
    spoiled = before.replace('"name": "Acme"', '"name": "Acme", "colour": "blue"', 1)
    with pytest.raises(E.InvalidInput, match="unknown field `colour`"):
        ca.AccountEngine.from_json(spoiled)

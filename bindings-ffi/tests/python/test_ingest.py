"""Columnar ingest of payload-free events through the UniFFI bindings."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, MIA, at, install, micros


def test_columnar_ingest_of_payload_free_events(engine):
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    code = ca.activity_type_code
    none = ca.no_user_code()
    assert ca.ActivityType.DISCONNECTED in ca.ingestible_types()
    columns = ca.EventColumns(
        ids=[10, 11, 12],
        at_micros=[micros(at(2)), micros(at(3)), micros(at(4))],
        types=bytes(code(t) for t in [ca.ActivityType.DISCONNECTED, ca.ActivityType.RECONNECTED, ca.ActivityType.APP_ACTIVITY]),
        apps=[0, 0, 1],
        app_dictionary=["salesforce", "gmail"],
        users=[none, none, 0],
        actors=[0, 0, none],
        user_dictionary=["mia"],
    )
    assert engine.ingest_events(columns) == 3
    assert engine.events()[-1] == ca.Event(
        id=12, at=at(4), app="gmail", user="mia", actor=None, kind=ca.EventKind.APP_ACTIVITY()
    )
    assert engine.connection("gmail", "mia").last_activity_at == at(4)
    # Each failure names the row and leaves the log as it was.
    bad_type = ca.EventColumns(
        ids=[20], at_micros=[micros(at(5))], types=bytes([code(ca.ActivityType.INSTALLED)]), apps=[0],
        app_dictionary=["salesforce"], users=None, actors=None, user_dictionary=[],
    )
    with pytest.raises(E.InvalidInput, match="row 0: activity type code 0 is not one of"):
        engine.ingest_events(bad_type)
    short = ca.EventColumns(
        ids=[20, 21], at_micros=[micros(at(5))], types=bytes([3, 3]), apps=[0, 0],
        app_dictionary=["salesforce"], users=None, actors=None, user_dictionary=[],
    )
    with pytest.raises(E.InvalidInput, match="column at has 1 rows, expected 2"):
        engine.ingest_events(short)
    refused = ca.EventColumns(
        ids=[20, 21], at_micros=[micros(at(5)), micros(at(6))],
        types=bytes([code(ca.ActivityType.DISCONNECTED)] * 2), apps=[0, 1],
        app_dictionary=["salesforce", "social"], users=None, actors=None, user_dictionary=[],
    )
    with pytest.raises(E.InvalidState, match='row 1: app "social" is not installed'):
        engine.ingest_events(refused)
    assert len(engine.events()) == 5

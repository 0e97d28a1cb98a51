"""Timestamps, the forced panic and the error classes as a host sees them through the UniFFI bindings."""

from datetime import datetime, timedelta, timezone

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, T0, at, install


@pytest.mark.parametrize(
    "instant",
    [
        T0,
        datetime(1969, 7, 20, 20, 17, 40, 999999, tzinfo=timezone.utc),
        datetime(1970, 1, 1, tzinfo=timezone.utc),
        datetime(2262, 4, 11, 23, 47, 16, 1, tzinfo=timezone.utc),
        datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ],
)
def test_timestamps_round_trip_exactly(engine, instant):
    # The expiry goes in through a command, comes back through the connection and the log.
    install(engine, ADMIN, "salesforce", at(0), expires_at=instant)
    assert engine.connection("salesforce", None).expires_at == instant
    assert engine.events()[0].kind.expires_at == instant
    assert ca.events_from_ndjson(engine.export_ndjson())[0].kind.expires_at == instant
    assert engine.events()[0].at == at(0)
    assert engine.events()[0].at.tzinfo is not None


def test_a_panic_inside_the_library_is_an_internal_error_and_the_engine_keeps_working(engine):
    install(engine, ADMIN, "salesforce", at(0))
    with pytest.raises(E.Internal, match="internal error: forced by the test"):
        engine.debug_force_panic("forced by the test")
    # The engine is still usable, and holds what it held.
    assert len(engine.events()) == 1
    engine.execute(ADMIN, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    assert engine.connection_state("salesforce", None, at(1)) == ca.ConnectionState.DISCONNECTED
    with pytest.raises(E.Internal):
        engine.debug_force_panic("again")
    assert len(engine.events()) == 2


def test_every_error_kind_is_a_subclass_of_the_one_error():
    kinds = {E.NotFound, E.PermissionDenied, E.Conflict, E.InvalidState, E.InvalidInput, E.Internal}
    assert all(issubclass(k, E) for k in kinds)

"""Snapshots (JSON) and NDJSON events, in and out."""

from __future__ import annotations

import pytest

import connected_apps as ca
from conftest import at, snapshot


def busy(engine: ca.Engine) -> ca.Engine:
    engine.install("admin", "salesforce", at(0))
    engine.install("ann", "gmail", at(1))
    engine.set_sync_setting("admin", "salesforce", "deals", False, at(2))
    engine.report_error("salesforce", at(3), code="E1", message="boom")
    return engine


def test_json_snapshot_round_trip_is_byte_identical(engine: ca.Engine) -> None:
    text = busy(engine).to_json()
    again = ca.Engine.from_json(text)
    assert again.to_json() == text
    assert again.state() == engine.state()
    assert [e.id for e in again.events()] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("{", ca.InvalidInputError, "malformed json"),
        ('{"version": 99, "account": {}}', ca.InvalidInputError, "malformed json"),
    ],
)
def test_malformed_snapshots_raise(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        ca.Engine.from_json(text)


def test_snapshot_with_invalid_contents_raises_its_kind(engine: ca.Engine) -> None:
    text = busy(engine).to_json().replace('"id": "ann"', '"id": "admin"', 1)
    with pytest.raises(ca.ConflictError, match="duplicate user id"):
        ca.Engine.from_json(text)


def test_ndjson_out_and_in(engine: ca.Engine) -> None:
    text = busy(engine).events_to_ndjson()
    assert text.count("\n") == 4
    events = ca.events_from_ndjson(text)
    assert ca.events_to_ndjson(events) == text
    assert [e.type for e in events][:2] == [ca.ActivityType.INSTALLED, ca.ActivityType.INSTALLED]
    fresh = ca.Engine(engine.account, users=engine.users(), teams=engine.teams(), apps=engine.apps())
    assert fresh.import_ndjson(text) == 4
    assert fresh.to_json() == engine.to_json()


def test_ndjson_import_is_all_or_nothing(engine: ca.Engine) -> None:
    busy(engine)
    before = snapshot(engine)
    line = '{"id":9,"at":"2026-03-02T20:00:00Z","app":"salesforce","kind":{"type":"disconnected"}}\n'
    bad_line = '{"id":10,"at":"2026-03-02T21:00:00Z","app":"salesforce","kind":{"type":"disconnected"}}\n'
    with pytest.raises(ca.InvalidStateError, match="already disconnected"):
        engine.import_ndjson(line + bad_line)
    assert snapshot(engine) == before
    with pytest.raises(ca.InvalidInputError, match="at line 2"):
        engine.import_ndjson(line + "not json\n")
    assert snapshot(engine) == before

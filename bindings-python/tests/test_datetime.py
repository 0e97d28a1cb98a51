"""Datetime rules: timezone-aware in (any offset, normalised to UTC), UTC out, naive refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

import connected_apps as ca
from conftest import T0


def test_any_offset_is_normalised_to_utc(engine: ca.Engine) -> None:
    paris = datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    engine.install("admin", "salesforce", paris)
    [event] = engine.events()
    assert event.at == datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    assert event.at.tzinfo is timezone.utc and event.at.utcoffset() == timedelta(0)
    assert event.to_dict()["at"] == "2026-03-02T09:30:00Z"


def test_zoneinfo_and_microseconds(engine: ca.Engine) -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        tz = zoneinfo.ZoneInfo("America/New_York")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database")
    local = datetime(2026, 7, 1, 8, 0, 0, 123456, tzinfo=tz)  # EDT, UTC-4
    engine.install("admin", "slack", local)
    assert engine.events()[0].at == datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def test_naive_datetimes_are_refused_and_change_nothing(engine: ca.Engine) -> None:
    with pytest.raises(TypeError, match="naive datetime 2026-03-02 09:00:00 has no time zone"):
        engine.install("admin", "salesforce", datetime(2026, 3, 2, 9, 0))
    with pytest.raises(TypeError, match="naive"):
        engine.install("admin", "salesforce", T0, expires_at=datetime(2027, 1, 1))
    with pytest.raises(TypeError, match="naive"):
        ca.Event(1, datetime(2026, 1, 1), "slack", "connected")
    assert engine.event_count == 0


def test_non_datetimes_are_refused(engine: ca.Engine) -> None:
    with pytest.raises(TypeError, match="expected a timezone-aware datetime, got date"):
        engine.install("admin", "salesforce", date(2026, 3, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        engine.install("admin", "salesforce", "2026-03-02T09:00:00Z")  # type: ignore[arg-type]


def test_datetimes_in_dicts_follow_the_same_rules(engine: ca.Engine) -> None:
    offset = datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    engine.append({"id": 1, "at": offset, "app": "slack", "kind": {"type": "installed", "scopes": []}})
    assert engine.events()[0].at == T0
    with pytest.raises(TypeError, match="naive"):
        engine.append({"id": 2, "at": datetime(2026, 3, 3), "app": "slack", "kind": {"type": "disconnected"}})
    assert engine.event_count == 1

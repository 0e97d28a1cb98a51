"""Record insights (R1–R6, X2, X7): columns in, one-by-one agreement, window and floor rules."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pytest

import connected_apps as ca

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)


def columns(n: int) -> dict:
    rng = np.random.default_rng(3)
    start = np.datetime64("2026-02-20T00:00:00", "us")
    return {
        "at": start + rng.integers(0, 18 * 86_400_000_000, n).astype("timedelta64[us]"),
        "apps": rng.choice(["salesforce", "zapier", "slack"], n),
        "record_types": rng.choice(["contacts", "deals", "2-123"], n),
        "actions": rng.integers(0, 4, n).astype(np.uint8),
    }


def test_columns_agree_with_one_by_one_and_merge() -> None:
    cols = columns(20_000)
    bulk = ca.RecordAggregate()
    assert ca.ingest_record_arrays(bulk, **cols) == 20_000
    single = ca.RecordAggregate()
    actions = list(ca.RecordAction)
    for at, app, rt, action in zip(cols["at"].astype(datetime), cols["apps"], cols["record_types"], cols["actions"]):
        single.ingest(at.replace(tzinfo=timezone.utc), str(app), str(rt), actions[action])
    assert bulk.cells() == single.cells() and bulk.event_count == 20_000
    halves = [ca.RecordAggregate(), ca.RecordAggregate()]
    for part, cut in zip(halves, (slice(0, 7_000), slice(7_000, None))):
        ca.ingest_record_arrays(part, **{k: v[cut] for k, v in cols.items()})
    halves[0].merge(halves[1])
    assert halves[0].cells() == bulk.cells()
    assert ca.RecordAggregate.from_json(bulk.to_json()).cells() == bulk.cells()


def test_insights_window_floor_and_grouping() -> None:
    cube = ca.RecordAggregate()
    ca.ingest_record_arrays(cube, **columns(5_000))
    view = cube.insights(NOW, date(2026, 3, 9), group_by_app=True, data_floor=date(2026, 2, 25), window_days=14)
    assert view.as_of == date(2026, 3, 9) and len(view.days) == 14 and view.days[-1] == date(2026, 3, 9)
    assert {r["app"] for r in view.rows} == {"salesforce", "zapier", "slack"}
    floor_index = view.days.index(date(2026, 2, 25))
    assert all(r["daily"][floor_index - 1] is None and r["daily"][floor_index] is not None for r in view.rows)
    one = cube.insights(NOW, date(2026, 3, 9), app="zapier", record_type="deals", group_by_action=True)
    # Every action zapier took on deals in the window, by the columns themselves.
    cols = columns(5_000)
    days = cols["at"].astype("datetime64[D]")
    window = (days >= np.datetime64(one.days[0])) & (days <= np.datetime64(date(2026, 3, 9)))
    mine = window & (cols["apps"] == "zapier") & (cols["record_types"] == "deals")
    expected = {list(ca.RecordAction)[int(a)].value for a in np.unique(cols["actions"][mine])}
    assert len(expected) == 4 and {r["action"] for r in one.rows} == expected
    assert sum(r["total"] for r in one.rows) == int(mine.sum())
    assert view.to_dict()["as_of"] == "2026-03-09"


def test_insight_errors() -> None:
    cube = ca.RecordAggregate()
    with pytest.raises(ca.InvalidInputError, match="unknown record type"):
        cube.ingest(NOW, "salesforce", "spaceships", ca.RecordAction.CREATED)
    with pytest.raises(ca.ConnectedAppsError):
        cube.insights(NOW, date(2026, 3, 11))  # as of a future day
    bad = columns(10)
    bad["actions"] = np.full(10, 9, dtype=np.uint8)
    with pytest.raises(ca.InvalidInputError):
        ca.ingest_record_arrays(cube, **bad)
    assert cube.event_count == 0


def test_window_bound_and_window_before_the_floor() -> None:
    cube = ca.RecordAggregate()
    cube.ingest(datetime(2026, 3, 1, 12, tzinfo=timezone.utc), "zapier", "deals", ca.RecordAction.DELETED)
    before = cube.to_json()
    # Just inside the limit (3,660 days), then just past it and at 2**32 - 1: a typed error, no abort.
    longest = cube.insights(NOW, date(2026, 3, 9), window_days=3_660)
    assert len(longest.days) == 3_660 and longest.rows[0]["total"] == 1
    for days in (3_661, 2**32 - 1):
        with pytest.raises(ca.InvalidInputError, match=f"window of {days} days exceeds the maximum of 3660"):
            cube.insights(NOW, date(2026, 3, 9), window_days=days)
        with pytest.raises(ca.InvalidInputError, match="exceeds the maximum"):
            ca.RecordAggregate().insights(NOW, date(2026, 3, 9), window_days=days)
    # R4: a window wholly before the floor is all unavailable, not an error.
    early = cube.insights(NOW, date(2025, 11, 20), data_floor=date(2025, 12, 1))
    assert early.rows[0]["daily"] == [None] * 30 and early.rows[0]["total"] == 0
    assert cube.to_json() == before


def test_one_row_with_huge_dictionaries_costs_one_cell() -> None:
    cube = ca.RecordAggregate()
    apps = [f"app-{i}" for i in range(100_000)]
    types = [f"2-{i + 1}" for i in range(100_000)]
    at = np.array([np.datetime64("2026-03-01T12:00:00", "us")])
    count = ca.ingest_record_arrays(
        cube, at, np.array([99_999], dtype=np.uint32), np.array([5], dtype=np.uint32), np.array([1], dtype=np.uint8),
        app_dictionary=apps, record_type_dictionary=types,
    )
    assert count == 1 and cube.event_count == 1 and cube.cell_count == 1
    assert cube.cells() == [{"day": "2026-03-01", "app": "app-99999", "record_type": "2-6", "action": "updated", "count": 1}]
    before = cube.to_json()
    with pytest.raises(ca.InvalidInputError, match="app_dictionary has 1048577 entries"):
        ca.ingest_record_arrays(
            cube, at, np.array([0], dtype=np.uint32), np.array([0], dtype=np.uint32), np.array([1], dtype=np.uint8),
            app_dictionary=apps * 10 + apps[:48_577], record_type_dictionary=types[:1],
        )
    assert cube.to_json() == before


def test_merge_past_the_largest_count_is_refused() -> None:
    half = 2**63
    text = '{"version":1,"events":%d,"apps":["a"],"record_types":["contacts"],"cells":[[20500,0,0,2,%d]]}' % (half, half)
    cube = ca.RecordAggregate.from_json(text)
    with pytest.raises(ca.InvalidInputError, match="count 9223372036854775808 plus 9223372036854775808 exceeds"):
        cube.merge(ca.RecordAggregate.from_json(text))
    assert cube.to_json() == text and cube.event_count == half
    with pytest.raises(ca.InvalidInputError, match="event count 1 differs from the sum of the cells"):
        ca.RecordAggregate.from_json(text.replace('"events":%d' % half, '"events":1'))

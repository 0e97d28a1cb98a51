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
    assert {r["action"] for r in one.rows} <= {a.value for a in ca.RecordAction}
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

"""API-call usage (U1–U5, X3, K1): the account's time zone and limit, the platform's reported limit,
share thresholds, bounds and the history's JSON snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

import connected_apps as ca

FIXTURES = Path(__file__).resolve().parents[2] / "core" / "tests" / "fixtures"
NOW = datetime(2026, 3, 2, 10, 20, tzinfo=timezone.utc)


def history_from_fixture() -> ca.UsageHistory:
    snapshots, report = ca.usage_snapshots_from_daily_usage((FIXTURES / "daily_api_usage.json").read_text())
    assert report["unsupported"] == {"fetch status TIMEOUT": 1}
    assert snapshots[0]["usage_limit"] == 625_000 and snapshots[0]["resets_at"] == "2026-03-02T23:00:00Z"
    history = ca.UsageHistory()
    assert history.record_snapshots(snapshots) == 2
    return history


def test_the_reported_limit_is_in_force_and_a_difference_is_reported() -> None:
    history = history_from_fixture()
    pro = history.report(ca.Account("1", "Acme", time_zone="Europe/Paris", subscriptions={"sales": "professional"}), NOW)
    assert (pro.limit, pro.reported_limit, pro.limit_differs, pro.reset_differs) == (625_000, 625_000, False, False)
    assert pro.reported_resets_at == pro.resets_at == datetime(2026, 3, 2, 23, tzinfo=timezone.utc)
    free = history.report(ca.Account("1", "Acme", time_zone="America/New_York"), NOW)
    assert (free.limits["daily"], free.limit, free.limit_differs, free.reset_differs) == (250_000, 625_000, True, True)
    assert free.resets_at == datetime(2026, 3, 3, 5, tzinfo=timezone.utc)
    assert free.calls_today == 182_450 + 40_210
    assert free.days[-1]["limit"] == 625_000
    assert {d["app"] for d in free.per_app} == {"private-apps-api-calls-daily", "inventory-sync"}


def test_share_thresholds_crossed_today() -> None:
    history = ca.UsageHistory()
    history.record("sync", NOW, 225_000)
    account = ca.Account("1", "Acme", time_zone="UTC")
    assert history.report(account, NOW).thresholds_crossed == [80, 90]
    assert history.report(account, NOW, share_thresholds=[95, 50, 50]).thresholds_crossed == [50]
    history.record("sync", NOW + timedelta(minutes=5), 250_000, usage_limit=500_000, resets_at=NOW)
    report = history.report(account, NOW)
    assert (report.limit, report.thresholds_crossed, report.limit_differs) == (500_000, [], True)
    for bad in ([0], [1_001], [1] * 17):
        with pytest.raises(ca.InvalidInputError, match="share threshold"):
            history.report(account, NOW, share_thresholds=bad)


def test_bounds_are_typed_errors_and_leave_the_history_unchanged() -> None:
    history = history_from_fixture()
    before = history.to_json()
    account = ca.Account("1", "Acme", time_zone="Europe/Paris")
    assert len(history.report(account, NOW, window_days=3_660).days) == 3_660
    with pytest.raises(ca.InvalidInputError, match="window of 3661 days exceeds the maximum of 3660"):
        history.report(account, NOW, window_days=3_661)
    with pytest.raises(ca.InvalidInputError, match="exceeds the maximum of 1099511627776"):
        history.record("a", NOW, 2**63)
    with pytest.raises(ca.InvalidInputError, match="unknown time zone"):
        history.report(ca.Account("1", "Acme", time_zone="Mars/Olympus"), NOW)
    with pytest.raises(ca.InvalidInputError, match="entries, more than the maximum"):
        history.ingest_columns(
            np.array([0], dtype=np.int64),
            np.array([0], dtype=np.uint32),
            [str(i) for i in range(2**20 + 1)],
            np.array([1], dtype=np.int64),
        )
    assert history.to_json() == before


def test_the_history_snapshot_round_trips_and_restoring_re_checks_it() -> None:
    history = history_from_fixture()
    restored = ca.UsageHistory.from_json(history.to_json())
    assert restored.to_json() == history.to_json()
    assert repr(restored) == "UsageHistory(apps=2)"
    tampered = history.to_json().replace('"calls_today":40210', '"calls_today":1099511627777')
    with pytest.raises(ca.InvalidInputError, match="calls today 1099511627777"):
        ca.UsageHistory.from_json(tampered)

"""API usage history and report through the UniFFI bindings."""

from datetime import datetime, timedelta, timezone

import pytest

import connected_apps_ffi as ca
from conftest import E, FIXTURES, account, micros


def test_api_usage_history_and_report():
    limits = ca.api_limits(ca.default_api_limit_config(), account())
    assert limits.tier == ca.Tier.PROFESSIONAL and limits.daily == 625000
    with pytest.raises(E.InvalidInput, match="api limit increases exceed"):
        ca.api_limits(ca.default_api_limit_config(), account(api_limit_increases=3))
    history = ca.UsageHistory()
    start = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)
    history.record(ca.UsageSnapshot(app="private-app", at=start, calls_today=1000, usage_limit=None, resets_at=None))
    assert history.ingest_columns(ca.UsageSnapshotColumns(
        at_micros=[micros(start + timedelta(hours=1))], apps=[0], app_dictionary=["private-app"], calls_today=[3000]
    )) == 1
    assert [s.calls_today for s in history.snapshots("private-app")] == [1000, 3000]
    now = start + timedelta(hours=1)
    settings = ca.default_usage_settings()
    assert settings.window_days == 30 and settings.share_thresholds_percent == [80, 90, 100]
    settings.window_days = 7
    report = history.report(account(), settings, now)
    assert report.today == "2026-03-02" and report.calls_today == 3000
    assert report.per_app == [ca.AppUsageDay(app="private-app", day="2026-03-02", calls=3000)]
    assert report.resets_at == datetime(2026, 3, 2, 23, tzinfo=timezone.utc)  # local midnight in Paris
    assert report.share_used == pytest.approx(3000 / 625000) and report.limits == limits
    assert (report.limit, report.reported_limit, report.limit_differs, report.thresholds_crossed) == (
        625000, None, False, [])
    # The time zone is the account's: New York's midnight, and an unknown zone is refused.
    assert history.report(account(time_zone="America/New_York"), settings, now).resets_at == datetime(
        2026, 3, 3, 5, tzinfo=timezone.utc)
    with pytest.raises(E.InvalidInput, match="unknown time zone"):
        history.report(account(time_zone="Mars/Olympus"), settings, now)
    settings.window_days = 0
    with pytest.raises(E.InvalidInput, match="window must span at least one day"):
        history.report(account(), settings, now)
    settings.window_days = 3661
    with pytest.raises(E.InvalidInput, match="window of 3661 days exceeds the maximum of 3660"):
        history.report(account(), settings, now)
    before = history.to_json()
    with pytest.raises(E.InvalidInput, match="calls today 9223372036854775808 exceeds"):
        history.record(ca.UsageSnapshot(app="b", at=now, calls_today=2**63, usage_limit=None, resets_at=None))
    assert history.to_json() == before


def test_api_usage_keeps_the_platform_limit_and_warns_on_share():
    usage = ca.usage_snapshots_from_daily_usage((FIXTURES / "daily_api_usage.json").read_text())
    assert usage.items[0].usage_limit == 625000
    assert usage.items[0].resets_at == datetime(2026, 3, 2, 23, tzinfo=timezone.utc)
    history = ca.UsageHistory()
    assert history.record_all(usage.items) == 2
    now = datetime(2026, 3, 2, 10, 20, tzinfo=timezone.utc)
    free = account(subscriptions={}, time_zone="America/New_York")
    settings = ca.default_usage_settings()
    settings.share_thresholds_percent = [10, 35, 36]
    report = history.report(free, settings, now)
    assert (report.limits.daily, report.limit, report.reported_limit, report.limit_differs) == (
        250000, 625000, 625000, True)
    assert report.reset_differs and report.reported_resets_at == datetime(2026, 3, 2, 23, tzinfo=timezone.utc)
    assert report.calls_today == 222660 and report.thresholds_crossed == [10, 35]  # 35.6 % of 625,000
    assert report.days[-1].limit == 625000
    settings.share_thresholds_percent = [1001]
    with pytest.raises(E.InvalidInput, match="share threshold percent 1001"):
        history.report(free, settings, now)
    restored = ca.UsageHistory.from_json(history.to_json())
    assert restored.snapshots("inventory-sync") == history.snapshots("inventory-sync")
    with pytest.raises(E.InvalidInput, match="calls today 1099511627777"):
        ca.UsageHistory.from_json(history.to_json().replace('"calls_today":40210', '"calls_today":1099511627777'))


def test_usage_histories_ship_as_bytes_and_merge():
    start = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)

    def snap(app, minutes, calls):
        return ca.UsageSnapshot(app=app, at=start + timedelta(minutes=minutes), calls_today=calls,
                                usage_limit=250000, resets_at=None)

    a, b = ca.UsageHistory(), ca.UsageHistory()
    a.record_all([snap("crm-sync", 0, 100), snap("crm-sync", 30, 900)])
    b.record_all([snap("crm-sync", 30, 850), snap("billing", 5, 7)])
    ab = ca.UsageHistory.from_bytes(a.to_bytes())
    ab.merge(b)
    ba = ca.UsageHistory.from_bytes(b.to_bytes())
    ba.merge(a)
    assert ab.to_bytes() == ba.to_bytes()
    assert [s.calls_today for s in ab.snapshots("crm-sync")] == [100, 900]
    with pytest.raises(E.InvalidInput, match="partial kind is record aggregate, expected usage history"):
        ca.UsageHistory.from_bytes(ca.RecordAggregate().to_bytes())
    with pytest.raises(E.InvalidInput, match="not a connected-apps partial"):
        ca.UsageHistory.from_bytes(b"CAp")


def test_usage_columns_equal_the_snapshots_app_by_app():
    history = ca.UsageHistory()
    assert history.record_all(ca.usage_snapshots_from_daily_usage((FIXTURES / "daily_api_usage.json").read_text()).items) == 2
    start = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)
    history.record(ca.UsageSnapshot(app="aaa-first", at=start, calls_today=5, usage_limit=None, resets_at=None))
    history.record(ca.UsageSnapshot(app="aaa-first", at=start + timedelta(hours=1), calls_today=9, usage_limit=None,
                                    resets_at=None))
    c = history.usage_columns()
    assert len({len(c.apps), len(c.at_micros), len(c.calls_today), len(c.usage_limits), len(c.resets_at_micros)}) == 1
    assert c.app_dictionary == sorted(c.app_dictionary) and c.app_dictionary[0] == "aaa-first"
    rows = [
        (c.app_dictionary[a], t, n, limit, reset)
        for a, t, n, limit, reset in zip(c.apps, c.at_micros, c.calls_today, c.usage_limits, c.resets_at_micros)
    ]
    expected = [
        (app, micros(s.at), s.calls_today, s.usage_limit, None if s.resets_at is None else micros(s.resets_at))
        for app in c.app_dictionary
        for s in history.snapshots(app)
    ]
    assert rows == expected and len(rows) == 4
    assert any(limit == 625000 for limit in c.usage_limits) and None in c.usage_limits
    empty = ca.UsageHistory().usage_columns()
    assert (empty.apps, empty.at_micros, empty.app_dictionary) == ([], [], [])

//! API-call usage (U1–U5, X3) against a naive reference: scan every snapshot, group, take maxima.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use connected_apps::{
    Account, ApiLimitConfig, AppId, ErrorKind, Hub, InsightsError, RobustRule, Tier, UsageHistory, UsageSnapshot,
    UsageSnapshotColumns,
};
use proptest::prelude::*;

fn account(tiers: &[(Hub, Tier)], increases: u8) -> Account {
    Account {
        id: "1".into(),
        name: "Acme".into(),
        default_language: "en".into(),
        time_zone: "Europe/Paris".into(),
        subscriptions: tiers.iter().copied().collect(),
        api_limit_increases: increases,
    }
}

fn snap(app: &str, at: DateTime<Utc>, calls: u64) -> UsageSnapshot {
    UsageSnapshot { app: AppId(app.into()), at, calls_today: calls }
}

#[test]
fn limits_follow_the_highest_tier_and_purchased_increases() {
    let config = ApiLimitConfig::default();
    let l = config.limits(&account(&[], 0)).unwrap();
    assert_eq!((l.daily, l.burst_per_10s, l.tier), (250_000, 100, Tier::Free));
    let l = config.limits(&account(&[(Hub::Marketing, Tier::Starter), (Hub::Sales, Tier::Professional)], 0)).unwrap();
    assert_eq!((l.daily, l.burst_per_10s), (625_000, 190));
    let l = config.limits(&account(&[(Hub::Service, Tier::Enterprise)], 2)).unwrap();
    assert_eq!((l.daily, l.burst_per_10s), (3_000_000, 250));
    let other = ApiLimitConfig { version: "2025-10".into(), daily_professional: 650_000, ..config.clone() };
    assert_eq!(other.limits(&account(&[(Hub::Sales, Tier::Professional)], 0)).unwrap().daily, 650_000);
    let err = config.limits(&account(&[], 3)).unwrap_err();
    assert_eq!(err, InsightsError::TooManyLimitIncreases { got: 3, max: 2 });
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn days_are_local_days_and_a_day_counts_its_largest_running_total() {
    let mut h = UsageHistory::new("America/New_York").unwrap();
    // 03:00 UTC on the 2nd is still the 1st in New York.
    h.record(&snap("sync", Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0).unwrap(), 900)).unwrap();
    h.record(&snap("sync", Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap(), 700)).unwrap();
    h.record(&snap("sync", Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap(), 50)).unwrap();
    let limits = ApiLimitConfig::default().limits(&account(&[], 0)).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let r = h.report(&limits, 3, &RobustRule::api_calls(), now).unwrap();
    assert_eq!(r.today, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    assert_eq!(r.resets_at, Utc.with_ymd_and_hms(2026, 3, 3, 5, 0, 0).unwrap());
    let calls: Vec<u64> = r.days.iter().map(|d| d.calls).collect();
    assert_eq!(calls, vec![0, 900, 50]);
    assert_eq!(r.calls_today, 50);
    assert!((r.share_used - 50.0 / 250_000.0).abs() < 1e-12);
    assert_eq!(h.snapshots(&AppId("sync".into())).len(), 3, "the intraday history is kept");
}

#[test]
fn trend_spikes_and_the_forecast_of_exhaustion() {
    let mut h = UsageHistory::new("UTC").unwrap();
    let day0 = Utc.with_ymd_and_hms(2026, 2, 1, 23, 0, 0).unwrap();
    for d in 0..28 {
        let calls = if d == 20 { 90_000 } else { 10_000 + (d % 3) * 500 };
        let calls = if d >= 21 { calls + 2_000 } else { calls };
        h.record(&snap("crm-sync", day0 + Duration::days(d), calls as u64)).unwrap();
    }
    // Today (1 March): 150,000 calls by 10:00, 30,000 of them in the last hour.
    let today = |h_: u32| Utc.with_ymd_and_hms(2026, 3, 1, h_, 0, 0).unwrap();
    h.record(&snap("crm-sync", today(9), 120_000)).unwrap();
    h.record(&snap("crm-sync", today(10), 150_000)).unwrap();
    let limits = ApiLimitConfig::default().limits(&account(&[], 0)).unwrap();
    let r = h.report(&limits, 30, &RobustRule::api_calls(), today(10) + Duration::minutes(5)).unwrap();
    let spike_days: Vec<(NaiveDate, Option<&str>)> =
        r.spikes.iter().map(|s| (s.day, s.app.as_ref().map(AppId::as_str))).collect();
    let feb21 = NaiveDate::from_ymd_opt(2026, 2, 21).unwrap();
    let mar1 = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    assert_eq!(
        spike_days,
        vec![(feb21, None), (feb21, Some("crm-sync")), (mar1, None), (mar1, Some("crm-sync"))],
        "the 90,000-call day and today's burst"
    );
    let previous: u64 = (14..=20u64).map(|d| if d == 20 { 90_000 } else { 10_000 + (d % 3) * 500 }).sum();
    assert_eq!(r.trend.previous_7_days, previous);
    let last: u64 = (21..=27u64).map(|d| 12_000 + (d % 3) * 500).sum();
    assert_eq!(r.trend.last_7_days, last);
    assert!((r.trend.change.unwrap() - (last as f64 - previous as f64) / previous as f64).abs() < 1e-12);
    let f = r.forecast.expect("250,000 at 30,000 an hour is reached at 13:20");
    assert!(!f.already_exhausted);
    assert_eq!(f.exhausts_at, Utc.with_ymd_and_hms(2026, 3, 1, 13, 20, 0).unwrap());
    assert!((f.calls_per_hour - 30_000.0).abs() < 1e-6);
    let ma = r.days.last().unwrap().moving_average_7d.unwrap();
    assert!(ma > 12_000.0);

    // A slow day is not forecast to exhaust; an exhausted one says so.
    let mut slow = UsageHistory::new("UTC").unwrap();
    slow.record(&snap("a", today(1), 100)).unwrap();
    slow.record(&snap("a", today(10), 1_000)).unwrap();
    assert!(slow.report(&limits, 7, &RobustRule::api_calls(), today(11)).unwrap().forecast.is_none());
    slow.record(&snap("b", today(10), 260_000)).unwrap();
    let f = slow.report(&limits, 7, &RobustRule::api_calls(), today(11)).unwrap().forecast.unwrap();
    assert!(f.already_exhausted);
}

#[test]
fn bad_input_is_refused_and_nothing_is_kept() {
    assert_eq!(UsageHistory::new("Mars/Olympus").unwrap_err(), InsightsError::UnknownTimeZone("Mars/Olympus".into()));
    let mut h = UsageHistory::new("Europe/Paris").unwrap();
    h.record(&snap("a", Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap(), 5)).unwrap();
    let before = h.clone();
    let apps = vec!["a".to_owned(), "b".to_owned()];
    let at = vec![1_767_261_600_000_000i64, 1_767_265_200_000_000];
    let cols = |at: &[i64], app: &[u32], calls: &[i64]| -> Result<usize, InsightsError> {
        let mut h2 = h.clone();
        let r = h2.ingest_columns(&UsageSnapshotColumns {
            at_micros: at,
            apps: app,
            app_dictionary: &apps,
            calls_today: calls,
        });
        if r.is_err() {
            assert_eq!(h2, before);
        }
        r
    };
    assert_eq!(cols(&at, &[0, 1], &[10, -3]), Err(InsightsError::NegativeCount { row: 1, value: -3 }));
    assert!(matches!(cols(&[-5, 0], &[0, 1], &[1, 1]), Err(InsightsError::TimestampOutOfRange { row: 0, .. })));
    assert!(matches!(cols(&at, &[0, 7], &[1, 1]), Err(InsightsError::UnknownCode { row: 1, .. })));
    assert!(matches!(cols(&at, &[0], &[1, 1]), Err(InsightsError::ColumnLength { .. })));
    assert_eq!(cols(&at, &[0, 1], &[10, 20]), Ok(2));
    let early = snap("a", Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 0).unwrap(), 1);
    assert!(matches!(h.record(&early), Err(InsightsError::TimestampOutOfRange { .. })));
    assert!(matches!(h.record(&snap("", early.at + Duration::days(365), 1)), Err(InsightsError::EmptyAppId)));
    let batch = [snap("b", Utc.with_ymd_and_hms(2026, 1, 2, 10, 0, 0).unwrap(), 7), early.clone()];
    assert!(matches!(h.record_all(&batch), Err(InsightsError::TimestampOutOfRange { .. })));
    assert_eq!(h, before);
    let mut h3 = h.clone();
    assert_eq!(h3.record_all(&batch[..1]), Ok(1));
    assert_ne!(h3, before);
    let limits = ApiLimitConfig::default().limits(&account(&[], 0)).unwrap();
    assert_eq!(h.report(&limits, 0, &RobustRule::api_calls(), early.at).unwrap_err(), InsightsError::EmptyWindow(0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Daily calls per app and per account equal the reference's (max running total per app and
    /// local day, summed over apps), whatever the order snapshots arrive in and the zone.
    #[test]
    fn daily_usage_agrees_with_the_reference(
        snaps in proptest::collection::vec((0i64..20 * 24 * 60, 0usize..3, 0u64..100_000), 0..80),
        zone in prop::sample::select(vec!["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland"]),
        now_offset in 0i64..22 * 24 * 60,
    ) {
        let start = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
        let apps = ["a", "b", "c"];
        let mut h = UsageHistory::new(zone).unwrap();
        for (m, app, calls) in &snaps {
            h.record(&snap(apps[*app], start + Duration::minutes(*m), *calls)).unwrap();
        }
        let tz: Tz = zone.parse().unwrap();
        let mut reference: BTreeMap<(NaiveDate, &str), BTreeMap<i64, u64>> = BTreeMap::new();
        for (m, app, calls) in &snaps {
            let at = start + Duration::minutes(*m);
            reference.entry((at.with_timezone(&tz).date_naive(), apps[*app])).or_default().insert(*m, *calls);
        }
        let limits = ApiLimitConfig::default().limits(&account(&[], 1)).unwrap();
        let now = start + Duration::minutes(now_offset);
        let r = h.report(&limits, 10, &RobustRule::api_calls(), now).unwrap();
        prop_assert_eq!(r.today, now.with_timezone(&tz).date_naive());
        for d in &r.days {
            let expected: u64 = apps.iter().map(|a| {
                reference.get(&(d.day, *a)).map_or(0, |s| s.values().copied().max().unwrap_or(0))
            }).sum();
            prop_assert_eq!(d.calls, expected);
        }
        for p in &r.per_app {
            let expected = reference.get(&(p.day, p.app.as_str())).map_or(0, |s| s.values().copied().max().unwrap_or(0));
            prop_assert_eq!(p.calls, expected);
        }
        prop_assert_eq!(r.per_app.len(), r.days.iter().map(|d| apps.iter().filter(|a| {
            reference.get(&(d.day, **a)).is_some_and(|s| s.values().any(|c| *c > 0))
        }).count()).sum::<usize>());
    }
}

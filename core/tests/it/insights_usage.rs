//! API-call usage (U1–U5, X3) against a naive reference: scan every snapshot, group, take maxima.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use connected_apps::import::usage_snapshots_from_daily_usage;
use connected_apps::limits::{
    MAX_DAILY_CALLS, MAX_DICTIONARY_LEN, MAX_SHARE_THRESHOLD_PERCENT, MAX_SHARE_THRESHOLDS, MAX_TRAILING_DAYS,
    MAX_USAGE_APPS, MAX_WINDOW_DAYS,
};
use connected_apps::{
    Account, ApiLimitConfig, AppId, ErrorKind, Hub, ImportError, InsightsError, RobustRule, Tier, UsageHistory,
    UsageSettings, UsageSnapshot, UsageSnapshotColumns,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::reference::robust::{close, far_above};

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

fn in_zone(zone: &str) -> Account {
    Account { time_zone: zone.into(), ..account(&[], 0) }
}

fn window(days: u32) -> UsageSettings {
    UsageSettings { window_days: days, ..UsageSettings::default() }
}

fn snap(app: &str, at: DateTime<Utc>, calls: u64) -> UsageSnapshot {
    UsageSnapshot { app: AppId(app.into()), at, calls_today: calls, usage_limit: None, resets_at: None }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
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
    let mut h = UsageHistory::new();
    // 03:00 UTC on the 2nd is still the 1st in New York.
    h.record(&snap("sync", Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0).unwrap(), 900)).unwrap();
    h.record(&snap("sync", Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap(), 700)).unwrap();
    h.record(&snap("sync", Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap(), 50)).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let r = h.report(&in_zone("America/New_York"), &window(3), now).unwrap();
    assert_eq!(r.today, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    assert_eq!(r.resets_at, Utc.with_ymd_and_hms(2026, 3, 3, 5, 0, 0).unwrap());
    let calls: Vec<u64> = r.days.iter().map(|d| d.calls).collect();
    assert_eq!(calls, vec![0, 900, 50]);
    // The same history read for an account in Paris: the 03:00 UTC reading belongs to the 2nd.
    let paris = h.report(&in_zone("Europe/Paris"), &window(3), now).unwrap();
    assert_eq!(paris.days.iter().map(|d| d.calls).collect::<Vec<_>>(), vec![0, 700, 900]);
    assert_eq!(paris.resets_at, Utc.with_ymd_and_hms(2026, 3, 2, 23, 0, 0).unwrap());
    assert_eq!(r.calls_today, 50);
    assert!((r.share_used - 50.0 / 250_000.0).abs() < 1e-12);
    assert_eq!(h.snapshots(&AppId("sync".into())).len(), 3, "the intraday history is kept");
}

#[test]
fn trend_spikes_and_the_forecast_of_exhaustion() {
    let mut h = UsageHistory::new();
    let utc = in_zone("UTC");
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
    let r = h.report(&utc, &window(30), today(10) + Duration::minutes(5)).unwrap();
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
    let mut slow = UsageHistory::new();
    slow.record(&snap("a", today(1), 100)).unwrap();
    slow.record(&snap("a", today(10), 1_000)).unwrap();
    assert!(slow.report(&utc, &window(7), today(11)).unwrap().forecast.is_none());
    slow.record(&snap("b", today(10), 260_000)).unwrap();
    let f = slow.report(&utc, &window(7), today(11)).unwrap().forecast.unwrap();
    assert!(f.already_exhausted);
}

#[test]
fn the_history_as_columns_holds_every_reading_by_app_then_time() {
    let t = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let mut history = UsageHistory::new();
    assert!(history.columns().apps.is_empty());
    history.record(&snap("zoom", t + Duration::hours(1), 40)).unwrap();
    history.record(&snap("asana", t, 7)).unwrap();
    let limited =
        UsageSnapshot { usage_limit: Some(500), resets_at: Some(t + Duration::hours(12)), ..snap("zoom", t, 10) };
    history.record(&limited).unwrap();
    let c = history.columns();
    let apps: Vec<&str> = c.apps.iter().map(|&a| c.app_dictionary[a as usize].0.as_str()).collect();
    assert_eq!(apps, ["asana", "zoom", "zoom"]);
    let micros = |d: Duration| (t + d).timestamp_micros();
    assert_eq!(c.at_micros, [micros(Duration::zero()), micros(Duration::zero()), micros(Duration::hours(1))]);
    assert_eq!(c.calls_today, [7, 10, 40]);
    assert_eq!(c.usage_limits, [None, Some(500), None]);
    assert_eq!(c.resets_at_micros, [None, Some(micros(Duration::hours(12))), None]);
}

#[test]
fn bad_input_is_refused_and_nothing_is_kept() {
    let mut h = UsageHistory::new();
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
    assert_eq!(h.report(&account(&[], 0), &window(0), early.at).unwrap_err(), InsightsError::EmptyWindow(0));
    // The time zone is the account's: an unknown one is refused when reporting.
    let err = h.report(&in_zone("Mars/Olympus"), &window(7), early.at).unwrap_err();
    assert_eq!(err, InsightsError::UnknownTimeZone("Mars/Olympus".into()));
    assert_eq!(err.to_string(), "unknown time zone \"Mars/Olympus\"");
}

#[test]
fn the_window_is_bounded_and_a_refused_report_names_the_value() {
    let mut h = UsageHistory::new();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    h.record(&snap("a", now - Duration::days(3_000), 5_000)).unwrap();
    h.record(&snap("a", now, 7_000)).unwrap();
    let r = h.report(&account(&[], 0), &window(MAX_WINDOW_DAYS), now).unwrap();
    assert_eq!(r.days.len(), 3_660);
    assert_eq!(r.days.iter().map(|d| d.calls).sum::<u64>(), 12_000);
    for days in [MAX_WINDOW_DAYS + 1, u32::MAX] {
        let err = h.report(&account(&[], 0), &window(days), now).unwrap_err();
        // The same variant as record insights' window (one window rule).
        assert_eq!(err, InsightsError::WindowTooLong { what: "window", days, max: 3_660 });
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(
        h.report(&account(&[], 0), &window(u32::MAX), now).unwrap_err().to_string(),
        "window of 4294967295 days exceeds the maximum of 3660"
    );
}

#[test]
fn settings_past_their_bounds_are_refused_and_just_inside_accepted() {
    let h = UsageHistory::new();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let report = |settings: UsageSettings| h.report(&account(&[], 0), &settings, now);
    let rule = |trailing_days| RobustRule { trailing_days, ..RobustRule::api_calls() };
    let thresholds = |share_thresholds_percent| UsageSettings { share_thresholds_percent, ..UsageSettings::default() };
    assert!(report(UsageSettings { spike_rule: rule(MAX_TRAILING_DAYS), ..UsageSettings::default() }).is_ok());
    assert_eq!(
        report(UsageSettings { spike_rule: rule(MAX_TRAILING_DAYS + 1), ..UsageSettings::default() }),
        Err(InsightsError::WindowTooLong { what: "trailing baseline", days: 367, max: 366 })
    );
    assert!(report(thresholds(vec![1; MAX_SHARE_THRESHOLDS])).is_ok());
    assert_eq!(
        report(thresholds(vec![1; MAX_SHARE_THRESHOLDS + 1])),
        Err(InsightsError::SettingOutOfRange { setting: "share threshold count", value: 17, min: 0, max: 16 })
    );
    assert!(report(thresholds(vec![MAX_SHARE_THRESHOLD_PERCENT, 1])).is_ok());
    for bad in [0, MAX_SHARE_THRESHOLD_PERCENT + 1] {
        assert_eq!(
            report(thresholds(vec![80, bad])),
            Err(InsightsError::SettingOutOfRange {
                setting: "share threshold percent",
                value: bad.into(),
                min: 1,
                max: 1_000
            })
        );
    }
}

#[test]
fn running_totals_past_the_bound_are_refused_so_sums_never_wrap() {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let mut h = UsageHistory::new();
    // Issue 11: two apps at 2^63 calls used to report 0. Now the reading is refused, nothing kept.
    let huge = [snap("a", at, 1 << 63), snap("b", at, 1 << 63)];
    let err = h.record_all(&huge).unwrap_err();
    assert_eq!(err, InsightsError::CountTooLarge { row: 0, what: "calls today", value: 1 << 63, max: 1 << 40 });
    assert_eq!(err.to_string(), "row 0: calls today 9223372036854775808 exceeds the maximum of 1099511627776");
    assert_eq!(h, UsageHistory::new());
    let limit_too_large = UsageSnapshot { usage_limit: Some(MAX_DAILY_CALLS + 1), ..snap("a", at, 1) };
    assert!(matches!(h.record(&limit_too_large), Err(InsightsError::CountTooLarge { what: "usage limit", .. })));
    let cols = |calls: i64| {
        let apps = ["a".to_owned()];
        UsageHistory::new().ingest_columns(&UsageSnapshotColumns {
            at_micros: &[at.timestamp_micros()],
            apps: &[0],
            app_dictionary: &apps,
            calls_today: &[calls],
        })
    };
    assert!(matches!(cols(MAX_DAILY_CALLS as i64 + 1), Err(InsightsError::CountTooLarge { row: 0, .. })));
    assert_eq!(cols(MAX_DAILY_CALLS as i64), Ok(1));
    assert!(h.record(&UsageSnapshot { usage_limit: Some(MAX_DAILY_CALLS), ..snap("a", at, 1) }).is_ok());
    // Just inside: every app at the bound, every day of two weeks; the sums are exact.
    let mut h = UsageHistory::new();
    for d in 0..15 {
        for app in ["a", "b", "c"] {
            h.record(&snap(app, at - Duration::days(d), MAX_DAILY_CALLS)).unwrap();
        }
    }
    let r = h.report(&in_zone("UTC"), &window(15), at).unwrap();
    assert_eq!(r.calls_today, 3 * MAX_DAILY_CALLS);
    assert_eq!(r.trend.last_7_days, 21 * MAX_DAILY_CALLS);
    assert_eq!(r.trend.previous_7_days, 21 * MAX_DAILY_CALLS);
    assert_eq!(r.days.last().unwrap().moving_average_7d, Some(3.0 * MAX_DAILY_CALLS as f64));
    assert_eq!(r.thresholds_crossed, vec![80, 90, 100]);
    assert!(r.forecast.unwrap().already_exhausted);
}

#[test]
fn apps_and_dictionaries_are_bounded() {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let mut h = UsageHistory::new();
    let batch: Vec<UsageSnapshot> = (0..MAX_USAGE_APPS).map(|i| snap(&format!("app-{i}"), at, 1)).collect();
    assert_eq!(h.record_all(&batch), Ok(MAX_USAGE_APPS));
    let full = h.clone();
    // A known app is still welcome; one more is not.
    assert_eq!(h.record(&snap("app-7", at + Duration::hours(1), 2)), Ok(()));
    let mut h = full.clone();
    let err = h.record_all(&[snap("app-1", at, 9), snap("one-more", at, 1)]).unwrap_err();
    assert_eq!(err, InsightsError::TooManyApps { got: 4_097, max: 4_096 });
    assert_eq!(h, full);
    let apps = vec!["one-more".to_owned()];
    let columns = UsageSnapshotColumns {
        at_micros: &[at.timestamp_micros()],
        apps: &[0],
        app_dictionary: &apps,
        calls_today: &[1],
    };
    assert_eq!(h.ingest_columns(&columns), Err(InsightsError::TooManyApps { got: 4_097, max: 4_096 }));
    assert_eq!(h, full);

    let dictionary: Vec<String> = (0..=MAX_DICTIONARY_LEN).map(|i| i.to_string()).collect();
    let columns = |len: usize| UsageSnapshotColumns {
        at_micros: &[1_767_261_600_000_000],
        apps: &[0],
        app_dictionary: &dictionary[..len],
        calls_today: &[5],
    };
    let mut h = UsageHistory::new();
    let err = h.ingest_columns(&columns(MAX_DICTIONARY_LEN + 1)).unwrap_err();
    assert_eq!(err, InsightsError::DictionaryTooLong { column: "app_dictionary", len: 1_048_577, max: 1_048_576 });
    assert_eq!(h, UsageHistory::new());
    assert_eq!(h.ingest_columns(&columns(MAX_DICTIONARY_LEN)), Ok(1));
    assert_eq!(h.app_count(), 1, "memory follows the apps used, not the dictionary");
}

#[test]
fn share_thresholds_crossed_today_are_listed() {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let crossed = |calls: u64, thresholds: Vec<u32>| {
        let mut h = UsageHistory::new();
        h.record(&snap("a", at - Duration::days(1), 249_999)).unwrap();
        h.record(&snap("a", at, calls)).unwrap();
        let settings = UsageSettings { share_thresholds_percent: thresholds, ..UsageSettings::default() };
        h.report(&account(&[], 0), &settings, at).unwrap().thresholds_crossed
    };
    let defaults = UsageSettings::default().share_thresholds_percent;
    assert_eq!(defaults, vec![80, 90, 100]);
    assert_eq!(crossed(199_999, defaults.clone()), Vec::<u32>::new(), "yesterday's calls do not count");
    assert_eq!(crossed(200_000, defaults.clone()), vec![80]);
    assert_eq!(crossed(224_999, defaults.clone()), vec![80]);
    assert_eq!(crossed(225_000, defaults.clone()), vec![80, 90]);
    assert_eq!(crossed(249_999, defaults.clone()), vec![80, 90]);
    assert_eq!(crossed(250_000, defaults), vec![80, 90, 100]);
    assert_eq!(crossed(375_000, vec![150, 50, 150, 151]), vec![50, 150], "ascending, once");
}

#[test]
fn the_reported_limit_and_reset_are_kept_beside_what_the_tier_implies() {
    let out = usage_snapshots_from_daily_usage(&fixture("daily_api_usage.json")).unwrap();
    assert_eq!(out.items[0].usage_limit, Some(625_000));
    assert_eq!(out.items[0].resets_at, Some(Utc.with_ymd_and_hms(2026, 3, 2, 23, 0, 0).unwrap()));
    assert_eq!((out.items[1].usage_limit, out.items[1].resets_at), (Some(625_000), None));
    let mut h = UsageHistory::new();
    assert_eq!(h.record_all(&out.items), Ok(2));
    assert_eq!(h.snapshots(&AppId("private-apps-api-calls-daily".into())), vec![out.items[0].clone()]);
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 10, 20, 0).unwrap();

    // A professional account in Paris: the platform agrees with the tier and the zone.
    let pro = account(&[(Hub::Sales, Tier::Professional)], 0);
    let r = h.report(&pro, &window(7), now).unwrap();
    assert_eq!((r.limits.daily, r.limit, r.reported_limit, r.limit_differs), (625_000, 625_000, Some(625_000), false));
    assert_eq!((r.reported_resets_at, r.reset_differs), (Some(r.resets_at), false));
    assert_eq!(r.calls_today, 182_450 + 40_210);
    assert!((r.share_used - 222_660.0 / 625_000.0).abs() < 1e-12);
    assert_eq!(r.days.last().unwrap().limit, 625_000);

    // The directory says free and New York: the report keeps the platform's limit in force and
    // says both differ.
    let free = Account { time_zone: "America/New_York".into(), ..account(&[], 0) };
    let r = h.report(&free, &window(7), now).unwrap();
    assert_eq!((r.limits.daily, r.limit, r.reported_limit, r.limit_differs), (250_000, 625_000, Some(625_000), true));
    assert_eq!(r.resets_at, Utc.with_ymd_and_hms(2026, 3, 3, 5, 0, 0).unwrap());
    assert!(r.reset_differs);
    assert!((r.share_used - 222_660.0 / 625_000.0).abs() < 1e-12);
    assert_eq!(r.thresholds_crossed, Vec::<u32>::new(), "against 625,000, not 250,000");

    // Without a reported limit the tier's applies, and nothing differs.
    let mut plain = UsageHistory::new();
    plain.record(&snap("a", now, 200_000)).unwrap();
    let r = plain.report(&account(&[], 0), &window(7), now).unwrap();
    assert_eq!((r.limit, r.reported_limit, r.limit_differs, r.reset_differs), (250_000, None, false, false));
    assert_eq!(r.thresholds_crossed, vec![80]);
}

fn one_usage(fields: &str) -> Result<Vec<UsageSnapshot>, ImportError> {
    let ok = r#"{"name":"ok","currentUsage":1,"usageLimit":250000,"fetchStatus":"SUCCESS","collectedAt":"2026-03-02T10:15:00Z"}"#;
    usage_snapshots_from_daily_usage(&format!(r#"{{"results":[{ok},{{{fields}}}]}}"#)).map(|out| out.items)
}

fn malformed_at_1(result: Result<Vec<UsageSnapshot>, ImportError>, needle: &str) {
    match result {
        Err(ImportError::MalformedItem { index: 1, message, .. }) => assert!(message.contains(needle), "{message}"),
        other => panic!("expected a malformed item 1 ({needle}), got {other:?}"),
    }
}

#[test]
fn bad_daily_usage_results_are_typed_errors_naming_the_item() {
    let base = r#""name":"x","currentUsage":5,"usageLimit":250000,"fetchStatus":"SUCCESS","collectedAt":1772446500000"#;
    let items = one_usage(base).unwrap();
    assert_eq!(items[1].at, Utc.with_ymd_and_hms(2026, 3, 2, 10, 15, 0).unwrap(), "epoch milliseconds");
    // One rule for every payload: epoch numbers below `limits::MIN_PLATFORM_MILLIS` (2001-09-09) are
    // seconds given for milliseconds.
    for seconds in ["1772446500", "999999999999"] {
        assert!(matches!(
            one_usage(&base.replace("1772446500000", seconds)),
            Err(ImportError::TimeInSeconds { index: 1, .. })
        ));
    }
    assert_eq!(one_usage(&base.replace("1772446500000", "1000000000000")).unwrap()[1].at.timestamp(), 1_000_000_000);
    malformed_at_1(one_usage(&base.replace(r#""currentUsage":5"#, r#""currentUsage":5.5"#)), "currentUsage");
    malformed_at_1(one_usage(&base.replace(r#""currentUsage":5"#, r#""currentUsage":"5""#)), "currentUsage");
    malformed_at_1(one_usage(&base.replace(r#""usageLimit":250000,"#, "")), "usageLimit");
    malformed_at_1(one_usage(&base.replace(r#","collectedAt":1772446500000"#, "")), "collectedAt");
    malformed_at_1(one_usage(&base.replace(r#""name":"x","#, "")), "name");
    malformed_at_1(one_usage(&base.replace("SUCCESS", "PENDING")), "PENDING");
    malformed_at_1(one_usage(&format!(r#"{base},"resetsAt":"tomorrow""#)), "resetsAt");
    let negative = one_usage(&base.replace("250000", "-1")).unwrap_err();
    assert_eq!(
        negative,
        ImportError::InvalidItem {
            payload: "daily api usage",
            index: 1,
            source: InsightsError::NegativeCount { row: 1, value: -1 }
        }
    );
    let max = MAX_DAILY_CALLS.to_string();
    assert_eq!(one_usage(&base.replace(r#""currentUsage":5"#, &format!(r#""currentUsage":{max}"#))).unwrap().len(), 2);
    let past = (MAX_DAILY_CALLS + 1).to_string();
    assert!(matches!(
        one_usage(&base.replace(r#""currentUsage":5"#, &format!(r#""currentUsage":{past}"#))),
        Err(ImportError::InvalidItem { index: 1, source: InsightsError::CountTooLarge { .. }, .. })
    ));
    // A failed fetch carries no reading: skipped and reported, never read as zero calls.
    for status in ["FAILURE", "NOTFOUND", "TIMEOUT"] {
        let json = format!(r#"[{{"name":"x","currentUsage":0,"usageLimit":1,"fetchStatus":"{status}"}}]"#);
        let out = usage_snapshots_from_daily_usage(&json).unwrap();
        assert!(out.items.is_empty());
        assert_eq!(out.report.unsupported.get(&format!("fetch status {status}")), Some(&1));
        assert_eq!((out.report.read, out.report.imported), (1, 0));
    }
}

#[test]
fn the_history_snapshot_round_trips_and_restoring_re_checks_it() {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
    let mut h = UsageHistory::new();
    let out = usage_snapshots_from_daily_usage(&fixture("daily_api_usage.json")).unwrap();
    h.record_all(&out.items).unwrap();
    h.record(&snap("b", at, 12)).unwrap();
    let json = h.to_json().unwrap();
    assert_eq!(UsageHistory::from_json(&json), Ok(h.clone()));
    assert_eq!(serde_json::from_str::<UsageHistory>(&json).unwrap(), h);
    let at_text = "2026-03-02T10:00:00Z";
    assert!(json.contains(&format!(r#""b":{{"{at_text}":{{"calls_today":12}}}}"#)), "{json}");
    let tampered = |from: &str, to: &str| UsageHistory::from_json(&json.replace(from, to));
    let past = (MAX_DAILY_CALLS + 1).to_string();
    assert!(matches!(
        tampered(r#""calls_today":12"#, &format!(r#""calls_today":{past}"#)),
        Err(InsightsError::CountTooLarge { what: "calls today", .. })
    ));
    assert!(matches!(
        tampered(r#""usage_limit":625000"#, &format!(r#""usage_limit":{past}"#)),
        Err(InsightsError::CountTooLarge { what: "usage limit", .. })
    ));
    assert_eq!(tampered(r#""b":"#, r#""":"#), Err(InsightsError::EmptyAppId));
    assert!(matches!(tampered(at_text, "1969-12-31T23:00:00Z"), Err(InsightsError::TimestampOutOfRange { .. })));
    assert!(serde_json::from_str::<UsageHistory>(&json.replace(r#""b":"#, r#""":"#)).is_err());
    assert!(matches!(UsageHistory::from_json("{\"apps\": 3}"), Err(InsightsError::Malformed { .. })));
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
        let mut h = UsageHistory::new();
        for (m, app, calls) in &snaps {
            h.record(&snap(apps[*app], start + Duration::minutes(*m), *calls)).unwrap();
        }
        let tz: Tz = zone.parse().unwrap();
        let mut reference: BTreeMap<(NaiveDate, &str), BTreeMap<i64, u64>> = BTreeMap::new();
        for (m, app, calls) in &snaps {
            let at = start + Duration::minutes(*m);
            reference.entry((at.with_timezone(&tz).date_naive(), apps[*app])).or_default().insert(*m, *calls);
        }
        let now = start + Duration::minutes(now_offset);
        let r = h.report(&Account { time_zone: zone.into(), ..account(&[], 1) }, &window(10), now).unwrap();
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

/// The reference's view of the snapshots: per app, the readings by time (a later reading at the
/// same instant replaces an earlier one).
type Readings<'a> = BTreeMap<&'a str, BTreeMap<DateTime<Utc>, u64>>;

/// A spike by the reference: day, app (`None`: the account), calls, median, threshold.
type RefSpike = (NaiveDate, Option<String>, u64, f64, f64);
/// A forecast by the reference: when, whether already reached, calls per hour.
type RefForecast = (DateTime<Utc>, bool, f64);
/// A day's calls of one series.
type Series<'a> = Box<dyn Fn(NaiveDate) -> u64 + 'a>;

/// The reference trend (U3), spikes (U4, median/MAD) and forecast (U5) at `now`, from the
/// readings alone: days are local days, a day's calls per app its largest running total.
fn reference_usage(
    readings: &Readings<'_>,
    tz: Tz,
    rule: &RobustRule,
    window_days: i64,
    limit: u64,
    now: DateTime<Utc>,
) -> (u64, u64, Vec<RefSpike>, Option<RefForecast>) {
    let local = |at: &DateTime<Utc>| at.with_timezone(&tz).date_naive();
    let app_calls = |app: &str, d: NaiveDate| -> u64 {
        readings[app].iter().filter(|(at, _)| local(at) == d).map(|(_, c)| *c).max().unwrap_or(0)
    };
    let total = |d: NaiveDate| -> u64 { readings.keys().map(|a| app_calls(a, d)).sum() };
    let today = local(&now);
    let back = |k: i64| today - Duration::days(k);
    let last_7: u64 = (1..=7).map(|k| total(back(k))).sum();
    let previous_7: u64 = (8..=14).map(|k| total(back(k))).sum();
    let first_day = readings.values().filter_map(|r| r.keys().next()).min().map(local);
    let mut spikes = Vec::new();
    if let Some(first) = first_day {
        let mut series: Vec<(Option<String>, Series<'_>)> = vec![(None, Box::new(total))];
        for app in readings.keys() {
            series.push((Some((*app).to_owned()), Box::new(move |d| app_calls(app, d))));
        }
        for (app, calls) in &series {
            for k in (0..window_days).rev() {
                let d = back(k);
                let history: Vec<u64> = (1..=i64::from(rule.trailing_days))
                    .map(|j| d - Duration::days(j))
                    .filter(|h| *h >= first)
                    .map(calls)
                    .collect();
                if let Some((m, threshold)) = far_above(rule, calls(d), &history) {
                    spikes.push((d, app.clone(), calls(d), m, threshold));
                }
            }
        }
    }
    spikes.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    // The pace: per app, today's readings' last hour (or since midnight with one reading).
    let midnight = tz.from_local_datetime(&today.and_hms_opt(0, 0, 0).unwrap()).earliest().unwrap().to_utc();
    let next = today + Duration::days(1);
    let resets = tz.from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap()).earliest().unwrap().to_utc();
    let mut per_hour = 0.0;
    let mut latest = None;
    for r in readings.values() {
        let todays: Vec<(DateTime<Utc>, u64)> =
            r.iter().filter(|(at, _)| **at >= midnight && **at < resets).map(|(a, c)| (*a, *c)).collect();
        let Some(&(last_at, last)) = todays.last() else { continue };
        let since = last_at - Duration::minutes(60);
        let (from_at, from) = match todays.iter().find(|(at, _)| *at >= since) {
            Some(&(at, c)) if at < last_at => (at, c),
            _ => (midnight, 0),
        };
        let hours = (last_at - from_at).num_milliseconds() as f64 / 3_600_000.0;
        if hours > 0.0 {
            per_hour += last.saturating_sub(from) as f64 / hours;
        }
        latest = latest.max(Some(last_at));
    }
    let calls_today = total(today);
    let forecast = latest.and_then(|latest| {
        if calls_today >= limit {
            return Some((latest, true, per_hour));
        }
        if per_hour <= 0.0 {
            return None;
        }
        let millis = ((limit - calls_today) as f64 / per_hour * 3_600_000.0).min(1e15) as i64;
        let at = latest + Duration::milliseconds(millis);
        (at < resets).then_some((at, false, per_hour))
    });
    (last_7, previous_7, spikes, forecast)
}

/// Trend (U3), spikes (U4) and the forecast (U5) against the reference on 600 generated
/// histories with steady days, bursts and quiet apps; the run counts what it compared.
#[test]
fn trend_spikes_and_forecast_agree_with_the_reference() {
    let calls = prop_oneof![5 => 1_000u64..6_000, 1 => 0u64..400_000];
    let strategy = (
        proptest::collection::vec((0i64..24 * 24 * 60, 0usize..3, calls), 0..150),
        prop::sample::select(vec!["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland"]),
        0i64..26 * 24 * 60,
        // Readings in the hours before now, so that today's pace often reaches the limit.
        proptest::collection::vec((0i64..12 * 60, 0usize..3, 0u64..600_000), 0..6),
    );
    let config = Config { cases: 600, source_file: Some(file!()), ..Config::default() };
    let seen = std::cell::Cell::new((0usize, 0usize, 0usize, 0usize));
    let result = TestRunner::new(config).run(&strategy, |(mut snaps, zone, now_offset, recent)| {
        let start = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
        let apps = ["a", "b", "c"];
        snaps.extend(recent.iter().map(|(m, app, calls)| (now_offset - m, *app, *calls)).filter(|(m, ..)| *m >= 0));
        let mut h = UsageHistory::new();
        let mut readings: Readings<'_> = BTreeMap::new();
        for (m, app, calls) in &snaps {
            let at = start + Duration::minutes(*m);
            h.record(&snap(apps[*app], at, *calls)).unwrap();
            readings.entry(apps[*app]).or_default().insert(at, *calls);
        }
        let tz: Tz = zone.parse().unwrap();
        let now = start + Duration::minutes(now_offset);
        let settings = window(10);
        let r = h.report(&Account { time_zone: zone.into(), ..account(&[], 1) }, &settings, now).unwrap();
        let (last_7, previous_7, spikes, forecast) =
            reference_usage(&readings, tz, &settings.spike_rule, 10, r.limit, now);
        prop_assert_eq!((r.trend.last_7_days, r.trend.previous_7_days), (last_7, previous_7));
        let change = (previous_7 > 0).then(|| (last_7 as f64 - previous_7 as f64) / previous_7 as f64);
        prop_assert!(r.trend.change.zip(change).is_none_or(|(a, b)| close(a, b)));
        prop_assert_eq!(r.trend.change.is_some(), change.is_some());
        let got: Vec<_> = r.spikes.iter().map(|s| (s.day, s.app.as_ref().map(|a| a.0.clone()), s.calls)).collect();
        let want: Vec<_> = spikes.iter().map(|s| (s.0, s.1.clone(), s.2)).collect();
        prop_assert_eq!(got, want);
        for (g, w) in r.spikes.iter().zip(&spikes) {
            prop_assert!(close(g.baseline_median, w.3) && close(g.threshold, w.4), "{:?} vs {:?}", g, w);
        }
        match (&r.forecast, forecast) {
            (None, None) => {}
            (Some(f), Some((at, exhausted, per_hour))) => {
                prop_assert_eq!(f.already_exhausted, exhausted);
                prop_assert!(close(f.calls_per_hour, per_hour), "{} vs {}", f.calls_per_hour, per_hour);
                prop_assert!((f.exhausts_at - at).num_milliseconds().abs() <= 1, "{} vs {}", f.exhausts_at, at);
            }
            (got, want) => prop_assert!(false, "forecast {:?} vs {:?}", got, want),
        }
        let (cases, with_spikes, forecasts, changes) = seen.get();
        seen.set((
            cases + 1,
            with_spikes + usize::from(!spikes.is_empty()),
            forecasts + usize::from(forecast.is_some()),
            changes + usize::from(change.is_some()),
        ));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (cases, with_spikes, forecasts, changes) = seen.get();
    eprintln!("usage reference: {cases} cases, {with_spikes} with spikes, {forecasts} forecasts, {changes} trends");
    assert!(cases >= 600 && with_spikes >= 30 && forecasts >= 30 && changes >= 100);
}

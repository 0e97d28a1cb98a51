//! Record insights (R1–R6, O4, X2, X7) against a naive reference: scan every event and count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use connected_apps::limits::MAX_RECORD_BATCH_ROWS;
use connected_apps::{
    AppId, ErrorKind, Grouping, InsightRow, InsightsError, InsightsQuery, InsightsSettings, RecordAction,
    RecordAggregate, RecordCell, RecordEvent, RecordEventColumns, RecordType, RobustRule,
};
use proptest::prelude::*;

use crate::reference::robust::{close, far_above};

const TYPES: [&str; 4] = ["contacts", "deals", "tickets", "2-123456"];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn noon(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap())
}

/// Owned columns, for building [`RecordEventColumns`].
#[derive(Default, Clone)]
struct Cols {
    at: Vec<i64>,
    app: Vec<u32>,
    ty: Vec<u32>,
    action: Vec<u8>,
    apps: Vec<String>,
    types: Vec<String>,
}

impl Cols {
    fn view(&self) -> RecordEventColumns<'_> {
        RecordEventColumns {
            at_micros: &self.at,
            apps: &self.app,
            app_dictionary: &self.apps,
            record_types: &self.ty,
            record_type_dictionary: &self.types,
            actions: &self.action,
        }
    }

    fn of(events: &[RecordEvent]) -> Self {
        let apps: Vec<String> = (0..4).map(|a| format!("app-{a}")).collect();
        let types: Vec<String> = TYPES.iter().map(|t| (*t).to_owned()).collect();
        let mut c = Self { apps, types, ..Default::default() };
        for e in events {
            c.at.push(e.at.timestamp_micros());
            c.app.push(c.apps.iter().position(|a| *a == e.app.0).unwrap() as u32);
            c.ty.push(c.types.iter().position(|t| *t == e.record_type.as_str()).unwrap() as u32);
            c.action.push(e.action.code());
        }
        c
    }
}

fn event(at: DateTime<Utc>, app: u8, ty: usize, action: RecordAction) -> RecordEvent {
    RecordEvent {
        at,
        app: AppId(format!("app-{app}")),
        record_type: RecordType::parse(TYPES[ty % TYPES.len()]).unwrap(),
        action,
    }
}

/// The reference: count the events matching a view's filters per group and day.
fn reference_rows(events: &[RecordEvent], s: &InsightsSettings, q: &InsightsQuery, end: NaiveDate) -> Vec<InsightRow> {
    let days: Vec<NaiveDate> = (0..s.window_days).rev().map(|b| end - Duration::days(i64::from(b))).collect();
    let g = q.group_by;
    type Key = (Option<String>, Option<(usize, String)>, Option<RecordAction>);
    let mut rows: BTreeMap<Key, Vec<u64>> = BTreeMap::new();
    if !g.app && !g.record_type {
        let actions: Vec<Option<RecordAction>> =
            if g.action { RecordAction::ALL.iter().map(|a| Some(*a)).collect() } else { vec![None] };
        for a in actions {
            rows.insert((None, None, a), vec![0; days.len()]);
        }
    }
    for e in events {
        if q.app.as_ref().is_some_and(|a| *a != e.app) || q.record_type.as_ref().is_some_and(|t| *t != e.record_type) {
            continue;
        }
        let Some(i) = days.iter().position(|d| *d == e.at.date_naive()) else { continue };
        let rank = connected_apps::insights::STANDARD_RECORD_TYPES
            .iter()
            .position(|(n, _, _)| *n == e.record_type.as_str())
            .unwrap_or(99);
        let key = (
            g.app.then(|| e.app.0.clone()),
            g.record_type.then(|| (rank, e.record_type.as_str().to_owned())),
            g.action.then_some(e.action),
        );
        rows.entry(key).or_insert_with(|| vec![0; days.len()])[i] += 1;
    }
    rows.into_iter()
        .map(|((app, ty, action), counts)| {
            let daily: Vec<Option<u64>> =
                days.iter().zip(counts).map(|(d, n)| (*d >= s.data_floor).then_some(n)).collect();
            InsightRow {
                app: app.map(AppId),
                record_type: ty.map(|(_, t)| RecordType::parse(&t).unwrap()),
                action,
                total: daily.iter().flatten().sum(),
                daily,
            }
        })
        .collect()
}

fn settings(floor: NaiveDate) -> InsightsSettings {
    InsightsSettings { data_floor: floor, ..Default::default() }
}

#[test]
fn record_types_come_from_the_catalogue_or_are_custom_object_ids() {
    assert_eq!(RecordType::parse("contacts").unwrap().as_str(), "contacts");
    assert_eq!(RecordType::parse("Contact").unwrap().as_str(), "contacts");
    assert_eq!(RecordType::parse("0-3").unwrap().as_str(), "deals");
    assert!(RecordType::parse("2-123456").unwrap().is_custom());
    for bad in ["", "widgets", "2-", "2-12a", "3-1", "0-999"] {
        let err = RecordType::parse(bad).unwrap_err();
        assert_eq!(err, InsightsError::UnknownRecordType(bad.to_owned()));
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}

#[test]
fn the_window_ends_yesterday_unless_today_is_asked_for_and_days_before_the_floor_are_unavailable() {
    let floor = day(2025, 12, 1);
    let mut agg = RecordAggregate::new();
    for (d, n) in [(day(2025, 11, 30), 5), (day(2025, 12, 1), 2), (day(2025, 12, 10), 3), (day(2025, 12, 11), 7)] {
        for _ in 0..n {
            agg.ingest(&event(noon(d), 0, 0, RecordAction::Created)).unwrap();
        }
    }
    let now = noon(day(2025, 12, 11));
    let q = InsightsQuery {
        as_of: day(2025, 12, 11),
        include_incomplete_day: false,
        app: None,
        record_type: None,
        group_by: Grouping::default(),
    };
    let v = agg.insights(&settings(floor), &q, now).unwrap();
    assert_eq!(v.as_of, day(2025, 12, 10));
    assert!(!v.incomplete_day_included);
    assert_eq!(v.days.len(), 30);
    assert_eq!(*v.days.last().unwrap(), day(2025, 12, 10));
    let row = &v.rows[0];
    assert_eq!(row.total, 5, "2 on the floor day + 3; the 5 before the floor are not counted");
    let floor_pos = v.days.iter().position(|d| *d == floor).unwrap();
    assert_eq!(row.daily[floor_pos - 1], None, "before the floor: unavailable, not zero");
    assert_eq!(row.daily[floor_pos], Some(2));
    assert_eq!(row.daily[floor_pos + 1], Some(0));

    let with_today = agg.insights(&settings(floor), &InsightsQuery { include_incomplete_day: true, ..q.clone() }, now);
    let with_today = with_today.unwrap();
    assert!(with_today.incomplete_day_included);
    assert_eq!(with_today.rows[0].total, 12);

    // R4: a window ending before the floor is all unavailable (not an error); one ending on
    // the floor has exactly one available day.
    let before = agg.insights(&settings(floor), &InsightsQuery { as_of: day(2025, 11, 30), ..q.clone() }, now);
    let before = before.unwrap();
    assert_eq!(before.as_of, day(2025, 11, 30));
    assert_eq!(before.rows.len(), 1);
    assert!(before.rows[0].daily.iter().all(Option::is_none), "{:?}", before.rows[0].daily);
    assert_eq!(before.rows[0].total, 0, "the 5 events of 2025-11-30 are before the floor");
    assert!(before.flags.is_empty());
    let on = agg.insights(&settings(floor), &InsightsQuery { as_of: floor, ..q.clone() }, now).unwrap();
    assert_eq!(on.rows[0].daily.iter().flatten().collect::<Vec<_>>(), [&2]);
    assert_eq!((on.rows[0].daily[29], on.rows[0].daily[28], on.rows[0].total), (Some(2), None, 2));
    let err = agg.insights(&settings(floor), &InsightsQuery { as_of: day(2025, 12, 12), ..q }, now).unwrap_err();
    assert!(matches!(err, InsightsError::AsOfInFuture { .. }));
}

#[test]
fn views_by_app_record_type_action_and_for_one_app() {
    let d = day(2026, 1, 10);
    let events = vec![
        event(noon(d), 0, 0, RecordAction::Created),
        event(noon(d), 0, 1, RecordAction::Deleted),
        event(noon(d), 1, 3, RecordAction::Merged),
        event(noon(d) + Duration::hours(3), 1, 3, RecordAction::Merged),
    ];
    let mut agg = RecordAggregate::new();
    agg.ingest_columns(&Cols::of(&events).view()).unwrap();
    let s = settings(day(2025, 12, 1));
    let now = noon(day(2026, 1, 20));
    let base = InsightsQuery {
        as_of: day(2026, 1, 19),
        include_incomplete_day: false,
        app: None,
        record_type: None,
        group_by: Grouping::default(),
    };
    for (group_by, app) in [
        (Grouping { app: true, ..Default::default() }, None),
        (Grouping { record_type: true, ..Default::default() }, None),
        (Grouping { action: true, ..Default::default() }, None),
        (Grouping::default(), None),
        (Grouping { record_type: true, action: true, ..Default::default() }, Some(AppId("app-1".into()))),
    ] {
        let q = InsightsQuery { group_by, app, ..base.clone() };
        let v = agg.insights(&s, &q, now).unwrap();
        assert_eq!(v.rows, reference_rows(&events, &s, &q, q.as_of), "{group_by:?}");
    }
    let by_action =
        agg.insights(&s, &InsightsQuery { group_by: Grouping { action: true, ..Default::default() }, ..base }, now);
    assert_eq!(by_action.unwrap().rows.len(), 4, "every action is listed, even at zero");
}

#[test]
fn a_mass_delete_far_beyond_the_apps_baseline_is_flagged() {
    let mut events = Vec::new();
    let start = day(2026, 1, 1);
    for i in 0..40 {
        let d = start + Duration::days(i);
        let deletes = if i == 35 { 900 } else { 8 + (i % 5) as usize };
        for k in 0..deletes {
            events.push(event(noon(d) + Duration::seconds(k as i64), 2, 0, RecordAction::Deleted));
        }
        // Another app deletes steadily many records every day: its own baseline, so no flag.
        for k in 0..500 {
            events.push(event(noon(d) + Duration::seconds(k), 3, 0, RecordAction::Deleted));
        }
    }
    let mut agg = RecordAggregate::new();
    agg.ingest_columns(&Cols::of(&events).view()).unwrap();
    let q = InsightsQuery {
        as_of: start + Duration::days(39),
        include_incomplete_day: false,
        app: None,
        record_type: None,
        group_by: Grouping { app: true, ..Default::default() },
    };
    let v = agg.insights(&settings(day(2025, 12, 1)), &q, noon(start + Duration::days(45))).unwrap();
    assert_eq!(v.flags.len(), 1, "{:?}", v.flags);
    let f = &v.flags[0];
    assert_eq!(
        (f.app.as_str(), f.day, f.count, f.action),
        ("app-2", start + Duration::days(35), 900, RecordAction::Deleted)
    );
    assert!(f.threshold < 900.0 && f.baseline_median >= 8.0);
}

#[test]
fn bad_rows_are_refused_and_nothing_of_the_batch_is_kept() {
    let d = day(2026, 1, 10);
    let good = vec![event(noon(d), 0, 0, RecordAction::Created)];
    let mut agg = RecordAggregate::new();
    agg.ingest_columns(&Cols::of(&good).view()).unwrap();
    let before = agg.clone();
    let json = agg.to_json();
    let batch = Cols::of(&[event(noon(d), 1, 1, RecordAction::Deleted), event(noon(d), 2, 2, RecordAction::Merged)]);

    let mut c = batch.clone();
    c.at[1] = -1;
    assert_eq!(agg.ingest_columns(&c.view()), Err(InsightsError::TimestampOutOfRange { row: 1, micros: -1 }));
    c.at[1] = 253_402_300_800_000_000; // year 10000
    assert!(matches!(agg.ingest_columns(&c.view()), Err(InsightsError::TimestampOutOfRange { row: 1, .. })));
    let mut c = batch.clone();
    c.app[1] = 9;
    assert!(matches!(agg.ingest_columns(&c.view()), Err(InsightsError::UnknownCode { row: 1, column: "apps", .. })));
    let mut c = batch.clone();
    c.action[0] = 4;
    assert!(matches!(agg.ingest_columns(&c.view()), Err(InsightsError::UnknownCode { column: "actions", .. })));
    let mut c = batch.clone();
    c.types[2] = "widgets".into();
    assert_eq!(agg.ingest_columns(&c.view()), Err(InsightsError::UnknownRecordType("widgets".into())));
    let mut c = batch.clone();
    c.ty.pop();
    assert!(matches!(
        agg.ingest_columns(&c.view()),
        Err(InsightsError::ColumnLength(connected_apps::ColumnError { column: "record_types", .. }))
    ));
    let mut c = batch.clone();
    c.apps[0] = String::new();
    assert_eq!(agg.ingest_columns(&c.view()), Err(InsightsError::EmptyAppId));
    let early = RecordEvent { at: Utc.with_ymd_and_hms(1969, 12, 31, 23, 0, 0).unwrap(), ..good[0].clone() };
    assert!(matches!(agg.ingest(&early), Err(InsightsError::TimestampOutOfRange { .. })));
    // A batch of events with one bad event at its end: nothing of it is counted.
    let late_bad = [good[0].clone(), good[0].clone(), early.clone()];
    assert!(matches!(agg.ingest_all(&late_bad), Err(InsightsError::TimestampOutOfRange { .. })));
    assert_eq!(agg, before);
    assert_eq!(agg.to_json(), json, "every refusal leaves the aggregate byte for byte as it was");
    assert_eq!(agg.event_count(), 1);
    // Negative counts cannot be smuggled in through a serialised aggregate either.
    let json = agg.to_json().replace(",1]]", ",-5]]");
    assert!(matches!(RecordAggregate::from_json(&json), Err(InsightsError::Malformed { .. })));
    assert!(matches!(RecordAggregate::from_json("{"), Err(InsightsError::Malformed { .. })));
}

#[test]
fn a_batch_spanning_centuries_stays_small() {
    let events = vec![
        event(Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(), 0, 0, RecordAction::Created),
        event(Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(), 1, 1, RecordAction::Deleted),
        event(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(), 1, 1, RecordAction::Deleted),
    ];
    let mut agg = RecordAggregate::new();
    agg.ingest_columns(&Cols::of(&events).view()).unwrap();
    assert_eq!(agg.cells().len(), 3);
    assert!(agg.heap_bytes() < 1 << 16, "{} bytes", agg.heap_bytes());
}

fn arb_events() -> impl Strategy<Value = Vec<RecordEvent>> {
    let start = noon(day(2025, 11, 15));
    proptest::collection::vec((0i64..60 * 24, 0u8..4, 0usize..4, 0usize..4), 0..300).prop_map(move |rows| {
        rows.into_iter()
            .map(|(h, app, ty, action)| event(start + Duration::hours(h), app, ty, RecordAction::ALL[action]))
            .collect()
    })
}

/// The cells read back from the aggregate's columns.
fn cells_from_columns(agg: &RecordAggregate) -> Vec<RecordCell> {
    let c = agg.cell_columns();
    (0..c.counts.len())
        .map(|i| RecordCell {
            day: NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + Duration::days(i64::from(c.days[i])),
            app: c.app_dictionary[c.apps[i] as usize].clone(),
            record_type: c.record_type_dictionary[c.record_types[i] as usize].clone(),
            action: RecordAction::ALL[usize::from(c.actions[i])],
            count: c.counts[i],
        })
        .collect()
}

#[test]
fn cell_columns_of_days_centuries_apart_are_the_cells() {
    let mut agg = RecordAggregate::new();
    for (y, app, action) in
        [(2090, 1, RecordAction::Created), (1971, 2, RecordAction::Merged), (2026, 0, RecordAction::Updated)]
    {
        agg.ingest(&event(noon(day(y, 3, 1)), app, 1, action)).unwrap();
        agg.ingest(&event(noon(day(y, 3, 1)), 3, 0, action)).unwrap();
    }
    assert_eq!(cells_from_columns(&agg), agg.cells());
    assert_eq!(cells_from_columns(&RecordAggregate::new()), vec![]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The columns hold the cells, in the cells' order (apps and types first seen out of name order).
    #[test]
    fn cell_columns_are_the_cells(events in arb_events()) {
        let mut agg = RecordAggregate::new();
        for e in events.iter().rev() {
            agg.ingest(e).unwrap();
        }
        prop_assert_eq!(cells_from_columns(&agg), agg.cells());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Aggregates of disjoint slices (ingested as columns) merge into the aggregate of all events
    /// (ingested one by one), which survives serialisation and whose views equal the reference's.
    #[test]
    fn the_aggregate_agrees_with_the_reference(
        events in arb_events(),
        cuts in proptest::collection::vec(0usize..300, 0..4),
        threads in 1usize..4,
        as_of in 0i64..60,
        floor in 0i64..40,
        include_today in any::<bool>(),
        group in (any::<bool>(), any::<bool>(), any::<bool>()),
        one_app in proptest::option::of(0u8..5),
    ) {
        let mut whole = RecordAggregate::new();
        for e in &events {
            whole.ingest(e).unwrap();
        }
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(events.len())).collect();
        cuts.sort_unstable();
        let mut merged = RecordAggregate::new();
        let mut from = 0;
        for to in cuts.into_iter().chain([events.len()]) {
            // On 1 to 3 threads whatever the machine: the split and the merge are tested too.
            let part = RecordAggregate::from_columns_on(&Cols::of(&events[from..to]).view(), Some(threads), MAX_RECORD_BATCH_ROWS).unwrap();
            let copy = RecordAggregate::from_json(&part.to_json()).unwrap();
            prop_assert_eq!(copy.to_json(), part.to_json());
            merged.merge(&copy).unwrap();
            from = to;
        }
        prop_assert_eq!(&merged, &whole);
        prop_assert_eq!(merged.event_count(), events.len() as u64);

        let s = settings(day(2025, 11, 15) + Duration::days(floor));
        let now = noon(day(2025, 11, 15) + Duration::days(as_of));
        let q = InsightsQuery {
            as_of: now.date_naive(),
            include_incomplete_day: include_today,
            app: one_app.map(|a| AppId(format!("app-{a}"))),
            record_type: None,
            group_by: Grouping { app: group.0, record_type: group.1, action: group.2 },
        };
        let end = if include_today { q.as_of } else { q.as_of.pred_opt().unwrap() };
        // Windows ending before the floor too (R4): all their days are unavailable.
        let v = merged.insights(&s, &q, now).unwrap();
        prop_assert_eq!(v.as_of, end);
        prop_assert_eq!(v.rows, reference_rows(&events, &s, &q, end));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Batches whose dictionaries list apps and record types in other orders, more than once or
    /// under other names, ingested one after the other, count exactly the events.
    #[test]
    fn batches_with_other_dictionaries_add_up(
        events in arb_events(),
        cuts in proptest::collection::vec(0usize..300, 0..4),
        shuffles in proptest::collection::vec((0usize..4, 0usize..4, any::<bool>()), 5),
    ) {
        let mut whole = RecordAggregate::new();
        for e in &events {
            whole.ingest(e).unwrap();
        }
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(events.len())).collect();
        cuts.sort_unstable();
        let mut batches = RecordAggregate::new();
        let mut from = 0;
        for (to, (app_shift, type_shift, extra)) in cuts.into_iter().chain([events.len()]).zip(shuffles) {
            let mut cols = Cols::of(&events[from..to]);
            // Rotate both dictionaries (and the codes with them), then maybe add aliases at the end.
            cols.apps.rotate_left(app_shift);
            cols.types.rotate_left(type_shift);
            cols.app.iter_mut().for_each(|a| *a = (*a as usize + 4 - app_shift) as u32 % 4);
            cols.ty.iter_mut().for_each(|t| *t = (*t as usize + 4 - type_shift) as u32 % 4);
            if extra {
                cols.apps.push(cols.apps[0].clone());
                cols.types.extend(["contact".to_owned(), "0-5".to_owned(), "2-999".to_owned()]);
                // Every other row names its app and `contacts`/`tickets` through the aliases.
                for i in (0..cols.app.len()).step_by(2) {
                    if cols.app[i] == 0 {
                        cols.app[i] = 4;
                    }
                    match cols.types[cols.ty[i] as usize].as_str() {
                        "contacts" => cols.ty[i] = 4,
                        "tickets" => cols.ty[i] = 5,
                        _ => {}
                    }
                }
            }
            prop_assert_eq!(batches.ingest_columns(&cols.view()).unwrap(), to - from);
            from = to;
        }
        prop_assert_eq!(batches.event_count(), events.len() as u64);
        prop_assert_eq!(batches.cells(), whole.cells());
    }
}

#[test]
fn the_flag_rule_is_documented_and_parameterised() {
    let rule = RobustRule::records();
    assert_eq!((rule.trailing_days, rule.min_history_days), (14, 7));
    assert!(rule.exceeds(1000, &[10; 14]).is_some());
    assert!(rule.exceeds(1000, &[10; 6]).is_none());
}

#[test]
fn large_batches_count_chunk_by_chunk_exactly_and_report_the_first_bad_row() {
    let start = noon(day(2026, 1, 1));
    // More than 2^20 rows, so that the batch is counted on several threads and merged.
    let rows = (1i64 << 20) + 10_000;
    let events: Vec<RecordEvent> = (0..rows)
        .map(|i| {
            // Mostly forward in time, with jumps back and far ahead that move the window.
            let hours = if i % 997 == 0 {
                24 * 400
            } else if i % 501 == 0 {
                -24 * 30
            } else {
                i / 50
            };
            event(start + Duration::hours(hours), (i % 4) as u8, (i % 3) as usize, RecordAction::ALL[(i % 4) as usize])
        })
        .collect();
    let mut one_by_one = RecordAggregate::new();
    for e in &events {
        one_by_one.ingest(e).unwrap();
    }
    let cols = Cols::of(&events);
    let bulk = RecordAggregate::from_columns(&cols.view()).unwrap();
    assert_eq!(bulk, one_by_one);
    let mut bad = cols.clone();
    let last = rows as usize - 5;
    bad.ty[last] = 17;
    assert_eq!(
        RecordAggregate::from_columns(&bad.view()).unwrap_err(),
        InsightsError::UnknownCode { row: last, column: "record_types", code: 17, size: TYPES.len() }
    );
    // With bad rows in several slices, the first one is reported, as in one pass.
    bad.ty[9_000] = 17;
    assert_eq!(
        RecordAggregate::from_columns(&bad.view()).unwrap_err(),
        InsightsError::UnknownCode { row: 9_000, column: "record_types", code: 17, size: TYPES.len() }
    );
}

fn account_query(as_of: NaiveDate) -> InsightsQuery {
    InsightsQuery { as_of, include_incomplete_day: false, app: None, record_type: None, group_by: Grouping::default() }
}

#[test]
fn the_window_is_bounded_by_the_limit_and_its_work_follows_the_window() {
    let (limit, trailing) = (connected_apps::limits::MAX_WINDOW_DAYS, connected_apps::limits::MAX_TRAILING_DAYS);
    let now = noon(day(2026, 3, 10));
    let mut agg = RecordAggregate::new();
    agg.ingest(&event(noon(day(2026, 3, 1)), 0, 0, RecordAction::Created)).unwrap();
    for a in [RecordAggregate::new(), agg.clone()] {
        let json = a.to_json();
        for days in [limit + 1, u32::MAX] {
            let s = InsightsSettings { window_days: days, ..settings(day(2025, 12, 1)) };
            let err = a.insights(&s, &account_query(day(2026, 3, 9)), now).unwrap_err();
            assert_eq!(err, InsightsError::WindowTooLong { what: "window", days, max: limit });
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains(&days.to_string()), "{err}");
        }
        // Just inside: the longest window, with the longest trailing baseline.
        let rule = RobustRule { trailing_days: trailing, ..RobustRule::records() };
        let s = InsightsSettings { window_days: limit, flag_rule: rule, ..settings(day(2025, 12, 1)) };
        let v = a.insights(&s, &account_query(day(2026, 3, 9)), now).unwrap();
        assert_eq!(v.days.len(), limit as usize);
        assert_eq!(v.rows[0].total, a.event_count());
        assert_eq!(v.rows[0].daily.iter().flatten().count(), 99, "2025-12-01..=2026-03-09 are available");
        let s = InsightsSettings { flag_rule: RobustRule { trailing_days: trailing + 1, ..rule }, ..s };
        assert_eq!(
            a.insights(&s, &account_query(day(2026, 3, 9)), now).unwrap_err(),
            InsightsError::WindowTooLong { what: "trailing baseline", days: trailing + 1, max: trailing }
        );
        assert_eq!(a.to_json(), json);
    }
}

/// Columns with dictionaries of `apps` and `types` entries (custom object ids), and the rows
/// given as (micros, app code, type code, action code).
fn wide_dictionary_cols(apps: usize, types: usize, rows: &[(i64, u32, u32, u8)]) -> Cols {
    Cols {
        at: rows.iter().map(|r| r.0).collect(),
        app: rows.iter().map(|r| r.1).collect(),
        ty: rows.iter().map(|r| r.2).collect(),
        action: rows.iter().map(|r| r.3).collect(),
        apps: (0..apps).map(|a| format!("app-{a}")).collect(),
        types: (0..types).map(|t| format!("2-{}", t + 1)).collect(),
    }
}

#[test]
fn one_row_with_dictionaries_of_100000_apps_and_types_costs_one_cell() {
    let at = noon(day(2026, 1, 5)).timestamp_micros();
    let cols = wide_dictionary_cols(100_000, 100_000, &[(at, 99_999, 77_777, 2)]);
    let agg = RecordAggregate::from_columns(&cols.view()).unwrap();
    assert_eq!(agg.event_count(), 1);
    assert_eq!(agg.cell_count(), 1);
    assert_eq!(agg.apps(), [AppId("app-99999".into())], "only the apps the rows use are kept");
    let cell = &agg.cells()[0];
    assert_eq!(
        (cell.day, cell.app.as_str(), cell.record_type.as_str(), cell.action, cell.count),
        (day(2026, 1, 5), "app-99999", "2-77778", RecordAction::Deleted, 1)
    );
    assert!(agg.heap_bytes() < 4096, "{} bytes", agg.heap_bytes());
    // Into an aggregate that has other counts too.
    let mut more = RecordAggregate::new();
    more.ingest(&event(noon(day(2026, 1, 5)), 0, 0, RecordAction::Created)).unwrap();
    assert_eq!(more.ingest_columns(&cols.view()).unwrap(), 1);
    assert_eq!((more.cell_count(), more.event_count()), (2, 2));
    let q = InsightsQuery { group_by: Grouping { app: true, ..Default::default() }, ..account_query(day(2026, 1, 9)) };
    let v = more.insights(&settings(day(2025, 12, 1)), &q, noon(day(2026, 1, 10))).unwrap();
    assert_eq!(
        v.rows.iter().map(|r| (r.app.clone().unwrap().0, r.total)).collect::<Vec<_>>(),
        [("app-0".to_owned(), 1), ("app-99999".to_owned(), 1)]
    );
}

#[test]
fn dictionaries_are_bounded_by_the_limit() {
    let max = connected_apps::limits::MAX_DICTIONARY_LEN;
    let at = noon(day(2026, 1, 5)).timestamp_micros();
    let mut agg = RecordAggregate::new();
    agg.ingest(&event(noon(day(2026, 1, 4)), 0, 0, RecordAction::Created)).unwrap();
    let json = agg.to_json();
    // Just inside: dictionaries of exactly the limit.
    let mut cols = wide_dictionary_cols(1, 1, &[(at, 0, 0, 0)]);
    cols.apps = (0..max).map(|a| format!("a{a}")).collect();
    cols.types = vec!["contacts".to_owned(); max];
    assert_eq!(RecordAggregate::from_columns(&cols.view()).unwrap().cell_count(), 1);
    // Just past, in either dictionary: refused, nothing counted.
    let mut long_apps = cols.clone();
    long_apps.apps.push("one-more".into());
    assert_eq!(
        agg.ingest_columns(&long_apps.view()),
        Err(InsightsError::DictionaryTooLong { column: "app_dictionary", len: max + 1, max })
    );
    let mut long_types = cols;
    long_types.apps.truncate(1);
    long_types.types.push("deals".into());
    let err = agg.ingest_columns(&long_types.view()).unwrap_err();
    assert_eq!(err, InsightsError::DictionaryTooLong { column: "record_type_dictionary", len: max + 1, max });
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(agg.to_json(), json);
    // A serialised aggregate's dictionaries too.
    let apps: Vec<String> = (0..=max).map(|a| format!("\"a{a}\"")).collect();
    let text = format!(r#"{{"version":1,"events":0,"apps":[{}],"record_types":[],"cells":[]}}"#, apps.join(","));
    assert_eq!(
        RecordAggregate::from_json(&text).unwrap_err(),
        InsightsError::DictionaryTooLong { column: "apps", len: max + 1, max }
    );
}

/// 400 events, each of a new app and record type, on days decades apart (1970..9999).
fn scattered_events() -> Vec<(i64, u32, u32, u8)> {
    (0..400u32)
        .map(|i| {
            let d = NaiveDate::from_ymd_opt(1970 + 20 * i as i32, 1 + i % 12, 1 + i % 28).unwrap();
            (noon(d).timestamp_micros() + i64::from(i), i, i, (i % 4) as u8)
        })
        .collect()
}

#[test]
fn four_hundred_events_far_apart_cost_memory_in_proportion_to_the_events() {
    let rows = scattered_events();
    let cols = wide_dictionary_cols(400, 400, &rows);
    let bulk = RecordAggregate::from_columns(&cols.view()).unwrap();
    // The same events one by one, and merged one aggregate per event.
    let mut single = RecordAggregate::new();
    let mut merged = RecordAggregate::new();
    for (i, &(at, app, ty, action)) in rows.iter().enumerate() {
        let e = RecordEvent {
            at: DateTime::from_timestamp_micros(at).unwrap(),
            app: AppId(cols.apps[app as usize].clone()),
            record_type: RecordType::parse(&cols.types[ty as usize]).unwrap(),
            action: RecordAction::ALL[action as usize],
        };
        single.ingest(&e).unwrap();
        let mut one = RecordAggregate::new();
        one.ingest(&e).unwrap();
        merged.merge(&one).unwrap();
        assert_eq!(merged.cell_count(), i + 1);
    }
    for agg in [&bulk, &single, &merged] {
        assert_eq!(agg.event_count(), 400);
        assert_eq!(agg.cell_count(), 400);
        assert!(agg.heap_bytes() < 400 * 1024, "{} bytes", agg.heap_bytes());
    }
    assert_eq!(bulk, single);
    assert_eq!(merged, single);
    let cells = bulk.cells();
    assert_eq!((cells[0].day, cells[0].app.as_str(), cells[0].count), (day(1970, 1, 1), "app-0", 1));
    assert_eq!((cells[399].day, cells[399].record_type.as_str()), (day(9950, 4, 8), "2-400"));
    // Serialised, restored and merged into itself: still 400 cells.
    let copy = RecordAggregate::from_json(&bulk.to_json()).unwrap();
    assert_eq!(copy.to_json(), bulk.to_json());
    let mut twice = copy.clone();
    twice.merge(&copy).unwrap();
    assert_eq!((twice.cell_count(), twice.event_count()), (400, 800));
    assert!(twice.cells().iter().all(|c| c.count == 2));
    // A view over the longest window reads the one event in it.
    let last = day(9950, 4, 8);
    let q = InsightsQuery { group_by: Grouping { app: true, ..Default::default() }, ..account_query(last) };
    let s = InsightsSettings { window_days: connected_apps::limits::MAX_WINDOW_DAYS, ..settings(day(2025, 12, 1)) };
    let v = bulk.insights(&s, &q, noon(last) + Duration::days(1)).unwrap();
    assert_eq!(v.rows.len(), 1);
    assert_eq!((v.rows[0].app.as_ref().unwrap().as_str(), v.rows[0].total), ("app-399", 1));
}

#[test]
fn a_batch_that_keeps_jumping_in_time_is_counted_exactly_and_reports_its_first_bad_row() {
    // Rows alternate between two days 50 years apart, so that dense windows stop paying and the
    // rest of the batch is counted by sorting.
    let events: Vec<RecordEvent> = (0..3_000)
        .map(|i| {
            let d = if i % 2 == 0 { day(1990, 1, 1) } else { day(2040, 1, 1) } + Duration::days(i64::from(i % 7));
            event(noon(d), (i % 4) as u8, (i % 3) as usize, RecordAction::ALL[(i % 4) as usize])
        })
        .collect();
    let mut single = RecordAggregate::new();
    single.ingest_all(&events).unwrap();
    let cols = Cols::of(&events);
    let bulk = RecordAggregate::from_columns(&cols.view()).unwrap();
    assert_eq!(bulk, single);
    assert_eq!(bulk.event_count(), 3_000);
    for bad_row in [2, 2_900] {
        let mut bad = cols.clone();
        bad.app[bad_row] = 4;
        bad.app[2_950] = 9;
        assert_eq!(
            RecordAggregate::from_columns(&bad.view()).unwrap_err(),
            InsightsError::UnknownCode { row: bad_row, column: "apps", code: 4, size: 4 }
        );
    }
}

/// An aggregate read from JSON, with cells `(day, app, type, action, count)` and `events`.
fn restored(events: u64, cells: &[(i64, u32, u32, u8, u64)]) -> Result<RecordAggregate, InsightsError> {
    let cells: Vec<String> = cells.iter().map(|c| format!("[{},{},{},{},{}]", c.0, c.1, c.2, c.3, c.4)).collect();
    RecordAggregate::from_json(&format!(
        r#"{{"version":1,"events":{events},"apps":["a","b"],"record_types":["contacts","deals"],"cells":[{}]}}"#,
        cells.join(",")
    ))
}

#[test]
fn counts_never_wrap_ingest_and_merge_past_the_maximum_are_refused() {
    let half = 1u64 << 63;
    let big = restored(half, &[(20_000, 0, 0, 2, half)]).unwrap();
    let other = restored(half, &[(20_000, 1, 1, 2, half)]).unwrap();
    let json = big.to_json();
    let mut a = big.clone();
    assert_eq!(a.merge(&other), Err(InsightsError::CountOverflow { count: half, added: half }));
    assert_eq!(a.merge(&a.clone()), Err(InsightsError::CountOverflow { count: half, added: half }));
    assert_eq!(a.to_json(), json);
    // Just inside: the total reaches 2^64 − 1 exactly, and the views add up without wrapping.
    let almost = restored(half - 1, &[(20_000, 1, 1, 3, half - 2), (20_001, 1, 1, 3, 1)]).unwrap();
    a.merge(&almost).unwrap();
    assert_eq!(a.event_count(), u64::MAX);
    let now = noon(day_from(20_010));
    let s = settings(day_from(19_990));
    let v = a.insights(&s, &account_query(day_from(20_005)), now).unwrap();
    assert_eq!(v.rows[0].total, u64::MAX);
    let by_action = InsightsQuery { group_by: Grouping { action: true, ..Default::default() }, ..v_query(20_005) };
    let v = a.insights(&s, &by_action, now).unwrap();
    assert_eq!(v.rows.iter().map(|r| r.total).collect::<Vec<_>>(), [0, 0, half, half - 1]);
    // Full: one more event, one by one, in a batch or as columns, is refused and changes nothing.
    let json = a.to_json();
    let e = event(noon(day(2026, 1, 1)), 0, 0, RecordAction::Created);
    assert_eq!(a.ingest(&e), Err(InsightsError::CountOverflow { count: u64::MAX, added: 1 }));
    assert_eq!(a.ingest_all(std::slice::from_ref(&e)), Err(InsightsError::CountOverflow { count: u64::MAX, added: 1 }));
    assert_eq!(
        a.ingest_columns(&Cols::of(&[e]).view()),
        Err(InsightsError::CountOverflow { count: u64::MAX, added: 1 })
    );
    assert_eq!(a.to_json(), json);
    assert_eq!(a.event_count(), u64::MAX);
    // Empty batches still pass.
    assert_eq!(a.ingest_columns(&Cols::of(&[]).view()), Ok(0));
    assert_eq!(a.ingest_all(&[]), Ok(0));
}

fn day_from(index: i64) -> NaiveDate {
    day(1970, 1, 1) + Duration::days(index)
}

fn v_query(as_of: i64) -> InsightsQuery {
    account_query(day_from(as_of))
}

#[test]
fn restoring_re_checks_cells_counts_and_dictionaries() {
    let bad = |r: Result<RecordAggregate, InsightsError>, needle: &str| match r {
        Err(InsightsError::Malformed { message, .. }) => assert!(message.contains(needle), "{message}"),
        other => panic!("expected malformed ({needle}), got {other:?}"),
    };
    assert_eq!(restored(3, &[(0, 0, 0, 0, 1), (2_932_896, 1, 1, 3, 2)]).unwrap().cell_count(), 2);
    bad(restored(4, &[(0, 0, 0, 0, 1), (2_932_896, 1, 1, 3, 2)]), "event count 4 differs from the sum of the cells 3");
    bad(restored(2, &[(0, 0, 0, 0, 1), (2_932_896, 1, 1, 3, 2)]), "differs");
    bad(restored(2, &[(5, 0, 0, 0, 1), (5, 0, 0, 0, 1)]), "appears twice");
    bad(restored(0, &[(5, 0, 0, 0, 0)]), "count 0");
    bad(restored(1, &[(-1, 0, 0, 0, 1)]), "day -1");
    bad(restored(1, &[(2_932_897, 0, 0, 0, 1)]), "day 2932897");
    bad(restored(1, &[(5, 0, 0, 4, 1)]), "action 4");
    bad(restored(1, &[(5, 2, 0, 0, 1)]), "outside the dictionaries");
    bad(restored(1, &[(5, 0, 2, 0, 1)]), "outside the dictionaries");
    bad(restored(u64::MAX, &[(5, 0, 0, 0, u64::MAX), (6, 0, 0, 0, 1)]), "add up past");
    bad(
        RecordAggregate::from_json(r#"{"version":1,"events":0,"apps":["a","a"],"record_types":[],"cells":[]}"#),
        "app a appears twice",
    );
    bad(
        RecordAggregate::from_json(
            r#"{"version":1,"events":0,"apps":[],"record_types":["contacts","contact"],"cells":[]}"#,
        ),
        "record type contacts appears twice",
    );
    bad(RecordAggregate::from_json(r#"{"version":2,"events":0,"apps":[],"record_types":[],"cells":[]}"#), "version 2");
    // Entries no cell uses (as older versions wrote) are accepted and dropped.
    let a = restored(1, &[(5, 1, 1, 0, 1)]).unwrap();
    assert_eq!(a.apps(), [AppId("b".into())]);
    assert_eq!(a.to_json(), r#"{"version":1,"events":1,"apps":["b"],"record_types":["deals"],"cells":[[5,0,0,0,1]]}"#);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Batches with large dictionaries (where the sorted, sparse count is taken instead of the
    /// dense window) count exactly the events, whatever the order of the rows.
    #[test]
    fn sparse_counting_agrees_with_one_by_one(events in arb_events(), shuffle in any::<u64>(), pad in 0usize..3_000) {
        let mut whole = RecordAggregate::new();
        whole.ingest_all(&events).unwrap();
        let mut cols = Cols::of(&events);
        cols.apps.extend((0..3_000 + pad).map(|a| format!("unused-{a}")));
        cols.types.extend((0..pad % 50).map(|t| format!("2-9{t}")));
        // Reorder the rows: sorting must not depend on time order.
        let n = cols.at.len();
        for i in 0..n {
            let j = (shuffle.wrapping_mul(i as u64 + 1) % n as u64) as usize;
            cols.at.swap(i, j);
            cols.app.swap(i, j);
            cols.ty.swap(i, j);
            cols.action.swap(i, j);
        }
        let bulk = RecordAggregate::from_columns(&cols.view()).unwrap();
        prop_assert_eq!(bulk.cells(), whole.cells());
        prop_assert_eq!(bulk.event_count(), events.len() as u64);
        prop_assert!(bulk.apps().len() <= 4);
    }
}

/// Daily counts of (day, app, record type, action): mostly a few a day, now and then a burst.
fn arb_daily_counts() -> impl Strategy<Value = Vec<(i64, u8, usize, usize, u64)>> {
    let count = prop_oneof![6 => 0u64..12, 1 => 20u64..400];
    proptest::collection::vec((0i64..45, 0u8..3, 0usize..2, 0usize..4, count), 0..120)
}

/// The reference flags (X2): for each app and record type the query keeps and each destructive
/// action, each window day from the floor on judged against the trailing days from the floor on.
fn reference_flags(
    daily: &BTreeMap<(u8, usize, RecordAction, NaiveDate), u64>,
    s: &InsightsSettings,
    q: &InsightsQuery,
    end: NaiveDate,
) -> Vec<(NaiveDate, String, String, RecordAction, u64, f64, f64)> {
    let rule = s.flag_rule;
    let count = |a: u8, t: usize, action, d: NaiveDate| daily.get(&(a, t, action, d)).copied().unwrap_or(0);
    let mut out = Vec::new();
    for a in 0..3u8 {
        if q.app.as_ref().is_some_and(|app| app.0 != format!("app-{a}")) {
            continue;
        }
        for (t, ty) in TYPES.iter().enumerate().take(2) {
            for action in [RecordAction::Deleted, RecordAction::Merged] {
                for back in 0..i64::from(s.window_days) {
                    let d = end - Duration::days(back);
                    if d < s.data_floor {
                        continue;
                    }
                    let history: Vec<u64> = (1..=i64::from(rule.trailing_days))
                        .map(|k| d - Duration::days(k))
                        .filter(|h| *h >= s.data_floor)
                        .map(|h| count(a, t, action, h))
                        .collect();
                    let value = count(a, t, action, d);
                    if let Some((m, threshold)) = far_above(&rule, value, &history) {
                        out.push((d, format!("app-{a}"), (*ty).to_owned(), action, value, m, threshold));
                    }
                }
            }
        }
    }
    out.sort_by(|x, y| (x.0, &x.1, &x.2, x.3).partial_cmp(&(y.0, &y.1, &y.2, y.3)).unwrap());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Destructive-change flags (X2) equal the reference's median/MAD rule, for the account and
    /// one app, with floors and windows cutting the trailing baseline.
    #[test]
    fn flags_agree_with_the_reference_median_and_mad(
        counts in arb_daily_counts(),
        as_of in 10i64..46,
        floor in 0i64..25,
        window_days in prop_oneof![Just(30u32), 1u32..20],
        one_app in proptest::option::of(0u8..3),
        threads in 1usize..4,
    ) {
        let start = day(2025, 11, 1);
        let mut daily: BTreeMap<(u8, usize, RecordAction, NaiveDate), u64> = BTreeMap::new();
        let mut events = Vec::new();
        for &(d, a, t, action, n) in &counts {
            let action = RecordAction::ALL[action];
            *daily.entry((a, t, action, start + Duration::days(d))).or_default() += n;
            for i in 0..n {
                events.push(event(noon(start + Duration::days(d)) + Duration::seconds(i as i64), a, t, action));
            }
        }
        events.sort_by_key(|e| e.at);
        let agg = RecordAggregate::from_columns_on(&Cols::of(&events).view(), Some(threads), MAX_RECORD_BATCH_ROWS).unwrap();
        let s = InsightsSettings { data_floor: start + Duration::days(floor), window_days, ..Default::default() };
        let now = noon(start + Duration::days(as_of));
        let q = InsightsQuery {
            as_of: now.date_naive(),
            include_incomplete_day: true,
            app: one_app.map(|a| AppId(format!("app-{a}"))),
            record_type: None,
            group_by: Grouping { app: true, record_type: false, action: false },
        };
        let v = agg.insights(&s, &q, now).unwrap();
        let want = reference_flags(&daily, &s, &q, q.as_of);
        let got: Vec<_> = v
            .flags
            .iter()
            .map(|f| (f.day, f.app.0.clone(), f.record_type.as_str().to_owned(), f.action, f.count))
            .collect();
        // Sorted by day first as the engine documents; within a day, compared in the reference's order.
        prop_assert!(got.windows(2).all(|w| w[0].0 <= w[1].0));
        let mut got_sorted: Vec<_> = v.flags.iter().zip(got).collect();
        got_sorted.sort_by(|a, b| (a.1.0, &a.1.1, &a.1.2, a.1.3).partial_cmp(&(b.1.0, &b.1.1, &b.1.2, b.1.3)).unwrap());
        let want_keys: Vec<_> = want.iter().map(|w| (w.0, w.1.clone(), w.2.clone(), w.3, w.4)).collect();
        prop_assert_eq!(got_sorted.iter().map(|(_, k)| k.clone()).collect::<Vec<_>>(), want_keys);
        for ((f, _), w) in got_sorted.iter().zip(&want) {
            prop_assert!(close(f.baseline_median, w.5) && close(f.threshold, w.6), "{:?} vs {:?}", f, w);
        }
    }
}

//! Record insights (R1) over 10,000,000 record events already in memory as columns: build the
//! daily cube (UTC day × app × record type × action), then read a 30-day view by app.

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone, Utc};
use connected_apps::{Grouping, InsightsQuery, InsightsSettings, RecordAggregate, RecordEventColumns};
use criterion::{Criterion, criterion_group, criterion_main};

const EVENTS: usize = 10_000_000;
const APPS: usize = 20;
const DAYS: i64 = 60;

struct Columns {
    at: Vec<i64>,
    app: Vec<u32>,
    ty: Vec<u32>,
    action: Vec<u8>,
    apps: Vec<String>,
    types: Vec<String>,
}

/// 20 apps, 6 record types (4 standard, 2 custom), 4 actions, spread in time order over 60 days.
fn columns() -> Columns {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().map(|t| t.timestamp_micros()).unwrap_or(0);
    let step = DAYS * 86_400_000_000 / EVENTS as i64;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut c = Columns {
        at: Vec::with_capacity(EVENTS),
        app: Vec::with_capacity(EVENTS),
        ty: Vec::with_capacity(EVENTS),
        action: Vec::with_capacity(EVENTS),
        apps: (0..APPS).map(|a| format!("app-{a}")).collect(),
        types: ["contacts", "companies", "deals", "tickets", "2-123456", "2-654321"].map(String::from).to_vec(),
    };
    for i in 0..EVENTS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c.at.push(start + i as i64 * step);
        c.app.push((x % APPS as u64) as u32);
        c.ty.push(((x >> 16) % 6) as u32);
        c.action.push(((x >> 32) % 4) as u8);
    }
    c
}

/// 200 apps, 10 standard record types, 4 actions, times drawn at random over the same 60 days and
/// sorted (as in the Python P1 task).
fn wide_columns(at: &[i64]) -> Columns {
    let (first, last) = (at.first().copied().unwrap_or(0), at.last().copied().unwrap_or(0));
    let span = (last - first).max(1) as u64;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut times: Vec<i64> = (0..EVENTS).map(|_| first + (next() % span) as i64).collect();
    times.sort_unstable();
    let types = [
        "contacts",
        "companies",
        "deals",
        "tickets",
        "products",
        "line_items",
        "quotes",
        "calls",
        "emails",
        "meetings",
    ];
    Columns {
        at: times,
        app: (0..EVENTS).map(|_| (next() % 200) as u32).collect(),
        ty: (0..EVENTS).map(|_| (next() % 10) as u32).collect(),
        action: (0..EVENTS).map(|_| (next() % 4) as u8).collect(),
        apps: (0..200).map(|a| format!("app-{a:03}")).collect(),
        types: types.map(String::from).to_vec(),
    }
}

fn bench(c: &mut Criterion) {
    let cols = columns();
    let view = RecordEventColumns {
        at_micros: &cols.at,
        apps: &cols.app,
        app_dictionary: &cols.apps,
        record_types: &cols.ty,
        record_type_dictionary: &cols.types,
        actions: &cols.action,
    };
    let aggregate = RecordAggregate::from_columns(&view).unwrap_or_default();
    eprintln!("insights: {} events, aggregate {} bytes", aggregate.event_count(), aggregate.heap_bytes());
    let settings = InsightsSettings::default();
    let as_of = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap_or_default();
    let query = InsightsQuery {
        as_of,
        include_incomplete_day: false,
        app: None,
        record_type: None,
        group_by: Grouping { app: true, ..Default::default() },
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).single().unwrap_or_default();

    let mut group = c.benchmark_group("insights");
    group.sample_size(20);
    group.bench_function("aggregate_10m_columns", |b| {
        b.iter(|| RecordAggregate::from_columns(black_box(&view)).map(|a| a.event_count()))
    });
    // The shape and call of benches/python/peers.py P1: 200 apps × 10 record types (8,000 cells a
    // day, ~17x the above), random times in order, counted into a new aggregate.
    let wide = wide_columns(&cols.at);
    let wide_view = RecordEventColumns {
        at_micros: &wide.at,
        apps: &wide.app,
        app_dictionary: &wide.apps,
        record_types: &wide.ty,
        record_type_dictionary: &wide.types,
        actions: &wide.action,
    };
    group.bench_function("ingest_10m_columns_200_apps_10_types", |b| {
        b.iter(|| RecordAggregate::new().ingest_columns(black_box(&wide_view)))
    });
    // The floor any engine has to beat: a bare dense-array count with no checks and a known day range.
    group.bench_function("baseline_plain_dense_loop", |b| {
        b.iter(|| {
            let first = cols.at.first().map_or(0, |a| a / 86_400_000_000);
            let mut cube = vec![0u32; (DAYS as usize + 1) * APPS * 6 * 4];
            for (((&at, &app), &ty), &action) in cols.at.iter().zip(&cols.app).zip(&cols.ty).zip(&cols.action) {
                let day = (at / 86_400_000_000 - first) as usize;
                if let Some(c) = cube.get_mut(((day * APPS + app as usize) * 6 + ty as usize) * 4 + action as usize) {
                    *c += 1;
                }
            }
            black_box(cube.len())
        })
    });
    group.bench_function("view_30_days_by_app_with_flags", |b| {
        b.iter(|| aggregate.insights(&settings, black_box(&query), now).map(|v| v.rows.len()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

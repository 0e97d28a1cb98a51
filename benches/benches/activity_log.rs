//! Activity-log queries (L2–L4) over 10,000,000 logged events: one app ∧ two types ∧ the last
//! 7 days, newest 100, as page 1 and as page 50 (through the cursor), plus the facets.

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use connected_apps::{ActivityFilter, ActivityIndex, ActivityType, AppId, Event, EventId, EventKind, EventLog, UserId};
use criterion::{Criterion, criterion_group, criterion_main};

const EVENTS: usize = 10_000_000;
const APPS: usize = 20;
const USERS: usize = 200;
const DAYS: i64 = 90;

/// A deterministic log: 20 apps, 200 users (1 in 8 events is a system event), the cheap-to-clone
/// activity types, spread evenly over 90 days.
fn log() -> EventLog {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
    let step_ms = DAYS * 86_400_000 / EVENTS as i64;
    let apps: Vec<AppId> = (0..APPS).map(|a| AppId(format!("app-{a}"))).collect();
    let users: Vec<UserId> = (0..USERS).map(|u| UserId(format!("user-{u}"))).collect();
    let kinds = [
        EventKind::Connected,
        EventKind::Disconnected,
        EventKind::Uninstalled,
        EventKind::ConnectionExpired,
        EventKind::AppActivity,
        EventKind::UpdateAvailability { available: true },
        EventKind::SyncSettingChanged { setting: "contacts".into(), on: true },
        EventKind::Reconnected { expires_at: None },
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let events = (0..EVENTS).map(|i| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let r = x as usize;
        Event {
            id: EventId(i as u64 + 1),
            at: start + Duration::milliseconds(i as i64 * step_ms),
            app: apps.get(r % APPS).cloned().unwrap_or_else(|| AppId("app-0".into())),
            user: None,
            actor: if (r >> 8).is_multiple_of(8) { None } else { users.get((r >> 12) % USERS).cloned() },
            kind: kinds.get((r >> 20) % kinds.len()).cloned().unwrap_or(EventKind::AppActivity),
        }
    });
    EventLog::from_events(events).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let events = log();
    let index = ActivityIndex::from_log(&events).unwrap_or_default();
    let per_event = |bytes: usize| bytes as f64 / index.len().max(1) as f64;
    eprintln!(
        "activity_log: {} events, index {} bytes = {:.1} bytes/event, log columns {:.1} bytes/event",
        index.len(),
        index.heap_bytes(),
        per_event(index.heap_bytes()),
        per_event(events.heap_bytes()),
    );
    let newest = events.last().map(|e| e.at).unwrap_or_default();
    let filter = ActivityFilter {
        types: vec![ActivityType::Disconnected, ActivityType::ConnectionExpired],
        apps: vec![AppId("app-7".into())],
        since: Some(newest - Duration::days(7)),
        ..Default::default()
    };
    let mut cursor = None;
    for _ in 0..49 {
        cursor = index.query(&events, &filter, cursor.as_deref(), 100).ok().and_then(|p| p.next_cursor);
    }
    assert!(cursor.is_some(), "the window must hold at least 50 pages");

    let mut group = c.benchmark_group("activity_log");
    group.sample_size(30);
    group.bench_function("app_two_types_7_days_page_1", |b| {
        b.iter(|| index.query(&events, black_box(&filter), None, 100).map(|p| p.events.len()))
    });
    group.bench_function("app_two_types_7_days_page_50", |b| {
        b.iter(|| index.query(&events, black_box(&filter), cursor.as_deref(), 100).map(|p| p.events.len()))
    });
    group.bench_function("facets_app_two_types_7_days", |b| {
        b.iter(|| index.facets(&events, black_box(&filter)).map(|f| f.total))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

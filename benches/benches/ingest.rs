//! Bench `ingest`: appending 10,000,000 log events from columns (issue 5, P3), validated against
//! the connections' states, into an engine with 200 account-level apps and 1,000 users: the
//! same data `benches/python/peers.py` feeds through Python.
//!
//! `cargo bench -p connected-apps-benches --bench ingest`

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use connected_apps::ingest::{NO_USER, type_code};
use connected_apps::{ActivityType, Actor, AppId, AppLevel, Command, Directory, Engine, EventColumns, UserId};
use connected_apps_benches::{Xorshift, account, app, user};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const APPS: usize = 200;
const USERS: usize = 1_000;
const EVENTS: usize = 10_000_000;
/// Every connection walks this cycle, so every row is a valid transition.
const CYCLE: [ActivityType; 6] = [
    ActivityType::AppActivity,
    ActivityType::Disconnected,
    ActivityType::Reconnected,
    ActivityType::AppActivity,
    ActivityType::ConnectionExpired,
    ActivityType::Connected,
];

fn setup_failed(what: &str) -> ! {
    connected_apps_benches::setup_failed("ingest", what)
}

fn engine() -> Engine {
    let Ok(mut d) = Directory::new(account()) else { setup_failed("account") };
    for u in 0..USERS {
        if d.add_user(user(format!("user-{u:04}"), u == 0)).is_err() {
            setup_failed("users");
        }
    }
    for a in 0..APPS {
        if d.add_app(app(format!("app-{a:03}"), AppLevel::AccountLevel, true)).is_err() {
            setup_failed("apps");
        }
    }
    let mut engine = Engine::new(d);
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
    for a in 0..APPS {
        let install =
            Command::Install { app: AppId(format!("app-{a:03}")), scopes: None, expires_at: None, request_admin: None };
        if engine.execute(&Actor::User(UserId("user-0000".into())), install, t0).is_err() {
            setup_failed("installs");
        }
    }
    engine
}

struct Columns {
    ids: Vec<u64>,
    at: Vec<i64>,
    types: Vec<u8>,
    apps: Vec<u32>,
    actors: Vec<u32>,
    app_dictionary: Vec<String>,
    user_dictionary: Vec<String>,
}

fn columns() -> Columns {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 1).single().unwrap_or_default().timestamp_micros();
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut c = Columns {
        ids: Vec::with_capacity(EVENTS),
        at: Vec::with_capacity(EVENTS),
        types: Vec::with_capacity(EVENTS),
        apps: Vec::with_capacity(EVENTS),
        actors: Vec::with_capacity(EVENTS),
        app_dictionary: (0..APPS).map(|a| format!("app-{a:03}")).collect(),
        user_dictionary: (0..USERS).map(|u| format!("user-{u:04}")).collect(),
    };
    for i in 0..EVENTS {
        let x = rng.next_u64();
        let ty = CYCLE.get((i / APPS) % CYCLE.len()).copied().unwrap_or(ActivityType::AppActivity);
        let by_user = matches!(ty, ActivityType::Disconnected | ActivityType::Reconnected);
        c.ids.push(1_000 + i as u64);
        c.at.push(start + i as i64 * 100_000);
        c.types.push(type_code(ty));
        c.apps.push((i % APPS) as u32);
        c.actors.push(if by_user { (x % USERS as u64) as u32 } else { NO_USER });
    }
    c
}

fn bench(c: &mut Criterion) {
    let base = engine();
    let cols = columns();
    let view = EventColumns {
        ids: &cols.ids,
        at_micros: &cols.at,
        types: &cols.types,
        apps: &cols.apps,
        app_dictionary: &cols.app_dictionary,
        users: None,
        actors: Some(&cols.actors),
        user_dictionary: &cols.user_dictionary,
    };
    let mut check = base.clone();
    match check.ingest_events(&view) {
        Ok(n) => eprintln!("ingest: {n} events; log columns {} bytes", check.events().heap_bytes()),
        Err(e) => {
            eprintln!("ingest bench: the batch was refused: {e}");
            std::process::exit(1)
        }
    }
    drop(check);
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.bench_function("columns_10M", |b| {
        b.iter_batched(|| base.clone(), |mut e| black_box(e.ingest_events(&view).map(|_| e)), BatchSize::PerIteration)
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Bench `lifecycle`: folding 1,000,000 events into state, and the Connections home over
//! 1,000 apps × 10,000 users.
//!
//! `cargo bench -p connected-apps-benches --bench lifecycle`

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use connected_apps::{
    Actor, App, AppId, AppLevel, Command, Directory, Distribution, Engine, Permission, User, UserId, connections_home,
};
use criterion::{Criterion, criterion_group, criterion_main};

const APPS: usize = 1_000;
const USERS: usize = 10_000;
const EVENTS: usize = 1_000_000;

fn level(i: usize) -> AppLevel {
    match i % 10 {
        0..=2 => AppLevel::UserLevel,
        3 => AppLevel::MultiAccount,
        _ => AppLevel::AccountLevel,
    }
}

/// An engine with 1,000 apps, 10,000 users, 100 connected users per user-level app, and
/// ordinary life (activity, sync toggles, disconnects and reconnects) up to `EVENTS` events.
fn build() -> Engine {
    let mut d = Directory::new(connected_apps_benches::account()).unwrap_or_else(|e| unreachable_setup(&e));
    for u in 0..USERS {
        let user = User {
            id: UserId(format!("u{u}")),
            name: format!("User {u}"),
            email: format!("u{u}@bench.test"),
            active: true,
            super_admin: u == 0,
            permissions: [Permission::AppMarketplaceAccess].into(),
            platform_user_id: None,
        };
        d.add_user(user).unwrap_or_else(|e| unreachable_setup(&e));
    }
    for a in 0..APPS {
        let app = App {
            id: AppId(format!("app{a:04}")),
            name: format!("App {a:04}"),
            provider: "Vendor".into(),
            built_by_vendor_platform: false,
            distribution: Distribution::Marketplace,
            level: level(a),
            reports_status: a % 5 != 0,
            scopes: vec![],
            features: vec![],
            workflow_actions: vec![],
            post_uninstall_steps: vec![],
        };
        d.add_app(app).unwrap_or_else(|e| unreachable_setup(&e));
    }
    let mut engine = Engine::new(d);
    let mut now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
    let mut step = || {
        now += Duration::seconds(7);
        now
    };
    for a in 0..APPS {
        let app = AppId(format!("app{a:04}"));
        let owners: Vec<usize> = if level(a) == AppLevel::UserLevel {
            (0..100).map(|k| (a * 37 + k * 101) % USERS).collect()
        } else {
            vec![a % USERS]
        };
        for u in owners {
            let cmd = Command::Install { app: app.clone(), scopes: None, expires_at: None, request_admin: None };
            let _ = engine.execute(&Actor::User(UserId(format!("u{u}"))), cmd, step());
        }
    }
    let mut i = 0usize;
    while engine.events().len() < EVENTS {
        i += 1;
        let a = (i * 7919) % APPS;
        let app = AppId(format!("app{a:04}"));
        let user =
            (level(a) == AppLevel::UserLevel).then(|| UserId(format!("u{}", (a * 37 + (i % 100) * 101) % USERS)));
        let actor = Actor::User(UserId("u0".into()));
        let at = step();
        let _ = match i % 20 {
            0 => engine.execute(&actor, Command::Disconnect { app, user }, at),
            1 => engine.execute(&actor, Command::Reconnect { app, user, expires_at: None }, at),
            2 => engine.execute(
                &actor,
                Command::SetSyncSetting { app, user, setting: "contacts".into(), on: i.is_multiple_of(3) },
                at,
            ),
            _ => engine.execute(&Actor::System, Command::ReportActivity { app, user }, at),
        };
    }
    engine
}

fn unreachable_setup(e: &dyn std::fmt::Display) -> ! {
    eprintln!("bench setup failed: {e}");
    std::process::exit(1)
}

fn lifecycle(c: &mut Criterion) {
    let engine = build();
    let events = engine.events().to_vec();
    let end = events.last().map(|e| e.at).unwrap_or_default();
    let mut group = c.benchmark_group("lifecycle");
    group.sample_size(10);
    group.bench_function("fold_1m_events", |b| b.iter(|| black_box(engine.state_as_of(end))));
    group.bench_function("append_all_1m_events_validated", |b| {
        b.iter(|| {
            let mut fresh = Engine::new(engine.directory().clone());
            black_box(fresh.append_all(events.iter().cloned()).is_ok())
        });
    });
    group.sample_size(20);
    group.bench_function("connections_home_1000_apps_10000_users", |b| {
        b.iter(|| black_box(connections_home(&engine, &UserId("u0".into()), end)));
    });
    group.finish();
}

criterion_group!(benches, lifecycle);
criterion_main!(benches);

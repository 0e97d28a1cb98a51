//! Governance (issue 15). `governance_evaluation`: every governance policy (G4) evaluated over
//! 1,000 installed apps with 30 days of record events and today's API usage (target ≤ 5 ms).

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::governance::{Evidence, GovernanceCondition, GovernanceMode, GovernancePolicy, Severity};
use connected_apps::{
    Actor, AppLevel, Command, Directory, RecordAction, RecordAggregate, RecordEvent, RecordType, RuleApps,
    UsageHistory, UsageReport, UsageSettings, UsageSnapshot,
};
use connected_apps_benches::{Xorshift, account, app, user};
use criterion::{Criterion, criterion_group, criterion_main};

const APPS: usize = 1_000;
const DAYS: i64 = 30;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).single().unwrap_or_default()
}

fn failed(what: &str) -> ! {
    connected_apps_benches::setup_failed("governance", what)
}

fn app_id(i: usize) -> String {
    format!("app{i:04}")
}

fn engine() -> Engine {
    let Ok(mut d) = Directory::new(account()) else { failed("account") };
    if d.add_user(user("admin".into(), true)).is_err() {
        failed("user");
    }
    for i in 0..APPS {
        if d.add_app(app(app_id(i), AppLevel::AccountLevel, true)).is_err() {
            failed("app");
        }
    }
    let mut engine = Engine::new(d);
    let admin = Actor::User("admin".into());
    for i in 0..APPS {
        let install = Command::Install { app: app_id(i).into(), scopes: None, expires_at: None, request_admin: None };
        if engine.execute(&admin, install, now() - Duration::days(DAYS + 10)).is_err() {
            failed("install");
        }
    }
    let mut active: Vec<(DateTime<Utc>, usize)> =
        (0..APPS).step_by(3).map(|i| (now() - Duration::days((i % 20) as i64), i)).collect();
    active.sort();
    for (at, i) in active {
        if engine.execute(&Actor::System, Command::ReportActivity { app: app_id(i).into(), user: None }, at).is_err() {
            failed("activity");
        }
    }
    engine
}

/// Per app and day: a few creates, updates and deletes; one app in 50 deletes hundreds today.
fn records() -> RecordAggregate {
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut aggregate = RecordAggregate::new();
    let types: Vec<RecordType> =
        ["contacts", "deals", "companies"].iter().filter_map(|t| RecordType::parse(t).ok()).collect();
    let mut events = Vec::new();
    for i in 0..APPS {
        for day in 0..DAYS {
            let at = now() - Duration::days(day) - Duration::hours(1);
            for action in [RecordAction::Created, RecordAction::Updated, RecordAction::Deleted] {
                let mut n = rng.next_u64() % 4;
                if day == 0 && action == RecordAction::Deleted && i % 50 == 0 {
                    n = 400;
                }
                let record_type = types.get((rng.next_u64() % 3) as usize).cloned();
                for _ in 0..n {
                    if let Some(record_type) = record_type.clone() {
                        events.push(RecordEvent { at, app: app_id(i).into(), record_type, action });
                    }
                }
            }
        }
    }
    if aggregate.ingest_all(&events).is_err() {
        failed("records");
    }
    aggregate
}

fn usage() -> UsageReport {
    let mut history = UsageHistory::new();
    let snapshots: Vec<UsageSnapshot> = (0..APPS)
        .map(|i| UsageSnapshot {
            app: app_id(i).into(),
            at: now() - Duration::minutes(10),
            calls_today: (i as u64 * 37) % 5_000,
            usage_limit: Some(500_000),
            resets_at: None,
        })
        .collect();
    if history.record_all(&snapshots).is_err() {
        failed("usage");
    }
    let Ok(report) = history.report(&account(), &UsageSettings::default(), now()) else { failed("usage report") };
    report
}

fn policies() -> Vec<GovernancePolicy> {
    let c = |metric: &str, at_least: Option<u64>| GovernanceCondition { metric: metric.into(), at_least, scope: None };
    let p = |id: &str, mode, conditions| GovernancePolicy {
        id: id.into(),
        name: id.into(),
        severity: Severity::High,
        conditions,
        mode,
        apps: RuleApps::All,
    };
    vec![
        p(
            "mass-delete",
            GovernanceMode::Enforce,
            vec![c("records_deleted_per_day", Some(200)), c("destructive_change", None)],
        ),
        p("heavy-api", GovernanceMode::Audit, vec![c("api_share_of_limit_percent", Some(1))]),
        p("idle", GovernanceMode::Audit, vec![c("days_since_last_activity", Some(14))]),
        p("uncertified", GovernanceMode::Audit, vec![c("publisher_not_certified", None), c("scopes_held", Some(1))]),
        p(
            "calls",
            GovernanceMode::Audit,
            vec![c("api_calls_per_day", Some(4_000)), c("records_merged_per_day", Some(1))],
        ),
    ]
}

fn governance_evaluation(c: &mut Criterion) {
    let mut engine = engine();
    for policy in policies() {
        if engine.set_governance_policy(&"admin".into(), policy, now()).is_err() {
            failed("policy");
        }
    }
    let (records, usage) = (records(), usage());
    let evidence = Evidence { records: Some(&records), usage: Some(&usage), ..Evidence::default() };
    let Ok(report) = engine.evaluate_governance(&evidence, now()) else { failed("evaluation") };
    eprintln!(
        "governance: {APPS} apps × {DAYS} days, {} record events, {} policies; {} alerts, {} disconnects",
        records.event_count(),
        engine.governance_policies().policies().len(),
        report.alerts.len(),
        report.disconnects.len()
    );
    c.bench_function("governance/evaluate_1000_apps_30_days", |b| {
        b.iter(|| black_box(engine.evaluate_governance(black_box(&evidence), now())))
    });
}

criterion_group!(benches, governance_evaluation);
criterion_main!(benches);

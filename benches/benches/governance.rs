//! Bench `governance`: the approval-policy check of an install (G1) over 10,000 apps × 1,000
//! teams (target ≤ 5 µs per check).
//!
//! `cargo bench -p connected-apps-benches --bench governance -- policy`

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use connected_apps::{AppId, AppLevel, Approval, Directory, Engine, PolicyLevel, PolicyRule, Team, TeamId, UserId};
use connected_apps_benches::{Xorshift, account, app, setup_failed, user};
use criterion::{Criterion, criterion_group, criterion_main};

const APPS: usize = 10_000;
const TEAMS: usize = 1_000;
const USERS: usize = 5_000;
/// Teams each user belongs to.
const TEAMS_PER_USER: usize = 4;
/// Team rules per app.
const TEAM_RULES_PER_APP: usize = 100;

fn approval(n: u64) -> Approval {
    match n % 3 {
        0 => Approval::Blocked,
        1 => Approval::NeedsApproval,
        _ => Approval::Allowed,
    }
}

/// 10,000 apps, 1,000 teams of 20 users, 5,000 users in 4 teams each; every app has an account
/// rule, 100 team rules and a few user exceptions (1,000,000 team rules in all).
fn build() -> Engine {
    let fail = |what: &str| -> ! { setup_failed("governance", what) };
    let mut d = Directory::new(account()).unwrap_or_else(|_| fail("account"));
    d.add_user(user("admin".into(), true)).unwrap_or_else(|_| fail("admin"));
    for u in 0..USERS {
        d.add_user(user(format!("u{u}"), false)).unwrap_or_else(|_| fail("users"));
    }
    for t in 0..TEAMS {
        // User u is in teams (u * 4 + k) % 1000 for k in 0..4: 20 members per team.
        let members = (0..USERS)
            .filter(|u| (0..TEAMS_PER_USER).any(|k| (u * TEAMS_PER_USER + k) % TEAMS == t))
            .map(|u| UserId(format!("u{u}")))
            .collect();
        d.add_team(Team { id: TeamId(format!("t{t}")), name: format!("Team {t}"), members })
            .unwrap_or_else(|_| fail("teams"));
    }
    for a in 0..APPS {
        d.add_app(app(format!("app{a:05}"), AppLevel::AccountLevel, true)).unwrap_or_else(|_| fail("apps"));
    }
    let mut engine = Engine::new(d);
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single().unwrap_or_else(|| fail("time"));
    let admin = UserId("admin".into());
    for a in 0..APPS {
        let mut rules = vec![PolicyRule { level: PolicyLevel::Account, approval: Some(approval(rng.next_u64())) }];
        let mut teams: Vec<usize> = (0..TEAM_RULES_PER_APP).map(|_| (rng.next_u64() % TEAMS as u64) as usize).collect();
        teams.sort_unstable();
        teams.dedup();
        let r = rng.next_u64();
        rules.extend(teams.into_iter().map(|t| PolicyRule {
            level: PolicyLevel::Team(TeamId(format!("t{t}"))),
            approval: Some(approval(r ^ t as u64)),
        }));
        let exception = (rng.next_u64() % USERS as u64) as usize;
        rules.push(PolicyRule {
            level: PolicyLevel::User(UserId(format!("u{exception}"))),
            approval: Some(Approval::Allowed),
        });
        let at = at + Duration::seconds(a as i64);
        engine.set_policy(&admin, &AppId(format!("app{a:05}")), rules, at).unwrap_or_else(|_| fail("policies"));
    }
    engine
}

fn governance(c: &mut Criterion) {
    let engine = build();
    let mut group = c.benchmark_group("governance");
    let mut rng = Xorshift(42);
    let checks: Vec<(AppId, UserId)> = (0..1024)
        .map(|_| {
            let a = (rng.next_u64() % APPS as u64) as usize;
            let u = (rng.next_u64() % USERS as u64) as usize;
            (AppId(format!("app{a:05}")), UserId(format!("u{u}")))
        })
        .collect();
    let mut i = 0usize;
    group.bench_function("policy_check_install_10000_apps_1000_teams", |b| {
        b.iter(|| {
            i = (i + 1) % checks.len();
            let (app, user) = checks.get(i).unwrap_or_else(|| setup_failed("governance", "checks"));
            black_box(engine.policy_decision(black_box(app), black_box(user)))
        });
    });
    group.finish();
}

criterion_group!(benches, governance);
criterion_main!(benches);

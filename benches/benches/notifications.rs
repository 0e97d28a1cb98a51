//! Notification evaluation (N2, N4, X1) over 1,000,000 events, 10,000 rules and 10,000 users in
//! 1,000 teams, against the naive reference (walk every minute, check every rule).
//!
//! - `evaluate/steady_state`: what is due now, for a host that evaluates hourly (the delivery
//!   log is settled one hour back);
//! - `dry_run/last_day`: the timeline of the last 24 hours;
//! - `naive/60_minutes`: the reference walking 60 minutes of the same history, checking every
//!   rule against every event and every ongoing disconnection. To answer "what is due now" it
//!   must walk the whole history from its first minute, so its full cost is this figure × the
//!   history's length in hours (printed at start-up).

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use connected_apps::notify::{NotificationRules, dry_run, evaluate};
use connected_apps::{
    App, AppId, AppLevel, Channel, DeliveryLog, Directory, Distribution, Event, EventId, EventKind, Frequency,
    Recipients, Rule, RuleApps, RuleType, Team, TeamId, User, UserId,
};
use criterion::{Criterion, criterion_group, criterion_main};

const EVENTS: usize = 1_000_000;
const RULES: usize = 10_000;
const USERS: usize = 10_000;
const TEAMS: usize = 1_000;
const APPS: usize = 1_000;
const DAYS: i64 = 365;
const ADMINS: usize = 10;

struct Rng(connected_apps_benches::Xorshift);

impl Rng {
    fn next(&mut self) -> usize {
        self.0.next_u64() as usize
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default()
}

fn directory() -> Directory {
    let Ok(mut d) = Directory::new(connected_apps_benches::account()) else { bench_failed("directory") };
    for u in 0..USERS {
        let user = User {
            id: UserId(format!("u{u:05}")),
            name: format!("User {u}"),
            email: format!("u{u}@example.com"),
            active: u % 50 != 49,
            super_admin: u < ADMINS,
            permissions: Default::default(),
            platform_user_id: None,
        };
        if d.add_user(user).is_err() {
            bench_failed("user");
        }
    }
    for t in 0..TEAMS {
        let members = (0..USERS / TEAMS).map(|m| UserId(format!("u{:05}", t * (USERS / TEAMS) + m))).collect();
        if d.add_team(Team { id: TeamId(format!("t{t:04}")), name: format!("Team {t}"), members }).is_err() {
            bench_failed("team");
        }
    }
    for a in 0..APPS {
        let app = App {
            id: app_id(a),
            name: format!("App {a}"),
            provider: "Vendor".into(),
            built_by_vendor_platform: false,
            distribution: Distribution::Marketplace,
            level: AppLevel::AccountLevel,
            reports_status: true,
            scopes: vec![],
            features: vec![],
            workflow_actions: vec![],
            post_uninstall_steps: vec![],
        };
        if d.add_app(app).is_err() {
            bench_failed("app");
        }
    }
    d
}

fn bench_failed(what: &str) -> ! {
    connected_apps_benches::setup_failed("notifications", what)
}

fn app_id(a: usize) -> AppId {
    AppId(format!("app-{a:04}"))
}

/// A valid history: each app follows its own lifecycle (install, activity, disconnect,
/// reconnect, uninstall, reinstall), events evenly spread over a year.
fn history() -> Vec<Event> {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        Never,
        Connected,
        Disconnected,
        Gone,
    }
    let mut rng = Rng(connected_apps_benches::Xorshift(0x9e37_79b9_7f4a_7c15));
    let mut states = vec![S::Never; APPS];
    let step_ms = DAYS * 86_400_000 / EVENTS as i64;
    (0..EVENTS)
        .map(|i| {
            let r = rng.next();
            let a = r % APPS;
            let roll = (r >> 16) % 100;
            let state = states.get(a).copied().unwrap_or(S::Never);
            let (kind, next) = match state {
                S::Never => (EventKind::Installed { scopes: Default::default(), expires_at: None }, S::Connected),
                S::Gone => (EventKind::Reinstalled { scopes: Default::default(), expires_at: None }, S::Connected),
                S::Connected if roll < 60 => (EventKind::AppActivity, S::Connected),
                S::Connected if roll < 80 => (EventKind::Disconnected, S::Disconnected),
                S::Connected if roll < 95 => (
                    EventKind::SyncSettingChanged { setting: "contacts".into(), on: roll.is_multiple_of(2) },
                    S::Connected,
                ),
                S::Connected => (EventKind::Uninstalled, S::Gone),
                S::Disconnected if roll < 70 => (EventKind::Reconnected { expires_at: None }, S::Connected),
                S::Disconnected if roll < 80 => (EventKind::Uninstalled, S::Gone),
                S::Disconnected => (EventKind::AppActivity, S::Disconnected),
            };
            if let Some(s) = states.get_mut(a) {
                *s = next;
            }
            Event {
                id: EventId(i as u64 + 1),
                at: start() + Duration::milliseconds(i as i64 * step_ms),
                app: app_id(a),
                user: None,
                actor: None,
                kind,
            }
        })
        .collect()
}

/// 10,000 rules: a third of each type; install and uninstall rules cover one app (1 in 100 all
/// apps), disconnect rules one to three apps, every frequency, half with recovered notices;
/// recipients one user or one team (1 in 20: the super admins), e-mail, 1 in 4 also in-app.
fn rules() -> Vec<Rule> {
    let mut rng = Rng(connected_apps_benches::Xorshift(0x2545_f491_4f6c_dd1d));
    (0..RULES)
        .map(|i| {
            let r = rng.next();
            let rule_type = RuleType::ALL.get(i % 3).copied().unwrap_or(RuleType::AppInstalled);
            let disconnect = rule_type == RuleType::AppDisconnected;
            let apps = if !disconnect && r.is_multiple_of(100) {
                RuleApps::All
            } else {
                RuleApps::Only(
                    (0..if disconnect { 1 + (r >> 8) % 3 } else { 1 })
                        .map(|k| app_id((r >> (12 + k * 10)) % APPS))
                        .collect(),
                )
            };
            let recipients = match (r >> 40) % 20 {
                0 => Recipients::SuperAdmins,
                k if k % 2 == 0 => Recipients::Specific {
                    users: [UserId(format!("u{:05}", (r >> 44) % USERS))].into(),
                    teams: Default::default(),
                },
                _ => Recipients::Specific {
                    users: Default::default(),
                    teams: [TeamId(format!("t{:04}", (r >> 44) % TEAMS))].into(),
                },
            };
            let channels = if (r >> 60).is_multiple_of(4) {
                [Channel::Email, Channel::InApp].into()
            } else {
                [Channel::Email].into()
            };
            let frequency = [Frequency::Hourly, Frequency::Daily, Frequency::Weekly, Frequency::Monthly]
                .get((r >> 4) % 4)
                .copied()
                .unwrap_or(Frequency::Daily);
            Rule {
                id: format!("rule-{i:05}").into(),
                name: format!("Rule {i}"),
                rule_type,
                apps,
                recipients,
                channels,
                frequency: disconnect.then_some(frequency),
                notify_recovered: disconnect && (r >> 2).is_multiple_of(2),
            }
        })
        .collect()
}

/// The naive reference on `[from, from + minutes)`: at each minute, every event of that minute
/// against every rule, then every ongoing disconnection against every rule. `open` is the
/// state at `from` (app → disconnect time), which the reference would have walked to.
fn naive_slice(
    events: &[Event],
    rules: &[Rule],
    mut open: BTreeMap<AppId, DateTime<Utc>>,
    from: DateTime<Utc>,
    minutes: i64,
) -> usize {
    let mut found = 0;
    let mut i = events.partition_point(|e| e.at < from);
    for m in 0..minutes {
        let t0 = from + Duration::minutes(m);
        let t1 = t0 + Duration::minutes(1);
        while let Some(e) = events.get(i).filter(|e| e.at < t1) {
            for rule in rules {
                let wanted = match &e.kind {
                    EventKind::Installed { .. } | EventKind::Reinstalled { .. } => RuleType::AppInstalled,
                    EventKind::Uninstalled => RuleType::AppUninstalled,
                    _ => RuleType::AppDisconnected,
                };
                if rule.rule_type == wanted && rule.apps.covers(&e.app) {
                    found += usize::from(match &e.kind {
                        EventKind::Disconnected => true,
                        EventKind::Reconnected { .. } => rule.notify_recovered && open.contains_key(&e.app),
                        _ => wanted != RuleType::AppDisconnected,
                    });
                }
            }
            track(&mut open, e);
            i += 1;
        }
        for (app, since) in &open {
            for rule in rules {
                if rule.rule_type != RuleType::AppDisconnected || !rule.apps.covers(app) {
                    continue;
                }
                let Some(frequency) = rule.frequency else { continue };
                // Brute force: is some reminder n due within this minute?
                let mut n = 1;
                while let Some(due) = frequency.reminder_due(*since, n) {
                    if due >= t1 {
                        break;
                    }
                    found += usize::from(due >= t0);
                    n += 1;
                }
            }
        }
    }
    found
}

/// The reference's view of which apps are disconnected, and since when (the bench's history
/// only leaves a disconnection by reconnecting or uninstalling).
fn track(open: &mut BTreeMap<AppId, DateTime<Utc>>, e: &Event) {
    match &e.kind {
        EventKind::Disconnected => {
            open.insert(e.app.clone(), e.at);
        }
        EventKind::Reconnected { .. } | EventKind::Uninstalled => {
            open.remove(&e.app);
        }
        _ => {}
    }
}

fn bench(c: &mut Criterion) {
    let d = directory();
    let history = history();
    let Ok(events) = connected_apps::EventLog::from_events(history.iter().cloned()) else { bench_failed("log") };
    let rule_list = rules();
    let end = events.last().map(|e| e.at).unwrap_or_default();
    let mut set = NotificationRules::new();
    for rule in &rule_list {
        if set.create(&d, &UserId("u00000".into()), rule.clone(), start()).is_err() {
            bench_failed("rules");
        }
    }
    let now = end + Duration::minutes(1);
    let mut log = DeliveryLog::new();
    log.settle(&d, &events, now - Duration::hours(1));
    let due = evaluate(&d, &events, &set, &log, now);
    let timeline = dry_run(&d, &events, &rule_list, now - Duration::days(1), now).unwrap_or_default();

    // The reference's state at the slice's start: the disconnections going on then.
    let slice_from = now - Duration::minutes(60);
    let mut open = BTreeMap::new();
    for e in history.iter().take_while(|e| e.at < slice_from) {
        track(&mut open, e);
    }
    let history_hours = (now - history.first().map(|e| e.at).unwrap_or(now)).num_hours();
    eprintln!(
        "notifications: {} events, {} rules, {} users in {} teams; due now {} deliveries; last-day timeline {}; \
         {} disconnections open at the slice; naive full cost = naive/60_minutes × {history_hours}",
        events.len(),
        set.len(),
        d.users().len(),
        d.teams().len(),
        due.len(),
        timeline.len(),
        open.len(),
    );

    let mut group = c.benchmark_group("notifications");
    group.sample_size(10);
    group.bench_function("evaluate/steady_state", |b| b.iter(|| black_box(evaluate(&d, &events, &set, &log, now))));
    group.bench_function("dry_run/last_day", |b| {
        b.iter(|| black_box(dry_run(&d, &events, &rule_list, now - Duration::days(1), now)))
    });
    group.bench_function("naive/60_minutes", |b| {
        b.iter(|| black_box(naive_slice(&history, &rule_list, open.clone(), slice_from, 60)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! The notification evaluator against the naive reference (walk every minute, check every
//! rule) on generated histories: dry-run timelines, live evaluation with a partial delivery log
//! and idempotence.

use crate::notify_support as support;

use crate::reference::notify::{reference_evaluate, reference_timeline};
use chrono::{DateTime, Duration, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::notify::{NotificationRules, dry_run, evaluate};
use connected_apps::{
    Actor, Channel, Command, ConnectionErrorInfo, DeliveryLog, Frequency, Recipients, Rule, RuleApps, RuleType, UserId,
};
use proptest::prelude::*;
use support::{APPS, TEAMS, USERS, at, engine, uid};

/// One attempted lifecycle step; steps the engine refuses are skipped.
#[derive(Debug, Clone)]
struct Step {
    gap_minutes: i64,
    kind: u8,
    app: usize,
    who: usize,
    /// Minutes until the grant of an install, reconnect or reauthentication expires, if it does.
    grant: Option<i64>,
}

#[derive(Debug, Clone)]
struct RuleSpec {
    rule_type: u8,
    apps: u8,
    all_apps: bool,
    frequency: u8,
    recovered: bool,
    recipients: u8,
    people: u8,
    teams: u8,
    channels: u8,
    since_minutes: i64,
}

const MAX_SPAN_DAYS: i64 = 100;

fn anchors() -> [DateTime<Utc>; 4] {
    [at(2028, 1, 31, 22, 0, 0), at(2028, 2, 28, 23, 0, 0), at(2027, 1, 31, 0, 0, 0), at(2028, 12, 31, 23, 30, 0)]
}

fn step() -> impl Strategy<Value = Step> {
    // Round gaps (whole hours, days, weeks) make events land exactly on reminder times.
    let round = prop_oneof![Just(60i64), Just(120), Just(1440), Just(10_080)];
    let gap = prop_oneof![4 => 0i64..=5, 5 => 0i64..=240, 8 => round, 3 => 0i64..=4320, 1 => 40_320i64..=44_640];
    let grant = prop_oneof![3 => Just(None), 1 => (0i64..600).prop_map(Some)];
    (gap, 0u8..9, 0..APPS.len(), 0usize..2, grant).prop_map(|(gap_minutes, kind, app, who, grant)| Step {
        gap_minutes,
        kind,
        app,
        who,
        grant,
    })
}

fn rule_spec() -> impl Strategy<Value = RuleSpec> {
    (0u8..3, 1u8..16, any::<bool>(), 0u8..4, any::<bool>(), 0u8..3, 0u8..32, 0u8..4, 1u8..4, 0i64..20_000).prop_map(
        |(rule_type, apps, all_apps, frequency, recovered, recipients, people, teams, channels, since_minutes)| {
            RuleSpec {
                rule_type,
                apps,
                all_apps,
                frequency,
                recovered,
                recipients,
                people,
                teams,
                channels,
                since_minutes,
            }
        },
    )
}

fn pick<'a>(mask: u8, names: &[&'a str]) -> Vec<&'a str> {
    names.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, n)| *n).collect()
}

fn build_rule(i: usize, spec: &RuleSpec) -> Rule {
    let rule_type =
        [RuleType::AppInstalled, RuleType::AppDisconnected, RuleType::AppUninstalled][usize::from(spec.rule_type)];
    let disconnect = rule_type == RuleType::AppDisconnected;
    let apps = if spec.all_apps && !disconnect {
        RuleApps::All
    } else {
        RuleApps::Only(pick(spec.apps, &APPS).into_iter().map(Into::into).collect())
    };
    let recipients = match spec.recipients {
        0 => Recipients::SuperAdmins,
        1 => Recipients::Everyone,
        _ => {
            let mut users: Vec<UserId> = pick(spec.people, &USERS).into_iter().map(uid).collect();
            let teams = pick(spec.teams, &TEAMS).into_iter().map(Into::into).collect();
            if users.is_empty() && spec.teams == 0 {
                users.push(uid("bob"));
            }
            Recipients::Specific { users: users.into_iter().collect(), teams }
        }
    };
    let channels = [Channel::Email, Channel::InApp]
        .into_iter()
        .enumerate()
        .filter(|(b, _)| spec.channels & (1 << b) != 0)
        .map(|(_, c)| c)
        .collect();
    let frequency =
        [Frequency::Hourly, Frequency::Daily, Frequency::Weekly, Frequency::Monthly][usize::from(spec.frequency)];
    Rule {
        id: format!("r{i}").into(),
        name: format!("Rule {i}"),
        rule_type,
        apps,
        recipients,
        channels,
        frequency: disconnect.then_some(frequency),
        notify_recovered: disconnect && spec.recovered,
    }
}

/// Plays the steps through the engine's commands (so every event is valid) and returns the end
/// of the history.
fn play(e: &mut Engine, start: DateTime<Utc>, steps: &[Step]) -> DateTime<Utc> {
    let mut t = start;
    for s in steps {
        let next = t + Duration::minutes(s.gap_minutes);
        if next > start + Duration::days(MAX_SPAN_DAYS) {
            break;
        }
        t = next;
        let app = APPS[s.app];
        let user_level = app == "gmail";
        let owner = ["admin", "mia"][s.who];
        let user = user_level.then(|| uid(owner));
        let admin = Actor::User(uid("admin"));
        let expires_at = s.grant.map(|m| t + Duration::minutes(m));
        let (actor, command) = match s.kind {
            0 => (
                if user_level { Actor::User(uid(owner)) } else { admin },
                Command::Install { app: app.into(), scopes: None, expires_at, request_admin: None },
            ),
            1 => (admin, Command::Uninstall { app: app.into(), user, confirmation: "uninstall".into() }),
            2 | 3 => (admin, Command::Disconnect { app: app.into(), user }),
            4 => (admin, Command::Reconnect { app: app.into(), user, expires_at }),
            5 => (Actor::System, Command::ReportConnected { app: app.into(), user }),
            6 => (admin, Command::Reauthenticate { app: app.into(), user, scopes: None, expires_at }),
            7 => (Actor::System, Command::ReportExpired { app: app.into(), user }),
            _ => {
                let error =
                    ConnectionErrorInfo { code: "E".into(), message: "failed".into(), resolution_steps: vec![] };
                (Actor::System, Command::ReportError { app: app.into(), user, error })
            }
        };
        let _ = e.execute(&actor, command, t);
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_the_minute_by_minute_reference(
        anchor in 0usize..4,
        steps in proptest::collection::vec(step(), 1..30),
        specs in proptest::collection::vec(rule_spec(), 1..5),
        window_start in 0i64..20_000,
        tail_minutes in 0i64..3_000,
        mid_fraction in 0u32..=100,
        keep_mask in any::<u64>(),
        settle in any::<bool>(),
    ) {
        let start = anchors()[anchor];
        let mut e = engine();
        let end = play(&mut e, start, &steps) + Duration::minutes(tail_minutes);
        let directory = e.directory().clone();
        let events = e.events().to_vec();
        let logged = e.events();
        let rules: Vec<Rule> = specs.iter().enumerate().map(|(i, s)| build_rule(i, s)).collect();

        // Dry run: every notice due in the window.
        let from = (start + Duration::minutes(window_start)).min(end);
        let timeline = dry_run(&directory, logged, &rules, from, end).unwrap();
        prop_assert_eq!(&timeline, &reference_timeline(&directory, &events, &rules, from, end));

        // Live: rules created at various instants, a first evaluation partly recorded, maybe a
        // settled prefix, then a second evaluation.
        let mut sinces: Vec<(Rule, DateTime<Utc>)> = rules
            .iter()
            .zip(&specs)
            .map(|(r, s)| (r.clone(), (start + Duration::minutes(s.since_minutes)).min(end)))
            .collect();
        sinces.sort_by_key(|(_, t)| *t);
        let mut set = NotificationRules::new();
        for (rule, since) in &sinces {
            set.create(&directory, &uid("admin"), rule.clone(), *since).unwrap();
        }
        // Whole minutes, as the reference walks the clock minute by minute.
        let span = (end - start).num_minutes();
        let mid = start + Duration::minutes(span * i64::from(mid_fraction) / 100);
        let mut log = DeliveryLog::new();
        let first = evaluate(&directory, logged, &set, &log, mid);
        prop_assert_eq!(&first, &reference_evaluate(&directory, &events, &sinces, &log, mid));
        let kept: Vec<_> = first.iter().enumerate().filter(|(i, _)| keep_mask & (1 << (i % 64)) != 0).map(|(_, d)| d.clone()).collect();
        prop_assert_eq!(log.record(&directory, logged, &set, &kept, mid).unwrap(), {
            let notices: std::collections::BTreeSet<_> = kept.iter().map(|d| d.notice()).collect();
            notices.len()
        });
        if settle {
            log.settle(&directory, logged, start + Duration::minutes((mid - start).num_minutes() / 2));
        }
        let second = evaluate(&directory, logged, &set, &log, end);
        prop_assert_eq!(&second, &reference_evaluate(&directory, &events, &sinces, &log, end));

        // Idempotent: once recorded, nothing is due again, now or later.
        log.record(&directory, logged, &set, &second, end).unwrap();
        prop_assert!(evaluate(&directory, logged, &set, &log, end).is_empty());
        let later = evaluate(&directory, logged, &set, &log, end + Duration::hours(1));
        prop_assert!(later.iter().all(|d| !log.contains(&d.notice())));
    }
}

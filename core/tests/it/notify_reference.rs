#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! The notification evaluator against the naive reference (read the log event by event, list
//! each disconnection's reminders by its own arithmetic, model the delivery log) on 1,000
//! generated histories with timestamps on any second: dry-run timelines, live evaluation with a
//! partial delivery log settled once or day by day, and idempotence; access requests (filed,
//! approved, denied, expiring after three days) and their reminders too. Steps the engine refuses
//! are counted, and the totals checked, so the generator cannot drift into testing nothing.

use std::cell::Cell;

use crate::notify_support as support;

use crate::reference::notify::{RefLog, reference_evaluate, reference_timeline};
use chrono::{DateTime, Duration, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::notify::{NotificationRules, Trigger, dry_run, evaluate};
use connected_apps::{
    Actor, ApprovalGrant, Channel, Command, ConnectionErrorInfo, DeliveryLog, Frequency, GovernanceSettings,
    Recipients, Rule, RuleApps, RuleType, UserId,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use support::{APPS, TEAMS, USERS, at, engine, uid};

/// One attempted lifecycle step; the engine may refuse it (counted).
#[derive(Debug, Clone)]
struct Step {
    gap_seconds: i64,
    kind: u8,
    app: usize,
    who: usize,
    /// Seconds until the grant of an install, reconnect or reauthentication expires, if it does.
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

fn anchors() -> [DateTime<Utc>; 5] {
    [
        at(2028, 1, 31, 22, 0, 0),
        at(2028, 2, 28, 23, 0, 0),
        at(2027, 1, 31, 0, 0, 0),
        at(2028, 12, 31, 23, 30, 0),
        at(2028, 1, 30, 23, 59, 59),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    // Round gaps (whole hours, days, weeks) make events land exactly on reminder times.
    let round = prop_oneof![Just(60i64), Just(120), Just(1440), Just(10_080)];
    let gap = prop_oneof![4 => 0i64..=5, 5 => 0i64..=240, 8 => round, 3 => 0i64..=4320, 1 => 40_320i64..=44_640];
    // Now and then a few seconds more, so events, expiries and reminders fall between minutes.
    let seconds = prop_oneof![3 => Just(0i64), 1 => 0i64..60];
    let grant = prop_oneof![3 => Just(None), 1 => (0i64..36_000).prop_map(Some)];
    // Installs weigh more (a step on a connection not installed is refused), uninstalls less;
    // access requests, approvals and denials now and then.
    let kind = prop_oneof![4 => Just(0u8), 1 => Just(1u8), 8 => 2u8..9, 3 => 9u8..12];
    (gap, seconds, kind, 0..APPS.len(), 0usize..2, grant).prop_map(|(minutes, seconds, kind, app, who, grant)| Step {
        gap_seconds: minutes * 60 + seconds,
        kind,
        app,
        who,
        grant,
    })
}

fn rule_spec() -> impl Strategy<Value = RuleSpec> {
    (0u8..4, 1u8..16, any::<bool>(), 0u8..4, any::<bool>(), 0u8..3, 0u8..32, 0u8..4, 1u8..4, 0i64..20_000).prop_map(
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
        [RuleType::AppInstalled, RuleType::AppDisconnected, RuleType::AppUninstalled, RuleType::AccessRequested]
            [usize::from(spec.rule_type)];
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
        frequency: rule_type.reminds().then_some(frequency),
        notify_recovered: disconnect && spec.recovered,
    }
}

/// Plays the steps through the engine's commands (so every event is valid); returns the end of
/// the history and how many steps the engine refused (each leaving the log as it was).
fn play(e: &mut Engine, start: DateTime<Utc>, steps: &[Step]) -> (DateTime<Utc>, usize) {
    let mut t = start;
    let mut refused = 0;
    for s in steps {
        let next = t + Duration::seconds(s.gap_seconds);
        if next > start + Duration::days(MAX_SPAN_DAYS) {
            break;
        }
        t = next;
        let app = APPS[s.app];
        let user_level = app == "gmail";
        let owner = ["admin", "mia"][s.who];
        let user = user_level.then(|| uid(owner));
        let admin = Actor::User(uid("admin"));
        let expires_at = s.grant.map(|g| t + Duration::seconds(g));
        let (actor, command) = match s.kind {
            0 => (
                if user_level { Actor::User(uid(owner)) } else { admin },
                Command::Install { app: app.into(), scopes: None, expires_at, request_admin: None },
            ),
            1 => (admin, Command::Uninstall { app: app.into(), user, confirmation: "uninstall".into() }),
            2 | 3 => (admin, Command::Disconnect { app: app.into(), user }),
            4 => (admin, Command::Reconnect { app: app.into(), user, expires_at }),
            5 => (Actor::System, Command::ReportConnected { app: app.into(), user }),
            6 => (
                admin,
                Command::Reauthenticate {
                    app: app.into(),
                    user,
                    scopes: None,
                    expires_at,
                    dropped: Default::default(),
                },
            ),
            7 => (Actor::System, Command::ReportExpired { app: app.into(), user }),
            _ => {
                let error =
                    ConnectionErrorInfo { code: "E".into(), message: "failed".into(), resolution_steps: vec![] };
                (Actor::System, Command::ReportError { app: app.into(), user, error })
            }
        };
        let before = e.events().len();
        let (asker, admin_id, app_id) = (uid(owner), uid("admin"), app.into());
        let done = match s.kind {
            9 => e.request_access(&asker, &app_id, None, "please".into(), t).map(|_| ()),
            10 => {
                let grant = if s.grant.is_some() { ApprovalGrant::Install } else { ApprovalGrant::AllowList };
                e.approve_request(&admin_id, &app_id, &asker, grant, t).map(|_| ())
            }
            11 => e.deny_request(&admin_id, &app_id, &asker, "no".into(), t).map(|_| ()),
            _ => e.execute(&actor, command, t).map(|_| ()),
        };
        if done.is_err() {
            assert_eq!(e.events().len(), before, "a refused step logged an event");
            refused += 1;
        }
    }
    (t, refused)
}

/// One generated case.
#[derive(Debug, Clone)]
struct Case {
    anchor: usize,
    steps: Vec<Step>,
    specs: Vec<RuleSpec>,
    window_start: i64,
    tail_seconds: i64,
    mid_fraction: i64,
    keep_mask: u64,
    /// 0: never settled; 1: settled once, halfway to the first evaluation; 2: settled at every
    /// midnight up to the first evaluation; 3: settled at the end (so at the newest event, whose
    /// own notices fall due exactly at the settled instant).
    settle: u8,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0usize..5,
        proptest::collection::vec(step(), 1..30),
        proptest::collection::vec(rule_spec(), 1..5),
        0i64..20_000 * 60,
        0i64..3_000 * 60,
        0i64..=1_000,
        any::<u64>(),
        0u8..4,
    )
        .prop_map(|(anchor, steps, specs, window_start, tail_seconds, mid_fraction, keep_mask, settle)| Case {
            anchor,
            steps,
            specs,
            window_start,
            tail_seconds,
            mid_fraction,
            keep_mask,
            settle,
        })
}

/// What a case compared, summed over the run.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    cases: usize,
    steps: usize,
    refused: usize,
    deliveries: usize,
    reminders: usize,
    request_reminders: usize,
    monthly_reminders: usize,
    off_minute: usize,
    settles: usize,
}

fn run_case(c: &Case) -> Result<Counts, TestCaseError> {
    let start = anchors()[c.anchor];
    let mut e = engine();
    e.set_governance_settings(GovernanceSettings { request_expiry_days: 3 }).unwrap();
    let (played, refused) = play(&mut e, start, &c.steps);
    let end = played + Duration::seconds(c.tail_seconds);
    let directory = e.directory().clone();
    let events = e.events().to_vec();
    let logged = e.events();
    let rules: Vec<Rule> = c.specs.iter().enumerate().map(|(i, s)| build_rule(i, s)).collect();
    let mut counts = Counts { cases: 1, steps: c.steps.len(), refused, ..Counts::default() };

    // Dry run: every notice due in the window.
    let from = (start + Duration::seconds(c.window_start)).min(end);
    let timeline = dry_run(&directory, logged, &rules, from, end).unwrap();
    prop_assert_eq!(&timeline, &reference_timeline(&directory, &events, &rules, from, end));
    counts.deliveries += timeline.len();
    for d in &timeline {
        counts.request_reminders += usize::from(matches!(d.trigger, Trigger::RequestReminder { .. }));
        if let Trigger::Reminder { .. } | Trigger::RequestReminder { .. } = d.trigger {
            counts.reminders += 1;
            let rule = &rules[rules.iter().position(|r| r.id == d.rule).unwrap()];
            counts.monthly_reminders += usize::from(rule.frequency == Some(Frequency::Monthly));
        }
        counts.off_minute += usize::from(d.due_at.timestamp() % 60 != 0);
    }

    // Live: rules created at various instants, a first evaluation partly recorded, maybe a
    // settled prefix, then a second evaluation.
    let mut sinces: Vec<(Rule, DateTime<Utc>)> = rules
        .iter()
        .zip(&c.specs)
        .map(|(r, s)| (r.clone(), (start + Duration::minutes(s.since_minutes)).min(end)))
        .collect();
    sinces.sort_by_key(|(_, t)| *t);
    let mut set = NotificationRules::new();
    for (rule, since) in &sinces {
        set.create(&directory, &uid("admin"), rule.clone(), *since).unwrap();
    }
    let span = (end - start).num_seconds();
    let mid = start + Duration::seconds(span * c.mid_fraction / 1_000);
    let (mut log, mut model) = (DeliveryLog::new(), RefLog::default());
    let first = evaluate(&directory, logged, &set, &log, mid);
    prop_assert_eq!(&first, &reference_evaluate(&directory, &events, &sinces, &model, mid));
    counts.deliveries += first.len();
    let kept: Vec<_> =
        first.iter().enumerate().filter(|(i, _)| c.keep_mask & (1 << (i % 64)) != 0).map(|(_, d)| d.clone()).collect();
    let recorded = log.record(&directory, logged, &set, &kept, mid).unwrap();
    let before = model.sent.len();
    model.record(&kept);
    prop_assert_eq!(recorded, model.sent.len() - before);
    let settles: Vec<DateTime<Utc>> = match c.settle {
        0 => vec![],
        1 => vec![start + Duration::seconds((mid - start).num_seconds() / 2)],
        3 => vec![end],
        _ => {
            let mut day = start.date_naive();
            let mut out = vec![];
            while let Some(next) = day.succ_opt().map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc()) {
                if next > mid {
                    break;
                }
                out.push(next);
                day = next.date_naive();
            }
            out
        }
    };
    for before in settles {
        log.settle(&directory, logged, before);
        model.settle(&events, before);
        counts.settles += 1;
        // Between two settles the log and the model still agree at the first evaluation's now.
        prop_assert_eq!(
            evaluate(&directory, logged, &set, &log, mid),
            reference_evaluate(&directory, &events, &sinces, &model, mid)
        );
    }
    // What the log counts as handled, notice by notice over the whole history, is the model's.
    let everything = dry_run(&directory, logged, &rules, start, end + Duration::days(1)).unwrap();
    for d in first.iter().chain(&everything) {
        let key = d.notice();
        prop_assert_eq!(log.contains(&key), model.handled(&key), "{:?}", key);
    }
    let second = evaluate(&directory, logged, &set, &log, end);
    prop_assert_eq!(&second, &reference_evaluate(&directory, &events, &sinces, &model, end));
    counts.deliveries += second.len();

    // Idempotent: once recorded, nothing is due again, now or later.
    log.record(&directory, logged, &set, &second, end).unwrap();
    model.record(&second);
    prop_assert!(evaluate(&directory, logged, &set, &log, end).is_empty());
    let later_at = end + Duration::seconds(3_601);
    let later = evaluate(&directory, logged, &set, &log, later_at);
    prop_assert!(later.iter().all(|d| !log.contains(&d.notice())));
    prop_assert_eq!(&later, &reference_evaluate(&directory, &events, &sinces, &model, later_at));
    Ok(counts)
}

#[test]
fn engine_matches_the_reference_on_a_thousand_histories() {
    let config = Config { cases: 1_000, source_file: Some(file!()), ..Config::default() };
    let mut runner = TestRunner::new(config);
    let total = Cell::new(Counts::default());
    let result = runner.run(&case(), |c| {
        let n = run_case(&c)?;
        let mut t = total.get();
        t.cases += n.cases;
        t.steps += n.steps;
        t.refused += n.refused;
        t.deliveries += n.deliveries;
        t.reminders += n.reminders;
        t.request_reminders += n.request_reminders;
        t.monthly_reminders += n.monthly_reminders;
        t.off_minute += n.off_minute;
        t.settles += n.settles;
        total.set(t);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let t = total.get();
    eprintln!("notification reference: {t:?}");
    // Every case ran and compared something of each sort; refusals were counted, not dropped
    // (most are steps on a connection not installed yet), and the accepted steps average four
    // or more a case.
    assert!(t.cases >= 1_000, "{t:?}");
    assert!(t.refused > 0 && t.steps - t.refused >= 4 * t.cases, "{t:?}");
    assert!(
        t.reminders > 1_000
            && t.request_reminders > 100
            && t.monthly_reminders > 10
            && t.off_minute > 100
            && t.settles > 1_000,
        "{t:?}"
    );
}

/// A shrunk case that proptest once saved (the seeds replay other cases since the generator
/// changed), kept as named tests: whole-minute steps, no grant expiry.
fn saved(steps: &[(i64, u8, usize)], spec: RuleSpec, mid_fraction: i64, keep_mask: u64, settle: u8) -> Case {
    Case {
        anchor: 0,
        steps: steps
            .iter()
            .map(|&(minutes, kind, app)| Step { gap_seconds: minutes * 60, kind, app, who: 0, grant: None })
            .collect(),
        specs: vec![spec],
        window_start: 0,
        tail_seconds: 0,
        mid_fraction: mid_fraction * 10,
        keep_mask,
        settle,
    }
}

fn saved_spec(rule_type: u8, apps: u8) -> RuleSpec {
    RuleSpec {
        rule_type,
        apps,
        all_apps: false,
        frequency: 0,
        recovered: false,
        recipients: 0,
        people: 0,
        teams: 0,
        channels: 1,
        since_minutes: 0,
    }
}

#[test]
fn regression_installs_four_weeks_apart_settled_halfway() {
    let steps = [(40_320, 0, 0), (0, 0, 0), (40_320, 0, 0)];
    run_case(&saved(&steps, saved_spec(0, 1), 1, 1_983_923, 1)).unwrap();
}

#[test]
fn regression_an_hourly_disconnect_rule_over_a_day_of_zoom() {
    let steps = [(1_440, 0, 0), (0, 0, 3), (0, 2, 3), (1_440, 4, 3)];
    let counts = run_case(&saved(&steps, saved_spec(1, 8), 0, 0, 0)).unwrap();
    // zoom disconnected at the anchor + 1 day, reconnected a day later: 23 hourly reminders.
    assert_eq!((counts.refused, counts.reminders), (0, 23));
}

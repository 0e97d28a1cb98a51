#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Notification rules (N1–N4, X1, X5): commands and their refusals, boundaries of every
//! reminder schedule, catch-up, idempotence, dry runs and snapshots.

use crate::notify_support as support;

use chrono::{DateTime, Duration, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::notify::{NotificationRules, RuleEvent, Trigger};
use connected_apps::{
    Actor, Channel, Command, Delivery, ErrorKind, Event, EventId, EventKind, Frequency, NotifyError, Recipients, Rule,
    RuleApps, RuleType,
};
use support::{at, engine, rule, uid};

fn actor(id: &str) -> Actor {
    Actor::User(uid(id))
}

fn run(e: &mut Engine, who: &str, command: Command, now: DateTime<Utc>) -> EventId {
    match e.execute(&actor(who), command, now).unwrap() {
        connected_apps::Outcome::Applied { event } | connected_apps::Outcome::Uninstalled { event, .. } => event,
        other => panic!("unexpected outcome {other:?}"),
    }
}

fn install(e: &mut Engine, app: &str, now: DateTime<Utc>) -> EventId {
    let command = Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None };
    run(e, "admin", command, now)
}

fn disconnect(e: &mut Engine, app: &str, now: DateTime<Utc>) -> EventId {
    run(e, "admin", Command::Disconnect { app: app.into(), user: None }, now)
}

fn reconnect(e: &mut Engine, app: &str, now: DateTime<Utc>) -> EventId {
    run(e, "admin", Command::Reconnect { app: app.into(), user: None, expires_at: None }, now)
}

fn uninstall(e: &mut Engine, app: &str, now: DateTime<Utc>) -> EventId {
    run(e, "admin", Command::Uninstall { app: app.into(), user: None, confirmation: "uninstall".into() }, now)
}

fn disconnect_rule(id: &str, apps: &[&str], frequency: Frequency) -> Rule {
    Rule { frequency: Some(frequency), ..rule(id, RuleType::AppDisconnected, apps) }
}

fn triggers(deliveries: &[Delivery]) -> Vec<(DateTime<Utc>, Trigger)> {
    let mut out: Vec<_> = deliveries.iter().map(|d| (d.due_at, d.trigger)).collect();
    out.dedup();
    out
}

const T0: fn() -> DateTime<Utc> = || at(2028, 1, 10, 10, 0, 0);

// ---- rules: who may do what (N3) ----

#[test]
fn super_admins_and_marketplace_users_create_only_super_admins_edit_or_delete() {
    let mut e = engine();
    let t = T0();
    e.create_rule(&uid("admin"), rule("r1", RuleType::AppInstalled, &[]), t).unwrap();
    e.create_rule(&uid("mia"), rule("r2", RuleType::AppUninstalled, &["slack"]), t).unwrap();
    let before = e.notification_rules().clone();

    let denied = e.create_rule(&uid("bob"), rule("r3", RuleType::AppInstalled, &[]), t).unwrap_err();
    assert_eq!(denied.kind(), ErrorKind::PermissionDenied);
    assert!(matches!(denied, NotifyError::PermissionDenied { .. }));
    let inactive = e.create_rule(&uid("zed"), rule("r3", RuleType::AppInstalled, &[]), t).unwrap_err();
    assert_eq!(inactive, NotifyError::InactiveActor(uid("zed")));

    // Read-only for everyone but super admins, including the rule's own creator.
    let mut edited = rule("r2", RuleType::AppUninstalled, &["slack"]);
    edited.name = "Renamed".into();
    let err = e.edit_rule(&uid("mia"), edited.clone(), t).unwrap_err();
    assert_eq!(err, NotifyError::NotSuperAdmin { user: uid("mia"), rule: "r2".into() });
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    let err = e.delete_rule(&uid("mia"), &"r2".into(), t).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(e.delete_rule(&uid("zed"), &"r2".into(), t).unwrap_err(), NotifyError::InactiveActor(uid("zed")));
    assert_eq!(e.notification_rules(), &before);

    e.edit_rule(&uid("admin"), edited, t + Duration::hours(1)).unwrap();
    assert_eq!(e.notification_rules().rule(&"r2".into()).unwrap().name, "Renamed");
    e.delete_rule(&uid("admin"), &"r1".into(), t + Duration::hours(2)).unwrap();
    assert_eq!(e.notification_rules().rules().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["r2"]);

    // Every change is logged, and the log folds back to the same rule set.
    let log: Vec<RuleEvent> = e.notification_rules().events().to_vec();
    assert_eq!(log.len(), 4);
    assert_eq!(log[3].actor, uid("admin"));
    let rebuilt = NotificationRules::from_events(e.directory(), log).unwrap();
    assert_eq!(&rebuilt, e.notification_rules());
}

#[test]
fn every_bad_rule_is_refused_with_a_typed_error_and_changes_nothing() {
    let mut e = engine();
    let t = T0();
    e.create_rule(&uid("admin"), rule("existing", RuleType::AppInstalled, &[]), t).unwrap();
    let snapshot = e.notification_rules().clone();

    let base = rule("r", RuleType::AppInstalled, &["slack"]);
    let disconnect = disconnect_rule("d", &["slack"], Frequency::Hourly);
    let cases: Vec<(&str, Rule, NotifyError)> = vec![
        ("empty name", Rule { name: "  ".into(), ..base.clone() }, NotifyError::EmptyName("r".into())),
        ("empty id", Rule { id: "".into(), ..base.clone() }, NotifyError::EmptyRuleId),
        (
            "disconnect rule on all apps",
            Rule { apps: RuleApps::All, ..disconnect.clone() },
            NotifyError::AppsRequired("d".into()),
        ),
        (
            "disconnect rule naming no app",
            Rule { apps: RuleApps::Only([].into()), ..disconnect.clone() },
            NotifyError::AppsRequired("d".into()),
        ),
        (
            "install rule naming no app",
            Rule { apps: RuleApps::Only([].into()), ..base.clone() },
            NotifyError::NoApps("r".into()),
        ),
        (
            "access-request rule without frequency",
            Rule { frequency: None, ..rule("q", RuleType::AccessRequested, &["slack"]) },
            NotifyError::RequestFrequencyRequired("q".into()),
        ),
        (
            "disconnect rule without frequency",
            Rule { frequency: None, ..disconnect.clone() },
            NotifyError::FrequencyRequired("d".into()),
        ),
        (
            "frequency on an install rule",
            Rule { frequency: Some(Frequency::Daily), ..base.clone() },
            NotifyError::FrequencyNotAllowed { rule: "r".into(), rule_type: RuleType::AppInstalled },
        ),
        (
            "recovered notice on an uninstall rule",
            Rule { rule_type: RuleType::AppUninstalled, notify_recovered: true, ..base.clone() },
            NotifyError::RecoveredNotAllowed { rule: "r".into(), rule_type: RuleType::AppUninstalled },
        ),
        (
            "no recipients",
            Rule { recipients: Recipients::Specific { users: [].into(), teams: [].into() }, ..base.clone() },
            NotifyError::NoRecipients("r".into()),
        ),
        ("no channel", Rule { channels: [].into(), ..base.clone() }, NotifyError::NoChannel("r".into())),
        (
            "unknown user",
            Rule {
                recipients: Recipients::Specific { users: [uid("ghost")].into(), teams: [].into() },
                ..base.clone()
            },
            NotifyError::UnknownUser(uid("ghost")),
        ),
        (
            "unknown team",
            Rule {
                recipients: Recipients::Specific { users: [].into(), teams: ["nope".into()].into() },
                ..base.clone()
            },
            NotifyError::UnknownTeam("nope".into()),
        ),
        (
            "unknown app",
            Rule { apps: RuleApps::Only(["slack".into(), "teams".into()].into()), ..base.clone() },
            NotifyError::UnknownApp("teams".into()),
        ),
        (
            "duplicate rule id",
            rule("existing", RuleType::AppUninstalled, &[]),
            NotifyError::DuplicateRule("existing".into()),
        ),
    ];
    for (case, bad, expected) in cases {
        let err = e.create_rule(&uid("admin"), bad.clone(), t).unwrap_err();
        assert_eq!(err, expected, "{case}");
        assert!(!err.to_string().is_empty() && !err.to_string().ends_with('.'), "{case}: {err}");
        assert_eq!(e.notification_rules(), &snapshot, "{case} changed the rules");
        if bad.id.as_str() == "existing" || bad.id.as_str().is_empty() {
            continue;
        }
        // The same checks guard edits.
        let edit = Rule { id: "existing".into(), ..bad };
        assert!(e.edit_rule(&uid("admin"), edit, t).is_err(), "{case} (edit)");
        assert_eq!(e.notification_rules(), &snapshot, "{case} (edit) changed the rules");
    }

    let kinds = [
        (NotifyError::EmptyName("r".into()).kind(), ErrorKind::InvalidInput),
        (NotifyError::UnknownApp("x".into()).kind(), ErrorKind::NotFound),
        (NotifyError::DuplicateRule("x".into()).kind(), ErrorKind::Conflict),
    ];
    for (got, want) in kinds {
        assert_eq!(got, want);
    }
    let unknown = e.edit_rule(&uid("admin"), rule("ghost", RuleType::AppInstalled, &[]), t).unwrap_err();
    assert_eq!(unknown, NotifyError::UnknownRule("ghost".into()));
    assert_eq!(e.delete_rule(&uid("admin"), &"ghost".into(), t).unwrap_err(), NotifyError::UnknownRule("ghost".into()));
    assert_eq!(
        e.create_rule(&uid("nobody"), rule("n", RuleType::AppInstalled, &[]), t).unwrap_err(),
        NotifyError::UnknownUser(uid("nobody"))
    );
    let late = e.create_rule(&uid("admin"), rule("n", RuleType::AppInstalled, &[]), t - Duration::seconds(1));
    assert!(matches!(late, Err(NotifyError::OutOfOrder { .. })));
    assert_eq!(e.notification_rules(), &snapshot);
    let crate_error: connected_apps::Error = NotifyError::NoChannel("r".into()).into();
    assert_eq!(crate_error.kind(), ErrorKind::InvalidInput);
}

// ---- evaluation (N2, N4) ----

#[test]
fn install_and_uninstall_rules_fire_once_per_event_and_cover_reinstalls() {
    let mut e = engine();
    let t = T0();
    e.create_rule(&uid("admin"), rule("installs", RuleType::AppInstalled, &[]), t).unwrap();
    e.create_rule(&uid("admin"), rule("slack-gone", RuleType::AppUninstalled, &["slack"]), t).unwrap();
    let i1 = install(&mut e, "slack", t + Duration::minutes(1));
    let i2 = install(&mut e, "zoom", t + Duration::minutes(2));
    let u1 = uninstall(&mut e, "slack", t + Duration::minutes(3));
    let u2 = uninstall(&mut e, "zoom", t + Duration::minutes(4));
    let r1 = install(&mut e, "slack", t + Duration::minutes(5));
    let _ = u2;

    let due = e.due_notifications(t + Duration::minutes(5));
    assert_eq!(
        triggers(&due),
        [
            (t + Duration::minutes(1), Trigger::Installed { event: i1 }),
            (t + Duration::minutes(2), Trigger::Installed { event: i2 }),
            (t + Duration::minutes(3), Trigger::Uninstalled { event: u1 }),
            (t + Duration::minutes(5), Trigger::Installed { event: r1 }),
        ]
    );
    // Super admins only: the active one; zed is deactivated.
    assert!(due.iter().all(|d| d.recipient == uid("admin") && d.channel == Channel::Email));
    // Deterministic, then idempotent.
    assert_eq!(e.due_notifications(t + Duration::minutes(5)), due);
    assert_eq!(e.record_deliveries(&due, t + Duration::minutes(5)).unwrap(), 4);
    assert_eq!(e.record_deliveries(&due, t + Duration::minutes(5)).unwrap(), 0);
    assert!(e.due_notifications(t + Duration::minutes(5)).is_empty());
    assert!(e.due_notifications(t + Duration::days(400)).is_empty());
}

#[test]
fn hourly_reminder_is_not_due_one_second_before_and_is_due_at_its_time() {
    let mut e = engine();
    let t = T0();
    install(&mut e, "slack", t);
    e.create_rule(&uid("admin"), disconnect_rule("d", &["slack"], Frequency::Hourly), t).unwrap();
    let d = disconnect(&mut e, "slack", t + Duration::minutes(30));
    let base = t + Duration::minutes(30);

    let early = e.due_notifications(base + Duration::hours(1) - Duration::seconds(1));
    assert_eq!(triggers(&early), [(base, Trigger::Disconnected { event: d })]);
    e.record_deliveries(&early, base + Duration::hours(1) - Duration::seconds(1)).unwrap();
    assert!(e.due_notifications(base + Duration::hours(1) - Duration::seconds(1)).is_empty());
    let on_time = e.due_notifications(base + Duration::hours(1));
    assert_eq!(triggers(&on_time), [(base + Duration::hours(1), Trigger::Reminder { disconnected: d, n: 1 })]);
}

#[test]
fn daily_and_weekly_reminders_are_exact_durations() {
    for (frequency, step) in [(Frequency::Daily, Duration::days(1)), (Frequency::Weekly, Duration::weeks(1))] {
        let mut e = engine();
        let t = at(2028, 2, 27, 23, 59, 30);
        install(&mut e, "slack", t);
        let d = disconnect(&mut e, "slack", t);
        let rules = [disconnect_rule("d", &["slack"], frequency)];
        let timeline = e.dry_run_notifications(&rules, t, t + step * 3 - Duration::seconds(1)).unwrap();
        assert_eq!(
            triggers(&timeline),
            [
                (t, Trigger::Disconnected { event: d }),
                (t + step, Trigger::Reminder { disconnected: d, n: 1 }),
                (t + step * 2, Trigger::Reminder { disconnected: d, n: 2 }),
            ],
            "{frequency:?}"
        );
    }
}

#[test]
fn monthly_reminders_follow_calendar_months_from_the_disconnect_day() {
    let cases = [
        // Leap year: 31 Jan → 29 Feb → 31 Mar → 30 Apr.
        (
            at(2028, 1, 31, 9, 30, 0),
            vec![at(2028, 2, 29, 9, 30, 0), at(2028, 3, 31, 9, 30, 0), at(2028, 4, 30, 9, 30, 0)],
        ),
        // Common year: 31 Jan → 28 Feb → 31 Mar.
        (at(2027, 1, 31, 0, 0, 0), vec![at(2027, 2, 28, 0, 0, 0), at(2027, 3, 31, 0, 0, 0), at(2027, 4, 30, 0, 0, 0)]),
        // Leap day itself: 29 Feb → 29 Mar → 29 Apr; across the year end 29 Feb 2028 + 12 months = 28 Feb 2029.
        (
            at(2028, 2, 29, 12, 0, 0),
            vec![at(2028, 3, 29, 12, 0, 0), at(2028, 4, 29, 12, 0, 0), at(2028, 5, 29, 12, 0, 0)],
        ),
        // Month end across the year: 31 Dec → 31 Jan → 29 Feb (2028).
        (
            at(2027, 12, 31, 23, 59, 59),
            vec![at(2028, 1, 31, 23, 59, 59), at(2028, 2, 29, 23, 59, 59), at(2028, 3, 31, 23, 59, 59)],
        ),
    ];
    for (start, expected) in cases {
        let mut e = engine();
        install(&mut e, "slack", start);
        let d = disconnect(&mut e, "slack", start);
        let rules = [disconnect_rule("d", &["slack"], Frequency::Monthly)];
        let last = *expected.last().unwrap();
        // One second before the third reminder: two reminders; at it: three.
        let before = e.dry_run_notifications(&rules, start, last - Duration::seconds(1)).unwrap();
        assert_eq!(triggers(&before).len(), 3, "{start}");
        let timeline = e.dry_run_notifications(&rules, start, last).unwrap();
        let got: Vec<_> = triggers(&timeline).into_iter().skip(1).collect();
        let want: Vec<_> = expected
            .iter()
            .enumerate()
            .map(|(i, due)| (*due, Trigger::Reminder { disconnected: d, n: u32::try_from(i + 1).unwrap() }))
            .collect();
        assert_eq!(got, want, "{start}");
    }
    assert_eq!(Frequency::Monthly.reminder_due(at(2028, 2, 29, 12, 0, 0), 12), Some(at(2029, 2, 28, 12, 0, 0)));
    assert_eq!(Frequency::Hourly.reminder_due(at(2028, 2, 29, 12, 0, 0), 0), None);
}

#[test]
fn a_reconnect_exactly_at_a_reminder_time_cancels_it_and_sends_the_recovered_notice() {
    let t = T0();
    let rules = [Rule { notify_recovered: true, ..disconnect_rule("d", &["slack"], Frequency::Hourly) }];
    for (reconnect_after, reminders) in [(Duration::hours(2), 1), (Duration::hours(2) + Duration::seconds(1), 2)] {
        let mut e = engine();
        install(&mut e, "slack", t);
        let d = disconnect(&mut e, "slack", t);
        let r = reconnect(&mut e, "slack", t + reconnect_after);
        let timeline = e.dry_run_notifications(&rules, t, t + Duration::days(2)).unwrap();
        let mut want = vec![(t, Trigger::Disconnected { event: d })];
        for n in 1..=reminders {
            want.push((t + Duration::hours(i64::from(n)), Trigger::Reminder { disconnected: d, n }));
        }
        want.push((t + reconnect_after, Trigger::Recovered { disconnected: d, event: r }));
        assert_eq!(triggers(&timeline), want, "reconnect after {reconnect_after}");
    }
}

/// A status report as the log receives it: a command for an app that reports its status; for
/// one that does not, the engine refuses the command, so the event arrives as history (an import).
fn report(e: &mut Engine, app: &str, now: DateTime<Utc>, command: Command, kind: EventKind) {
    if e.execute(&Actor::System, command, now).is_err() {
        let id = EventId(e.events().len() as u64 + 1_000);
        e.append(Event { id, at: now, app: app.into(), user: None, actor: None, kind }).unwrap();
    }
}

fn report_error(e: &mut Engine, app: &str, now: DateTime<Utc>) {
    let error = connected_apps::ConnectionErrorInfo {
        code: "E1".into(),
        message: "token revoked".into(),
        resolution_steps: vec![],
    };
    let command = Command::ReportError { app: app.into(), user: None, error: error.clone() };
    report(e, app, now, command, EventKind::ConnectionError(error));
}

fn report_expired(e: &mut Engine, app: &str, now: DateTime<Utc>) {
    report(e, app, now, Command::ReportExpired { app: app.into(), user: None }, EventKind::ConnectionExpired);
}

#[test]
fn reminders_follow_the_attention_rule_and_stop_on_uninstall() {
    // A reported expiry or error still needs attention (slack), or records nothing over the
    // user's disconnect (zoom, which does not report status): the reminders go on either way. An
    // uninstall stops both.
    let t = T0();
    let endings: [fn(&mut Engine, &str, DateTime<Utc>); 3] = [
        |e, app, now| {
            uninstall(e, app, now);
        },
        report_expired,
        report_error,
    ];
    for (i, end) in endings.into_iter().enumerate() {
        for app in ["slack", "zoom"] {
            let rules = [Rule { notify_recovered: true, ..disconnect_rule("d", &[app], Frequency::Hourly) }];
            let mut e = engine();
            install(&mut e, app, t);
            let d = disconnect(&mut e, app, t);
            end(&mut e, app, t + Duration::minutes(90));
            let timeline = e.dry_run_notifications(&rules, t, t + Duration::hours(3)).unwrap();
            let mut expected = vec![
                (t, Trigger::Disconnected { event: d }),
                (t + Duration::hours(1), Trigger::Reminder { disconnected: d, n: 1 }),
            ];
            // A reported expiry or error leaves the connection needing attention: slack reports it
            // (expired, in error); zoom cannot, so its report records nothing and the disconnect holds.
            if i > 0 {
                expected.push((t + Duration::hours(2), Trigger::Reminder { disconnected: d, n: 2 }));
                expected.push((t + Duration::hours(3), Trigger::Reminder { disconnected: d, n: 3 }));
            }
            assert_eq!(triggers(&timeline), expected, "ending {i} of {app}");
        }
    }
}

#[test]
fn a_connected_report_on_an_expired_grant_is_no_recovery() {
    let t = T0();
    let rules = [Rule { notify_recovered: true, ..disconnect_rule("d", &["slack"], Frequency::Hourly) }];
    let grant_until = |until: DateTime<Utc>| {
        let mut e = engine();
        let install =
            Command::Install { app: "slack".into(), scopes: None, expires_at: Some(until), request_admin: None };
        run(&mut e, "admin", install, t);
        let d = disconnect(&mut e, "slack", t + Duration::minutes(10));
        let c = run(
            &mut e,
            "admin",
            Command::ReportConnected { app: "slack".into(), user: None },
            t + Duration::minutes(30),
        );
        (e, d, c)
    };
    // The grant expired one second before the "connected" report: still needs attention, the
    // reminders go on and no recovered notice is sent.
    let (e, d, _) = grant_until(t + Duration::minutes(30) - Duration::seconds(1));
    let timeline = e.dry_run_notifications(&rules, t, t + Duration::minutes(10) + Duration::hours(2)).unwrap();
    assert_eq!(
        triggers(&timeline),
        [
            (t + Duration::minutes(10), Trigger::Disconnected { event: d }),
            (t + Duration::minutes(10) + Duration::hours(1), Trigger::Reminder { disconnected: d, n: 1 }),
            (t + Duration::minutes(10) + Duration::hours(2), Trigger::Reminder { disconnected: d, n: 2 }),
        ]
    );
    assert_eq!(
        e.state()
            .connection(&connected_apps::ConnectionKey { app: "slack".into(), user: None })
            .unwrap()
            .attention(true, t + Duration::minutes(30)),
        Some(connected_apps::ConnectionState::Expired)
    );
    // One second later the grant is still valid at the report: a recovery, the reminders stop.
    let (e, d, c) = grant_until(t + Duration::minutes(30) + Duration::seconds(1));
    let timeline = e.dry_run_notifications(&rules, t, t + Duration::minutes(10) + Duration::hours(2)).unwrap();
    assert_eq!(
        triggers(&timeline),
        [
            (t + Duration::minutes(10), Trigger::Disconnected { event: d }),
            (t + Duration::minutes(30), Trigger::Recovered { disconnected: d, event: c }),
        ]
    );
    // A reauthentication with a new grant then recovers the first one.
    let (mut e, d, _) = grant_until(t + Duration::minutes(20));
    let reauth = Command::Reauthenticate {
        app: "slack".into(),
        user: None,
        scopes: None,
        expires_at: Some(t + Duration::days(30)),
        dropped: Default::default(),
    };
    let r = run(&mut e, "admin", reauth, t + Duration::minutes(100));
    let timeline = e.dry_run_notifications(&rules, t, t + Duration::hours(4)).unwrap();
    assert_eq!(
        triggers(&timeline),
        [
            (t + Duration::minutes(10), Trigger::Disconnected { event: d }),
            (t + Duration::minutes(70), Trigger::Reminder { disconnected: d, n: 1 }),
            (t + Duration::minutes(100), Trigger::Recovered { disconnected: d, event: r }),
        ]
    );
}

#[test]
fn late_evaluation_catches_up_with_the_latest_missed_reminder_only() {
    let mut e = engine();
    let t = T0();
    install(&mut e, "slack", t);
    install(&mut e, "zoom", t);
    e.create_rule(&uid("admin"), disconnect_rule("d", &["slack", "zoom"], Frequency::Hourly), t).unwrap();
    let ds = disconnect(&mut e, "slack", t + Duration::minutes(1));
    let dz = disconnect(&mut e, "zoom", t + Duration::minutes(2));
    let rz = reconnect(&mut e, "zoom", t + Duration::hours(5));

    // The host was down for a week.
    let now = t + Duration::minutes(1) + Duration::days(7) + Duration::minutes(30);
    let due = e.due_notifications(now);
    assert_eq!(
        triggers(&due),
        [
            (t + Duration::minutes(1), Trigger::Disconnected { event: ds }),
            (t + Duration::minutes(2), Trigger::Disconnected { event: dz }),
            // zoom recovered long ago: its stale reminders are not sent (recovered notices are
            // not opted in).
            (t + Duration::minutes(1) + Duration::hours(168), Trigger::Reminder { disconnected: ds, n: 168 }),
        ]
    );
    let _ = rz;
    e.record_deliveries(&due, now).unwrap();
    assert!(e.due_notifications(now).is_empty());
    let next = e.due_notifications(t + Duration::minutes(1) + Duration::hours(169));
    assert_eq!(
        triggers(&next),
        [(t + Duration::minutes(1) + Duration::hours(169), Trigger::Reminder { disconnected: ds, n: 169 })]
    );
}

#[test]
fn continuous_evaluation_delivers_exactly_the_dry_run_timeline() {
    let mut e = engine();
    let t = T0();
    install(&mut e, "slack", t);
    let rules = vec![Rule { notify_recovered: true, ..disconnect_rule("d", &["slack"], Frequency::Hourly) }];
    e.create_rule(&uid("admin"), rules[0].clone(), t).unwrap();
    disconnect(&mut e, "slack", t + Duration::minutes(10));
    reconnect(&mut e, "slack", t + Duration::minutes(10) + Duration::hours(3));
    let end = t + Duration::hours(6);
    let mut delivered = Vec::new();
    let mut now = t;
    while now <= end {
        let due = e.due_notifications(now);
        e.record_deliveries(&due, now).unwrap();
        delivered.extend(due);
        now += Duration::minutes(5);
    }
    assert_eq!(delivered, e.dry_run_notifications(&rules, t, end).unwrap());
    assert_eq!(delivered.len(), 4);
}

#[test]
fn rules_never_reach_back_before_their_creation_or_last_edit() {
    let mut e = engine();
    let t = T0();
    install(&mut e, "slack", t);
    let d = disconnect(&mut e, "slack", t + Duration::minutes(1));
    // Created later: the install and the disconnect are history, but the disconnection goes on.
    let created = t + Duration::minutes(30) + Duration::hours(2);
    e.create_rule(&uid("admin"), rule("i", RuleType::AppInstalled, &[]), created).unwrap();
    e.create_rule(&uid("admin"), disconnect_rule("d", &["slack"], Frequency::Hourly), created).unwrap();
    assert!(e.due_notifications(created).is_empty());
    let due = e.due_notifications(t + Duration::minutes(1) + Duration::hours(3));
    assert_eq!(
        triggers(&due),
        [(t + Duration::minutes(1) + Duration::hours(3), Trigger::Reminder { disconnected: d, n: 3 })]
    );
    // A dry run applies the rules over the whole window whatever their creation time.
    let rules: Vec<Rule> = e.notification_rules().rules().cloned().collect();
    let timeline = e.dry_run_notifications(&rules, t, t + Duration::minutes(1) + Duration::hours(1)).unwrap();
    assert_eq!(triggers(&timeline).len(), 3);
}

#[test]
fn recipients_are_resolved_at_delivery_time_each_person_once() {
    let mut e = engine();
    let t = T0();
    let specific = Rule {
        recipients: Recipients::Specific {
            users: [uid("bob"), uid("zed")].into(),
            teams: ["sales".into(), "ops".into()].into(),
        },
        channels: [Channel::Email, Channel::InApp].into(),
        ..rule("s", RuleType::AppInstalled, &["slack"])
    };
    let everyone = Rule { recipients: Recipients::Everyone, ..rule("e", RuleType::AppInstalled, &["slack"]) };
    e.create_rule(&uid("admin"), specific, t).unwrap();
    e.create_rule(&uid("admin"), everyone, t).unwrap();
    install(&mut e, "slack", t);
    let due = e.due_notifications(t);
    let to = |rule: &str| -> Vec<(String, Channel)> {
        due.iter().filter(|d| d.rule.as_str() == rule).map(|d| (d.recipient.to_string(), d.channel)).collect()
    };
    // bob is named and in both teams, but notified once per channel; zed is deactivated.
    let want: Vec<(String, Channel)> = ["ann", "bob", "mia"]
        .iter()
        .flat_map(|u| [(u.to_string(), Channel::Email), (u.to_string(), Channel::InApp)])
        .collect();
    assert_eq!(to("s"), want);
    assert_eq!(
        to("e"),
        [("admin", Channel::Email), ("ann", Channel::Email), ("bob", Channel::Email), ("mia", Channel::Email)]
            .map(|(u, c)| (u.to_string(), c))
    );
    // Deactivating ann before delivery removes her.
    e.directory_mut().set_user_active(&uid("ann"), false).unwrap();
    assert!(e.due_notifications(t).iter().all(|d| d.recipient != uid("ann")));
}

#[test]
fn user_level_apps_have_one_disconnection_per_connection() {
    let mut e = engine();
    let t = T0();
    for who in ["admin", "mia"] {
        run(
            &mut e,
            who,
            Command::Install { app: "gmail".into(), scopes: None, expires_at: None, request_admin: None },
            t,
        );
    }
    let da = run(&mut e, "admin", Command::Disconnect { app: "gmail".into(), user: Some(uid("admin")) }, t);
    let dm = run(
        &mut e,
        "admin",
        Command::Disconnect { app: "gmail".into(), user: Some(uid("mia")) },
        t + Duration::minutes(30),
    );
    run(
        &mut e,
        "admin",
        Command::Reconnect { app: "gmail".into(), user: Some(uid("mia")), expires_at: None },
        t + Duration::hours(1),
    );
    let rules = [disconnect_rule("d", &["gmail"], Frequency::Hourly)];
    let timeline = e.dry_run_notifications(&rules, t, t + Duration::hours(2)).unwrap();
    assert_eq!(
        triggers(&timeline),
        [
            (t, Trigger::Disconnected { event: da }),
            (t + Duration::minutes(30), Trigger::Disconnected { event: dm }),
            (t + Duration::hours(1), Trigger::Reminder { disconnected: da, n: 1 }),
            (t + Duration::hours(2), Trigger::Reminder { disconnected: da, n: 2 }),
        ]
    );
    assert_eq!(timeline[1].connection_user, Some(uid("mia")));
}

#[test]
fn dry_run_leaves_the_delivery_log_alone_and_checks_its_input() {
    let mut e = engine();
    let t = T0();
    install(&mut e, "slack", t);
    let rules = [rule("i", RuleType::AppInstalled, &[])];
    let log = e.delivery_log().clone();
    assert_eq!(e.dry_run_notifications(&rules, t, t).unwrap().len(), 1);
    assert_eq!(e.delivery_log(), &log);
    assert!(e.dry_run_notifications(&rules, t + Duration::seconds(1), t + Duration::days(1)).unwrap().is_empty());
    assert_eq!(
        e.dry_run_notifications(&rules, t, t - Duration::seconds(1)).unwrap_err(),
        NotifyError::InvalidWindow { from: t, to: t - Duration::seconds(1) }
    );
    let twice = [rules[0].clone(), rules[0].clone()];
    assert_eq!(e.dry_run_notifications(&twice, t, t).unwrap_err(), NotifyError::DuplicateRule("i".into()));
    let bad = [Rule { channels: [].into(), ..rules[0].clone() }];
    assert_eq!(e.dry_run_notifications(&bad, t, t).unwrap_err(), NotifyError::NoChannel("i".into()));
}

#[test]
fn settling_forgets_old_notices_without_redelivering_them() {
    let mut e = engine();
    let t = T0();
    e.create_rule(&uid("admin"), rule("i", RuleType::AppInstalled, &[]), t).unwrap();
    install(&mut e, "slack", t);
    install(&mut e, "zoom", t + Duration::hours(2));
    let due = e.due_notifications(t + Duration::hours(2));
    e.record_deliveries(&due, t + Duration::hours(2)).unwrap();
    assert_eq!(e.delivery_log().len(), 2);
    e.settle_deliveries(t + Duration::hours(1));
    assert_eq!(e.delivery_log().len(), 1);
    e.settle_deliveries(t);
    assert_eq!(e.delivery_log().settled_before(), Some(t + Duration::hours(1)));
    assert!(e.due_notifications(t + Duration::hours(3)).is_empty());
}

#[test]
fn rules_and_delivery_log_round_trip_through_the_snapshot() {
    let mut e = engine();
    let t = T0();
    install(&mut e, "slack", t);
    e.create_rule(
        &uid("admin"),
        Rule { notify_recovered: true, ..disconnect_rule("d", &["slack"], Frequency::Monthly) },
        t,
    )
    .unwrap();
    e.create_rule(&uid("mia"), rule("i", RuleType::AppInstalled, &[]), t).unwrap();
    e.delete_rule(&uid("admin"), &"i".into(), t + Duration::minutes(1)).unwrap();
    disconnect(&mut e, "slack", t + Duration::minutes(2));
    let due = e.due_notifications(t + Duration::minutes(2));
    e.record_deliveries(&due, t + Duration::minutes(2)).unwrap();
    install(&mut e, "zoom", t + Duration::minutes(5));
    // Settled while slack is disconnected: the log remembers the disconnection going on.
    e.settle_deliveries(t + Duration::minutes(3));
    assert_eq!(e.delivery_log().settled_before(), Some(t + Duration::minutes(3)));
    assert_eq!(e.delivery_log().open_at_settle().len(), 1);

    let json = e.to_json().unwrap();
    let back = Engine::from_json(&json).unwrap();
    assert_eq!(back.to_json().unwrap(), json);
    assert_eq!(back.notification_rules(), e.notification_rules());
    assert_eq!(back.delivery_log(), e.delivery_log());
    let later = t + Duration::days(40);
    assert_eq!(back.due_notifications(later), e.due_notifications(later));
    assert_eq!(triggers(&back.due_notifications(later)).len(), 1, "the first monthly reminder");

    // An engine without rules writes no notification fields, as before.
    assert!(!engine().to_json().unwrap().contains("notification_rules"));
    // A snapshot whose rule log does not fold is refused with the rule error.
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rules = doc["notification_rules"].as_array_mut().unwrap();
    let first = rules[0].clone();
    rules.insert(1, first);
    let err = Engine::from_json(&doc.to_string()).unwrap_err();
    assert_eq!(err, connected_apps::Error::Notify(NotifyError::DuplicateRule("d".into())));
}

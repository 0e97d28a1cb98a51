#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Issue 11 and 12 §4: bounded dry runs and evaluations, deliveries recorded only as the engine
//! produced them, snapshots whose delivery log is re-derived and checked, and one attention rule
//! for home and notifications.

use crate::notify_support as support;

use chrono::{DateTime, Duration, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::limits::{MAX_DRY_RUN_DAYS, MAX_DRY_RUN_DELIVERIES};
use connected_apps::notify::Trigger;
use connected_apps::{
    Actor, Command, ConnectionKey, Delivery, Error, ErrorKind, Event, EventId, EventKind, Frequency, NotifyError,
    Recipients, Rule, RuleType,
};
use support::{at, engine, rule, uid};

const T0: fn() -> DateTime<Utc> = || at(2026, 3, 2, 9, 0, 0);

fn run(e: &mut Engine, command: Command, now: DateTime<Utc>) {
    e.execute(&Actor::User(uid("admin")), command, now).unwrap();
}

fn install(e: &mut Engine, app: &str, now: DateTime<Utc>) {
    run(e, Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None }, now);
}

fn disconnect(e: &mut Engine, app: &str, now: DateTime<Utc>) {
    run(e, Command::Disconnect { app: app.into(), user: None }, now);
}

fn hourly(apps: &[&str]) -> Rule {
    Rule { frequency: Some(Frequency::Hourly), notify_recovered: true, ..rule("d", RuleType::AppDisconnected, apps) }
}

/// slack disconnected at T0 under an hourly rule for super admins (one active: admin).
fn disconnected_engine() -> Engine {
    let mut e = engine();
    let t = T0();
    install(&mut e, "slack", t);
    e.create_rule(&uid("admin"), hourly(&["slack"]), t).unwrap();
    disconnect(&mut e, "slack", t + Duration::minutes(1));
    e
}

// ---- issue 11.1: bounded work and memory ----

#[test]
fn dry_run_span_is_bounded_by_the_limit() {
    let e = disconnected_engine();
    let rules = [hourly(&["slack"])];
    let from = T0();
    let longest = from + Duration::days(MAX_DRY_RUN_DAYS);
    let timeline = e.dry_run_notifications(&rules, from, longest).unwrap();
    // The disconnect notice (a minute in) and one reminder per hour up to the window's end.
    assert_eq!(timeline.len(), usize::try_from(MAX_DRY_RUN_DAYS * 24).unwrap());
    let past = longest + Duration::seconds(1);
    let err = e.dry_run_notifications(&rules, from, past).unwrap_err();
    assert_eq!(err, NotifyError::WindowTooLong { from, to: past, max_days: MAX_DRY_RUN_DAYS });
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("366 days"), "{err}");
    // 2026 to 9999 (the host-aborting case) is refused at once.
    let far = at(9999, 12, 31, 23, 0, 0);
    assert!(matches!(e.dry_run_notifications(&rules, from, far), Err(NotifyError::WindowTooLong { .. })));
}

#[test]
fn dry_run_output_is_bounded_by_the_limit() {
    // Ten hourly rules × 3 apps × everyone (4 active users) × 2 channels: 240 deliveries an
    // hour, past the limit within half a year; the dry run stops there with a typed error.
    let mut e = engine();
    let t = T0();
    let apps = ["salesforce", "slack", "zoom"];
    for app in apps {
        install(&mut e, app, t);
    }
    for app in apps {
        disconnect(&mut e, app, t + Duration::minutes(1));
    }
    let wide: Vec<Rule> = (0..10)
        .map(|i| Rule {
            id: format!("d{i}").into(),
            recipients: Recipients::Everyone,
            channels: [connected_apps::Channel::Email, connected_apps::Channel::InApp].into(),
            ..hourly(&apps)
        })
        .collect();
    let per_hour = wide.len() * apps.len() * 4 * 2;
    // Just inside: the window whose deliveries fit.
    let hours = i64::try_from(MAX_DRY_RUN_DELIVERIES / per_hour).unwrap() - 1;
    let to = t + Duration::minutes(1) + Duration::hours(hours);
    let fits = e.dry_run_notifications(&wide, t, to).unwrap();
    assert_eq!(fits.len(), per_hour * (usize::try_from(hours).unwrap() + 1));
    assert!(fits.len() <= MAX_DRY_RUN_DELIVERIES);
    // Just past: two more hours of reminders.
    let past = to + Duration::hours(2);
    let err = e.dry_run_notifications(&wide, t, past).unwrap_err();
    assert_eq!(err, NotifyError::TooManyDeliveries { from: t, to: past, limit: MAX_DRY_RUN_DELIVERIES });
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn evaluation_far_in_the_future_is_bounded_by_the_data() {
    let mut e = disconnected_engine();
    let d = e.events().last().unwrap().id;
    let start = T0() + Duration::minutes(1);
    // An hourly rule evaluated in the last representable years: one latest reminder, found by
    // arithmetic.
    for now in [at(9999, 12, 31, 23, 0, 0), at(262_000, 1, 1, 0, 0, 0)] {
        let due = e.due_notifications(now);
        let reminders: Vec<_> = due.iter().filter(|d| matches!(d.trigger, Trigger::Reminder { .. })).collect();
        assert_eq!(reminders.len(), 1, "{now}");
        let Trigger::Reminder { disconnected, n } = reminders[0].trigger else { panic!("not a reminder") };
        assert_eq!(disconnected, d);
        assert_eq!(Frequency::Hourly.reminder_due(start, n), Some(reminders[0].due_at));
        assert!(reminders[0].due_at <= now);
    }
    // Recording it at that clock works, and the settled log cannot be pushed past the newest event.
    let now = at(9999, 12, 31, 23, 0, 0);
    let due = e.due_notifications(now);
    e.record_deliveries(&due, now).unwrap();
    e.settle_deliveries(now);
    assert_eq!(e.delivery_log().settled_before(), Some(start));
}

// ---- issue 11.3: only the engine's own deliveries are recorded ----

#[test]
fn recording_accepts_only_deliveries_the_engine_produces_all_or_nothing() {
    let mut e = disconnected_engine();
    let now = T0() + Duration::minutes(1) + Duration::hours(2);
    let due = e.due_notifications(now);
    assert_eq!(due.len(), 2, "the disconnect notice and reminder 2");
    let before = e.to_json().unwrap();

    let forged = |change: fn(&mut Delivery)| {
        let mut d = due[1].clone();
        change(&mut d);
        d
    };
    let refused = [
        forged(|d| d.rule = "nope".into()),
        forged(|d| d.app = "zoom".into()),
        forged(|d| d.recipient = uid("bob")),
        forged(|d| d.recipient = uid("zed")), // a deactivated super admin
        // A future reminder that would suppress the real one.
        forged(|d| {
            d.trigger = Trigger::Reminder { disconnected: connected_apps::EventId(2), n: 3 };
            d.due_at += Duration::hours(1);
        }),
    ];
    for bad in refused {
        let batch = [due[0].clone(), bad.clone()];
        let err = e.record_deliveries(&batch, now).unwrap_err();
        assert_eq!(err, NotifyError::NotDue { delivery: Box::new(bad), now });
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.to_json().unwrap(), before, "nothing recorded");
    }
    // Not due yet: the same reminder one second before its time.
    let early = now - Duration::seconds(1);
    assert!(matches!(e.record_deliveries(&due, early), Err(NotifyError::NotDue { .. })));
    assert_eq!(e.to_json().unwrap(), before);
    // The real ones, at the clock they were evaluated at; again is harmless.
    assert_eq!(e.record_deliveries(&due, now).unwrap(), 2);
    assert_eq!(e.record_deliveries(&due, now).unwrap(), 0);
    assert!(e.due_notifications(now).is_empty());
    // The real reminder 3 is still due at its time.
    let next = e.due_notifications(now + Duration::hours(1));
    assert_eq!(next.len(), 1);
    assert!(matches!(next[0].trigger, Trigger::Reminder { n: 3, .. }));
}

// ---- issue 11.2: a snapshot's delivery log is re-derived and checked ----

/// The engine's snapshot after recording what is due two hours in, settled an hour in, with
/// zoom installed later so that the settle point lies inside the log.
fn settled_snapshot() -> (Engine, serde_json::Value) {
    let mut e = disconnected_engine();
    let now = T0() + Duration::minutes(1) + Duration::hours(2);
    let due = e.due_notifications(now);
    e.record_deliveries(&due, now).unwrap();
    install(&mut e, "zoom", now);
    e.settle_deliveries(T0() + Duration::hours(1));
    let doc = serde_json::from_str(&e.to_json().unwrap()).unwrap();
    (e, doc)
}

fn restore(doc: &serde_json::Value) -> Result<Engine, Error> {
    Engine::from_json(&doc.to_string())
}

#[test]
fn an_engine_snapshot_always_restores_also_after_settling() {
    let (e, doc) = settled_snapshot();
    assert_eq!(e.delivery_log().open_at_settle().len(), 1);
    let back = restore(&doc).unwrap();
    assert_eq!(back.delivery_log(), e.delivery_log());
    assert_eq!(back.to_json().unwrap(), e.to_json().unwrap());
    let later = T0() + Duration::days(3);
    assert_eq!(back.due_notifications(later), e.due_notifications(later));
    // Settled exactly at the newest event: still restores.
    let mut e = disconnected_engine();
    e.settle_deliveries(T0() + Duration::days(1));
    assert_eq!(e.delivery_log().settled_before(), Some(T0() + Duration::minutes(1)));
    let back = Engine::from_json(&e.to_json().unwrap()).unwrap();
    assert_eq!(back.delivery_log(), e.delivery_log());
}

#[test]
fn a_settle_point_after_the_newest_event_is_refused() {
    let (e, mut doc) = settled_snapshot();
    let newest = e.events().last().unwrap().at;
    doc["deliveries"]["settled_before"] = serde_json::json!(newest.to_rfc3339());
    restore(&doc).unwrap();
    let late = newest + Duration::seconds(1);
    doc["deliveries"]["settled_before"] = serde_json::json!(late.to_rfc3339());
    assert_eq!(
        restore(&doc).unwrap_err(),
        Error::Notify(NotifyError::SettledAfterLog { settled_before: late, newest: Some(newest) })
    );
    doc["deliveries"]["settled_before"] = serde_json::json!("9999-01-01T00:00:00Z");
    let err = restore(&doc).unwrap_err();
    assert!(matches!(err, Error::Notify(NotifyError::SettledAfterLog { .. })));
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn open_disconnections_at_the_settle_point_are_recomputed_from_the_events() {
    let (e, mut doc) = settled_snapshot();
    // A phantom disconnection of zoom, and the real one of slack removed.
    doc["deliveries"]["open_at_settle"] = serde_json::json!([
        {"app": "zoom", "event": 1, "at": "2026-03-02T09:00:00Z"}
    ]);
    let back = restore(&doc).unwrap();
    assert_eq!(back.delivery_log(), e.delivery_log());
    let later = T0() + Duration::days(2);
    let due = back.due_notifications(later);
    assert!(due.iter().all(|d| d.app == "slack".into()), "no reminder for zoom: {due:?}");
    assert_eq!(due, e.due_notifications(later));
}

#[test]
fn remembered_notices_must_be_ones_the_engine_could_have_produced() {
    let (_, doc) = settled_snapshot();
    let notices = doc["deliveries"]["sent"].as_array().unwrap().clone();
    assert_eq!(notices.len(), 1, "reminder 2 (the disconnect notice was settled)");
    let reminder = notices[0].clone();
    let with = |notice: serde_json::Value| {
        let mut doc = doc.clone();
        doc["deliveries"]["sent"] = serde_json::json!([notice]);
        restore(&doc)
    };
    with(reminder.clone()).unwrap();

    let mut unknown_rule = reminder.clone();
    unknown_rule["rule"] = serde_json::json!("ghost");
    assert_eq!(with(unknown_rule).unwrap_err(), Error::Notify(NotifyError::UnknownRule("ghost".into())));

    let impossible = |change: &dyn Fn(&mut serde_json::Value), reason: &str| {
        let mut notice = reminder.clone();
        change(&mut notice);
        match with(notice).unwrap_err() {
            Error::Notify(NotifyError::ImpossibleNotice { reason: got, .. }) => assert_eq!(got, reason),
            other => panic!("unexpected {other:?}"),
        }
    };
    // Off schedule by one second.
    impossible(
        &|n| n["due_at"] = serde_json::json!("2026-03-02T11:01:01Z"),
        "no version of its rule covers the app with a reminder due then",
    );
    // Reminder of an event that is no disconnect (the install, id 1), or that does not exist.
    impossible(
        &|n| n["trigger"]["disconnected"] = serde_json::json!(1),
        "its event is not of the kind its trigger names",
    );
    impossible(&|n| n["trigger"]["disconnected"] = serde_json::json!(99), "it names an event the log does not hold");
    // Before the settle point (the engine forgets those).
    impossible(
        &|n| {
            n["due_at"] = serde_json::json!("2026-03-02T09:01:00Z");
            n["trigger"] = serde_json::json!({"kind": "disconnected", "event": 2});
        },
        "due before the settled instant",
    );
    // A recovered notice without a recovery.
    impossible(
        &|n| n["trigger"] = serde_json::json!({"kind": "recovered", "disconnected": 2, "event": 3}),
        "its recovery does not reconnect the disconnected connection",
    );
    // An install notice for a disconnect rule.
    impossible(
        &|n| {
            n["due_at"] = serde_json::json!("2026-03-02T11:01:00Z");
            n["trigger"] = serde_json::json!({"kind": "installed", "event": 3});
        },
        "no version of its rule has its type and covers the app",
    );
}

// ---- issue 12 §4: one attention rule for home and notifications ----

#[test]
fn an_app_that_does_not_report_status_stays_disconnected_whatever_its_reports_say() {
    // zoom does not report status.
    let mut e = engine();
    let t = T0();
    install(&mut e, "zoom", t);
    e.create_rule(&uid("admin"), hourly(&["zoom"]), t).unwrap();
    let key = ConnectionKey { app: "zoom".into(), user: None };
    let reports = e.directory().app(&"zoom".into()).unwrap().reports_status;
    assert!(!reports);

    disconnect(&mut e, "zoom", t + Duration::minutes(1));
    let now = t + Duration::minutes(1) + Duration::hours(1);
    let home = e.state().connection(&key).unwrap().attention(reports, now);
    assert_eq!(home, Some(connected_apps::ConnectionState::Disconnected));
    let due = e.due_notifications(now);
    assert_eq!(due.len(), 2, "disconnect notice and reminder 1: {due:?}");

    // A reported error: refused as a command (zoom does not report status); arriving as history
    // (an import), it is kept but records nothing: the user's disconnect still holds, on home and
    // in the reminders.
    let error =
        connected_apps::ConnectionErrorInfo { code: "E".into(), message: "failed".into(), resolution_steps: vec![] };
    let reported = now + Duration::minutes(1);
    let command = Command::ReportError { app: "zoom".into(), user: None, error: error.clone() };
    assert!(e.execute(&Actor::System, command, reported).is_err());
    let id = EventId(e.events().len() as u64 + 1_000);
    let kind = EventKind::ConnectionError(error);
    e.append(Event { id, at: reported, app: "zoom".into(), user: None, actor: None, kind }).unwrap();
    let later = now + Duration::hours(5);
    let home = e.state().connection(&key).unwrap().attention(reports, later);
    assert_eq!(home, Some(connected_apps::ConnectionState::Disconnected));
    let due = e.due_notifications(later);
    assert!(due.iter().any(|d| matches!(d.trigger, Trigger::Reminder { n: 6, .. })), "{due:?}");
    let timeline = e.dry_run_notifications(&[hourly(&["zoom"])], t, later).unwrap();
    let reminders = timeline.iter().filter(|d| matches!(d.trigger, Trigger::Reminder { .. })).count();
    assert_eq!((timeline.len(), reminders), (7, 6), "the disconnect notice, then a reminder every hour: {timeline:?}");
}

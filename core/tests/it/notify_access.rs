//! Reminders of open access requests through the notification rules (G2 with N2): rules of
//! type `access_requested` — a notice when the request is made, then one every period while it
//! stays open; none once it is approved, denied or expired. Both sides of every bound, the
//! delivery log (record, settle, snapshot) and the rule's validation.

use crate::notify_support as support;

use chrono::{DateTime, Duration, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::notify::Trigger;
use connected_apps::{
    ApprovalGrant, Channel, Delivery, Error, EventId, Frequency, GovernanceSettings, NotifyError, Recipients, Rule,
    RuleType,
};
use support::{at, engine, rule, uid};

const T0: fn() -> DateTime<Utc> = || at(2028, 1, 10, 10, 0, 0);

fn access_rule(id: &str, apps: &[&str], frequency: Frequency) -> Rule {
    Rule { frequency: Some(frequency), ..rule(id, RuleType::AccessRequested, apps) }
}

fn triggers(deliveries: &[Delivery]) -> Vec<(DateTime<Utc>, Trigger)> {
    let mut out: Vec<_> = deliveries.iter().map(|d| (d.due_at, d.trigger)).collect();
    out.dedup();
    out
}

/// A daily access-request rule on every app (created at T0), requests expiring after 3 days,
/// and mia's request for zoom 30 minutes later; returns the engine, the request's time and event.
fn requested() -> (Engine, DateTime<Utc>, EventId) {
    let mut e = engine();
    e.set_governance_settings(GovernanceSettings { request_expiry_days: 3 }).unwrap();
    e.create_rule(&uid("admin"), access_rule("a", &[], Frequency::Daily), T0()).unwrap();
    let asked = T0() + Duration::minutes(30);
    let event = e.request_access(&uid("mia"), &"zoom".into(), None, "video calls".into(), asked).unwrap();
    (e, asked, event)
}

#[test]
fn the_request_notifies_the_rules_recipients_then_reminds_exactly_each_period() {
    let (mut e, asked, event) = requested();
    let first = e.due_notifications(asked);
    // One notice to the active super admins (zed is deactivated), naming the requester.
    assert_eq!(
        first,
        [Delivery {
            due_at: asked,
            rule: "a".into(),
            trigger: Trigger::AccessRequested { event },
            app: "zoom".into(),
            connection_user: Some(uid("mia")),
            recipient: uid("admin"),
            channel: Channel::Email,
        }]
    );
    e.record_deliveries(&first, asked).unwrap();
    let day = asked + Duration::days(1);
    assert!(e.due_notifications(day - Duration::seconds(1)).is_empty(), "not a second before the period");
    let due = e.due_notifications(day);
    assert_eq!(triggers(&due), [(day, Trigger::RequestReminder { requested: event, n: 1 })]);
    e.record_deliveries(&due, day).unwrap();
    assert!(e.due_notifications(day).is_empty(), "recorded once");
    let second = e.due_notifications(day + Duration::days(1));
    assert_eq!(triggers(&second), [(day + Duration::days(1), Trigger::RequestReminder { requested: event, n: 2 })]);
}

#[test]
fn approval_or_denial_at_a_reminders_time_cancels_it_and_every_later_one() {
    for approve in [true, false] {
        let (mut e, asked, event) = requested();
        let day = asked + Duration::days(1);
        // Decided one second after the first reminder: it stays due, nothing follows.
        if approve {
            e.approve_request(&uid("admin"), &"zoom".into(), &uid("mia"), ApprovalGrant::AllowList, day).unwrap();
        } else {
            e.deny_request(&uid("admin"), &"zoom".into(), &uid("mia"), "use meet".into(), day).unwrap();
        }
        let later = asked + Duration::days(2);
        let requests_only = |d: &[Delivery]| {
            d.iter().filter(|d| d.rule.as_str() == "a").map(|d| (d.due_at, d.trigger)).collect::<Vec<_>>()
        };
        assert_eq!(requests_only(&e.due_notifications(later)), [(asked, Trigger::AccessRequested { event })]);
        let timeline = e.dry_run_notifications(&[access_rule("a", &[], Frequency::Hourly)], asked, later).unwrap();
        // Hourly: reminders 1 to 23 fall before the decision; the 24th, due at it, is cancelled.
        let reminders = timeline.iter().filter(|d| matches!(d.trigger, Trigger::RequestReminder { .. })).count();
        assert_eq!(reminders, 23, "approve: {approve}");
    }
}

#[test]
fn an_expired_request_reminds_no_more() {
    let (mut e, asked, event) = requested();
    let expires = asked + Duration::days(3);
    assert_eq!(e.access_request(&"zoom".into(), &uid("mia")).unwrap().expires_at, expires);
    // A second before the expiry the latest missed reminder (the second) is still due.
    let just_before = e.due_notifications(expires - Duration::seconds(1));
    assert_eq!(
        triggers(&just_before),
        [
            (asked, Trigger::AccessRequested { event }),
            (asked + Duration::days(2), Trigger::RequestReminder { requested: event, n: 2 }),
        ]
    );
    // The third reminder would fall at the expiry itself: the request is closed then.
    assert_eq!(triggers(&e.due_notifications(expires)), [(asked, Trigger::AccessRequested { event })]);
    assert_eq!(triggers(&e.due_notifications(expires + Duration::days(30))).len(), 1);
    let timeline = e.dry_run_notifications(&[access_rule("a", &[], Frequency::Daily)], asked, expires).unwrap();
    assert_eq!(triggers(&timeline).len(), 3, "the request and reminders 1 and 2");
    // A new request after the expiry starts its own series.
    let again = e.request_access(&uid("mia"), &"zoom".into(), None, String::new(), expires).unwrap();
    let due = e.due_notifications(expires + Duration::days(1));
    assert!(due.iter().any(|d| d.trigger == Trigger::RequestReminder { requested: again, n: 1 }));
}

#[test]
fn rules_cover_only_their_apps_and_never_reach_back() {
    let mut e = engine();
    e.create_rule(&uid("admin"), access_rule("slack-only", &["slack"], Frequency::Hourly), T0()).unwrap();
    e.request_access(&uid("mia"), &"zoom".into(), None, String::new(), T0()).unwrap();
    assert!(e.due_notifications(T0() + Duration::hours(5)).is_empty(), "zoom is not covered");
    let asked = T0() + Duration::hours(1);
    e.request_access(&uid("bob"), &"slack".into(), None, String::new(), asked).unwrap();
    // A rule created after the request gives only the reminders due from its creation on.
    let late = asked + Duration::minutes(90);
    let rule = Rule {
        recipients: Recipients::Specific { users: [uid("ann")].into(), teams: [].into() },
        ..access_rule("late", &["slack"], Frequency::Hourly)
    };
    e.create_rule(&uid("admin"), rule, late).unwrap();
    let due = e.due_notifications(asked + Duration::hours(3));
    let late_ones: Vec<_> = due.iter().filter(|d| d.rule.as_str() == "late").collect();
    assert_eq!(late_ones.len(), 1, "the latest reminder only: {late_ones:?}");
    assert_eq!(late_ones[0].due_at, asked + Duration::hours(3));
    assert_eq!((late_ones[0].recipient.as_str(), late_ones[0].connection_user.as_ref()), ("ann", Some(&uid("bob"))));
}

#[test]
fn access_rules_need_a_frequency_and_no_recovered_notices() {
    let mut e = engine();
    let before = e.to_json().unwrap();
    let without = Rule { frequency: None, ..access_rule("a", &["zoom"], Frequency::Daily) };
    assert_eq!(
        e.create_rule(&uid("admin"), without, T0()).unwrap_err(),
        NotifyError::RequestFrequencyRequired("a".into())
    );
    let err = e
        .create_rule(&uid("admin"), Rule { notify_recovered: true, ..access_rule("a", &[], Frequency::Daily) }, T0())
        .unwrap_err();
    assert_eq!(err, NotifyError::RecoveredNotAllowed { rule: "a".into(), rule_type: RuleType::AccessRequested });
    assert_eq!(err.to_string(), "access_requested rule \"a\" cannot send recovered notices");
    assert_eq!(e.to_json().unwrap(), before, "refusals change nothing");
    // Every app (unlike disconnect rules) or named apps, with a frequency: accepted.
    e.create_rule(&uid("admin"), access_rule("a", &[], Frequency::Weekly), T0()).unwrap();
    e.create_rule(&uid("admin"), access_rule("b", &["zoom"], Frequency::Monthly), T0()).unwrap();
    assert_eq!(e.notification_rules().len(), 2);
    let json = serde_json::to_value(e.notification_rules().rule(&"a".into()).unwrap()).unwrap();
    assert_eq!(json["type"], "access_requested");
}

#[test]
fn open_requests_survive_settling_and_the_snapshot_and_forged_reminders_are_refused() {
    let (mut e, asked, event) = requested();
    let day = asked + Duration::days(1);
    let due = e.due_notifications(day);
    e.record_deliveries(&due, day).unwrap();
    // One more event after the request so the log can settle past it, while it is open.
    let later = day + Duration::hours(1);
    e.request_access(&uid("bob"), &"slack".into(), None, String::new(), later).unwrap();
    e.settle_deliveries(later);
    assert_eq!(e.delivery_log().settled_before(), Some(later));
    let json = e.to_json().unwrap();
    let back = Engine::from_json(&json).unwrap();
    assert_eq!(back.to_json().unwrap(), json);
    let two_days = asked + Duration::days(2);
    assert_eq!(back.due_notifications(two_days), e.due_notifications(two_days));
    assert!(
        triggers(&back.due_notifications(two_days))
            .contains(&(two_days, Trigger::RequestReminder { requested: event, n: 2 })),
        "the settled log still knows mia's open request"
    );

    // A remembered reminder the engine could not have produced is refused on restore.
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let reminder = |due: DateTime<Utc>, n: u32| {
        serde_json::json!({
            "due_at": due.to_rfc3339(),
            "rule": "a",
            "trigger": {"kind": "request_reminder", "requested": event.0, "n": n},
        })
    };
    let expiry = asked + Duration::days(3);
    doc["deliveries"]["sent"] = serde_json::json!([reminder(two_days, 2)]);
    Engine::from_json(&doc.to_string()).unwrap();
    doc["deliveries"]["sent"] = serde_json::json!([reminder(expiry, 3)]);
    match Engine::from_json(&doc.to_string()).unwrap_err() {
        Error::Notify(NotifyError::ImpossibleNotice { reason, .. }) => {
            assert_eq!(reason, "it is due after its request expired");
        }
        other => panic!("unexpected {other:?}"),
    }
    doc["deliveries"]["sent"] = serde_json::json!([reminder(two_days + Duration::seconds(1), 2)]);
    assert!(matches!(
        Engine::from_json(&doc.to_string()).unwrap_err(),
        Error::Notify(NotifyError::ImpossibleNotice { .. })
    ));
}

//! Governance-alert deliveries through the delivery log (G4): an alert's notice is (rule,
//! policy, app, UTC day of its evaluation); the host records deliveries like the others, the
//! engine leaves out what was recorded, and the log survives a snapshot. Both sides of every
//! rule, with the snapshot unchanged after each refusal.

use chrono::{DateTime, Duration, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::governance::{Evidence, GovernanceDelivery, GovernanceMode};
use connected_apps::notify::GovernanceNotice;
use connected_apps::{
    Actor, Channel, Command, ErrorKind, Frequency, NotifyError, Recipients, Rule, RuleApps, RuleType, UserId,
};
use serde_json::{Value, json};

use crate::governance_alerts::{condition, engine, now, policy};

fn admin() -> UserId {
    "admin".into()
}

fn rule(id: &str, rule_type: RuleType, apps: RuleApps, frequency: Option<Frequency>) -> Rule {
    Rule {
        id: id.into(),
        name: id.into(),
        rule_type,
        apps,
        recipients: Recipients::SuperAdmins,
        channels: [Channel::Email, Channel::InApp].into(),
        frequency,
        notify_recovered: false,
    }
}

/// The governance fixture with a `governance_alert` rule for zoom and idle (both channels, to
/// the one active super admin), a disconnect rule, and an audit policy alerting on every app
/// that holds a scope.
fn alerting() -> Engine {
    let mut e = engine();
    let only = |apps: &[&str]| RuleApps::Only(apps.iter().map(|a| (*a).into()).collect());
    e.create_rule(&admin(), rule("gov", RuleType::GovernanceAlert, only(&["zoom", "idle"]), None), now()).unwrap();
    let down = rule("down", RuleType::AppDisconnected, only(&["zoom"]), Some(Frequency::Daily));
    e.create_rule(&admin(), down, now()).unwrap();
    let scopes = policy("scopes", GovernanceMode::Audit, vec![condition("scopes_held", Some(1))]);
    e.set_governance_policy(&admin(), scopes, now()).unwrap();
    e
}

fn due(e: &Engine, at: DateTime<Utc>) -> Vec<GovernanceDelivery> {
    let report = e.evaluate_governance(&Evidence::default(), at).unwrap();
    e.governance_notifications(&report.alerts)
}

fn apps(deliveries: &[GovernanceDelivery]) -> Vec<(&str, Channel)> {
    deliveries.iter().map(|d| (d.app.as_str(), d.channel)).collect()
}

#[test]
fn a_recorded_alert_is_not_delivered_again_that_day_and_is_delivered_again_the_next() {
    let mut e = alerting();
    let first = due(&e, now());
    let both = [("idle", Channel::Email), ("idle", Channel::InApp), ("zoom", Channel::Email), ("zoom", Channel::InApp)];
    assert_eq!(apps(&first), both);
    // Two notices (idle, zoom), four deliveries.
    assert_eq!(e.record_governance_deliveries(&first, now()).unwrap(), 2);
    let notices: Vec<&GovernanceNotice> = e.delivery_log().governance_notices().collect();
    assert_eq!(notices.len(), 2);
    assert_eq!(
        notices.first().map(|n| (n.day, n.rule.as_str(), n.app.as_str())),
        Some((now().date_naive(), "gov", "idle"))
    );
    // Evaluated again later the same UTC day: nothing new.
    let evening = now().date_naive().and_hms_opt(23, 59, 59).unwrap().and_utc();
    assert!(due(&e, now() + Duration::hours(5)).is_empty());
    assert!(due(&e, evening).is_empty());
    // The next day the conditions still hold: notified again.
    let tomorrow = evening + Duration::seconds(1);
    assert_eq!(apps(&due(&e, tomorrow)), both);
    // Recording only the zoom e-mail of tomorrow remembers zoom's notice, not idle's.
    let zoom: Vec<GovernanceDelivery> =
        due(&e, tomorrow).into_iter().filter(|d| d.app.as_str() == "zoom").take(1).collect();
    assert_eq!(e.record_governance_deliveries(&zoom, tomorrow).unwrap(), 1);
    assert_eq!(apps(&due(&e, tomorrow)), [("idle", Channel::Email), ("idle", Channel::InApp)]);
    // Governance rules never match log events.
    assert!(e.due_notifications(tomorrow).is_empty());
}

#[test]
fn a_recorded_delivery_is_accepted_until_the_end_of_its_day_and_refused_past_it() {
    let mut e = alerting();
    let first = due(&e, now());
    let evening = now().date_naive().and_hms_opt(23, 59, 59).unwrap().and_utc();
    let mut late = e.clone();
    assert_eq!(late.record_governance_deliveries(&first, evening).unwrap(), 2);
    let before = e.to_json().unwrap();
    for at in [evening + Duration::seconds(1), now() - Duration::seconds(1)] {
        let error = e.record_governance_deliveries(&first, at).unwrap_err();
        assert!(matches!(error, NotifyError::GovernanceNotDue { .. }), "{error}");
        assert_eq!(e.to_json().unwrap(), before);
    }
}

#[test]
fn bad_governance_deliveries_are_refused_and_change_nothing() {
    let mut e = alerting();
    let first = due(&e, now());
    let one = first.first().unwrap().clone();
    let before = e.to_json().unwrap();
    let refused = |e: &mut Engine, delivery: GovernanceDelivery| {
        // A valid delivery before it: all or nothing.
        let error = e.record_governance_deliveries(&[one.clone(), delivery], now()).unwrap_err();
        assert_eq!(e.to_json().unwrap(), before, "{error}");
        error
    };
    let error = refused(&mut e, GovernanceDelivery { rule: "ghost".into(), ..one.clone() });
    assert_eq!(error, NotifyError::UnknownRule("ghost".into()));
    assert_eq!(error.kind(), ErrorKind::NotFound);
    let error = refused(&mut e, GovernanceDelivery { rule: "down".into(), ..one.clone() });
    assert_eq!(error, NotifyError::NotGovernanceRule { rule: "down".into(), rule_type: RuleType::AppDisconnected });
    assert_eq!(error.to_string(), "rule \"down\" is a app_disconnected rule, not a governance_alert rule");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let forged = [
        GovernanceDelivery { recipient: "ann".into(), ..one.clone() },
        GovernanceDelivery { app: "gmail".into(), ..one.clone() },
        GovernanceDelivery { policy: "nope".into(), ..one.clone() },
        GovernanceDelivery { mode: GovernanceMode::Enforce, ..one.clone() },
        GovernanceDelivery { due_at: now() + Duration::seconds(1), ..one.clone() },
    ];
    for delivery in forged {
        let error = refused(&mut e, delivery);
        assert!(matches!(error, NotifyError::GovernanceNotDue { .. }), "{error}");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }
    // Twice: the notice is already remembered.
    assert_eq!(e.record_governance_deliveries(&first, now()).unwrap(), 2);
    let recorded = e.to_json().unwrap();
    let error = e.record_governance_deliveries(std::slice::from_ref(&one), now()).unwrap_err();
    assert_eq!(error, NotifyError::AlreadyDelivered(Box::new(one.notice())));
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(e.to_json().unwrap(), recorded);
    // A rule deleted since is unknown.
    e.delete_rule(&admin(), &"gov".into(), now()).unwrap();
    let deleted = e.to_json().unwrap();
    assert_eq!(e.record_governance_deliveries(&[one], now()), Err(NotifyError::UnknownRule("gov".into())));
    assert_eq!(e.to_json().unwrap(), deleted);
}

#[test]
fn governance_notices_round_trip_and_a_forged_one_is_refused_on_restore() {
    let mut e = alerting();
    let first = due(&e, now());
    e.record_governance_deliveries(&first, now()).unwrap();
    let text = e.to_json().unwrap();
    let restored = Engine::from_json(&text).unwrap();
    assert_eq!(restored.to_json().unwrap(), text);
    assert!(due(&restored, now()).is_empty());
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc["deliveries"]["governance"][1],
        json!({"day": "2026-11-02", "rule": "gov", "policy": "scopes", "app": "zoom"})
    );
    let forge = |notice: Value| {
        let mut doc = doc.clone();
        doc["deliveries"]["governance"] = json!([notice]);
        Engine::from_json(&doc.to_string()).unwrap_err()
    };
    let good = json!({"day": "2026-11-02", "rule": "gov", "policy": "scopes", "app": "zoom"});
    assert!(
        Engine::from_json(&{
            let mut d = doc.clone();
            d["deliveries"]["governance"] = json!([good]);
            d.to_string()
        })
        .is_ok()
    );
    let cases = [
        (json!({"day": "2026-11-02", "rule": "ghost", "policy": "scopes", "app": "zoom"}), "unknown rule \"ghost\""),
        (json!({"day": "2026-11-02", "rule": "down", "policy": "scopes", "app": "zoom"}), "no version of its rule"),
        (json!({"day": "2026-11-02", "rule": "gov", "policy": "scopes", "app": "gmail"}), "no version of its rule"),
        (json!({"day": "2026-11-02", "rule": "gov", "policy": "scopes", "app": "nope"}), "app the directory"),
        (json!({"day": "2026-11-01", "rule": "gov", "policy": "scopes", "app": "zoom"}), "before its rule was created"),
        (json!({"day": "2026-11-02", "rule": "gov", "policy": "other", "app": "zoom"}), "its policy was not set"),
    ];
    for (notice, message) in cases {
        let error = forge(notice.clone());
        assert!(error.to_string().contains(message), "{notice}: {error}");
    }
    let mut extra = doc.clone();
    extra["deliveries"]["governance"][0]["extra"] = json!(1);
    assert!(Engine::from_json(&extra.to_string()).is_err());
}

#[test]
fn settling_forgets_the_governance_notices_of_the_days_before() {
    let mut e = alerting();
    let first = due(&e, now());
    e.record_governance_deliveries(&first, now()).unwrap();
    // An event the next day lets the log settle there.
    let tomorrow = now() + Duration::days(1);
    e.execute(&Actor::System, Command::ReportActivity { app: "zoom".into(), user: None }, tomorrow).unwrap();
    e.settle_deliveries(now() + Duration::hours(1));
    assert_eq!(e.delivery_log().governance_notices().count(), 2, "today is not over at the settled instant");
    e.settle_deliveries(tomorrow);
    assert_eq!(e.delivery_log().governance_notices().count(), 0);
    // Yesterday's alerts count as handled; today's are due.
    assert!(due(&e, now()).is_empty());
    assert_eq!(due(&e, tomorrow).len(), 4);
    let text = e.to_json().unwrap();
    assert_eq!(Engine::from_json(&text).unwrap().to_json().unwrap(), text);
}

#[test]
fn an_old_snapshot_with_notifications_restores_and_saves_byte_for_byte() {
    let text = include_str!("../data/snapshot_with_notifications.json");
    let engine = Engine::from_json(text).unwrap();
    assert_eq!(engine.to_json().unwrap(), text);
    assert_eq!(engine.delivery_log().governance_notices().count(), 0);
}

#[test]
fn the_bundled_sample_raises_one_alert_from_its_state_and_sends_it_once() {
    let mut e = Engine::from_json(include_str!("../../../examples/data/sample_account.json")).unwrap();
    let now = e.events().last().unwrap().at;
    let report = e.evaluate_governance(&Evidence::default(), now).unwrap();
    let alerts: Vec<(&str, &str, Vec<u64>)> = report
        .alerts
        .iter()
        .map(|a| (a.policy.as_str(), a.app.as_str(), a.conditions.iter().map(|c| c.observed).collect()))
        .collect();
    assert_eq!(alerts, [("gmail-idle", "gmail", vec![113])]);
    assert!(report.disconnects.is_empty());
    // To the three active super admins, by e-mail; recorded, not again that day.
    let deliveries = e.governance_notifications(&report.alerts);
    let to: Vec<&str> = deliveries.iter().map(|d| d.recipient.as_str()).collect();
    assert_eq!(to, ["u01", "u02", "u03"]);
    assert!(deliveries.iter().all(|d| d.rule.as_str() == "governance-alerts" && d.channel == Channel::Email));
    assert_eq!(e.record_governance_deliveries(&deliveries, now).unwrap(), 1);
    assert!(e.governance_notifications(&report.alerts).is_empty());
}

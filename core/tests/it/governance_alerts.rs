//! Governance policies (G4), blast radius (X4) and least privilege (X6): both sides of every
//! rule, with the state and the snapshot unchanged after each refusal.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::governance::{
    BLAST_RADIUS_DAYS, Evidence, ExposureError, GovernanceCondition, GovernanceDisconnect, GovernanceMetric,
    GovernanceMode, GovernancePolicy, GovernancePolicyError, Severity,
};
use connected_apps::limits::{
    MAX_DAILY_CALLS, MAX_GOVERNANCE_POLICIES, MAX_POLICY_CONDITIONS, MAX_POLICY_SCOPES_HELD, MAX_POLICY_THRESHOLD,
    MAX_SHARE_THRESHOLD_PERCENT, MAX_WINDOW_DAYS,
};
use connected_apps::marketplace::{DataPrivacy, Resources, SharedData, SupportedBy};
use connected_apps::{
    Actor, AppLevel, Channel, Command, Directory, Distribution, EventKind, LifecycleError, Listing, Marketplace,
    Recipients, RecordAction, RecordAggregate, RecordEvent, RecordType, Rule, RuleApps, RuleType, SyncDirection,
    UsageHistory, UsageReport, UsageSettings, UsageSnapshot, WorkflowAction,
};

use crate::common::{account, app, t, user};

/// The instant evaluated: 2026-11-02 09:00 UTC.
pub fn now() -> DateTime<Utc> {
    t(0)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

pub fn directory() -> Directory {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, true, true)).unwrap();
    d.add_user(user("ann", false, true, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    d.add_user(user("old", true, true, false)).unwrap();
    let mut zoom = app("zoom", AppLevel::AccountLevel);
    zoom.workflow_actions = vec![
        WorkflowAction { id: "create-meeting".into(), name: "Create meeting".into() },
        WorkflowAction { id: "send-invite".into(), name: "Send invite".into() },
    ];
    d.add_app(zoom).unwrap();
    d.add_app(app("gmail", AppLevel::UserLevel)).unwrap();
    let shady =
        connected_apps::App { distribution: Distribution::OffMarketplace, ..app("shady", AppLevel::AccountLevel) };
    d.add_app(shady).unwrap();
    d.add_app(app("idle", AppLevel::AccountLevel)).unwrap();
    d
}

fn install(engine: &mut Engine, actor: &str, app: &str, scopes: &[&str], at: DateTime<Utc>) {
    let scopes = (!scopes.is_empty()).then(|| scopes.iter().map(|s| (*s).to_owned()).collect());
    let command = Command::Install { app: app.into(), scopes, expires_at: None, request_admin: None };
    engine.execute(&Actor::User(actor.into()), command, at).unwrap();
}

/// Zoom (all three scopes), Gmail for ann and admin, Shady (off-marketplace), Idle (never
/// active since its install 40 days ago); zoom active 3 days ago.
pub fn engine() -> Engine {
    let mut e = Engine::new(directory());
    install(&mut e, "admin", "idle", &[], now() - days(40));
    install(
        &mut e,
        "admin",
        "zoom",
        &["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.deals.read"],
        now() - days(20),
    );
    install(&mut e, "ann", "gmail", &[], now() - days(20) + Duration::hours(1));
    install(&mut e, "admin", "gmail", &[], now() - days(20) + Duration::hours(2));
    install(&mut e, "admin", "shady", &[], now() - days(10));
    e.execute(&Actor::System, Command::ReportActivity { app: "zoom".into(), user: None }, now() - days(3)).unwrap();
    e
}

fn record(at: DateTime<Utc>, app: &str, record_type: &str, action: RecordAction) -> RecordEvent {
    RecordEvent { at, app: app.into(), record_type: RecordType::parse(record_type).unwrap(), action }
}

/// Zoom deletes 10 contacts a day for 15 days, then 400 today (the X2 flag) and merges 5;
/// Gmail creates 3 contacts today.
pub fn records() -> RecordAggregate {
    let mut events = Vec::new();
    for d in 1..=15 {
        for _ in 0..10 {
            events.push(record(now() - days(d), "zoom", "contacts", RecordAction::Deleted));
        }
    }
    let today = now() - Duration::hours(1);
    events.extend((0..400).map(|_| record(today, "zoom", "contacts", RecordAction::Deleted)));
    events.extend((0..5).map(|_| record(today, "zoom", "contacts", RecordAction::Merged)));
    events.extend((0..3).map(|_| record(today, "gmail", "contacts", RecordAction::Created)));
    let mut aggregate = RecordAggregate::new();
    aggregate.ingest_all(&events).unwrap();
    aggregate
}

/// Zoom made 8,000 calls today and Gmail 100, against a reported limit of 10,000.
pub fn usage() -> UsageReport {
    let mut history = UsageHistory::new();
    for (app, calls) in [("zoom", 8_000), ("gmail", 100)] {
        let snapshot = UsageSnapshot {
            app: app.into(),
            at: now() - Duration::minutes(30),
            calls_today: calls,
            usage_limit: Some(10_000),
            resets_at: None,
        };
        history.record(&snapshot).unwrap();
    }
    history.report(&account(), &UsageSettings::default(), now()).unwrap()
}

pub fn marketplace_listing(app: &str, certified: bool, direction: SyncDirection) -> Listing {
    Listing {
        app: app.into(),
        name: app.to_uppercase(),
        provider: "Vendor".into(),
        tagline: String::new(),
        description: String::new(),
        total_installs: 0,
        categories: vec![],
        collections: vec![],
        features: vec![],
        requirements: Default::default(),
        resources: Resources {
            documentation: None,
            setup_guide: None,
            provider_contact: None,
            supported_by: SupportedBy::Provider,
        },
        data_privacy: DataPrivacy { platform_policy_applies: false, provider_policy: None },
        pricing: vec![],
        shared_data: vec![SharedData { object: "contacts".into(), direction }],
        languages: vec!["en".into()],
        certified,
        workflow_actions: vec![],
    }
}

/// Zoom shares contacts both ways (certified); Gmail only into the CRM; Idle's listing is not
/// certified.
pub fn marketplace() -> Marketplace {
    Marketplace::new(vec![
        marketplace_listing("zoom", true, SyncDirection::TwoWay),
        marketplace_listing("gmail", true, SyncDirection::IntoCrm),
        marketplace_listing("idle", false, SyncDirection::IntoCrm),
    ])
    .unwrap()
}

pub fn condition(metric: &str, at_least: Option<u64>) -> GovernanceCondition {
    GovernanceCondition { metric: metric.into(), at_least, scope: None }
}

pub fn policy(id: &str, mode: GovernanceMode, conditions: Vec<GovernanceCondition>) -> GovernancePolicy {
    GovernancePolicy {
        id: id.into(),
        name: format!("Policy {id}"),
        severity: Severity::High,
        conditions,
        mode,
        apps: RuleApps::All,
    }
}

fn admin() -> connected_apps::UserId {
    "admin".into()
}

/// The observed values of `metric` per app (apps whose one-condition policy alerts).
fn alerted(engine: &mut Engine, condition: GovernanceCondition) -> Vec<(String, u64)> {
    let p = policy("p", GovernanceMode::Audit, vec![condition]);
    engine.set_governance_policy(&admin(), p, now()).unwrap();
    let (records, usage, market) = (records(), usage(), marketplace());
    let evidence =
        Evidence { records: Some(&records), insights_settings: None, usage: Some(&usage), marketplace: Some(&market) };
    let report = engine.evaluate_governance(&evidence, now()).unwrap();
    report.alerts.iter().map(|a| (a.app.0.clone(), a.conditions[0].observed)).collect()
}

#[test]
fn each_numeric_metric_alerts_at_its_threshold_and_not_one_below() {
    type Case<'a> = (&'a str, u64, &'a [(&'a str, u64)]);
    let cases: [Case<'_>; 6] = [
        ("api_calls_per_day", 8_000, &[("zoom", 8_000)]),
        ("api_share_of_limit_percent", 80, &[("zoom", 80)]),
        ("records_deleted_per_day", 400, &[("zoom", 400)]),
        ("records_merged_per_day", 5, &[("zoom", 5)]),
        ("scopes_held", 3, &[("zoom", 3)]),
        ("days_since_last_activity", 40, &[("idle", 40)]),
    ];
    for (metric, threshold, expected) in cases {
        let mut e = engine();
        let got = alerted(&mut e, condition(metric, Some(threshold)));
        let expected: Vec<(String, u64)> = expected.iter().map(|(a, v)| ((*a).to_owned(), *v)).collect();
        assert_eq!(got, expected, "{metric} at {threshold}");
        let mut e = engine();
        let got = alerted(&mut e, condition(metric, Some(threshold + 1)));
        assert!(got.iter().all(|(app, _)| !expected.iter().any(|(a, _)| a == app)), "{metric} above: {got:?}");
    }
}

#[test]
fn yes_no_metrics_alert_on_the_apps_they_describe_only() {
    let cases: [(&str, &[&str]); 3] = [
        ("destructive_change", &["zoom"]),
        ("publisher_not_certified", &["idle", "shady"]),
        ("shares_data_outward", &["zoom"]),
    ];
    for (metric, apps) in cases {
        let mut e = engine();
        let got = alerted(&mut e, condition(metric, None));
        let expected: Vec<(String, u64)> = apps.iter().map(|a| ((*a).to_owned(), 1)).collect();
        assert_eq!(got, expected, "{metric}");
    }
    let mut e = engine();
    let holds = GovernanceCondition {
        metric: "holds_scope".into(),
        at_least: None,
        scope: Some("crm.objects.deals.read".into()),
    };
    assert_eq!(alerted(&mut e, holds), [("zoom".to_owned(), 1)]);
}

#[test]
fn conditions_combine_with_and_and_the_alert_lists_every_observed_value() {
    let mut e = engine();
    let p = GovernancePolicy {
        apps: RuleApps::Only(["zoom".into(), "gmail".into()].into()),
        ..policy(
            "mass-delete",
            GovernanceMode::Audit,
            vec![condition("records_deleted_per_day", Some(100)), condition("api_calls_per_day", Some(50))],
        )
    };
    e.set_governance_policy(&admin(), p, now()).unwrap();
    let (records, usage) = (records(), usage());
    let evidence = Evidence { records: Some(&records), usage: Some(&usage), ..Evidence::default() };
    let report = e.evaluate_governance(&evidence, now()).unwrap();
    // Gmail makes 100 calls but deletes nothing: one condition is not enough.
    assert_eq!(report.alerts.len(), 1);
    let alert = &report.alerts[0];
    assert_eq!((alert.app.as_str(), alert.policy.as_str(), alert.severity), ("zoom", "mass-delete", Severity::High));
    let observed: Vec<u64> = alert.conditions.iter().map(|c| c.observed).collect();
    assert_eq!(observed, [400, 8_000]);
    assert!(report.disconnects.is_empty(), "audit disconnects nothing");
    // Without evidence, the record and API metrics observe nothing.
    assert!(e.evaluate_governance(&Evidence::default(), now()).unwrap().alerts.is_empty());
}

#[test]
fn enforce_disconnects_as_system_events_and_audit_logs_nothing() {
    let mut e = engine();
    let audit = policy("audit-gmail", GovernanceMode::Audit, vec![condition("api_calls_per_day", Some(100))]);
    e.set_governance_policy(&admin(), audit, now()).unwrap();
    let (records, usage) = (records(), usage());
    let evidence = Evidence { records: Some(&records), usage: Some(&usage), ..Evidence::default() };
    let before = e.events().len();
    let outcome = e.apply_governance(&evidence, now()).unwrap();
    assert_eq!(outcome.report.alerts.len(), 2, "zoom and gmail reach 100 calls");
    assert!(outcome.events.is_empty());
    assert_eq!(e.events().len(), before);

    // Gmail's two connections: ann's is disconnected already and stays as it is.
    e.execute(&Actor::User("ann".into()), Command::Disconnect { app: "gmail".into(), user: None }, now()).unwrap();
    let enforce = policy("calls", GovernanceMode::Enforce, vec![condition("api_calls_per_day", Some(100))]);
    e.set_governance_policy(&admin(), enforce, now()).unwrap();
    let before = e.events().len();
    let outcome = e.apply_governance(&evidence, now()).unwrap();
    let expected = vec![
        GovernanceDisconnect { app: "gmail".into(), user: Some("admin".into()) },
        GovernanceDisconnect { app: "zoom".into(), user: None },
    ];
    assert_eq!(outcome.report.disconnects, expected);
    assert_eq!(outcome.events.len(), 2);
    assert_eq!(e.events().len(), before + 2);
    for (event, d) in e.events().iter().skip(before).zip(&expected) {
        assert_eq!((event.actor, event.app, event.user), (None, &d.app, d.user.as_ref()));
        assert!(matches!(event.kind, EventKind::Disconnected));
    }
    // Evaluated again, the alerts stand but nothing is left to disconnect.
    let again = e.apply_governance(&evidence, now()).unwrap();
    assert_eq!(again.report.alerts.len(), 4);
    assert!(again.events.is_empty());
}

#[test]
fn enforcement_before_the_newest_event_is_refused_and_changes_nothing() {
    let mut e = engine();
    let enforce = policy("calls", GovernanceMode::Enforce, vec![condition("scopes_held", Some(1))]);
    e.set_governance_policy(&admin(), enforce, now()).unwrap();
    let json = e.to_json().unwrap();
    let late = e.apply_governance(&Evidence::default(), now() - days(4));
    assert!(matches!(late, Err(GovernancePolicyError::Lifecycle(_))), "{late:?}");
    assert_eq!(e.to_json().unwrap(), json);
    // At the newest event's instant it goes through.
    assert_eq!(e.apply_governance(&Evidence::default(), now() - days(3)).unwrap().events.len(), 5);
}

fn refused(policy: GovernancePolicy) -> GovernancePolicyError {
    let mut e = engine();
    let json = e.to_json().unwrap();
    let err = e.set_governance_policy(&admin(), policy, now()).unwrap_err();
    assert_eq!(e.to_json().unwrap(), json, "a refusal changes nothing");
    assert_eq!(e.governance_policies().policies().len(), 0);
    err
}

fn accepted(policy: GovernancePolicy) {
    let mut e = engine();
    e.set_governance_policy(&admin(), policy, now()).unwrap();
    assert_eq!(e.governance_policies().policies().len(), 1);
}

#[test]
fn thresholds_are_accepted_at_their_bounds_and_refused_past_them() {
    let bounds = [
        ("api_calls_per_day", MAX_DAILY_CALLS),
        ("api_share_of_limit_percent", u64::from(MAX_SHARE_THRESHOLD_PERCENT)),
        ("records_deleted_per_day", MAX_POLICY_THRESHOLD),
        ("records_merged_per_day", MAX_POLICY_THRESHOLD),
        ("scopes_held", MAX_POLICY_SCOPES_HELD),
        ("days_since_last_activity", u64::from(MAX_WINDOW_DAYS)),
    ];
    for (metric, max) in bounds {
        let m = GovernanceMetric::parse(metric).unwrap();
        assert_eq!(m.bounds(), Some((1, max)));
        for ok in [1, max] {
            accepted(policy("p", GovernanceMode::Audit, vec![condition(metric, Some(ok))]));
        }
        for bad in [0, max + 1] {
            let err = refused(policy("p", GovernanceMode::Audit, vec![condition(metric, Some(bad))]));
            assert_eq!(
                err,
                GovernancePolicyError::ThresholdOutOfRange { policy: "p".into(), metric: m, value: bad, min: 1, max }
            );
            assert_eq!(err.kind(), connected_apps::ErrorKind::InvalidInput);
        }
        let err = refused(policy("p", GovernanceMode::Audit, vec![condition(metric, None)]));
        assert_eq!(err, GovernancePolicyError::ThresholdRequired { policy: "p".into(), metric: m });
    }
}

#[test]
fn malformed_conditions_are_refused_with_typed_errors() {
    let err = refused(policy("p", GovernanceMode::Audit, vec![condition("api_calls_per_week", Some(5))]));
    assert_eq!(err, GovernancePolicyError::UnknownMetric { policy: "p".into(), metric: "api_calls_per_week".into() });
    assert_eq!(err.to_string(), "policy \"p\" names unknown metric \"api_calls_per_week\"");
    let err = refused(policy("p", GovernanceMode::Audit, vec![condition("destructive_change", Some(1))]));
    assert_eq!(
        err,
        GovernancePolicyError::NotAllowed {
            policy: "p".into(),
            metric: GovernanceMetric::DestructiveChange,
            field: "at_least"
        }
    );
    let with_scope =
        GovernanceCondition { scope: Some("crm.objects.deals.read".into()), ..condition("scopes_held", Some(2)) };
    assert!(matches!(
        refused(policy("p", GovernanceMode::Audit, vec![with_scope])),
        GovernancePolicyError::NotAllowed { field: "scope", .. }
    ));
    for scope in [None, Some("Not A Scope".to_owned())] {
        let holds = GovernanceCondition { metric: "holds_scope".into(), at_least: None, scope };
        assert!(matches!(
            refused(policy("p", GovernanceMode::Audit, vec![holds])),
            GovernancePolicyError::InvalidScope { .. }
        ));
    }
    assert_eq!(refused(policy("p", GovernanceMode::Audit, vec![])), GovernancePolicyError::NoConditions("p".into()));
    let many = |n: usize| vec![condition("publisher_not_certified", None); n];
    accepted(policy("p", GovernanceMode::Audit, many(MAX_POLICY_CONDITIONS)));
    assert_eq!(
        refused(policy("p", GovernanceMode::Audit, many(MAX_POLICY_CONDITIONS + 1))),
        GovernancePolicyError::TooManyConditions {
            policy: "p".into(),
            count: MAX_POLICY_CONDITIONS + 1,
            max: MAX_POLICY_CONDITIONS
        }
    );
    let ok = || policy("p", GovernanceMode::Audit, many(1));
    assert_eq!(refused(GovernancePolicy { id: " ".into(), ..ok() }), GovernancePolicyError::EmptyPolicyId);
    assert_eq!(refused(GovernancePolicy { name: String::new(), ..ok() }), GovernancePolicyError::EmptyName("p".into()));
    assert_eq!(
        refused(GovernancePolicy { apps: RuleApps::Only(BTreeSet::new()), ..ok() }),
        GovernancePolicyError::NoApps("p".into())
    );
    let unknown = GovernancePolicy { apps: RuleApps::Only(["zoom".into(), "nope".into()].into()), ..ok() };
    assert_eq!(refused(unknown), GovernancePolicyError::UnknownApp("nope".into()));
    accepted(GovernancePolicy { apps: RuleApps::Only(["zoom".into()].into()), ..ok() });
}

#[test]
fn only_active_super_admins_change_policies_and_the_count_is_bounded() {
    let mut e = engine();
    let p = || policy("p", GovernanceMode::Enforce, vec![condition("publisher_not_certified", None)]);
    let json = e.to_json().unwrap();
    for (who, expected) in [
        ("ann", GovernancePolicyError::NotSuperAdmin("ann".into())),
        ("old", GovernancePolicyError::InactiveActor("old".into())),
        ("ghost", GovernancePolicyError::UnknownUser("ghost".into())),
    ] {
        assert_eq!(e.set_governance_policy(&who.into(), p(), now()), Err(expected.clone()));
        assert_eq!(
            expected.kind(),
            if who == "ghost" {
                connected_apps::ErrorKind::NotFound
            } else {
                connected_apps::ErrorKind::PermissionDenied
            }
        );
    }
    assert_eq!(e.to_json().unwrap(), json);
    e.set_governance_policy(&admin(), p(), now()).unwrap();
    let json = e.to_json().unwrap();
    assert_eq!(
        e.remove_governance_policy(&"ann".into(), &"p".into(), now()),
        Err(GovernancePolicyError::NotSuperAdmin("ann".into()))
    );
    assert_eq!(
        e.remove_governance_policy(&admin(), &"q".into(), now()),
        Err(GovernancePolicyError::UnknownPolicy("q".into()))
    );
    let older = e.set_governance_policy(&admin(), p(), now() - Duration::seconds(1));
    assert!(matches!(older, Err(GovernancePolicyError::OutOfOrder { .. })));
    assert_eq!(e.to_json().unwrap(), json);
    e.remove_governance_policy(&admin(), &"p".into(), now()).unwrap();
    assert_eq!(e.governance_policies().policies().len(), 0);
    assert_eq!(e.governance_policies().events().len(), 2, "every change is logged");

    for i in 0..MAX_GOVERNANCE_POLICIES {
        e.set_governance_policy(&admin(), GovernancePolicy { id: format!("p{i:03}").into(), ..p() }, now()).unwrap();
    }
    // Replacing one at the limit is fine; one more is refused.
    e.set_governance_policy(&admin(), GovernancePolicy { id: "p000".into(), severity: Severity::Low, ..p() }, now())
        .unwrap();
    let json = e.to_json().unwrap();
    let err = e.set_governance_policy(&admin(), GovernancePolicy { id: "extra".into(), ..p() }, now()).unwrap_err();
    assert_eq!(
        err,
        GovernancePolicyError::TooManyPolicies {
            policy: "extra".into(),
            count: MAX_GOVERNANCE_POLICIES + 1,
            max: MAX_GOVERNANCE_POLICIES
        }
    );
    assert_eq!(e.to_json().unwrap(), json);
}

#[test]
fn policies_round_trip_through_the_snapshot_and_a_bad_one_is_refused_on_restore() {
    let mut e = engine();
    e.set_governance_policy(
        &admin(),
        policy("a", GovernanceMode::Audit, vec![condition("scopes_held", Some(2))]),
        now(),
    )
    .unwrap();
    e.set_governance_policy(
        &admin(),
        policy("b", GovernanceMode::Enforce, vec![condition("destructive_change", None)]),
        now(),
    )
    .unwrap();
    e.remove_governance_policy(&admin(), &"a".into(), now()).unwrap();
    let json = e.to_json().unwrap();
    let restored = Engine::from_json(&json).unwrap();
    assert_eq!(restored.governance_policies(), e.governance_policies());
    assert_eq!(restored.to_json().unwrap(), json);
    // A snapshot whose policy names an unknown metric is refused with the typed error.
    let bad = json.replace("\"destructive_change\"", "\"destructive_changes\"");
    let err = Engine::from_json(&bad).unwrap_err();
    assert!(
        matches!(err, connected_apps::Error::GovernancePolicy(GovernancePolicyError::UnknownMetric { .. })),
        "{err:?}"
    );
    assert_eq!(err.kind(), connected_apps::ErrorKind::InvalidInput);
}

#[test]
fn governance_alert_rules_deliver_alerts_for_the_apps_they_cover_from_their_creation() {
    let mut e = engine();
    let rule = |id: &str, apps: RuleApps| Rule {
        id: id.into(),
        name: id.into(),
        rule_type: RuleType::GovernanceAlert,
        apps,
        recipients: Recipients::SuperAdmins,
        channels: [Channel::Email, Channel::InApp].into(),
        frequency: None,
        notify_recovered: false,
    };
    e.create_rule(&admin(), rule("zoom-only", RuleApps::Only(["zoom".into()].into())), now()).unwrap();
    e.create_rule(&admin(), rule("later", RuleApps::All), now() + Duration::seconds(1)).unwrap();
    // A governance rule takes no reminder frequency.
    let with_frequency = Rule { frequency: Some(connected_apps::Frequency::Daily), ..rule("f", RuleApps::All) };
    assert!(e.create_rule(&admin(), with_frequency, now() + Duration::seconds(1)).is_err());
    e.set_governance_policy(
        &admin(),
        policy("calls", GovernanceMode::Audit, vec![condition("scopes_held", Some(1))]),
        now(),
    )
    .unwrap();
    let report = e.evaluate_governance(&Evidence::default(), now()).unwrap();
    assert_eq!(report.alerts.len(), 4);
    let deliveries = e.governance_notifications(&report.alerts);
    // Only zoom's alert, only by the rule in force at the alert's instant, to the one active
    // super admin through both channels.
    let got: Vec<(&str, &str, &str, Channel)> =
        deliveries.iter().map(|d| (d.rule.as_str(), d.app.as_str(), d.recipient.as_str(), d.channel)).collect();
    assert_eq!(got, [("zoom-only", "zoom", "admin", Channel::Email), ("zoom-only", "zoom", "admin", Channel::InApp)]);
    // Governance rules never match log events.
    assert!(e.due_notifications(now()).is_empty());
}

#[test]
fn the_blast_radius_counts_workflows_records_users_and_rules() {
    let mut e = engine();
    let rule = Rule {
        id: "zoom-down".into(),
        name: "Zoom down".into(),
        rule_type: RuleType::AppDisconnected,
        apps: RuleApps::Only(["zoom".into()].into()),
        recipients: Recipients::SuperAdmins,
        channels: [Channel::Email].into(),
        frequency: Some(connected_apps::Frequency::Daily),
        notify_recovered: false,
    };
    e.create_rule(&admin(), rule, now()).unwrap();
    let every = Rule {
        id: "all".into(),
        rule_type: RuleType::AppInstalled,
        apps: RuleApps::All,
        frequency: None,
        ..e.notification_rules().rule(&"zoom-down".into()).unwrap().clone()
    };
    e.create_rule(&admin(), every, now()).unwrap();
    let records = records();
    let radius = e.blast_radius(&"zoom".into(), Some(&records), None, now()).unwrap();
    assert_eq!(radius.workflow_actions.len(), 2);
    // 15 days × 10 deletes + 400 today, and 5 merges, all in the last 30 days.
    let touches: Vec<(&str, RecordAction, u64)> =
        radius.records.iter().map(|r| (r.record_type.as_str(), r.action, r.count)).collect();
    assert_eq!(touches, [("contacts", RecordAction::Deleted, 550), ("contacts", RecordAction::Merged, 5)]);
    assert_eq!(radius.records_total, 555);
    assert_eq!(radius.users, ["admin".into()] as [connected_apps::UserId; 1]);
    assert_eq!(radius.rules, ["zoom-down".into()] as [connected_apps::RuleId; 1]);
    assert_eq!((radius.records_to - radius.records_from).num_days(), i64::from(BLAST_RADIUS_DAYS) - 1);
    assert_eq!(
        radius.confirmation_prompt(),
        "Uninstalling ZOOM removes 2 workflow actions and affects 1 user and 1 notification rule; it touched 555 \
         records in the last 30 days. Type \"uninstall\" to confirm."
    );
    // 15 days later the window starts the day after the first deletes (15 days back).
    let later = e.blast_radius(&"zoom".into(), Some(&records), None, now() + days(15)).unwrap();
    assert_eq!(later.records_total, 555 - 10);

    let gmail = e.blast_radius(&"gmail".into(), None, None, now()).unwrap();
    assert_eq!(gmail.users, ["admin".into(), "ann".into()] as [connected_apps::UserId; 2]);
    assert!(gmail.records.is_empty() && gmail.rules.is_empty() && gmail.workflow_actions.is_empty());

    let json = e.to_json().unwrap();
    assert_eq!(e.blast_radius(&"nope".into(), None, None, now()), Err(ExposureError::UnknownApp("nope".into())));
    assert_eq!(e.to_json().unwrap(), json);
    // Disconnected, its workflow actions are already gone.
    e.execute(&Actor::User("admin".into()), Command::Disconnect { app: "zoom".into(), user: None }, now()).unwrap();
    assert!(e.blast_radius(&"zoom".into(), None, None, now()).unwrap().workflow_actions.is_empty());
}

#[test]
fn least_privilege_lists_unexercised_scopes_and_the_reauthentication_that_drops_them() {
    let mut e = engine();
    let records = records();
    let views = e.least_privilege(Some(&records), None, 30, now()).unwrap();
    let zoom = views.iter().find(|v| v.app.as_str() == "zoom").unwrap();
    assert_eq!(zoom.exercised, ["crm.objects.contacts.read", "crm.objects.contacts.write"]);
    assert_eq!(zoom.unused, ["crm.objects.deals.read"]);
    assert_eq!(zoom.droppable, ["crm.objects.deals.read"]);
    let reauth = zoom.reauthenticate.clone().unwrap();
    let expected: BTreeSet<String> =
        ["crm.objects.contacts.read", "crm.objects.contacts.write"].iter().map(|s| (*s).to_owned()).collect();
    let deals: BTreeSet<String> = ["crm.objects.deals.read".to_owned()].into();
    assert_eq!(
        reauth,
        Command::Reauthenticate {
            app: "zoom".into(),
            user: None,
            scopes: Some(expected.clone()),
            expires_at: None,
            dropped: deals.clone(),
        }
    );
    // Executed, the offer narrows the grant to granted minus droppable, logged with its payload.
    e.execute(&Actor::User("admin".into()), reauth, now()).unwrap();
    let key = connected_apps::ConnectionKey { app: "zoom".into(), user: None };
    assert_eq!(e.state().connection(&key).unwrap().granted_scopes, expected);
    let last = e.events().last().unwrap().to_event();
    assert_eq!(last.kind, EventKind::Reauthenticated { scopes: expected.clone(), expires_at: None, dropped: deals });
    // Re-run: nothing is droppable any more, and no reauthentication is offered.
    let after = e.least_privilege(Some(&records), None, 30, now()).unwrap();
    let zoom_after = after.iter().find(|v| v.app.as_str() == "zoom").unwrap();
    assert_eq!(zoom_after.granted, ["crm.objects.contacts.read", "crm.objects.contacts.write"]);
    assert!(zoom_after.droppable.is_empty() && zoom_after.reauthenticate.is_none());
    // The narrowed grant and the event's dropped list survive a snapshot, byte for byte.
    let json = e.to_json().unwrap();
    assert!(json.contains("\"dropped\": [\n          \"crm.objects.deals.read\"\n        ]"), "{json}");
    let restored = Engine::from_json(&json).unwrap();
    assert_eq!(restored.to_json().unwrap(), json);
    assert_eq!(restored.state().connection(&key).unwrap().granted_scopes, expected);
    assert_eq!(restored.verify(), e.verify());

    // Idle touched nothing: its required scope is unused but not droppable, so no reauth.
    let idle = views.iter().find(|v| v.app.as_str() == "idle").unwrap();
    assert_eq!(
        (idle.unused.as_slice(), idle.droppable.as_slice()),
        (["crm.objects.contacts.read".to_owned()].as_slice(), [].as_slice())
    );
    assert!(idle.reauthenticate.is_none());
    // Gmail's records are the app's: both users' connections exercised contacts.
    let gmail: Vec<_> = views.iter().filter(|v| v.app.as_str() == "gmail").collect();
    assert_eq!(gmail.len(), 2);
    assert!(gmail.iter().all(|v| v.exercised == ["crm.objects.contacts.read"] && v.user.is_some()));

    // Window bounds: 1 and the maximum are accepted, 0 and one past refused.
    for ok in [1, MAX_WINDOW_DAYS] {
        assert!(e.least_privilege(Some(&records), None, ok, now()).is_ok());
    }
    // One day back, yesterday's deletes are outside a one-day window... but today's are in it.
    let one = e.least_privilege(Some(&records), None, 1, now()).unwrap();
    assert!(one.iter().any(|v| v.app.as_str() == "zoom" && v.exercised.len() == 2));
    for bad in [0, MAX_WINDOW_DAYS + 1] {
        assert_eq!(
            e.least_privilege(Some(&records), None, bad, now()),
            Err(ExposureError::WindowOutOfRange { days: bad, max: MAX_WINDOW_DAYS })
        );
    }
}

/// A reauthentication of zoom (contacts read required, contacts write conditionally required,
/// deals read optional; all three granted) dropping `dropped` and granting `scopes`.
fn drop_scopes(scopes: &[&str], dropped: &[&str]) -> Command {
    Command::Reauthenticate {
        app: "zoom".into(),
        user: None,
        scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
        expires_at: None,
        dropped: dropped.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn a_reauthentication_drops_only_granted_scopes_the_app_does_not_require() {
    let mut e = engine();
    let admin = Actor::User("admin".into());
    let before = e.to_json().unwrap();
    let refusals = [
        // Required by the app's current version.
        (drop_scopes(&[], &["crm.objects.contacts.read"]), "crm.objects.contacts.read", "the app requires it"),
        // Also granted by the same reauthentication.
        (
            drop_scopes(&["crm.objects.deals.read"], &["crm.objects.deals.read"]),
            "crm.objects.deals.read",
            "it is also granted by the same reauthentication",
        ),
    ];
    for (command, scope, reason) in refusals {
        let error = e.execute(&admin, command, now()).unwrap_err();
        assert_eq!(
            error,
            LifecycleError::CannotDropScope { app: "zoom".into(), scope: scope.into(), reason },
            "{scope}"
        );
        assert_eq!(error.kind(), connected_apps::ErrorKind::InvalidInput);
        assert_eq!(e.to_json().unwrap(), before, "nothing appended");
    }
    // Conditionally required is not required: dropping it (and the optional deals) is accepted.
    e.execute(&admin, drop_scopes(&[], &["crm.objects.contacts.write", "crm.objects.deals.read"]), now()).unwrap();
    let key = connected_apps::ConnectionKey { app: "zoom".into(), user: None };
    let granted: Vec<&str> = e.state().connection(&key).unwrap().granted_scopes.iter().map(String::as_str).collect();
    assert_eq!(granted, ["crm.objects.contacts.read"]);
    // Dropping it again: no longer granted.
    let after = e.to_json().unwrap();
    let error = e.execute(&admin, drop_scopes(&[], &["crm.objects.deals.read"]), now()).unwrap_err();
    assert_eq!(error.to_string(), "app \"zoom\" cannot drop scope \"crm.objects.deals.read\": it is not granted");
    assert_eq!(e.to_json().unwrap(), after);
    // Granting one back while dropping nothing is the old reauthentication.
    e.execute(&admin, drop_scopes(&["crm.objects.deals.read"], &[]), now()).unwrap();
    let granted: Vec<&str> = e.state().connection(&key).unwrap().granted_scopes.iter().map(String::as_str).collect();
    assert_eq!(granted, ["crm.objects.contacts.read", "crm.objects.deals.read"]);
}

#[test]
fn unobservable_and_custom_object_scopes_follow_the_documented_mapping() {
    let mut d = directory();
    let scopes = ["crm.objects.custom.read", "crm.schemas.contacts.read", "oauth", "crm.objects.deals.write"];
    let custom = connected_apps::App {
        scopes: scopes
            .iter()
            .map(|s| connected_apps::ScopeDecl {
                name: (*s).into(),
                requirement: connected_apps::ScopeRequirement::Optional,
                requires: None,
            })
            .collect(),
        ..app("custom", AppLevel::AccountLevel)
    };
    d.add_app(custom).unwrap();
    let mut e = Engine::new(d);
    install(&mut e, "admin", "custom", &scopes, now() - days(2));
    let mut aggregate = RecordAggregate::new();
    aggregate.ingest(&record(now() - days(1), "custom", "2-123", RecordAction::Updated)).unwrap();
    let view = e.least_privilege(Some(&aggregate), None, 30, now()).unwrap();
    let v = &view[0];
    assert_eq!(v.exercised, ["crm.objects.custom.read"]);
    assert_eq!(v.unused, ["crm.objects.deals.write"]);
    assert_eq!(v.unobservable, ["crm.schemas.contacts.read", "oauth"]);
}

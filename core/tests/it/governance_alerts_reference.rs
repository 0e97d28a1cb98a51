//! Governance evaluation (G4) against the naive reference on generated accounts: connections,
//! record counts, API calls, listings and policies.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use connected_apps::governance::{
    Evidence, GovernanceCondition, GovernanceMode, GovernancePolicy, Severity, evaluate_policies,
};
use connected_apps::{
    Actor, AppLevel, Command, Directory, Distribution, Engine, Marketplace, RecordAction, RecordAggregate, RecordEvent,
    RecordType, RuleApps, SyncDirection, UsageHistory, UsageSettings, UsageSnapshot,
};
use proptest::prelude::*;

use crate::common::{account, app, user};
use crate::governance_alerts::marketplace_listing;
use crate::reference::governance_alerts::{RefApp, RefCondition, RefConnection, RefPolicy, reference_governance};

const USERS: [&str; 3] = ["admin", "ann", "bob"];
const SCOPES: [&str; 3] = ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.deals.read"];
const TYPES: [&str; 2] = ["contacts", "deals"];
const METRICS: [&str; 10] = [
    "api_calls_per_day",
    "api_share_of_limit_percent",
    "records_deleted_per_day",
    "records_merged_per_day",
    "destructive_change",
    "scopes_held",
    "holds_scope",
    "days_since_last_activity",
    "publisher_not_certified",
    "shares_data_outward",
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

fn connection() -> impl Strategy<Value = RefConnection> {
    (0u8..4, 1i64..60 * 86_400, proptest::option::of(0.0f64..1.0), any::<bool>(), prop::bool::weighted(0.15)).prop_map(
        |(extra, installed, active, disconnected, uninstalled)| {
            let mut scopes: BTreeSet<String> = [SCOPES[0].to_owned()].into();
            for (i, s) in SCOPES.iter().enumerate().skip(1) {
                if extra & (1 << (i - 1)) != 0 {
                    scopes.insert((*s).to_owned());
                }
            }
            // Activity strictly between the install and two hours before now.
            let installed_secs_ago = installed + 3 * 3600;
            let active_secs_ago = active.map(|f| 3 * 3600 + ((installed as f64) * f) as i64);
            RefConnection { user: None, scopes, installed_secs_ago, active_secs_ago, disconnected, uninstalled }
        },
    )
}

fn series() -> impl Strategy<Value = [u64; 15]> {
    (0u64..20, 0u64..4, prop_oneof![3 => 0u64..30, 1 => 0u64..300]).prop_map(|(base, wobble, today)| {
        let mut s = [0; 15];
        for (i, v) in s.iter_mut().enumerate().take(14) {
            *v = base + (i as u64 * 7 % 5) * wobble;
        }
        s[14] = today;
        s
    })
}

fn app_spec(i: usize) -> impl Strategy<Value = (RefApp, bool)> {
    let listing = proptest::option::of((any::<bool>(), any::<bool>()));
    (
        any::<bool>(),
        prop::bool::weighted(0.25),
        listing,
        proptest::collection::vec(connection(), 1..=3),
        prop_oneof![0u64..200, 0u64..20_000],
        proptest::collection::btree_map(0..TYPES.len(), series(), 0..=2),
        proptest::collection::btree_map(0..TYPES.len(), series(), 0..=1),
    )
        .prop_map(move |(user_level, off, listing, mut connections, calls, deletes, merges)| {
            if user_level {
                for (k, c) in connections.iter_mut().enumerate() {
                    c.user = Some(USERS[k].to_owned());
                }
            } else {
                connections.truncate(1);
            }
            let name = |m: BTreeMap<usize, [u64; 15]>| m.into_iter().map(|(k, v)| (TYPES[k].to_owned(), v)).collect();
            let app = RefApp {
                id: format!("app{i}"),
                off_marketplace: off,
                listing,
                connections,
                calls,
                deletes: name(deletes),
                merges: name(merges),
            };
            (app, user_level)
        })
}

fn condition() -> impl Strategy<Value = RefCondition> {
    (0..METRICS.len(), 0u64..6, 0..SCOPES.len()).prop_map(|(m, k, s)| {
        let metric = METRICS[m];
        let at_least = match metric {
            "api_calls_per_day" => Some([1, 50, 100, 5_000, 8_000, 15_000][k as usize]),
            "api_share_of_limit_percent" => Some([1, 2, 10, 50, 80, 150][k as usize]),
            "records_deleted_per_day" | "records_merged_per_day" => Some([1, 10, 25, 60, 100, 250][k as usize]),
            "scopes_held" => Some(k.clamp(1, 4)),
            "days_since_last_activity" => Some([1, 2, 7, 20, 30, 59][k as usize]),
            _ => None,
        };
        let scope = (metric == "holds_scope").then(|| SCOPES[s].to_owned());
        RefCondition { metric: metric.to_owned(), at_least, scope }
    })
}

fn policies(apps: usize) -> impl Strategy<Value = Vec<RefPolicy>> {
    proptest::collection::vec(
        (
            any::<bool>(),
            proptest::option::of(proptest::collection::btree_set(0..apps, 1..=apps)),
            proptest::collection::vec(condition(), 1..=3),
        ),
        1..=4,
    )
    .prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (enforce, apps, conditions))| RefPolicy {
                id: format!("p{i}"),
                enforce,
                apps: apps.map(|s| s.into_iter().map(|a| format!("app{a}")).collect()),
                conditions,
            })
            .collect()
    })
}

fn scenario() -> impl Strategy<Value = (Vec<(RefApp, bool)>, u64, Vec<RefPolicy>)> {
    (1usize..=5).prop_flat_map(|n| {
        let apps: Vec<_> = (0..n).map(app_spec).collect();
        (apps, prop_oneof![Just(10_000u64), 1u64..20_000], policies(n))
    })
}

fn build(apps: &[(RefApp, bool)]) -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, true, true)).unwrap();
    d.add_user(user("ann", false, true, true)).unwrap();
    d.add_user(user("bob", false, true, true)).unwrap();
    for (spec, user_level) in apps {
        let level = if *user_level { AppLevel::UserLevel } else { AppLevel::AccountLevel };
        let distribution = if spec.off_marketplace { Distribution::OffMarketplace } else { Distribution::Marketplace };
        d.add_app(connected_apps::App { distribution, ..app(&spec.id, level) }).unwrap();
    }
    let mut steps: Vec<(DateTime<Utc>, Actor, Command)> = Vec::new();
    for (spec, _) in apps {
        for c in &spec.connections {
            let actor = Actor::User(c.user.clone().unwrap_or_else(|| "admin".to_owned()).into());
            let app = || spec.id.as_str().into();
            let install =
                Command::Install { app: app(), scopes: Some(c.scopes.clone()), expires_at: None, request_admin: None };
            steps.push((now() - Duration::seconds(c.installed_secs_ago), actor.clone(), install));
            if let Some(ago) = c.active_secs_ago {
                let activity = Command::ReportActivity { app: app(), user: c.user.clone().map(Into::into) };
                steps.push((now() - Duration::seconds(ago), Actor::System, activity));
            }
            if c.disconnected {
                let disconnect = Command::Disconnect { app: app(), user: None };
                steps.push((now() - Duration::hours(2), actor.clone(), disconnect));
            }
            if c.uninstalled {
                let uninstall = Command::Uninstall { app: app(), user: None, confirmation: "uninstall".into() };
                steps.push((now() - Duration::hours(1), actor, uninstall));
            }
        }
    }
    steps.sort_by_key(|(at, _, _)| *at);
    let mut engine = Engine::new(d);
    for (at, actor, command) in steps {
        engine.execute(&actor, command, at).unwrap();
    }
    engine
}

fn records(apps: &[(RefApp, bool)]) -> RecordAggregate {
    let mut events = Vec::new();
    for (spec, _) in apps {
        for (series, action) in [(&spec.deletes, RecordAction::Deleted), (&spec.merges, RecordAction::Merged)] {
            for (record_type, days) in series {
                for (i, count) in days.iter().enumerate() {
                    let at = now() - Duration::days(14 - i as i64) - Duration::hours(1);
                    let event = RecordEvent {
                        at,
                        app: spec.id.as_str().into(),
                        record_type: RecordType::parse(record_type).unwrap(),
                        action,
                    };
                    events.extend(std::iter::repeat_n(event, *count as usize));
                }
            }
        }
    }
    let mut aggregate = RecordAggregate::new();
    aggregate.ingest_all(&events).unwrap();
    aggregate
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn governance_evaluation_matches_the_naive_reference((apps, limit, ref_policies) in scenario()) {
        let engine = build(&apps);
        let aggregate = records(&apps);
        let mut history = UsageHistory::new();
        for (spec, _) in &apps {
            let snapshot = UsageSnapshot {
                app: spec.id.as_str().into(),
                at: now() - Duration::minutes(30),
                calls_today: spec.calls,
                usage_limit: Some(limit),
                resets_at: None,
            };
            history.record(&snapshot).unwrap();
        }
        let usage = history.report(&account(), &UsageSettings::default(), now()).unwrap();
        let listings = apps
            .iter()
            .filter_map(|(spec, _)| spec.listing.map(|(certified, out)| {
                let direction = if out { SyncDirection::OutOfCrm } else { SyncDirection::IntoCrm };
                marketplace_listing(&spec.id, certified, direction)
            }))
            .collect();
        let market = Marketplace::new(listings).unwrap();
        let policies: Vec<GovernancePolicy> = ref_policies
            .iter()
            .map(|p| GovernancePolicy {
                id: p.id.as_str().into(),
                name: p.id.clone(),
                severity: Severity::Medium,
                conditions: p
                    .conditions
                    .iter()
                    .map(|c| GovernanceCondition { metric: c.metric.clone(), at_least: c.at_least, scope: c.scope.clone() })
                    .collect(),
                mode: if p.enforce { GovernanceMode::Enforce } else { GovernanceMode::Audit },
                apps: p.apps.as_ref().map_or(RuleApps::All, |a| RuleApps::Only(a.iter().map(|s| s.as_str().into()).collect())),
            })
            .collect();
        for p in &policies {
            p.validate(engine.directory()).unwrap();
        }
        let evidence = Evidence { records: Some(&aggregate), insights_settings: None, usage: Some(&usage), marketplace: Some(&market) };
        let report = evaluate_policies(engine.directory(), engine.state(), &policies, &evidence, now()).unwrap();
        let specs: Vec<RefApp> = apps.iter().map(|(a, _)| a.clone()).collect();
        let (alerts, disconnects) = reference_governance(&specs, limit, &ref_policies);
        let got: Vec<(String, String, Vec<u64>)> = report
            .alerts
            .iter()
            .map(|a| (a.policy.0.clone(), a.app.0.clone(), a.conditions.iter().map(|c| c.observed).collect()))
            .collect();
        prop_assert_eq!(got, alerts);
        let got: Vec<(String, Option<String>)> =
            report.disconnects.iter().map(|d| (d.app.0.clone(), d.user.as_ref().map(|u| u.0.clone()))).collect();
        prop_assert_eq!(got, disconnects);
        // Deterministic: the same inputs give the same report.
        prop_assert_eq!(evaluate_policies(engine.directory(), engine.state(), &policies, &evidence, now()).unwrap(), report);
    }
}

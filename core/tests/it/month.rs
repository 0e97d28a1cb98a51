//! A month of the platform for one account, end to end (issue 12 §5): the payloads written by
//! `tests/data/month/generate.py` (webhook batches with retries and out-of-order deliveries,
//! journal pages, security activity, an audit log, daily API usage) run through every importer
//! into an engine, a record aggregate and a usage history; the views, insights and usage must be
//! what the generator's independent oracle computed (`expected.json`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use connected_apps::import::{
    import_audit_logs, import_security_activity, ingest_journal, ingest_webhooks, usage_snapshots_from_daily_usage,
};
use connected_apps::{
    Engine, Grouping, ImportReport, InsightsQuery, InsightsSettings, RecordAggregate, UsageHistory, UsageSettings,
    UserId, connections_home,
};
use serde_json::{Value, json};

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/month/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn z(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The month's fixtures and the three things they are imported into.
struct Month {
    expected: Value,
    now: DateTime<Utc>,
    payloads: BTreeMap<String, Vec<String>>,
    engine: Engine,
    aggregate: RecordAggregate,
    history: UsageHistory,
}

impl Month {
    fn load() -> Self {
        let expected: Value = serde_json::from_str(&read("expected.json")).unwrap();
        let now = expected["now"].as_str().unwrap().parse().unwrap();
        let payloads = expected["files"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(kind, file)| (kind.clone(), read(file.as_str().unwrap()).lines().map(str::to_owned).collect()))
            .collect();
        let engine = Engine::from_json(&read("directory.json")).unwrap();
        Self { expected, now, payloads, engine, aggregate: RecordAggregate::new(), history: UsageHistory::new() }
    }

    /// Runs one step through its importer.
    fn run(&mut self, kind: &str, line: usize) -> ImportReport {
        let body = &self.payloads[kind][line];
        match kind {
            "webhooks" => ingest_webhooks(&mut self.aggregate, body).unwrap(),
            "journal" => ingest_journal(&mut self.aggregate, body).unwrap(),
            "security" => import_security_activity(&mut self.engine, body).unwrap(),
            "audit" => import_audit_logs(&mut self.engine, body).unwrap(),
            "usage" => {
                let imported = usage_snapshots_from_daily_usage(body).unwrap();
                self.history.record_all(&imported.items).unwrap();
                imported.report
            }
            other => panic!("unknown step kind {other}"),
        }
    }

    /// Every step in order, each report checked against the oracle's.
    fn run_all(&mut self) {
        let steps = self.expected["steps"].as_array().unwrap().clone();
        for (i, step) in steps.iter().enumerate() {
            let (kind, line) = (step["kind"].as_str().unwrap(), step["line"].as_u64().unwrap() as usize);
            let report = self.run(kind, line);
            assert_eq!(serde_json::to_value(&report).unwrap(), step["report"], "step {i}: {kind} line {line}");
        }
    }

    fn engine_view(&self) -> Value {
        let mut connections: Vec<Value> = self
            .engine
            .state()
            .connections()
            .map(|c| json!({"app": c.key.app, "user": c.key.user, "state": c.state_at(self.now)}))
            .collect();
        connections.sort_by_key(|c| (c["app"].to_string(), c["user"].as_str().unwrap_or("").to_owned()));
        let viewer = UserId(self.expected["viewer"].as_str().unwrap().to_owned());
        let home = connections_home(&self.engine, &viewer, self.now).unwrap();
        json!({
            "log_len": self.engine.events().len(),
            "connections": connections,
            "home": {
                "viewer": home.viewer,
                "needs_attention": home.needs_attention.iter().map(|a| json!({
                    "app": a.app, "user": a.user, "state": a.state, "since": z(a.since), "action": a.action,
                })).collect::<Vec<_>>(),
                "my_apps": home.my_apps.iter().map(|r| json!({
                    "app": r.app, "status": r.status, "installed_at": z(r.installed_at),
                    "installed_by": r.installed_by, "connections": r.connections,
                })).collect::<Vec<_>>(),
                "other_users_apps": home.other_users_apps.iter().map(|r| json!({
                    "app": r.app, "connections": r.connections, "users": r.users,
                })).collect::<Vec<_>>(),
                "summary": home.summary,
            },
        })
    }

    fn insights_view(&self) -> Value {
        let spec = &self.expected["insights"];
        let query = InsightsQuery {
            as_of: spec["as_of"].as_str().unwrap().parse::<NaiveDate>().unwrap(),
            include_incomplete_day: spec["include_incomplete_day"].as_bool().unwrap(),
            app: None,
            record_type: None,
            group_by: Grouping { app: true, record_type: true, action: true },
        };
        let settings =
            InsightsSettings { window_days: spec["window_days"].as_u64().unwrap() as u32, ..Default::default() };
        let insights = self.aggregate.insights(&settings, &query, self.now).unwrap();
        json!({
            "as_of": insights.as_of,
            "include_incomplete_day": insights.incomplete_day_included,
            "window_days": insights.days.len(),
            "days": insights.days,
            "rows": insights.rows,
        })
    }

    fn usage_view(&self) -> Value {
        let report =
            self.history.report(self.engine.directory().account(), &UsageSettings::default(), self.now).unwrap();
        json!({
            "today": report.today,
            "tier_limit": report.limits.daily,
            "limit": report.limit,
            "reported_limit": report.reported_limit,
            "limit_differs": report.limit_differs,
            "resets_at": z(report.resets_at),
            "reported_resets_at": report.reported_resets_at.map(z),
            "reset_differs": report.reset_differs,
            "calls_today": report.calls_today,
            "thresholds_crossed": report.thresholds_crossed,
            "days": report
                .days
                .iter()
                .map(|d| json!({"day": d.day, "calls": d.calls, "limit": d.limit}))
                .collect::<Vec<_>>(),
            "per_app": report.per_app,
            "trend": {"last_7_days": report.trend.last_7_days, "previous_7_days": report.trend.previous_7_days},
        })
    }

    fn check_views(&self) {
        assert_eq!(self.engine_view(), self.expected["engine"], "engine");
        assert_eq!(self.insights_view(), self.expected["insights"], "record insights");
        assert_eq!(self.usage_view(), self.expected["usage"], "usage");
    }
}

#[test]
fn the_fixtures_are_a_month_of_thousands_of_deliveries() {
    let month = Month::load();
    let webhook_events: usize =
        month.payloads["webhooks"].iter().map(|body| serde_json::from_str::<Vec<Value>>(body).unwrap().len()).sum();
    assert_eq!(webhook_events as u64, month.expected["totals"]["webhook_events"].as_u64().unwrap());
    assert!(webhook_events >= 1000, "{webhook_events} webhook events");
    let steps = month.expected["steps"].as_array().unwrap();
    let total = |kind: &str, field: &str| -> u64 {
        steps.iter().filter(|s| s["kind"] == kind).map(|s| s["report"][field].as_u64().unwrap()).sum()
    };
    // The month exercises every rule: retries, late batches, repeat updates, failed fetches,
    // refused and unresolved security items.
    assert!(total("webhooks", "duplicates") > 0 && total("webhooks", "expired") > 0);
    assert!(total("webhooks", "repeat_updates") > 0 && total("journal", "duplicates") > 0);
    let skipped = |kind: &str| steps.iter().filter(|s| s["kind"] == kind).any(|s| s["report"]["skipped"] != json!({}));
    let unresolved =
        |kind: &str| steps.iter().filter(|s| s["kind"] == kind).any(|s| s["report"]["unresolved_actors"] != json!({}));
    assert!(skipped("security") && skipped("audit") && unresolved("security") && unresolved("audit"));
    assert!(total("usage", "read") > total("usage", "imported"));
}

#[test]
fn a_month_through_every_importer_gives_the_oracles_views_insights_and_usage() {
    let mut month = Month::load();
    month.run_all();
    month.check_views();
}

#[test]
fn the_month_restored_from_snapshots_gives_the_same_views() {
    let mut month = Month::load();
    month.run_all();
    month.engine = Engine::from_json(&month.engine.to_json().unwrap()).unwrap();
    month.aggregate = RecordAggregate::from_json(&month.aggregate.to_json()).unwrap();
    month.history = UsageHistory::from_json(&month.history.to_json().unwrap()).unwrap();
    month.check_views();
}

#[test]
fn replaying_the_whole_month_again_counts_nothing_twice() {
    let mut month = Month::load();
    month.run_all();
    let (aggregate, events, history) =
        (month.aggregate.to_json(), month.engine.events().len(), month.history.to_json().unwrap());
    let steps = month.expected["steps"].as_array().unwrap().clone();
    for step in &steps {
        let (kind, line) = (step["kind"].as_str().unwrap(), step["line"].as_u64().unwrap() as usize);
        let report = month.run(kind, line);
        // Record deliveries are now duplicates or older than the horizon; security and audit
        // items are in the log or refused as before. Usage readings replace themselves (same
        // app and instant), so the history is unchanged too.
        if kind != "usage" {
            assert_eq!(report.imported, 0, "{kind} line {line}: {report:?}");
        }
    }
    assert_eq!(month.aggregate.to_json(), aggregate);
    assert_eq!(month.engine.events().len(), events);
    assert_eq!(month.history.to_json().unwrap(), history);
    month.check_views();
}

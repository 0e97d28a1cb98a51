//! Governance (issue 15): the access-request queue (G2), one user's connection inventory (G3),
//! the connections that violate the approval policy (G1), the sample's governance alert and its
//! deliveries, the governance policies' alerts in audit and enforce mode (G4), one blast radius
//! (X4) and the least-privilege view (X6) on the bundled sample account.
//!
//! `cargo run -p connected-apps-examples --example governance [-- <snapshot.json>]`
//!
//! "Now" is the newest logged event (the core never reads the clock). The sample's own
//! governance policy is evaluated first on its state alone: it raises one alert, which its
//! `governance_alert` rule delivers to the super admins; the deliveries are recorded (on a copy)
//! and are then not due again that day. The sample holds no record events, so a small synthetic
//! record history is made next: the first connected app deletes a few contacts a day, then
//! hundreds today. Two more policies are set by the first active super admin (unless the
//! snapshot has them): an audit policy on idle apps and an enforce policy on mass deletion; the
//! enforce one is evaluated on a copy, so the sample is left as it was.

use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use connected_apps::governance::{
    Evidence, GovernanceAlert, GovernanceCondition, GovernanceMode, GovernancePolicy, GovernancePolicyError, Severity,
};
use connected_apps::{
    AccountEngine, AppId, Engine, RecordAction, RecordAggregate, RecordEvent, RecordType, RuleApps, UserId,
};
use connected_apps_examples::{SAMPLE_MARKETPLACE, exit, load_account_engine, read};

fn condition(metric: &str, at_least: Option<u64>) -> GovernanceCondition {
    GovernanceCondition { metric: metric.into(), at_least, scope: None }
}

fn sample_policies() -> Vec<GovernancePolicy> {
    vec![
        GovernancePolicy {
            id: "idle-uncertified".into(),
            name: "Uncertified and idle for a month".into(),
            severity: Severity::Low,
            conditions: vec![
                condition("publisher_not_certified", None),
                condition("days_since_last_activity", Some(30)),
            ],
            mode: GovernanceMode::Audit,
            apps: RuleApps::All,
        },
        GovernancePolicy {
            id: "mass-delete".into(),
            name: "Mass deletion".into(),
            severity: Severity::Critical,
            conditions: vec![condition("records_deleted_per_day", Some(200)), condition("destructive_change", None)],
            mode: GovernanceMode::Enforce,
            apps: RuleApps::All,
        },
    ]
}

/// Eight contacts deleted a day by `app` for two weeks, then 300 today.
fn sample_records(app: &AppId, now: DateTime<Utc>) -> Result<RecordAggregate, String> {
    let contacts = RecordType::parse("contacts").map_err(|e| e.to_string())?;
    let event = |at| RecordEvent { at, app: app.clone(), record_type: contacts.clone(), action: RecordAction::Deleted };
    let mut events = Vec::new();
    for day in 1..=14 {
        events.extend(std::iter::repeat_n(event(now - Duration::days(day)), 8));
    }
    events.extend(std::iter::repeat_n(event(now - Duration::minutes(5)), 300));
    let mut aggregate = RecordAggregate::new();
    aggregate.ingest_all(&events).map_err(|e| e.to_string())?;
    Ok(aggregate)
}

/// Prints the open access requests at `now`, most wanted app first (G2).
fn access_queue(engine: &Engine, now: DateTime<Utc>) {
    let queue = engine.access_queue(now);
    let open: usize = queue.iter().map(|q| q.requests.len()).sum();
    println!("Access requests at {now}: {open} open for {} apps", queue.len());
    for app in &queue {
        println!("  {} ({}): {} requester(s), oldest {}", app.app_name, app.app, app.requesters, app.oldest_request_at);
        for r in &app.requests {
            let reason = if r.reason.is_empty() { "no reason given" } else { r.reason.as_str() };
            println!("    {} ({}) \"{reason}\" — expires {}", r.requester_name, r.requester, r.expires_at);
        }
    }
}

/// Prints the inventory (G3) of the user with the most connections (the first by id on a tie).
fn inventory(engine: &Engine, now: DateTime<Utc>) -> Result<(), String> {
    let mut best: Option<(usize, UserId)> = None;
    for user in engine.directory().users() {
        let n = engine.user_inventory(&user.id, now).map_err(|e| e.to_string())?.connections.len();
        if best.as_ref().is_none_or(|(most, _)| n > *most) {
            best = Some((n, user.id.clone()));
        }
    }
    let (_, user) = best.ok_or("no user")?;
    let inventory = engine.user_inventory(&user, now).map_err(|e| e.to_string())?;
    let name = engine.directory().user(&user).map_or("", |u| u.name.as_str());
    println!("\nInventory of {name} ({user}): {} connections", inventory.connections.len());
    for item in &inventory.connections {
        let uses = item.usage.as_ref().map_or_else(
            || "never used".to_owned(),
            |u| format!("{} uses, {} to {}", u.uses, u.first_use_at.date_naive(), u.last_use_at.date_naive()),
        );
        let scopes: Vec<&str> = item.scopes.iter().map(String::as_str).collect();
        println!(
            "  {} ({:?}) since {}: {uses}; scopes {}",
            item.app_name,
            item.state,
            item.installed_at.date_naive(),
            scopes.join(", ")
        );
    }
    Ok(())
}

/// Prints the connections the approval policy no longer allows (G1): listed, never disconnected.
fn violations(engine: &Engine, now: DateTime<Utc>) {
    let found = engine.policy_violations(now);
    println!("\nPolicy violations: {}", found.len());
    for v in &found {
        let user = v.user.as_ref().map(|u| format!(" (policy of {u})")).unwrap_or_default();
        let rule = v.decision.level.as_ref().map(|l| format!(" by the {l}")).unwrap_or_default();
        let off =
            if v.scopes_off.is_empty() { String::new() } else { format!("; scopes off: {}", v.scopes_off.join(", ")) };
        println!("  {}{user}: {}{rule}{off}", v.connection.app, v.decision.approval);
    }
}

/// Prints one alert.
fn print_alert(alert: &GovernanceAlert) {
    let observed: Vec<String> =
        alert.conditions.iter().map(|c| format!("{} = {}", c.condition.metric, c.observed)).collect();
    println!(
        "  [{:?}/{:?}] {} on {}: {}",
        alert.severity,
        alert.mode,
        alert.policy_name,
        alert.app,
        observed.join(", ")
    );
}

/// Prints the alerts of the snapshot's own policies at `now` on its state alone (G4), their
/// deliveries through the `governance_alert` rules, and records those on a copy: they are not
/// due again that day.
fn stored_alerts(engine: &AccountEngine, now: DateTime<Utc>) -> Result<(), String> {
    let report = engine.evaluate_governance(&Evidence::default(), now).map_err(|e| e.to_string())?;
    println!(
        "\nStored policy alerts at {now} (state alone, {} policies): {}",
        engine.governance_policies().policies().len(),
        report.alerts.len()
    );
    report.alerts.iter().for_each(print_alert);
    let deliveries = engine.governance_notifications(&report.alerts);
    println!("Governance deliveries: {}", deliveries.len());
    for d in &deliveries {
        println!("  {} → {} by {:?}: {} on {}", d.rule, d.recipient, d.channel, d.policy, d.app);
    }
    let mut copy = engine.clone();
    let recorded = copy.record_governance_deliveries(&deliveries, now).map_err(|e| e.to_string())?;
    println!(
        "Recorded {recorded} governance notices; due again now: {} deliveries.",
        copy.governance_notifications(&report.alerts).len()
    );
    Ok(())
}

/// Prints the alerts of the engine's policies at `now`, then applies them on a copy.
fn governance_alerts(engine: &AccountEngine, evidence: &Evidence<'_>, now: DateTime<Utc>) -> Result<(), String> {
    let mut engine = engine.clone();
    let text = |e: GovernancePolicyError| e.to_string();
    let admin = engine.directory().active_super_admins().next().map(|u| u.id.clone()).ok_or("no super admin")?;
    for policy in sample_policies() {
        if engine.governance_policies().policy(&policy.id).is_none() {
            engine.set_governance_policy(&admin, policy, now).map_err(text)?;
        }
    }
    let outcome = engine.apply_governance(evidence, now).map_err(text)?;
    println!("\nGovernance alerts at {now} ({} policies)", engine.governance_policies().policies().len());
    outcome.report.alerts.iter().for_each(print_alert);
    for (d, id) in outcome.report.disconnects.iter().zip(&outcome.events) {
        let user = d.user.as_ref().map(|u| format!(" for {u}")).unwrap_or_default();
        println!("  enforced: {}{user} disconnected by the system (event {id})", d.app);
    }
    Ok(())
}

/// Prints the blast radius of uninstalling `app` at `now`.
fn blast_radius(
    engine: &AccountEngine,
    app: &AppId,
    records: &RecordAggregate,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let radius = engine.blast_radius(app, Some(records), None, now).map_err(|e| e.to_string())?;
    println!("\nBlast radius of uninstalling {} ({})", radius.app_name, radius.app);
    let actions: Vec<&str> = radius.workflow_actions.iter().map(|a| a.name.as_str()).collect();
    println!("  workflow actions: {}", if actions.is_empty() { "none".to_owned() } else { actions.join(", ") });
    for touch in &radius.records {
        println!("  {} {} {} since {}", touch.count, touch.record_type, touch.action, radius.records_from);
    }
    let users: Vec<&str> = radius.users.iter().map(|u| u.as_str()).collect();
    println!("  users: {}", users.join(", "));
    println!("  notification rules naming it: {}", radius.rules.len());
    println!("  {}", radius.confirmation_prompt());
    Ok(())
}

/// Prints the scopes granted but never exercised in the last 30 days.
fn least_privilege(engine: &Engine, records: &RecordAggregate, now: DateTime<Utc>) -> Result<(), String> {
    let views = engine.least_privilege(Some(records), None, 30, now).map_err(|e| e.to_string())?;
    let unused: Vec<_> = views.iter().filter(|v| !v.unused.is_empty()).collect();
    println!("\nLeast privilege (last 30 days): {} of {} connections hold unused scopes", unused.len(), views.len());
    for view in unused.iter().take(8) {
        let user = view.user.as_ref().map(|u| format!(" ({u})")).unwrap_or_default();
        let drop = if view.droppable.is_empty() { "none (required)".to_owned() } else { view.droppable.join(", ") };
        println!("  {}{user}: unused {}; droppable {drop}", view.app, view.unused.join(", "));
    }
    Ok(())
}

fn run(path: Option<&str>) -> Result<(), String> {
    let engine = load_account_engine(path)?;
    let now = engine.events().last().map(|e| e.at).ok_or("the snapshot has no events")?;
    let marketplace = connected_apps::Marketplace::from_json(&read(SAMPLE_MARKETPLACE)?).map_err(|e| e.to_string())?;
    let app =
        engine.state().connections().find(|c| c.is_installed()).map(|c| c.key.app.clone()).ok_or("no installed app")?;
    let records = sample_records(&app, now)?;
    let evidence = Evidence { records: Some(&records), marketplace: Some(&marketplace), ..Evidence::default() };
    access_queue(&engine, now);
    inventory(&engine, now)?;
    violations(&engine, now);
    stored_alerts(&engine, now)?;
    governance_alerts(&engine, &evidence, now)?;
    blast_radius(&engine, &app, &records, now)?;
    least_privilege(&engine, &records, now)
}

fn main() -> ExitCode {
    let path = std::env::args().nth(1);
    exit(run(path.as_deref()))
}

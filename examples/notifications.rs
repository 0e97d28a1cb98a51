//! Notification rules (N1–N4, X1, X5): prints the rules, a dry-run timeline of the last 30 days,
//! then what is due now, and shows that recording the deliveries makes them not due again.
//!
//! `cargo run -p connected-apps-examples --example notifications [-- <snapshot.json>]`
//!
//! With no argument it loads the bundled sample account. If the snapshot carries no rules, three
//! sample rules are created by the first active super admin, as if set up 30 days before the
//! newest logged event ("now": the core never reads the clock).

use std::collections::BTreeMap;
use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::notify::{NoticeKey, Trigger};
use connected_apps::{AppId, Channel, Delivery, Frequency, Recipients, Rule, RuleApps, RuleType, UserId};

fn sample_rules(engine: &Engine) -> Vec<Rule> {
    let directory = engine.directory();
    let every_app = directory.apps().map(|a| a.id.clone()).collect();
    let team = directory.teams().next().map(|t| t.id.clone());
    let admin = directory.active_super_admins().next().map(|u| u.id.clone());
    vec![
        Rule {
            id: "new-apps".into(),
            name: "New app installed".into(),
            rule_type: RuleType::AppInstalled,
            apps: RuleApps::All,
            recipients: Recipients::SuperAdmins,
            channels: [Channel::Email, Channel::InApp].into(),
            frequency: None,
            notify_recovered: false,
        },
        Rule {
            id: "disconnected".into(),
            name: "Integration disconnected".into(),
            rule_type: RuleType::AppDisconnected,
            apps: RuleApps::Only(every_app),
            recipients: Recipients::Specific {
                users: admin.into_iter().collect(),
                teams: team.clone().into_iter().collect(),
            },
            channels: [Channel::Email].into(),
            frequency: Some(Frequency::Daily),
            notify_recovered: true,
        },
        Rule {
            id: "removed".into(),
            name: "App uninstalled".into(),
            rule_type: RuleType::AppUninstalled,
            apps: RuleApps::All,
            recipients: team.map_or(Recipients::Everyone, |t| Recipients::Specific {
                users: Default::default(),
                teams: [t].into(),
            }),
            channels: [Channel::InApp].into(),
            frequency: None,
            notify_recovered: false,
        },
    ]
}

fn describe(rule: &Rule) -> String {
    let apps = match &rule.apps {
        RuleApps::All => "all apps".to_string(),
        RuleApps::Only(apps) if apps.len() > 4 => format!("{} apps", apps.len()),
        RuleApps::Only(apps) => apps.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
    };
    let recipients = match &rule.recipients {
        Recipients::SuperAdmins => "super admins".to_string(),
        Recipients::Everyone => "everyone".to_string(),
        Recipients::Specific { users, teams } => {
            let names: Vec<String> =
                users.iter().map(ToString::to_string).chain(teams.iter().map(|t| format!("team {t}"))).collect();
            names.join(", ")
        }
    };
    let channels: Vec<&str> = rule.channels.iter().map(|c| channel_name(*c)).collect();
    let reminders = rule.frequency.map(|f| format!(", reminders {f:?}").to_lowercase()).unwrap_or_default();
    let recovered = if rule.notify_recovered { ", recovered notice" } else { "" };
    format!(
        "{} [{}] on {apps} → {recipients} by {}{reminders}{recovered}",
        rule.name,
        rule.rule_type,
        channels.join("+")
    )
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::InApp => "in-app",
    }
}

fn trigger(t: &Trigger) -> String {
    match t {
        Trigger::Installed { event } => format!("installed (event {event})"),
        Trigger::Uninstalled { event } => format!("uninstalled (event {event})"),
        Trigger::Disconnected { event } => format!("disconnected (event {event})"),
        Trigger::Reminder { n, .. } => format!("still disconnected, reminder #{n}"),
        Trigger::Recovered { event, .. } => format!("recovered (event {event})"),
        Trigger::AccessRequested { event } => format!("access requested (event {event})"),
        Trigger::RequestReminder { n, .. } => format!("request still open, reminder #{n}"),
    }
}

/// The deliveries of one notice.
#[derive(Default)]
struct Grouped<'a> {
    app: Option<&'a AppId>,
    people: Vec<&'a UserId>,
    channels: Vec<Channel>,
}

/// One line per notice: when, which rule, what, and to how many people by which channels.
fn print_notices(engine: &Engine, deliveries: &[Delivery], limit: usize) {
    let mut notices: BTreeMap<NoticeKey, Grouped<'_>> = BTreeMap::new();
    for d in deliveries {
        let entry = notices.entry(d.notice()).or_default();
        entry.app = Some(&d.app);
        if entry.people.last() != Some(&&d.recipient) {
            entry.people.push(&d.recipient);
        }
        if !entry.channels.contains(&d.channel) {
            entry.channels.push(d.channel);
        }
    }
    let rules = engine.notification_rules();
    for (key, group) in notices.iter().take(limit) {
        let name = rules.rule(&key.rule).map_or(key.rule.as_str(), |r| r.name.as_str());
        println!(
            "  {}  {name:<26} {:<18} {:<34} → {} people ({})",
            key.due_at.format("%Y-%m-%d %H:%M"),
            group.app.map(AppId::as_str).unwrap_or_default(),
            trigger(&key.trigger),
            group.people.len(),
            group.channels.iter().map(|c| channel_name(*c)).collect::<Vec<_>>().join("+")
        );
    }
    if notices.len() > limit {
        println!("  … and {} more notices", notices.len() - limit);
    }
}

fn run() -> Result<(), String> {
    let mut engine = connected_apps_examples::load_account_engine(std::env::args().nth(1).as_deref())?;
    let now = engine.events().last().map_or_else(DateTime::<Utc>::default, |e| e.at);
    let window_start = now - Duration::days(30);

    // The sample holds only a governance-alert rule (G4, see the governance example): add the
    // sample rules unless the account has rules of the other types.
    if engine.notification_rules().rules().all(|r| r.rule_type == RuleType::GovernanceAlert) {
        let admin = engine.directory().active_super_admins().next().map(|u| u.id.clone());
        let admin = admin.ok_or("the account has no active super admin to create rules")?;
        for rule in sample_rules(&engine) {
            engine.create_rule(&admin, rule, window_start).map_err(|e| e.to_string())?;
        }
    }

    println!("Notification rules ({}):", engine.notification_rules().len());
    for rule in engine.notification_rules().rules() {
        println!("  - {}", describe(rule));
    }

    let rules: Vec<Rule> = engine.notification_rules().rules().cloned().collect();
    let timeline = engine.dry_run_notifications(&rules, window_start, now).map_err(|e| e.to_string())?;
    println!();
    println!(
        "Dry run, {} → {} ({} deliveries):",
        window_start.format("%Y-%m-%d"),
        now.format("%Y-%m-%d %H:%M"),
        timeline.len()
    );
    print_notices(&engine, &timeline, 40);

    let due = engine.due_notifications(now);
    println!();
    println!("Due now, {now} ({} deliveries):", due.len());
    print_notices(&engine, &due, 40);
    let recorded = engine.record_deliveries(&due, now).map_err(|e| e.to_string())?;
    println!();
    println!(
        "Recorded {recorded} notices in the delivery log; due again now: {} deliveries.",
        engine.due_notifications(now).len()
    );
    Ok(())
}

fn main() -> ExitCode {
    connected_apps_examples::exit(run())
}

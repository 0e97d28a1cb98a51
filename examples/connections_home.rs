//! The main job: prints the Connections home and one app's overview for a snapshot.
//!
//! `cargo run -p connected-apps-examples --example connections_home [-- <snapshot.json> [<viewer id> [<app id>]]] [--html <report.html>]`
//!
//! With no argument it loads the bundled sample account. With `--html PATH` it also writes the
//! account's HTML report as of the same instant to PATH (with the sample record events and API
//! usage of the `insights` example): `cargo run -p connected-apps-examples --example
//! connections_home -- --html report.html`, then open `report.html` in a browser. The views are computed as of the
//! newest logged event (the core never reads the clock; a host passes its own `now`).

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use connected_apps::views::{AppLogFilter, AttentionItem};
use connected_apps::{AppId, UserId, app_overview, connections_home};

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "—".to_string(), |v| v.to_string())
}

fn print_attention(items: &[AttentionItem]) {
    for item in items {
        let who = item.user.as_ref().map(|u| format!(" ({u})")).unwrap_or_default();
        println!("  ! {}{who}: {} since {} — {}", item.app_name, item.state, day(item.since), item.message);
        for step in &item.resolution_steps {
            println!("      → {step}");
        }
    }
}

fn run() -> Result<(), String> {
    let (args, html) = connected_apps_examples::html_flag(std::env::args().skip(1))?;
    let mut args = args.into_iter();
    let engine = connected_apps_examples::load_engine(args.next().as_deref())?;
    let viewer = args
        .next()
        .map_or_else(|| engine.directory().active_super_admins().next().map(|u| u.id.clone()), |v| Some(UserId(v)));
    let viewer = viewer.ok_or("the account has no active super admin to view the home as")?;
    let now = engine.events().last().map_or_else(DateTime::<Utc>::default, |e| e.at);

    let home = connections_home(&engine, &viewer, now).map_err(|e| e.to_string())?;
    let account = engine.directory().account();
    println!("Connected apps — {} (account {}), seen by {viewer} as of {now}", account.name, account.id);
    println!();
    let s = home.summary;
    println!(
        "Summary: {} apps · {} connected · {} disconnected · {} expired · {} in error · {} without status · {} with an update",
        s.total, s.connected, s.disconnected, s.expired, s.error, s.without_status, s.update_available
    );
    println!();
    println!("Needs your attention ({}), most urgent first:", home.needs_attention.len());
    print_attention(&home.needs_attention);
    println!();
    println!("My apps ({}):", home.my_apps.len());
    println!(
        "  {:<22} {:<14} {:<13} {:<11} {:<6} {:<11}",
        "app", "level", "status", "installed", "by", "last activity"
    );
    for row in &home.my_apps {
        println!(
            "  {:<22} {:<14} {:<13} {:<11} {:<6} {:<11}{}",
            row.name,
            row.level.to_string(),
            opt(row.status),
            day(row.installed_at),
            opt(row.installed_by.as_ref()),
            opt(row.last_activity_at.map(day)),
            if row.update_available { "  update available" } else { "" }
        );
    }
    println!();
    println!("Other apps installed by users in my organisation ({}):", home.other_users_apps.len());
    for row in &home.other_users_apps {
        let users: Vec<&str> = row.users.iter().map(UserId::as_str).collect();
        println!("  {:<22} {} connection(s): {}", row.name, row.connections, users.join(", "));
    }

    let app = args.next().map_or_else(|| AppId::from("salesforce"), AppId);
    let overview =
        app_overview(&engine, &app, Some(&viewer), &AppLogFilter::default(), now).map_err(|e| e.to_string())?;
    println!();
    println!(
        "Overview of {} by {} ({}) — status: {}",
        overview.app.name,
        overview.app.provider,
        overview.app.level,
        opt(overview.status)
    );
    print_attention(&overview.alerts);
    for c in &overview.connections {
        let settings: Vec<String> =
            c.sync_settings.iter().map(|(k, v)| format!("{k}={}", if *v { "on" } else { "off" })).collect();
        println!(
            "  connection{}: {} · scopes {} · sync {}",
            c.user.as_ref().map(|u| format!(" of {u}")).unwrap_or_default(),
            c.state,
            c.granted_scopes.iter().cloned().collect::<Vec<_>>().join(" "),
            if settings.is_empty() { "defaults".to_string() } else { settings.join(", ") }
        );
    }
    println!("  Log (newest first, {} events, last 8 shown):", overview.log.len());
    for e in overview.log.iter().take(8) {
        println!(
            "    {}  {:<22} by {}",
            e.at.format("%Y-%m-%d %H:%M"),
            e.kind.activity_type().as_str(),
            opt(e.actor.as_ref())
        );
    }
    if let Some(path) = html {
        println!();
        connected_apps_examples::write_report(&engine, Some(viewer), now, &path)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    connected_apps_examples::exit(run())
}

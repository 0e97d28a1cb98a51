//! Insights for the bundled sample account: one filtered page of the activity log with its
//! facets (L2–L4), the 30-day record insights per app with flagged days (R1–R6, X2), and API
//! usage with trend, spikes and the limit forecast (U1–U5, X3).
//!
//! `cargo run -p connected-apps-examples --example insights [-- [<snapshot.json>] [--html <report.html>]]`
//!
//! With `--html PATH` it also writes the account's HTML report (the same data, as of the same
//! instant) to PATH: one self-contained file to open in a browser.
//!
//! The sample holds the log but no record events or usage snapshots, so the example generates
//! them deterministically (one app runs a mass delete; today's calls run hot) to show the flags,
//! spikes and forecast. Everything is computed as of the newest logged event.

use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use connected_apps::{
    ActivityFilter, ActivityIndex, ActivityType, ApiLimitConfig, Engine, Grouping, InsightsQuery, InsightsSettings,
    RecordAction, UsageSettings,
};

fn log_page(engine: &Engine, now: DateTime<Utc>) -> Result<(), String> {
    let index = ActivityIndex::from_log(engine.events()).map_err(|e| e.to_string())?;
    let filter = ActivityFilter {
        types: vec![
            ActivityType::Installed,
            ActivityType::Uninstalled,
            ActivityType::ConnectionExpired,
            ActivityType::Reconnected,
            ActivityType::SyncSettingChanged,
        ],
        since: Some(now - Duration::days(90)),
        ..Default::default()
    };
    let page = index.query(engine.events(), &filter, None, 8).map_err(|e| e.to_string())?;
    let facets = index.facets(engine.events(), &filter).map_err(|e| e.to_string())?;
    println!(
        "Activity log — last 90 days, installs, uninstalls, expiries, reconnects, sync settings ({} events)",
        facets.total
    );
    for e in &page.events {
        let who = e.actor.as_ref().map_or("system", |a| a.as_str());
        println!(
            "  {}  {:<22} {:<20} {who}",
            e.at.format("%Y-%m-%d %H:%M"),
            e.kind.activity_type().as_str(),
            e.app.as_str()
        );
    }
    if let Some(cursor) = &page.next_cursor {
        println!("  … next page: cursor {}…", cursor.get(..16).unwrap_or(cursor));
    }
    let types: Vec<String> = facets.by_type.iter().map(|f| format!("{} {}", f.value, f.count)).collect();
    let users: Vec<String> = facets.by_user.iter().take(5).map(|f| format!("{} {}", f.value, f.count)).collect();
    let apps: Vec<String> = facets.by_app.iter().take(5).map(|f| format!("{} {}", f.value, f.count)).collect();
    println!("  facets — type: {}", types.join(", "));
    println!(
        "           user: {}{}",
        users.join(", "),
        if facets.system > 0 { format!(", system {}", facets.system) } else { String::new() }
    );
    println!("           app (top 5): {}", apps.join(", "));
    Ok(())
}

fn record_insights(engine: &Engine, now: DateTime<Utc>) -> Result<(), String> {
    let (apps, aggregate) = connected_apps_examples::sample_records(engine, now)?;
    let settings = InsightsSettings::default();
    let query = InsightsQuery {
        as_of: now.date_naive(),
        include_incomplete_day: false,
        app: None,
        record_type: None,
        group_by: Grouping { app: true, action: true, ..Default::default() },
    };
    let view = aggregate.insights(&settings, &query, now).map_err(|e| e.to_string())?;
    println!(
        "Record insights — 30 UTC days {} … {} (today excluded), {} record events",
        view.days.first().map(|d| d.to_string()).unwrap_or_default(),
        view.as_of,
        aggregate.event_count()
    );
    println!("  {:<20} {:>8} {:>8} {:>8} {:>8}", "app", "created", "updated", "deleted", "merged");
    for app in &apps {
        let total = |a: RecordAction| {
            view.rows
                .iter()
                .filter(|r| r.app.as_ref() == Some(app) && r.action == Some(a))
                .map(|r| r.total)
                .sum::<u64>()
        };
        println!(
            "  {:<20} {:>8} {:>8} {:>8} {:>8}",
            app.as_str(),
            total(RecordAction::Created),
            total(RecordAction::Updated),
            total(RecordAction::Deleted),
            total(RecordAction::Merged)
        );
    }
    let rule = settings.flag_rule;
    println!(
        "  flagged days (deletes/merges > median + {}×max(1.4826×MAD, {}) of the trailing {} days, ≥ {}):",
        rule.mad_multiplier, rule.min_spread, rule.trailing_days, rule.min_value
    );
    if view.flags.is_empty() {
        println!("    none");
    }
    for f in &view.flags {
        println!(
            "    ⚑ {} {} {} {} {} (baseline median {:.0}, threshold {:.0})",
            f.day, f.app, f.action, f.count, f.record_type, f.baseline_median, f.threshold
        );
    }
    Ok(())
}

fn api_usage(engine: &Engine, now: DateTime<Utc>) -> Result<(), String> {
    let account = engine.directory().account();
    let limits = ApiLimitConfig::default().limits(account).map_err(|e| e.to_string())?;
    let history = connected_apps_examples::sample_usage(engine, now)?;
    let settings = UsageSettings { window_days: 14, ..UsageSettings::default() };
    let report = history.report(account, &settings, now).map_err(|e| e.to_string())?;
    println!(
        "API usage — limit {} calls/day ({:?} tier, {} increases, config {}), burst {}/10 s, resets {} ({})",
        limits.daily,
        limits.tier,
        limits.increases,
        limits.version,
        limits.burst_per_10s,
        report.resets_at,
        account.time_zone
    );
    println!("  today {}: {} calls, {:.1}% of the limit", report.today, report.calls_today, report.share_used * 100.0);
    for d in report.days.iter().rev().take(7).rev() {
        let ma = d.moving_average_7d.map_or_else(|| "—".to_string(), |m| format!("{m:.0}"));
        println!("    {}  {:>8} calls  {:>5.1}%  7-day average {ma}", d.day, d.calls, d.share_of_limit * 100.0);
    }
    let change = report.trend.change.map_or_else(|| "n/a".into(), |c| format!("{:+.1}%", c * 100.0));
    println!(
        "  trend: last 7 complete days {} calls vs {} the 7 before ({change})",
        report.trend.last_7_days, report.trend.previous_7_days
    );
    for s in &report.spikes {
        let who = s.app.as_ref().map_or("account", |a| a.as_str());
        println!(
            "  spike: {} {who} {} calls (baseline median {:.0}, threshold {:.0})",
            s.day, s.calls, s.baseline_median, s.threshold
        );
    }
    for percent in &report.thresholds_crossed {
        println!("  ⚠ today's calls reached {percent}% of the daily limit");
    }
    match &report.forecast {
        Some(f) if f.already_exhausted => println!("  ⚠ the daily limit is already reached ({} calls)", f.calls_so_far),
        Some(f) => println!(
            "  ⚠ at the current pace ({:.0} calls/hour) today's calls reach the limit at {} — before the reset at {}",
            f.calls_per_hour,
            f.exhausts_at.format("%Y-%m-%d %H:%M UTC"),
            report.resets_at.format("%Y-%m-%d %H:%M UTC")
        ),
        None => println!("  at the current pace today's calls stay under the limit"),
    }
    Ok(())
}

fn run() -> Result<(), String> {
    let (args, html) = connected_apps_examples::html_flag(std::env::args().skip(1))?;
    let engine = connected_apps_examples::load_engine(args.first().map(String::as_str))?;
    let now = engine.events().last().map_or_else(DateTime::<Utc>::default, |e| e.at);
    log_page(&engine, now)?;
    println!();
    record_insights(&engine, now)?;
    println!();
    api_usage(&engine, now)?;
    if let Some(path) = html {
        println!();
        connected_apps_examples::write_report(&engine, None, now, &path)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    connected_apps_examples::exit(run())
}

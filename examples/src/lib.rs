//! Plumbing shared by the runnable examples (the `[[example]]` targets of this package): where the
//! bundled data is, how a snapshot is loaded, and how an example exits.
//!
//! `cargo run -p connected-apps-examples --example connections_home`

use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use connected_apps::report::{ReportOptions, report_html};
use connected_apps::{
    AccountEngine, AppId, Distribution, Engine, RecordAction, RecordAggregate, RecordEventColumns, UsageHistory,
    UsageSettings, UsageSnapshot, UserId,
};

/// The bundled sample account (a JSON snapshot written by the `generate_sample` example).
pub const SAMPLE_ACCOUNT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample_account.json");

/// The bundled sample marketplace.
pub const SAMPLE_MARKETPLACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/marketplace.json");

/// Reads a text file, naming it in the error.
///
/// # Errors
/// The path and the I/O error.
pub fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// Loads the engine snapshot at `path`, or the bundled sample account when `path` is `None`.
///
/// # Errors
/// The path and what was wrong with the file.
pub fn load_engine(path: Option<&str>) -> Result<Engine, String> {
    let path = path.unwrap_or(SAMPLE_ACCOUNT);
    Engine::from_json(&read(path)?).map_err(|e| format!("cannot load {path}: {e}"))
}

/// Loads a snapshot with its notification state (rules, deliveries): the bundled sample account
/// when `path` is `None`.
///
/// # Errors
/// The path and what was wrong with the file.
pub fn load_account_engine(path: Option<&str>) -> Result<AccountEngine, String> {
    let path = path.unwrap_or(SAMPLE_ACCOUNT);
    AccountEngine::from_json(&read(path)?).map_err(|e| format!("cannot load {path}: {e}"))
}

/// Takes `--html PATH` out of the arguments: the other arguments, in order, and the path.
///
/// # Errors
/// `--html` without a path after it.
pub fn html_flag(args: impl Iterator<Item = String>) -> Result<(Vec<String>, Option<String>), String> {
    let mut rest = Vec::new();
    let mut html = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == "--html" {
            html = Some(args.next().ok_or("--html needs a path to write the report to")?);
        } else if let Some(path) = arg.strip_prefix("--html=") {
            html = Some(path.to_owned());
        } else {
            rest.push(arg);
        }
    }
    Ok((rest, html))
}

/// A small deterministic generator (xorshift64), so the sample data is the same on every run.
pub struct Rng(pub u64);

impl Rng {
    /// The next number below `below` (at least 1).
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

/// Up to five installed apps of the engine, in the order of their connections.
#[must_use]
pub fn record_apps(engine: &Engine) -> Vec<AppId> {
    engine.state().connections().filter(|c| c.is_installed()).map(|c| c.key.app.clone()).fold(
        Vec::new(),
        |mut acc, app| {
            if !acc.contains(&app) && acc.len() < 5 {
                acc.push(app);
            }
            acc
        },
    )
}

/// 45 days of record events for `apps`, as columns; `erp-sync` (or the last app) deletes
/// thousands of contacts three days before `now`.
#[must_use]
pub fn record_columns(apps: &[AppId], now: DateTime<Utc>) -> (Vec<i64>, Vec<u32>, Vec<u32>, Vec<u8>) {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let (mut at, mut app, mut ty, mut action) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Whole UTC days, so that the mass delete falls on one day.
    let start = (now - Duration::days(45)).date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    let culprit = apps.iter().position(|a| a.as_str() == "erp-sync").unwrap_or(apps.len().saturating_sub(1));
    for d in 0..45 {
        let day_start = start + Duration::days(d);
        for (a, _) in apps.iter().enumerate() {
            let volume = 40 + rng.next(60);
            let burst = if a == culprit && d == 42 { 2_500 } else { 0 };
            for k in 0..volume + burst {
                at.push((day_start + Duration::seconds(rng.next(86_400) as i64)).timestamp_micros());
                app.push(a as u32);
                ty.push(if k >= volume { 0 } else { rng.next(4) as u32 });
                action.push(if k >= volume {
                    RecordAction::Deleted.code()
                } else {
                    [0u8, 1, 1, 1, 2, 3].get(rng.next(6) as usize).copied().unwrap_or(0)
                });
            }
        }
    }
    (at, app, ty, action)
}

/// The record types of [`record_columns`]' type codes.
pub const RECORD_TYPES: [&str; 4] = ["contacts", "companies", "deals", "2-1837465"];

/// The sample's record aggregate: [`record_columns`] for [`record_apps`].
///
/// # Errors
/// What the aggregate refused.
pub fn sample_records(engine: &Engine, now: DateTime<Utc>) -> Result<(Vec<AppId>, RecordAggregate), String> {
    let apps = record_apps(engine);
    let (at, app, ty, action) = record_columns(&apps, now);
    let app_dictionary: Vec<String> = apps.iter().map(|a| a.0.clone()).collect();
    let types = RECORD_TYPES.map(String::from);
    let mut aggregate = RecordAggregate::new();
    let columns = RecordEventColumns {
        at_micros: &at,
        apps: &app,
        app_dictionary: &app_dictionary,
        record_types: &ty,
        record_type_dictionary: &types,
        actions: &action,
    };
    aggregate.ingest_columns(&columns).map_err(|e| e.to_string())?;
    Ok((apps, aggregate))
}

/// The sample's API-usage history: 21 past local days of the off-marketplace apps (and one
/// private app), a snapshot every 3 hours, one app looping 6 days ago; today runs hot (six times
/// the usual pace since midnight, ten times in the last hour).
///
/// # Errors
/// What the history refused.
pub fn sample_usage(engine: &Engine, now: DateTime<Utc>) -> Result<UsageHistory, String> {
    let account = engine.directory().account();
    let mut history = UsageHistory::new();
    let private: Vec<AppId> = engine
        .directory()
        .apps()
        .filter(|a| a.distribution == Distribution::OffMarketplace)
        .map(|a| a.id.clone())
        .chain([AppId("private-reporting".into())])
        .collect();
    let mut rng = Rng(0x0a11_ca11_5eed_0001);
    // The limit resets at local midnight: the empty history's report says when the next one is.
    let one_day = UsageSettings { window_days: 1, ..UsageSettings::default() };
    let next_reset = history.report(account, &one_day, now).map_err(|e| e.to_string())?.resets_at;
    let midnight = next_reset - Duration::days(1);
    let usual = |i: usize| 50_000 + 20_000 * i as u64;
    for d in (1..=21).rev() {
        for (i, app) in private.iter().enumerate() {
            let daily = usual(i) + rng.next(8_000) + if i == 0 && d == 6 { 250_000 } else { 0 };
            for h in (3..=24u64).step_by(3) {
                let at = midnight - Duration::days(d) + Duration::hours(h as i64) - Duration::seconds(1);
                let snapshot = UsageSnapshot {
                    app: app.clone(),
                    at,
                    calls_today: daily * h / 24,
                    usage_limit: None,
                    resets_at: None,
                };
                history.record(&snapshot).map_err(|e| e.to_string())?;
            }
        }
    }
    let hours = (now - midnight).num_hours().max(1);
    for (i, app) in private.iter().enumerate() {
        let mut calls = 0;
        for h in 1..=hours {
            calls += usual(i) / 24 * if h == hours { 10 } else { 6 };
            let snapshot = UsageSnapshot {
                app: app.clone(),
                at: midnight + Duration::hours(h),
                calls_today: calls,
                usage_limit: None,
                resets_at: None,
            };
            history.record(&snapshot).map_err(|e| e.to_string())?;
        }
    }
    Ok(history)
}

/// Writes the HTML report of `engine` as of `now` to `path`, with the sample's record events and
/// API usage ([`sample_records`], [`sample_usage`]), seen by `viewer` (else the first active
/// super admin).
///
/// # Errors
/// What the report or the file system refused.
pub fn write_report(engine: &Engine, viewer: Option<UserId>, now: DateTime<Utc>, path: &str) -> Result<(), String> {
    let (_, records) = sample_records(engine, now)?;
    let usage = sample_usage(engine, now)?;
    let mut account = AccountEngine::from_engine(engine.clone());
    let options = ReportOptions { viewer, ..ReportOptions::default() };
    let page = report_html(&mut account, &records, &usage, now, &options).map_err(|e| e.to_string())?;
    std::fs::write(path, &page).map_err(|e| format!("cannot write {path}: {e}"))?;
    println!("Report written to {path} ({} bytes); open it in a browser.", page.len());
    Ok(())
}

/// An example's exit: success, or the error printed to stderr and a failure code.
#[must_use]
pub fn exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

//! API-call usage (U1–U5, X3): intraday snapshots kept as history, daily calls per private app,
//! the daily limit as versioned configuration, share used, trend, spikes and the forecast of the
//! moment today's calls exhaust the limit.
//!
//! The platform's daily-usage endpoint reports only *today's* running total, so the history is
//! the library's: every snapshot is kept, and a day's calls are the largest running total seen
//! that day. Days are the account's local days: the daily limit resets at midnight in the
//! account's time zone (record insights stay in UTC).

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::robust::RobustRule;
use super::{InsightsError, MAX_MICROS, checked_micros};
use crate::account::{Account, Tier};
use crate::catalog::AppId;

/// The platform's API limits, as versioned configuration (U2). The defaults are those of the
/// usage guidelines of 2025-08; professional is 625,000 there while a changelog says 650,000, so
/// it is a setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiLimitConfig {
    /// Which edition of the limits this is, e.g. `2025-08`.
    pub version: String,
    /// Daily calls for free and starter accounts.
    pub daily_free_starter: u64,
    /// Daily calls for professional accounts.
    pub daily_professional: u64,
    /// Daily calls for enterprise accounts.
    pub daily_enterprise: u64,
    /// Daily calls each purchased API-limit increase adds.
    pub daily_per_increase: u64,
    /// Most increases an account may buy.
    pub max_increases: u8,
    /// Calls per 10 seconds per app, free and starter.
    pub burst_free_starter: u32,
    /// Calls per 10 seconds per app, professional.
    pub burst_professional: u32,
    /// Calls per 10 seconds per app, enterprise.
    pub burst_enterprise: u32,
    /// Calls per 10 seconds per app with an API-limit increase.
    pub burst_with_increase: u32,
}

impl Default for ApiLimitConfig {
    fn default() -> Self {
        Self {
            version: "2025-08".into(),
            daily_free_starter: 250_000,
            daily_professional: 625_000,
            daily_enterprise: 1_000_000,
            daily_per_increase: 1_000_000,
            max_increases: 2,
            burst_free_starter: 100,
            burst_professional: 190,
            burst_enterprise: 190,
            burst_with_increase: 250,
        }
    }
}

/// The limits that apply to one account (U2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiLimits {
    /// The configuration edition they come from.
    pub version: String,
    /// The account's highest tier across its hubs, which sets the limits.
    pub tier: Tier,
    /// Purchased API-limit increases.
    pub increases: u8,
    /// Calls per day.
    pub daily: u64,
    /// Calls per 10 seconds per app.
    pub burst_per_10s: u32,
}

impl ApiLimitConfig {
    /// The limits of `account`: by its highest tier, plus its purchased increases.
    ///
    /// # Errors
    /// [`InsightsError::TooManyLimitIncreases`] beyond [`ApiLimitConfig::max_increases`].
    pub fn limits(&self, account: &Account) -> Result<ApiLimits, InsightsError> {
        let increases = account.api_limit_increases;
        if increases > self.max_increases {
            return Err(InsightsError::TooManyLimitIncreases { got: increases, max: self.max_increases });
        }
        let tier = account.subscriptions.values().copied().max().unwrap_or(Tier::Free);
        let (base, burst) = match tier {
            Tier::Free | Tier::Starter => (self.daily_free_starter, self.burst_free_starter),
            Tier::Professional => (self.daily_professional, self.burst_professional),
            Tier::Enterprise => (self.daily_enterprise, self.burst_enterprise),
        };
        Ok(ApiLimits {
            version: self.version.clone(),
            tier,
            increases,
            daily: base.saturating_add(self.daily_per_increase.saturating_mul(u64::from(increases))),
            burst_per_10s: if increases > 0 { self.burst_with_increase.max(burst) } else { burst },
        })
    }
}

/// One reading of a running daily total (K1: the daily-usage endpoint's `currentUsage` at
/// `collectedAt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSnapshot {
    /// The private app; from the platform's endpoint, the usage name it reports.
    pub app: AppId,
    /// When the total was collected.
    pub at: DateTime<Utc>,
    /// Calls made since the last local midnight.
    pub calls_today: u64,
}

/// Usage snapshots as columns of equal length, apps dictionary-encoded.
#[derive(Debug, Clone, Copy)]
pub struct UsageSnapshotColumns<'a> {
    /// Collection times in microseconds since the Unix epoch (UTC).
    pub at_micros: &'a [i64],
    /// App codes into `app_dictionary`.
    pub apps: &'a [u32],
    /// App ids, indexed by app code.
    pub app_dictionary: &'a [String],
    /// Running daily totals (signed, so that a negative one is reported rather than wrapped).
    pub calls_today: &'a [i64],
}

/// The kept history of usage snapshots, per app and local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageHistory {
    time_zone: String,
    /// Per app, per local day: every snapshot of the day, by time.
    apps: BTreeMap<AppId, BTreeMap<NaiveDate, BTreeMap<DateTime<Utc>, u64>>>,
}

/// Calls of one app on one local day (U1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppUsageDay {
    /// The app.
    pub app: AppId,
    /// The local day.
    pub day: NaiveDate,
    /// Calls that day (so far, for today).
    pub calls: u64,
}

/// The account's calls on one local day, against the limit (U1–U3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyUsage {
    /// The local day.
    pub day: NaiveDate,
    /// Calls of every app that day.
    pub calls: u64,
    /// `calls / daily limit`.
    pub share_of_limit: f64,
    /// Mean of this day and the 6 before it (days without snapshots count as 0 once the
    /// history has started); `None` while fewer than 7 days of history exist.
    pub moving_average_7d: Option<f64>,
}

/// The trend of complete days (U3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageTrend {
    /// Calls in the last 7 complete days.
    pub last_7_days: u64,
    /// Calls in the 7 days before those.
    pub previous_7_days: u64,
    /// `(last − previous) / previous`; `None` when the previous period had no calls.
    pub change: Option<f64>,
}

/// A day whose calls are far above the trailing baseline (U4; rule: [`RobustRule::api_calls`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageSpike {
    /// The local day (today included, with its calls so far).
    pub day: NaiveDate,
    /// The app, or `None` for the account's total.
    pub app: Option<AppId>,
    /// Calls that day.
    pub calls: u64,
    /// Median of the trailing days.
    pub baseline_median: f64,
    /// The threshold exceeded.
    pub threshold: f64,
}

/// When today's calls reach the daily limit at the current pace (U5, X3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitForecast {
    /// The forecast moment (the latest snapshot's time when already reached).
    pub exhausts_at: DateTime<Utc>,
    /// Whether today's calls already reached the limit.
    pub already_exhausted: bool,
    /// Calls today so far.
    pub calls_so_far: u64,
    /// The current pace, calls per hour (summed over apps).
    pub calls_per_hour: f64,
    /// The daily limit.
    pub limit: u64,
}

/// API-call usage at `now` (U1–U5, X3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageReport {
    /// The limits that apply.
    pub limits: ApiLimits,
    /// Today, in the account's time zone.
    pub today: NaiveDate,
    /// When the daily limit next resets (the next local midnight).
    pub resets_at: DateTime<Utc>,
    /// Calls today so far, all apps.
    pub calls_today: u64,
    /// `calls_today / daily limit`.
    pub share_used: f64,
    /// Calls per app per day over the window, by day then app (U1).
    pub per_app: Vec<AppUsageDay>,
    /// The account's calls per day over the window, oldest first, today last (U1–U3).
    pub days: Vec<DailyUsage>,
    /// Complete days' trend (U3).
    pub trend: UsageTrend,
    /// Spikes in the window, per app and for the account (U4).
    pub spikes: Vec<UsageSpike>,
    /// Present when today's calls will reach the limit before it resets at the current pace, or
    /// already did (U5, X3).
    pub forecast: Option<LimitForecast>,
}

/// How far back the pace of today's calls is measured.
const PACE_WINDOW_MINUTES: i64 = 60;

impl UsageHistory {
    /// An empty history for an account in `time_zone` (an IANA name, e.g. `Europe/Paris`).
    ///
    /// # Errors
    /// [`InsightsError::UnknownTimeZone`].
    pub fn new(time_zone: &str) -> Result<Self, InsightsError> {
        parse_tz(time_zone)?;
        Ok(Self { time_zone: time_zone.to_owned(), apps: BTreeMap::new() })
    }

    /// The account's time zone.
    #[must_use]
    pub fn time_zone(&self) -> &str {
        &self.time_zone
    }

    /// Keeps one snapshot (a later one at the same instant for the same app replaces it).
    ///
    /// # Errors
    /// [`InsightsError::TimestampOutOfRange`], [`InsightsError::EmptyAppId`],
    /// [`InsightsError::UnknownTimeZone`]; nothing is kept.
    pub fn record(&mut self, snapshot: &UsageSnapshot) -> Result<(), InsightsError> {
        self.record_all(std::slice::from_ref(snapshot)).map(drop)
    }

    /// Keeps a batch of snapshots, all or nothing: every snapshot is checked before any is kept.
    /// Returns how many were kept.
    ///
    /// # Errors
    /// As [`UsageHistory::record`], for the first refused snapshot; nothing of the batch is
    /// then kept.
    pub fn record_all(&mut self, snapshots: &[UsageSnapshot]) -> Result<usize, InsightsError> {
        let tz = parse_tz(&self.time_zone)?;
        for snapshot in snapshots {
            checked_micros(0, snapshot.at)?;
            if snapshot.app.as_str().is_empty() {
                return Err(InsightsError::EmptyAppId);
            }
        }
        for snapshot in snapshots {
            self.insert(tz, snapshot.app.clone(), snapshot.at, snapshot.calls_today);
        }
        Ok(snapshots.len())
    }

    fn insert(&mut self, tz: Tz, app: AppId, at: DateTime<Utc>, calls: u64) {
        let day = at.with_timezone(&tz).date_naive();
        self.apps.entry(app).or_default().entry(day).or_default().insert(at, calls);
    }

    /// Keeps a batch of snapshots given as columns, all or nothing; returns how many.
    ///
    /// # Errors
    /// [`InsightsError::ColumnLength`], [`InsightsError::UnknownCode`],
    /// [`InsightsError::TimestampOutOfRange`], [`InsightsError::NegativeCount`],
    /// [`InsightsError::EmptyAppId`], [`InsightsError::UnknownTimeZone`]; nothing is kept.
    pub fn ingest_columns(&mut self, columns: &UsageSnapshotColumns<'_>) -> Result<usize, InsightsError> {
        let tz = parse_tz(&self.time_zone)?;
        let rows = columns.at_micros.len();
        for (column, len) in [("apps", columns.apps.len()), ("calls_today", columns.calls_today.len())] {
            if len != rows {
                return Err(InsightsError::ColumnLength { column, len, expected: rows });
            }
        }
        if columns.app_dictionary.iter().any(String::is_empty) {
            return Err(InsightsError::EmptyAppId);
        }
        let mut checked = Vec::with_capacity(rows);
        let cols = columns.at_micros.iter().zip(columns.apps).zip(columns.calls_today);
        for (row, ((&micros, &app), &calls)) in cols.enumerate() {
            let at = (0..=MAX_MICROS)
                .contains(&micros)
                .then(|| DateTime::from_timestamp_micros(micros))
                .flatten()
                .ok_or(InsightsError::TimestampOutOfRange { row, micros })?;
            let name = columns.app_dictionary.get(app as usize).ok_or(InsightsError::UnknownCode {
                row,
                column: "apps",
                code: app,
                size: columns.app_dictionary.len(),
            })?;
            let calls = u64::try_from(calls).map_err(|_| InsightsError::NegativeCount { row, value: calls })?;
            checked.push((name, at, calls));
        }
        for (name, at, calls) in checked {
            self.insert(tz, AppId(name.clone()), at, calls);
        }
        Ok(rows)
    }

    /// Every kept snapshot of `app`, oldest first (the intraday history).
    #[must_use]
    pub fn snapshots(&self, app: &AppId) -> Vec<UsageSnapshot> {
        self.apps
            .get(app)
            .into_iter()
            .flat_map(|days| days.values())
            .flat_map(|snaps| snaps.iter())
            .map(|(at, calls)| UsageSnapshot { app: app.clone(), at: *at, calls_today: *calls })
            .collect()
    }

    /// Calls of one app on one local day: the largest running total seen that day.
    fn calls(&self, app: &AppId, day: NaiveDate) -> u64 {
        self.apps.get(app).and_then(|d| d.get(&day)).and_then(|s| s.values().max().copied()).unwrap_or(0)
    }

    fn account_calls(&self, day: NaiveDate) -> u64 {
        self.apps.keys().map(|app| self.calls(app, day)).sum()
    }

    /// The usage report at `now` over the last `window_days` local days (today included).
    ///
    /// # Errors
    /// [`InsightsError::UnknownTimeZone`], [`InsightsError::EmptyWindow`].
    pub fn report(
        &self,
        limits: &ApiLimits,
        window_days: u32,
        spike_rule: &RobustRule,
        now: DateTime<Utc>,
    ) -> Result<UsageReport, InsightsError> {
        let tz = parse_tz(&self.time_zone)?;
        if window_days == 0 {
            return Err(InsightsError::EmptyWindow(window_days));
        }
        let today = now.with_timezone(&tz).date_naive();
        let resets_at = local_midnight(tz, today.checked_add_days(Days::new(1)).unwrap_or(today));
        let back = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN);
        let window: Vec<NaiveDate> = (0..u64::from(window_days)).rev().map(back).collect();
        let first_day = self.apps.values().filter_map(|d| d.keys().next()).min().copied();
        let daily_limit = limits.daily.max(1) as f64;

        let days = window
            .iter()
            .map(|&day| {
                let calls = self.account_calls(day);
                let week: Vec<NaiveDate> = (0..7).map(|k| day.checked_sub_days(Days::new(k)).unwrap_or(day)).collect();
                let started = first_day.is_some_and(|f| week.iter().all(|d| *d >= f));
                DailyUsage {
                    day,
                    calls,
                    share_of_limit: calls as f64 / daily_limit,
                    moving_average_7d: started
                        .then(|| week.iter().map(|d| self.account_calls(*d)).sum::<u64>() as f64 / 7.0),
                }
            })
            .collect();
        let per_app = window
            .iter()
            .flat_map(|&day| {
                self.apps.keys().map(move |app| AppUsageDay { app: app.clone(), day, calls: self.calls(app, day) })
            })
            .filter(|d| d.calls > 0)
            .collect();
        let sum = |from: u64, to: u64| (from..to).map(|k| self.account_calls(back(k))).sum::<u64>();
        let (last_7_days, previous_7_days) = (sum(1, 8), sum(8, 15));
        let trend = UsageTrend {
            last_7_days,
            previous_7_days,
            change: (previous_7_days > 0)
                .then(|| (last_7_days as f64 - previous_7_days as f64) / previous_7_days as f64),
        };
        let calls_today = self.account_calls(today);
        Ok(UsageReport {
            limits: limits.clone(),
            today,
            resets_at,
            calls_today,
            share_used: calls_today as f64 / daily_limit,
            per_app,
            days,
            trend,
            spikes: self.spikes(&window, spike_rule, first_day),
            forecast: self.forecast(today, limits.daily, resets_at, calls_today),
        })
    }

    fn spikes(&self, window: &[NaiveDate], rule: &RobustRule, first_day: Option<NaiveDate>) -> Vec<UsageSpike> {
        let Some(first_day) = first_day else { return Vec::new() };
        let series = |calls: &dyn Fn(NaiveDate) -> u64, app: Option<&AppId>| -> Vec<UsageSpike> {
            window
                .iter()
                .filter_map(|&day| {
                    let value = calls(day);
                    let history: Vec<u64> = (1..=u64::from(rule.trailing_days))
                        .filter_map(|k| day.checked_sub_days(Days::new(k)))
                        .filter(|d| *d >= first_day)
                        .map(calls)
                        .collect();
                    rule.exceeds(value, &history).map(|(baseline_median, threshold)| UsageSpike {
                        day,
                        app: app.cloned(),
                        calls: value,
                        baseline_median,
                        threshold,
                    })
                })
                .collect()
        };
        let mut out = series(&|d| self.account_calls(d), None);
        for app in self.apps.keys() {
            out.extend(series(&|d| self.calls(app, d), Some(app)));
        }
        out.sort_by(|a, b| (a.day, &a.app).cmp(&(b.day, &b.app)));
        out
    }

    /// At the current pace (each app's calls over its last hour of snapshots, or since midnight
    /// when it has only one), when today's total reaches `limit`; `None` if not before the reset.
    fn forecast(
        &self,
        today: NaiveDate,
        limit: u64,
        resets_at: DateTime<Utc>,
        calls_so_far: u64,
    ) -> Option<LimitForecast> {
        let tz = parse_tz(&self.time_zone).ok()?;
        let midnight = local_midnight(tz, today);
        let mut per_hour = 0.0;
        let mut latest: Option<DateTime<Utc>> = None;
        for days in self.apps.values() {
            let Some(snaps) = days.get(&today) else { continue };
            let Some((&last_at, &last)) = snaps.iter().next_back() else { continue };
            let since = last_at - chrono::Duration::minutes(PACE_WINDOW_MINUTES);
            let (from_at, from) = snaps.range(since..).next().map_or((midnight, 0), |(t, c)| (*t, *c));
            let (from_at, from) = if from_at >= last_at { (midnight, 0) } else { (from_at, from) };
            let hours = (last_at - from_at).num_milliseconds() as f64 / 3_600_000.0;
            if hours > 0.0 {
                per_hour += last.saturating_sub(from) as f64 / hours;
            }
            latest = latest.max(Some(last_at));
        }
        let latest = latest?;
        if calls_so_far >= limit {
            return Some(LimitForecast {
                exhausts_at: latest,
                already_exhausted: true,
                calls_so_far,
                calls_per_hour: per_hour,
                limit,
            });
        }
        if per_hour <= 0.0 {
            return None;
        }
        let hours_left = (limit - calls_so_far) as f64 / per_hour;
        let exhausts_at = latest + chrono::Duration::milliseconds((hours_left * 3_600_000.0).min(1e15) as i64);
        (exhausts_at < resets_at).then_some(LimitForecast {
            exhausts_at,
            already_exhausted: false,
            calls_so_far,
            calls_per_hour: per_hour,
            limit,
        })
    }
}

fn parse_tz(name: &str) -> Result<Tz, InsightsError> {
    name.parse::<Tz>().map_err(|_| InsightsError::UnknownTimeZone(name.to_owned()))
}

/// The instant of local midnight starting `day` (the first instant of the day when a clock
/// change skips midnight).
fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_time(chrono::NaiveTime::MIN);
    (0..=3)
        .find_map(|h| tz.from_local_datetime(&(naive + chrono::Duration::minutes(30 * h))).earliest())
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

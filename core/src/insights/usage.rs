//! API-call usage (U1–U5, X3): intraday snapshots kept as history, daily calls per private app,
//! the daily limit as versioned configuration, share used, trend, spikes and the forecast of the
//! moment today's calls exhaust the limit.
//!
//! The platform's daily-usage endpoint reports only *today's* running total, so the history is
//! the library's: every snapshot is kept, and a day's calls are the largest running total seen
//! that day. Days are the account's local days: the daily limit resets at midnight in the
//! account's time zone (record insights stay in UTC). The history itself keeps UTC instants only;
//! the time zone, like the tier, comes from the [`Account`] a report is for, so that the two can
//! never disagree.
//!
//! The platform's reading also says which limit is in force (`usageLimit`) and when it resets
//! (`resetsAt`); both are kept with the snapshot and reported beside what the account's tier
//! implies, so that a difference is visible rather than silently resolved (U2).
//!
//! Sizes are bounded (see [`crate::limits`]): a running total is at most
//! [`MAX_DAILY_CALLS`](crate::limits::MAX_DAILY_CALLS) and a history holds at most
//! [`MAX_USAGE_APPS`](crate::limits::MAX_USAGE_APPS) apps, so a day's total is at most 2^52 and
//! no sum of the report (at most 15 days) can overflow; sums still use checked arithmetic and
//! saturate, which these bounds make unreachable.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::partial::{Kind, Reader, Writer};
use super::robust::RobustRule;
use super::{InsightsError, MAX_MICROS, check_window, checked_micros};
use crate::account::{Account, Tier};
use crate::catalog::AppId;
use crate::columns::check_lengths;
use crate::limits::{
    MAX_DAILY_CALLS, MAX_DICTIONARY_LEN, MAX_SHARE_THRESHOLD_PERCENT, MAX_SHARE_THRESHOLDS, MAX_USAGE_APPS,
};

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
/// `collectedAt`, with the `usageLimit` and `resetsAt` it reported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageSnapshot {
    /// The private app; from the platform's endpoint, the usage name it reports.
    pub app: AppId,
    /// When the total was collected.
    pub at: DateTime<Utc>,
    /// Calls made since the last local midnight; at most
    /// [`MAX_DAILY_CALLS`](crate::limits::MAX_DAILY_CALLS).
    pub calls_today: u64,
    /// The daily limit the platform reported in force with this reading (`usageLimit`), if it
    /// did; at most [`MAX_DAILY_CALLS`](crate::limits::MAX_DAILY_CALLS).
    #[serde(default)]
    pub usage_limit: Option<u64>,
    /// When the platform said the limit resets (`resetsAt`), if it did.
    #[serde(default)]
    pub resets_at: Option<DateTime<Utc>>,
}

/// Usage snapshots as columns of equal length, apps dictionary-encoded (readings without a
/// reported limit or reset time).
#[derive(Debug, Clone, Copy)]
pub struct UsageSnapshotColumns<'a> {
    /// Collection times in microseconds since the Unix epoch (UTC).
    pub at_micros: &'a [i64],
    /// App codes into `app_dictionary`.
    pub apps: &'a [u32],
    /// App ids, indexed by app code; at most
    /// [`MAX_DICTIONARY_LEN`](crate::limits::MAX_DICTIONARY_LEN) entries.
    pub app_dictionary: &'a [String],
    /// Running daily totals (signed, so that a negative one is reported rather than wrapped).
    pub calls_today: &'a [i64],
}

/// What is kept of one snapshot. Ordered by calls, then the reported limit and reset time: of two
/// readings of one app at one instant, a merge keeps the larger (a running total only grows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reading {
    calls_today: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    usage_limit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resets_at: Option<DateTime<Utc>>,
}

type Readings = BTreeMap<AppId, BTreeMap<DateTime<Utc>, Reading>>;

/// Every reading of a [`UsageHistory`] as columns ([`UsageHistory::columns`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageColumns<'a> {
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// The apps with readings, in id order (their codes).
    pub app_dictionary: Vec<&'a AppId>,
    /// When each reading was taken, µs since the epoch (UTC).
    pub at_micros: Vec<i64>,
    /// The calls the app had made that day.
    pub calls_today: Vec<u64>,
    /// The `usageLimit` reported with the reading, if any.
    pub usage_limits: Vec<Option<u64>>,
    /// The `resetsAt` reported with the reading, µs since the epoch, if any.
    pub resets_at_micros: Vec<Option<i64>>,
}

/// The kept history of usage snapshots, per app, by UTC instant. Its serde form is its snapshot:
/// restoring re-checks every bound an ingest checks ([`InsightsError`] otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UsageHistoryData")]
pub struct UsageHistory {
    /// Per app: every snapshot, by time.
    apps: Readings,
}

/// The unchecked serde form of [`UsageHistory`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageHistoryData {
    apps: Readings,
}

impl TryFrom<UsageHistoryData> for UsageHistory {
    type Error = InsightsError;

    fn try_from(data: UsageHistoryData) -> Result<Self, InsightsError> {
        if data.apps.len() > MAX_USAGE_APPS {
            return Err(InsightsError::TooManyApps { got: data.apps.len(), max: MAX_USAGE_APPS });
        }
        let mut row = 0usize;
        for (app, readings) in &data.apps {
            if app.as_str().is_empty() {
                return Err(InsightsError::EmptyAppId);
            }
            for (at, reading) in readings {
                check_reading(row, *at, reading)?;
                row = row.saturating_add(1);
            }
        }
        Ok(Self { apps: data.apps })
    }
}

/// An instant written as seconds and nanoseconds (bounds are checked with the reading).
fn instant(r: &mut Reader<'_>) -> Result<DateTime<Utc>, InsightsError> {
    let (secs, nanos) = (r.i64()?, r.varint()?);
    u32::try_from(nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .and_then(|n| DateTime::from_timestamp(secs, n))
        .ok_or_else(|| r.bad(format!("instant {secs} s + {nanos} ns is not a time")))
}

/// Checks one reading's bounds; `row` names it in the error.
fn check_reading(row: usize, at: DateTime<Utc>, reading: &Reading) -> Result<(), InsightsError> {
    checked_micros(row, at)?;
    let too_large = |what, value: u64| InsightsError::CountTooLarge { row, what, value, max: MAX_DAILY_CALLS };
    if reading.calls_today > MAX_DAILY_CALLS {
        return Err(too_large("calls today", reading.calls_today));
    }
    if let Some(limit) = reading.usage_limit.filter(|l| *l > MAX_DAILY_CALLS) {
        return Err(too_large("usage limit", limit));
    }
    if let Some(resets_at) = reading.resets_at {
        checked_micros(row, resets_at)?;
    }
    Ok(())
}

/// How a usage report is computed (U2–U5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageSettings {
    /// The platform's limit table; with the account's tiers and increases it gives the limit the
    /// tier implies (U2).
    pub limit_config: ApiLimitConfig,
    /// Local days in the report, today included: 1..=[`MAX_WINDOW_DAYS`](crate::limits::MAX_WINDOW_DAYS).
    pub window_days: u32,
    /// What a spike is (U4); its `trailing_days` at most
    /// [`MAX_TRAILING_DAYS`](crate::limits::MAX_TRAILING_DAYS).
    pub spike_rule: RobustRule,
    /// Shares of the limit in force, in percent, that warn once today's calls reach them (U5):
    /// each 1..=[`MAX_SHARE_THRESHOLD_PERCENT`](crate::limits::MAX_SHARE_THRESHOLD_PERCENT), at
    /// most [`MAX_SHARE_THRESHOLDS`](crate::limits::MAX_SHARE_THRESHOLDS) of them, in any order
    /// (the report lists them ascending, once).
    pub share_thresholds_percent: Vec<u32>,
}

impl Default for UsageSettings {
    /// The 2025-08 limits, 30 days, [`RobustRule::api_calls`], warnings at 80, 90 and 100 %.
    fn default() -> Self {
        Self {
            limit_config: ApiLimitConfig::default(),
            window_days: 30,
            spike_rule: RobustRule::api_calls(),
            share_thresholds_percent: vec![80, 90, 100],
        }
    }
}

impl UsageSettings {
    /// Checks every bound of the settings.
    ///
    /// # Errors
    /// [`InsightsError::EmptyWindow`], [`InsightsError::WindowTooLong`] (a window past
    /// [`MAX_WINDOW_DAYS`](crate::limits::MAX_WINDOW_DAYS), as record insights refuse it),
    /// [`InsightsError::SettingOutOfRange`], and the spike rule's
    /// [`RobustRule::check`] errors.
    pub fn check(&self) -> Result<(), InsightsError> {
        check_window(self.window_days)?;
        // The spike rule is a robust rule like the record flags': one bound for both.
        self.spike_rule.check()?;
        let out_of_range = |setting, value: u64, min: u64, max: u64| {
            (!(min..=max).contains(&value)).then_some(InsightsError::SettingOutOfRange { setting, value, min, max })
        };
        let thresholds = u64::try_from(self.share_thresholds_percent.len()).unwrap_or(u64::MAX);
        let checks = [out_of_range("share threshold count", thresholds, 0, MAX_SHARE_THRESHOLDS as u64)];
        let percents = self
            .share_thresholds_percent
            .iter()
            .map(|p| out_of_range("share threshold percent", (*p).into(), 1, MAX_SHARE_THRESHOLD_PERCENT.into()));
        match checks.into_iter().chain(percents).flatten().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
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

/// The account's calls on one local day, against the limit in force that day (U1–U3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyUsage {
    /// The local day.
    pub day: NaiveDate,
    /// Calls of every app that day.
    pub calls: u64,
    /// The limit in force that day: the platform's latest reported `usageLimit` of the day,
    /// else the limit the tier implies.
    pub limit: u64,
    /// `calls / limit` (against 1 when the limit is 0).
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
    /// The daily limit in force.
    pub limit: u64,
}

/// API-call usage at `now` (U1–U5, X3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageReport {
    /// The limits the account's tier and purchased increases imply (U2).
    pub limits: ApiLimits,
    /// The daily limit in force today: the `usageLimit` of today's latest reading that reported
    /// one, else `limits.daily`. Shares, thresholds and the forecast are against it.
    pub limit: u64,
    /// The `usageLimit` of today's latest reading that reported one.
    pub reported_limit: Option<u64>,
    /// Whether the platform reported a limit today that differs from the one the tier implies
    /// (`reported_limit != Some(limits.daily)` while a limit was reported): the tier table or the
    /// account's subscriptions may be out of date.
    pub limit_differs: bool,
    /// Today, in the account's time zone.
    pub today: NaiveDate,
    /// When the daily limit next resets: the next midnight in the account's time zone.
    pub resets_at: DateTime<Utc>,
    /// The `resetsAt` of today's latest reading that reported one.
    pub reported_resets_at: Option<DateTime<Utc>>,
    /// Whether the platform reported a reset time today that differs from `resets_at` (the
    /// account's time zone may be out of date).
    pub reset_differs: bool,
    /// Calls today so far, all apps.
    pub calls_today: u64,
    /// `calls_today / limit` (against 1 when the limit is 0).
    pub share_used: f64,
    /// The share thresholds of the settings (percent, ascending) that today's calls reached
    /// (U5): `calls_today × 100 ≥ percent × limit`.
    pub thresholds_crossed: Vec<u32>,
    /// Calls per app per day over the window, by day then app (U1).
    pub per_app: Vec<AppUsageDay>,
    /// The account's calls per day over the window, oldest first, today last (U1–U3).
    pub days: Vec<DailyUsage>,
    /// Complete days' trend (U3).
    pub trend: UsageTrend,
    /// Spikes in the window, per app and for the account (U4).
    pub spikes: Vec<UsageSpike>,
    /// Present when today's calls will reach the limit in force before it resets at the current
    /// pace, or already did (U5, X3).
    pub forecast: Option<LimitForecast>,
}

/// How far back the pace of today's calls is measured.
const PACE_WINDOW_MINUTES: i64 = 60;

/// Days before the window the report reads: the trend's 14 complete days, the moving average's
/// 6, and the spike rule's trailing days.
const TREND_DAYS: u32 = 14;

/// Per local day, what the readings of a span of days say.
struct Daily<'a> {
    /// Per app, per day: the largest running total.
    per_app: BTreeMap<&'a AppId, BTreeMap<NaiveDate, u64>>,
    /// Per day: the account's calls (sum over apps of their largest totals).
    totals: BTreeMap<NaiveDate, u64>,
    /// Per day: the latest reported limit, with its time.
    limits: BTreeMap<NaiveDate, (DateTime<Utc>, u64)>,
    /// Per day: the latest reported reset time, with its reading's time.
    resets: BTreeMap<NaiveDate, (DateTime<Utc>, DateTime<Utc>)>,
    /// The first local day of the history.
    first_day: Option<NaiveDate>,
}

impl Daily<'_> {
    fn total(&self, day: NaiveDate) -> u64 {
        self.totals.get(&day).copied().unwrap_or(0)
    }

    fn app(&self, app: &AppId, day: NaiveDate) -> u64 {
        self.per_app.get(app).and_then(|d| d.get(&day)).copied().unwrap_or(0)
    }

    fn limit(&self, day: NaiveDate, implied: u64) -> u64 {
        self.limits.get(&day).map_or(implied, |(_, limit)| *limit)
    }
}

/// Keeps the value of the latest reading per day (a later app wins a tie, so the result does not
/// depend on anything but the history).
fn keep_latest<T>(map: &mut BTreeMap<NaiveDate, (DateTime<Utc>, T)>, day: NaiveDate, at: DateTime<Utc>, value: T) {
    if map.get(&day).is_none_or(|(seen, _)| *seen <= at) {
        map.insert(day, (at, value));
    }
}

fn sum(values: impl IntoIterator<Item = u64>) -> u64 {
    values.into_iter().fold(0u64, u64::saturating_add)
}

fn share(calls: u64, limit: u64) -> f64 {
    calls as f64 / limit.max(1) as f64
}

impl UsageHistory {
    /// An empty history. Its days are those of the account each report is for.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps one snapshot (a later one at the same instant for the same app replaces it).
    ///
    /// # Errors
    /// [`InsightsError::TimestampOutOfRange`], [`InsightsError::EmptyAppId`],
    /// [`InsightsError::CountTooLarge`], [`InsightsError::TooManyApps`]; nothing is kept.
    pub fn record(&mut self, snapshot: &UsageSnapshot) -> Result<(), InsightsError> {
        self.record_all(std::slice::from_ref(snapshot)).map(drop)
    }

    /// Keeps a batch of snapshots, all or nothing: every snapshot is checked before any is kept.
    /// Returns how many were kept.
    ///
    /// # Errors
    /// As [`UsageHistory::record`], for the first refused snapshot (its position is the error's
    /// row); nothing of the batch is then kept.
    pub fn record_all(&mut self, snapshots: &[UsageSnapshot]) -> Result<usize, InsightsError> {
        for (row, snapshot) in snapshots.iter().enumerate() {
            if snapshot.app.as_str().is_empty() {
                return Err(InsightsError::EmptyAppId);
            }
            check_reading(row, snapshot.at, &reading(snapshot))?;
        }
        self.check_new_apps(snapshots.iter().map(|s| &s.app))?;
        for snapshot in snapshots {
            self.apps.entry(snapshot.app.clone()).or_default().insert(snapshot.at, reading(snapshot));
        }
        Ok(snapshots.len())
    }

    /// Refuses a batch that would bring the history past [`MAX_USAGE_APPS`].
    fn check_new_apps<'a>(&self, apps: impl Iterator<Item = &'a AppId>) -> Result<(), InsightsError> {
        let new: BTreeSet<&AppId> = apps.filter(|app| !self.apps.contains_key(*app)).collect();
        let got = self.apps.len().saturating_add(new.len());
        if got > MAX_USAGE_APPS {
            return Err(InsightsError::TooManyApps { got, max: MAX_USAGE_APPS });
        }
        Ok(())
    }

    /// Keeps a batch of snapshots given as columns, all or nothing; returns how many.
    ///
    /// # Errors
    /// [`InsightsError::ColumnLength`], [`InsightsError::DictionaryTooLong`],
    /// [`InsightsError::UnknownCode`], [`InsightsError::TimestampOutOfRange`],
    /// [`InsightsError::NegativeCount`], [`InsightsError::CountTooLarge`],
    /// [`InsightsError::EmptyAppId`], [`InsightsError::TooManyApps`]; nothing is kept.
    pub fn ingest_columns(&mut self, columns: &UsageSnapshotColumns<'_>) -> Result<usize, InsightsError> {
        let rows = columns.at_micros.len();
        check_lengths(rows, &[("apps", columns.apps.len()), ("calls_today", columns.calls_today.len())])?;
        let size = columns.app_dictionary.len();
        if size > MAX_DICTIONARY_LEN {
            return Err(InsightsError::DictionaryTooLong {
                column: "app_dictionary",
                len: size,
                max: MAX_DICTIONARY_LEN,
            });
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
            let name = usize::try_from(app)
                .ok()
                .and_then(|code| columns.app_dictionary.get(code))
                .ok_or(InsightsError::UnknownCode { row, column: "apps", code: app, size })?;
            let calls = u64::try_from(calls).map_err(|_| InsightsError::NegativeCount { row, value: calls })?;
            let reading = Reading { calls_today: calls, usage_limit: None, resets_at: None };
            check_reading(row, at, &reading)?;
            checked.push((AppId(name.clone()), at, reading));
        }
        self.check_new_apps(checked.iter().map(|(app, _, _)| app))?;
        for (app, at, reading) in checked {
            self.apps.entry(app).or_default().insert(at, reading);
        }
        Ok(rows)
    }

    /// Every kept snapshot of `app`, oldest first (the intraday history).
    #[must_use]
    pub fn snapshots(&self, app: &AppId) -> Vec<UsageSnapshot> {
        self.apps
            .get(app)
            .into_iter()
            .flatten()
            .map(|(at, r)| UsageSnapshot {
                app: app.clone(),
                at: *at,
                calls_today: r.calls_today,
                usage_limit: r.usage_limit,
                resets_at: r.resets_at,
            })
            .collect()
    }

    /// Every reading as columns, by app (in id order) then time: what a host hands on as a
    /// table (e.g. Arrow).
    #[must_use]
    pub fn columns(&self) -> UsageColumns<'_> {
        let rows = self.apps.values().map(BTreeMap::len).sum();
        let mut out = UsageColumns {
            apps: Vec::with_capacity(rows),
            app_dictionary: self.apps.keys().collect(),
            at_micros: Vec::with_capacity(rows),
            calls_today: Vec::with_capacity(rows),
            usage_limits: Vec::with_capacity(rows),
            resets_at_micros: Vec::with_capacity(rows),
        };
        for (code, readings) in self.apps.values().enumerate() {
            // At most MAX_USAGE_APPS apps: the code fits a u32.
            let code = u32::try_from(code).unwrap_or(u32::MAX);
            for (at, reading) in readings {
                out.apps.push(code);
                out.at_micros.push(at.timestamp_micros());
                out.calls_today.push(reading.calls_today);
                out.usage_limits.push(reading.usage_limit);
                out.resets_at_micros.push(reading.resets_at.map(|r| r.timestamp_micros()));
            }
        }
        out
    }

    /// Apps with at least one snapshot.
    #[must_use]
    pub fn app_count(&self) -> usize {
        self.apps.len()
    }

    /// The history as JSON (its snapshot).
    ///
    /// # Errors
    /// [`InsightsError::Malformed`] if serialisation fails (it does not for a valid history).
    pub fn to_json(&self) -> Result<String, InsightsError> {
        serde_json::to_string(self)
            .map_err(|e| InsightsError::Malformed { what: "usage history", message: e.to_string() })
    }

    /// Restores a history from [`UsageHistory::to_json`], re-checking every bound an ingest
    /// checks.
    ///
    /// # Errors
    /// [`InsightsError::Malformed`] for JSON of another shape; the ingest errors for a value out
    /// of bounds.
    pub fn from_json(json: &str) -> Result<Self, InsightsError> {
        let data: UsageHistoryData = serde_json::from_str(json)
            .map_err(|e| InsightsError::Malformed { what: "usage history", message: e.to_string() })?;
        Self::try_from(data)
    }

    /// Adds `other`'s readings to this history (X7): the union of both, so merging partial
    /// histories in any grouping and order gives the history of all their readings. Where both
    /// hold a reading of one app at one instant and the two differ, the larger is kept (by calls,
    /// then reported limit, then reset time): unlike [`UsageHistory::record`] (a later reading
    /// replaces), a merge knows no order, and a running total only grows.
    ///
    /// # Errors
    /// [`InsightsError::TooManyApps`] when the union would pass [`MAX_USAGE_APPS`] apps; nothing
    /// changes then.
    pub fn merge(&mut self, other: &Self) -> Result<(), InsightsError> {
        self.check_new_apps(other.apps.keys())?;
        for (app, readings) in &other.apps {
            let mine = self.apps.entry(app.clone()).or_default();
            for (at, reading) in readings {
                let kept = mine.entry(*at).or_insert(*reading);
                *kept = (*kept).max(*reading);
            }
        }
        Ok(())
    }

    /// The history's compact byte form (X7), to pickle or ship between workers: a versioned
    /// envelope (see the `partial` module) around its readings, canonical (apps and instants in
    /// order).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Kind::Usage);
        w.len(self.apps.len());
        for (app, readings) in &self.apps {
            w.str(app.as_str());
            w.len(readings.len());
            for (at, reading) in readings {
                w.i64(at.timestamp());
                w.varint(at.timestamp_subsec_nanos().into());
                w.varint(reading.calls_today);
                let flags = u8::from(reading.usage_limit.is_some()) | u8::from(reading.resets_at.is_some()) << 1;
                w.u8(flags);
                if let Some(limit) = reading.usage_limit {
                    w.varint(limit);
                }
                if let Some(resets_at) = reading.resets_at {
                    w.i64(resets_at.timestamp());
                    w.varint(resets_at.timestamp_subsec_nanos().into());
                }
            }
        }
        w.finish()
    }

    /// Reads a history written by [`UsageHistory::to_bytes`]: the envelope is checked (size,
    /// format version, kind, checksum), every length against the bytes that remain, then every
    /// bound an ingest checks.
    ///
    /// # Errors
    /// [`InsightsError::PartialVersion`], [`InsightsError::IncompatiblePartial`] (bytes of another
    /// kind), [`InsightsError::PartialTooLarge`], [`InsightsError::Malformed`] for corrupt or
    /// truncated bytes, and the errors of [`UsageHistory::from_json`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, InsightsError> {
        let mut r = Reader::open(bytes, Kind::Usage, "usage history bytes")?;
        // An app takes at least 2 bytes: its name's length and its count of readings.
        let n = r.count("apps", 2, MAX_USAGE_APPS)?;
        let mut apps = Readings::new();
        for _ in 0..n {
            let app = AppId(r.string()?);
            // A reading takes at least 4 bytes: seconds, nanoseconds, calls and flags.
            let m = r.count("readings", 4, usize::MAX)?;
            let mut readings = BTreeMap::new();
            for _ in 0..m {
                let at = instant(&mut r)?;
                let calls_today = r.varint()?;
                let flags = r.u8()?;
                if flags > 3 {
                    return Err(r.bad(format!("reading flags {flags} name fields that do not exist")));
                }
                let usage_limit = if flags & 1 == 1 { Some(r.varint()?) } else { None };
                let resets_at = if flags & 2 == 2 { Some(instant(&mut r)?) } else { None };
                if readings.insert(at, Reading { calls_today, usage_limit, resets_at }).is_some() {
                    return Err(r.bad(format!("app {app} has two readings at {at}")));
                }
            }
            if apps.insert(app.clone(), readings).is_some() {
                return Err(r.bad(format!("app {app} appears twice")));
            }
        }
        r.end()?;
        Self::try_from(UsageHistoryData { apps })
    }

    /// The readings of local days `from..=to` in `tz`, and the history's first local day.
    fn daily(&self, tz: Tz, from: NaiveDate, to: NaiveDate) -> Daily<'_> {
        let start = local_midnight(tz, from);
        let end = local_midnight(tz, to.checked_add_days(Days::new(1)).unwrap_or(to));
        let mut daily = Daily {
            per_app: BTreeMap::new(),
            totals: BTreeMap::new(),
            limits: BTreeMap::new(),
            resets: BTreeMap::new(),
            first_day: self.apps.values().filter_map(|r| r.keys().next()).min().map(|at| local_day(tz, *at)),
        };
        for (app, readings) in &self.apps {
            let days = daily.per_app.entry(app).or_default();
            for (at, reading) in readings.range(start..end.max(start)) {
                let day = local_day(tz, *at);
                if day < from || day > to {
                    continue;
                }
                let calls = days.entry(day).or_insert(0);
                *calls = (*calls).max(reading.calls_today);
                if let Some(limit) = reading.usage_limit {
                    keep_latest(&mut daily.limits, day, *at, limit);
                }
                if let Some(resets_at) = reading.resets_at {
                    keep_latest(&mut daily.resets, day, *at, resets_at);
                }
            }
        }
        for days in daily.per_app.values() {
            for (day, calls) in days {
                let total = daily.totals.entry(*day).or_insert(0);
                *total = total.saturating_add(*calls);
            }
        }
        daily
    }

    /// The usage report for `account` at `now` (U1–U5, X3): days are local days of the account's
    /// time zone, and the limit the tier implies follows from its subscriptions and increases.
    ///
    /// # Errors
    /// [`InsightsError::UnknownTimeZone`] (the account's), [`InsightsError::TooManyLimitIncreases`],
    /// [`InsightsError::EmptyWindow`], [`InsightsError::WindowTooLong`] (a window past
    /// [`MAX_WINDOW_DAYS`](crate::limits::MAX_WINDOW_DAYS), as record insights refuse it),
    /// [`InsightsError::SettingOutOfRange`], and the spike rule's
    /// [`RobustRule::check`] errors.
    pub fn report(
        &self,
        account: &Account,
        settings: &UsageSettings,
        now: DateTime<Utc>,
    ) -> Result<UsageReport, InsightsError> {
        let tz = parse_tz(&account.time_zone)?;
        settings.check()?;
        let limits = settings.limit_config.limits(account)?;
        let rule = &settings.spike_rule;
        let today = now.with_timezone(&tz).date_naive();
        let next_day = today.checked_add_days(Days::new(1)).unwrap_or(today);
        let resets_at = local_midnight(tz, next_day);
        let back = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN);
        let window: Vec<NaiveDate> = (0..u64::from(settings.window_days)).rev().map(back).collect();
        let lookback = u64::from(settings.window_days) + u64::from(rule.trailing_days.max(TREND_DAYS));
        let daily = self.daily(tz, back(lookback), today);
        let started = |day: NaiveDate| daily.first_day.is_some_and(|first| first <= day);

        let days = window
            .iter()
            .map(|&day| {
                let calls = daily.total(day);
                let limit = daily.limit(day, limits.daily);
                let week: Vec<NaiveDate> = (0..7).filter_map(|k| day.checked_sub_days(Days::new(k))).collect();
                let full_week = week.len() == 7 && week.iter().all(|d| started(*d));
                DailyUsage {
                    day,
                    calls,
                    limit,
                    share_of_limit: share(calls, limit),
                    moving_average_7d: full_week.then(|| sum(week.iter().map(|d| daily.total(*d))) as f64 / 7.0),
                }
            })
            .collect();
        let window_start = back(u64::from(settings.window_days).saturating_sub(1));
        let mut per_app: Vec<AppUsageDay> = daily
            .per_app
            .iter()
            .flat_map(|(app, days)| {
                days.range(window_start..=today).filter(|(_, calls)| **calls > 0).map(|(day, calls)| AppUsageDay {
                    app: (*app).clone(),
                    day: *day,
                    calls: *calls,
                })
            })
            .collect();
        per_app.sort_by(|a, b| (a.day, &a.app).cmp(&(b.day, &b.app)));
        let period = |from: u64, to: u64| sum((from..to).map(|k| daily.total(back(k))));
        let (last_7_days, previous_7_days) = (period(1, 8), period(8, 15));
        let trend = UsageTrend {
            last_7_days,
            previous_7_days,
            change: (previous_7_days > 0)
                .then(|| (last_7_days as f64 - previous_7_days as f64) / previous_7_days as f64),
        };
        let calls_today = daily.total(today);
        let limit = daily.limit(today, limits.daily);
        let reported_limit = daily.limits.get(&today).map(|(_, l)| *l);
        let reported_resets_at = daily.resets.get(&today).map(|(_, r)| *r);
        let thresholds: BTreeSet<u32> = settings.share_thresholds_percent.iter().copied().collect();
        let crossed = |p: &u32| u128::from(calls_today) * 100 >= u128::from(*p) * u128::from(limit);
        Ok(UsageReport {
            limit_differs: reported_limit.is_some_and(|l| l != limits.daily),
            reported_limit,
            limit,
            limits,
            today,
            resets_at,
            reset_differs: reported_resets_at.is_some_and(|r| r != resets_at),
            reported_resets_at,
            calls_today,
            share_used: share(calls_today, limit),
            thresholds_crossed: thresholds.into_iter().filter(crossed).collect(),
            per_app,
            days,
            trend,
            spikes: self.spikes(&window, rule, &daily),
            forecast: self.forecast(tz, today, limit, resets_at, calls_today),
        })
    }

    fn spikes(&self, window: &[NaiveDate], rule: &RobustRule, daily: &Daily<'_>) -> Vec<UsageSpike> {
        let Some(first_day) = daily.first_day else { return Vec::new() };
        let series = |calls: &dyn Fn(NaiveDate) -> u64, app: Option<&AppId>| -> Vec<UsageSpike> {
            window
                .iter()
                .filter_map(|&day| {
                    let value = calls(day);
                    if value < rule.min_value || value == 0 {
                        return None;
                    }
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
        let mut out = series(&|d| daily.total(d), None);
        for app in self.apps.keys() {
            out.extend(series(&|d| daily.app(app, d), Some(app)));
        }
        out.sort_by(|a, b| (a.day, &a.app).cmp(&(b.day, &b.app)));
        out
    }

    /// At the current pace (each app's calls over its last hour of snapshots, or since midnight
    /// when it has only one), when today's total reaches `limit`; `None` if not before the reset.
    fn forecast(
        &self,
        tz: Tz,
        today: NaiveDate,
        limit: u64,
        resets_at: DateTime<Utc>,
        calls_so_far: u64,
    ) -> Option<LimitForecast> {
        let midnight = local_midnight(tz, today);
        let mut per_hour = 0.0;
        let mut latest: Option<DateTime<Utc>> = None;
        for readings in self.apps.values() {
            let today_readings = || readings.range(midnight..resets_at.max(midnight));
            let Some((&last_at, last)) = today_readings().next_back() else { continue };
            let since = last_at.checked_sub_signed(chrono::Duration::minutes(PACE_WINDOW_MINUTES)).unwrap_or(last_at);
            let from = today_readings().find(|(at, _)| **at >= since).map(|(at, r)| (*at, r.calls_today));
            let (from_at, from) = match from {
                Some((at, calls)) if at < last_at => (at, calls),
                _ => (midnight, 0),
            };
            let hours = (last_at - from_at).num_milliseconds() as f64 / 3_600_000.0;
            if hours > 0.0 {
                per_hour += last.calls_today.saturating_sub(from) as f64 / hours;
            }
            latest = latest.max(Some(last_at));
        }
        let latest = latest?;
        let forecast = |exhausts_at, already_exhausted| LimitForecast {
            exhausts_at,
            already_exhausted,
            calls_so_far,
            calls_per_hour: per_hour,
            limit,
        };
        if calls_so_far >= limit {
            return Some(forecast(latest, true));
        }
        if per_hour <= 0.0 {
            return None;
        }
        let hours_left = limit.saturating_sub(calls_so_far) as f64 / per_hour;
        let millis = (hours_left * 3_600_000.0).min(1e15) as i64;
        let exhausts_at = latest.checked_add_signed(chrono::Duration::milliseconds(millis))?;
        (exhausts_at < resets_at).then(|| forecast(exhausts_at, false))
    }
}

fn reading(snapshot: &UsageSnapshot) -> Reading {
    Reading { calls_today: snapshot.calls_today, usage_limit: snapshot.usage_limit, resets_at: snapshot.resets_at }
}

fn parse_tz(name: &str) -> Result<Tz, InsightsError> {
    name.parse::<Tz>().map_err(|_| InsightsError::UnknownTimeZone(name.to_owned()))
}

fn local_day(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The instant of local midnight starting `day` (the first instant of the day when a clock
/// change skips midnight).
fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_time(chrono::NaiveTime::MIN);
    (0..=3)
        .find_map(|h| tz.from_local_datetime(&(naive + chrono::Duration::minutes(30 * h))).earliest())
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

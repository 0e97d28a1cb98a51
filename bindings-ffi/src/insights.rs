//! Record insights (R1–R6, O4, X2, X7) and API-call usage (U1–U5, X3): aggregates the host
//! feeds, then views computed by the core at the instant the host passes.
//!
//! Days (`Day`) cross as ISO 8601 dates (`2026-03-02`), UTC days for record insights and the
//! account's local days for API usage; record types (`RecordType`) as their names.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::NaiveDate;
use connected_apps::insights::{
    ApiLimitConfig, ApiLimits, AppUsageDay, DailyUsage, Grouping, InsightRow, InsightsQuery, InsightsSettings,
    LimitForecast, RecordAction, RecordCell, RecordEvent, RecordInsights, RecordType, RobustRule, UnexpectedBehaviour,
    UsageReport, UsageSettings, UsageSnapshot, UsageSpike, UsageTrend,
};
use connected_apps::{Account, AppId, RecordCellColumns, Tier, UsageColumns};

use crate::error::{ConnectedAppsError, catching_panics};
use crate::types::{Count, Timestamp};

/// A calendar day, crossing as an ISO 8601 date string.
pub type Day = NaiveDate;

uniffi::custom_type!(Day, String, {
    remote,
    lower: |day| day.format("%Y-%m-%d").to_string(),
    try_lift: |text| Ok(NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|e| ConnectedAppsError::InvalidInput {
        message: format!("day {text:?} is not an iso 8601 date: {e}"),
    })?),
});

uniffi::custom_type!(RecordType, String, {
    remote,
    lower: |t| t.as_str().to_owned(),
    try_lift: |text| Ok(RecordType::parse(&text).map_err(ConnectedAppsError::from)?),
});

/// What happened to a record (R1).
#[uniffi::remote(Enum)]
pub enum RecordAction {
    Created,
    Updated,
    Deleted,
    Merged,
}

/// One record event (R1).
#[uniffi::remote(Record)]
pub struct RecordEvent {
    pub at: Timestamp,
    pub app: AppId,
    pub record_type: RecordType,
    pub action: RecordAction,
}

/// Record events as columns of equal length, apps and record types dictionary-encoded; actions
/// as `record_action_code` bytes, timestamps in microseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordEventColumns {
    /// Timestamps in microseconds since the Unix epoch (UTC).
    pub at_micros: Vec<i64>,
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// App ids, indexed by app code.
    pub app_dictionary: Vec<String>,
    /// Record-type codes into `record_type_dictionary`.
    pub record_types: Vec<u32>,
    /// Record types, indexed by code.
    pub record_type_dictionary: Vec<String>,
    /// Action codes.
    pub actions: Vec<u8>,
}

impl RecordEventColumns {
    fn borrowed(&self) -> connected_apps::insights::RecordEventColumns<'_> {
        connected_apps::insights::RecordEventColumns {
            at_micros: &self.at_micros,
            apps: &self.apps,
            app_dictionary: &self.app_dictionary,
            record_types: &self.record_types,
            record_type_dictionary: &self.record_type_dictionary,
            actions: &self.actions,
        }
    }
}

/// One non-zero cell of an aggregate.
#[uniffi::remote(Record)]
pub struct RecordCell {
    pub day: Day,
    pub app: AppId,
    pub record_type: RecordType,
    pub action: RecordAction,
    pub count: u64,
}

/// The non-zero cells of an aggregate as columns of equal length, in the order of `cells()`
/// (issue 14): the core's `RecordCellColumns`, converted only. `days` are UTC days as days since
/// 1970-01-01; `apps` and `record_types` are codes into their dictionaries; `actions` holds
/// action codes as bytes (`record_action_code`), positions in `action_dictionary`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordCellColumnsView {
    /// UTC days, as days since 1970-01-01.
    pub days: Vec<i32>,
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// Record-type codes into `record_type_dictionary`.
    pub record_types: Vec<u32>,
    /// Action codes into `action_dictionary`.
    pub actions: Vec<u8>,
    /// The cells' counts.
    pub counts: Vec<u64>,
    /// The aggregate's apps, by code.
    pub app_dictionary: Vec<AppId>,
    /// The aggregate's record types, by code.
    pub record_type_dictionary: Vec<RecordType>,
    /// Every action, by code.
    pub action_dictionary: Vec<RecordAction>,
}

impl From<RecordCellColumns<'_>> for RecordCellColumnsView {
    fn from(c: RecordCellColumns<'_>) -> Self {
        Self {
            days: c.days,
            apps: c.apps,
            record_types: c.record_types,
            actions: c.actions,
            counts: c.counts,
            app_dictionary: c.app_dictionary.to_vec(),
            record_type_dictionary: c.record_type_dictionary.to_vec(),
            action_dictionary: RecordAction::ALL.to_vec(),
        }
    }
}

/// Parameters of the robust baseline rule behind the destructive-change flag (X2) and spikes (U4).
#[uniffi::remote(Record)]
pub struct RobustRule {
    pub trailing_days: u32,
    pub min_history_days: u32,
    pub mad_multiplier: f64,
    pub min_spread: f64,
    pub min_value: u64,
}

/// Settings of record insights: the data floor (R4), the window (R3) and the flag rule (X2).
#[uniffi::remote(Record)]
pub struct InsightsSettings {
    pub data_floor: Day,
    pub window_days: u32,
    pub flag_rule: RobustRule,
}

/// Which dimensions a view keeps apart (the others are summed).
#[uniffi::remote(Record)]
pub struct Grouping {
    pub app: bool,
    pub record_type: bool,
    pub action: bool,
}

/// What a record-insights view shows: the window's last day (R5), whether today's incomplete
/// counts are included, an optional app (O4) and record type, and the rows.
#[uniffi::remote(Record)]
pub struct InsightsQuery {
    pub as_of: Day,
    pub include_incomplete_day: bool,
    pub app: Option<AppId>,
    pub record_type: Option<RecordType>,
    pub group_by: Grouping,
}

/// One row of a view: the group's values and its daily counts, empty before the data floor.
#[uniffi::remote(Record)]
pub struct InsightRow {
    pub app: Option<AppId>,
    pub record_type: Option<RecordType>,
    pub action: Option<RecordAction>,
    pub daily: Vec<Option<u64>>,
    pub total: u64,
}

/// An app deleting or merging records of a type far beyond its own trailing baseline (X2).
#[uniffi::remote(Record)]
pub struct UnexpectedBehaviour {
    pub app: AppId,
    pub record_type: RecordType,
    pub action: RecordAction,
    pub day: Day,
    pub count: u64,
    pub baseline_median: f64,
    pub threshold: f64,
}

/// A record-insights view (R1–R6, O4) with its flags (X2).
#[uniffi::remote(Record)]
pub struct RecordInsights {
    pub as_of: Day,
    pub days: Vec<Day>,
    pub floor: Day,
    pub incomplete_day_included: bool,
    pub rows: Vec<InsightRow>,
    pub flags: Vec<UnexpectedBehaviour>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Panics are caught inside the lock, so poisoning cannot happen; recover anyway.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Daily counts per UTC day × app × record type × action (R1, R2), mergeable and serialisable
/// so partial aggregates can be built apart and combined (X7).
#[derive(uniffi::Object)]
pub struct RecordAggregate {
    inner: Mutex<connected_apps::RecordAggregate>,
}

impl RecordAggregate {
    fn wrap(inner: connected_apps::RecordAggregate) -> Arc<Self> {
        Arc::new(Self { inner: Mutex::new(inner) })
    }

    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut connected_apps::RecordAggregate) -> Result<T, ConnectedAppsError>,
    ) -> Result<T, ConnectedAppsError> {
        let mut inner = locked(&self.inner);
        catching_panics(|| f(&mut inner))
    }
}

#[uniffi::export]
impl RecordAggregate {
    /// An empty aggregate.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Self::wrap(connected_apps::RecordAggregate::new())
    }

    /// An aggregate of the events held in `columns`.
    #[uniffi::constructor]
    pub fn from_columns(columns: RecordEventColumns) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Self::wrap(connected_apps::RecordAggregate::from_columns(&columns.borrowed())?)))
    }

    /// Reads an aggregate written by `to_json`.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Self::wrap(connected_apps::RecordAggregate::from_json(&json)?)))
    }

    /// Reads an aggregate written by `to_bytes`: refused (a typed error) for another format
    /// version, kind or settings, or corrupt bytes (X7).
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Self::wrap(connected_apps::RecordAggregate::from_bytes(&bytes)?)))
    }

    /// Counts one record event.
    pub fn ingest(&self, event: RecordEvent) -> Result<(), ConnectedAppsError> {
        self.with(|a| Ok(a.ingest(&event)?))
    }

    /// Counts a batch of record events, all or nothing; returns how many were counted.
    pub fn ingest_all(&self, events: Vec<RecordEvent>) -> Result<Count, ConnectedAppsError> {
        self.with(|a| Ok(a.ingest_all(&events)?))
    }

    /// Counts the events held in `columns`, all or nothing; returns how many were counted.
    pub fn ingest_columns(&self, columns: RecordEventColumns) -> Result<Count, ConnectedAppsError> {
        self.with(|a| Ok(a.ingest_columns(&columns.borrowed())?))
    }

    /// Adds another aggregate's counts to this one (X7); refused, changing nothing, when the
    /// total would pass 2^64 − 1.
    pub fn merge(&self, other: Arc<RecordAggregate>) -> Result<(), ConnectedAppsError> {
        // Copy the other side first: merging an aggregate into itself must not lock it twice.
        let other = locked(&other.inner).clone();
        self.with(|a| Ok(a.merge(&other)?))
    }

    /// Events counted.
    pub fn event_count(&self) -> Result<u64, ConnectedAppsError> {
        self.with(|a| Ok(a.event_count()))
    }

    /// Non-zero cells held (day × app × record type × action): the aggregate's memory follows them.
    pub fn cell_count(&self) -> Result<Count, ConnectedAppsError> {
        self.with(|a| Ok(a.cell_count()))
    }

    /// The apps seen, in first-seen order.
    pub fn apps(&self) -> Result<Vec<AppId>, ConnectedAppsError> {
        self.with(|a| Ok(a.apps().to_vec()))
    }

    /// The non-zero cells, in order.
    pub fn cells(&self) -> Result<Vec<RecordCell>, ConnectedAppsError> {
        self.with(|a| Ok(a.cells()))
    }

    /// The non-zero cells as columns, in the order of `cells()` (issue 14).
    pub fn cell_columns(&self) -> Result<RecordCellColumnsView, ConnectedAppsError> {
        self.with(|a| Ok(a.cell_columns().into()))
    }

    /// The aggregate as JSON, to store or ship to another node (X7).
    pub fn to_json(&self) -> Result<String, ConnectedAppsError> {
        self.with(|a| Ok(a.to_json()))
    }

    /// The aggregate's compact byte form (versioned, checksummed, canonical), to ship to another
    /// node and merge there (X7).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ConnectedAppsError> {
        self.with(|a| Ok(a.to_bytes()))
    }

    /// A record-insights view at `now` (R1–R6, O4) with its destructive-change flags (X2).
    pub fn insights(
        &self,
        settings: InsightsSettings,
        query: InsightsQuery,
        now: Timestamp,
    ) -> Result<RecordInsights, ConnectedAppsError> {
        self.with(|a| Ok(a.insights(&settings, &query, now)?))
    }
}

/// The default settings: data from 2025-12-01, a 30-day window, the records flag rule.
#[uniffi::export]
pub fn default_insights_settings() -> InsightsSettings {
    InsightsSettings::default()
}

/// The robust rule for deletes and merges of records (X2).
#[uniffi::export]
pub fn robust_rule_for_records() -> RobustRule {
    RobustRule::records()
}

/// The robust rule for daily API calls (U4).
#[uniffi::export]
pub fn robust_rule_for_api_calls() -> RobustRule {
    RobustRule::api_calls()
}

/// The code of an action in the `actions` column.
#[uniffi::export]
pub fn record_action_code(action: RecordAction) -> u8 {
    action.code()
}

/// Whether the action destroys records (what the destructive-change flag watches).
#[uniffi::export]
pub fn record_action_is_destructive(action: RecordAction) -> bool {
    action.is_destructive()
}

/// Whether a record type is a custom object.
#[uniffi::export]
pub fn record_type_is_custom(record_type: RecordType) -> bool {
    record_type.is_custom()
}

// ------------------------------------------------------------------ API usage (U1–U5)

/// The platform's API-limit table (U2), versioned.
#[uniffi::remote(Record)]
pub struct ApiLimitConfig {
    pub version: String,
    pub daily_free_starter: u64,
    pub daily_professional: u64,
    pub daily_enterprise: u64,
    pub daily_per_increase: u64,
    pub max_increases: u8,
    pub burst_free_starter: u32,
    pub burst_professional: u32,
    pub burst_enterprise: u32,
    pub burst_with_increase: u32,
}

/// The limits that apply to an account (U2).
#[uniffi::remote(Record)]
pub struct ApiLimits {
    pub version: String,
    pub tier: Tier,
    pub increases: u8,
    pub daily: u64,
    pub burst_per_10s: u32,
}

/// One reading of an app's API calls so far today, with the limit and reset time the platform
/// reported with it, if any (K1, U1).
#[uniffi::remote(Record)]
pub struct UsageSnapshot {
    pub app: AppId,
    pub at: Timestamp,
    pub calls_today: u64,
    pub usage_limit: Option<u64>,
    pub resets_at: Option<Timestamp>,
}

/// How a usage report is computed: the limit table, the window, the spike rule and the share
/// thresholds (percent) that warn (U2–U5).
#[uniffi::remote(Record)]
pub struct UsageSettings {
    pub limit_config: ApiLimitConfig,
    pub window_days: u32,
    pub spike_rule: RobustRule,
    pub share_thresholds_percent: Vec<u32>,
}

/// Usage snapshots as columns of equal length, apps dictionary-encoded, timestamps in
/// microseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UsageSnapshotColumns {
    /// Timestamps in microseconds since the Unix epoch.
    pub at_micros: Vec<i64>,
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// App ids, indexed by app code.
    pub app_dictionary: Vec<String>,
    /// Calls so far that local day.
    pub calls_today: Vec<i64>,
}

/// Every reading of a usage history as columns of equal length, by app (in id order) then time
/// (issue 14): the core's `UsageColumns`, converted only. Times are microseconds since the Unix
/// epoch (UTC); `apps` are codes into `app_dictionary`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UsageColumnsView {
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// When each reading was taken.
    pub at_micros: Vec<i64>,
    /// The calls the app had made that day.
    pub calls_today: Vec<u64>,
    /// The `usageLimit` reported with the reading, if any.
    pub usage_limits: Vec<Option<u64>>,
    /// The `resetsAt` reported with the reading, if any.
    pub resets_at_micros: Vec<Option<i64>>,
    /// The apps with readings, in id order (their codes).
    pub app_dictionary: Vec<AppId>,
}

impl From<UsageColumns<'_>> for UsageColumnsView {
    fn from(c: UsageColumns<'_>) -> Self {
        Self {
            apps: c.apps,
            at_micros: c.at_micros,
            calls_today: c.calls_today,
            usage_limits: c.usage_limits,
            resets_at_micros: c.resets_at_micros,
            app_dictionary: c.app_dictionary.into_iter().cloned().collect(),
        }
    }
}

/// One app's calls on one local day.
#[uniffi::remote(Record)]
pub struct AppUsageDay {
    pub app: AppId,
    pub day: Day,
    pub calls: u64,
}

/// The account's calls on one local day, the limit in force, its share and a 7-day moving average.
#[uniffi::remote(Record)]
pub struct DailyUsage {
    pub day: Day,
    pub calls: u64,
    pub limit: u64,
    pub share_of_limit: f64,
    pub moving_average_7d: Option<f64>,
}

/// The last 7 days against the 7 before (U3).
#[uniffi::remote(Record)]
pub struct UsageTrend {
    pub last_7_days: u64,
    pub previous_7_days: u64,
    pub change: Option<f64>,
}

/// A day with far more calls than the baseline (U4), for the account or one app.
#[uniffi::remote(Record)]
pub struct UsageSpike {
    pub day: Day,
    pub app: Option<AppId>,
    pub calls: u64,
    pub baseline_median: f64,
    pub threshold: f64,
}

/// When today's calls will exhaust the daily limit at the current pace (U5, X3).
#[uniffi::remote(Record)]
pub struct LimitForecast {
    pub exhausts_at: Timestamp,
    pub already_exhausted: bool,
    pub calls_so_far: u64,
    pub calls_per_hour: f64,
    pub limit: u64,
}

/// The API usage report (U1–U5): `limit` is in force (the platform's reported one, else the
/// tier's `limits.daily`); `limit_differs` / `reset_differs` say the platform disagrees with the
/// tier / the account's time zone; `thresholds_crossed` lists the share thresholds reached today.
#[uniffi::remote(Record)]
pub struct UsageReport {
    pub limits: ApiLimits,
    pub limit: u64,
    pub reported_limit: Option<u64>,
    pub limit_differs: bool,
    pub today: Day,
    pub resets_at: Timestamp,
    pub reported_resets_at: Option<Timestamp>,
    pub reset_differs: bool,
    pub calls_today: u64,
    pub share_used: f64,
    pub thresholds_crossed: Vec<u32>,
    pub per_app: Vec<AppUsageDay>,
    pub days: Vec<DailyUsage>,
    pub trend: UsageTrend,
    pub spikes: Vec<UsageSpike>,
    pub forecast: Option<LimitForecast>,
}

/// The platform's current limit table.
#[uniffi::export]
pub fn default_api_limit_config() -> ApiLimitConfig {
    ApiLimitConfig::default()
}

/// The limits that apply to `account` under `config` (U2).
#[uniffi::export]
pub fn api_limits(config: ApiLimitConfig, account: Account) -> Result<ApiLimits, ConnectedAppsError> {
    catching_panics(|| Ok(config.limits(&account)?))
}

/// Default usage settings: the 2025-08 limits, 30 days, the API-call spike rule, warnings at 80,
/// 90 and 100 %.
#[uniffi::export]
pub fn default_usage_settings() -> UsageSettings {
    UsageSettings::default()
}

/// The account's API-call readings per private app; days are those of the account a report is
/// for (U1).
#[derive(uniffi::Object)]
pub struct UsageHistory {
    inner: Mutex<connected_apps::UsageHistory>,
}

impl UsageHistory {
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut connected_apps::UsageHistory) -> Result<T, ConnectedAppsError>,
    ) -> Result<T, ConnectedAppsError> {
        let mut inner = locked(&self.inner);
        catching_panics(|| f(&mut inner))
    }
}

#[uniffi::export]
impl UsageHistory {
    /// An empty history.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self { inner: Mutex::new(connected_apps::UsageHistory::new()) })
    }

    /// Restores a history from `to_json`, re-checking every bound.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Arc::new(Self { inner: Mutex::new(connected_apps::UsageHistory::from_json(&json)?) })))
    }

    /// The history as JSON (its snapshot).
    pub fn to_json(&self) -> Result<String, ConnectedAppsError> {
        self.with(|h| Ok(h.to_json()?))
    }

    /// Reads a history written by `to_bytes`: refused (a typed error) for another format version
    /// or kind, or corrupt bytes (X7).
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Arc::new(Self { inner: Mutex::new(connected_apps::UsageHistory::from_bytes(&bytes)?) })))
    }

    /// The history's compact byte form (versioned, checksummed, canonical), to ship to another
    /// node and merge there (X7).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ConnectedAppsError> {
        self.with(|h| Ok(h.to_bytes()))
    }

    /// Adds another history's readings (X7): the union; of two readings of one app at one
    /// instant the larger is kept. Refused, changing nothing, past the app limit.
    pub fn merge(&self, other: Arc<UsageHistory>) -> Result<(), ConnectedAppsError> {
        // Copy the other side first: merging a history into itself must not lock it twice.
        let other = locked(&other.inner).clone();
        self.with(|h| Ok(h.merge(&other)?))
    }

    /// Records one reading.
    pub fn record(&self, snapshot: UsageSnapshot) -> Result<(), ConnectedAppsError> {
        self.with(|h| Ok(h.record(&snapshot)?))
    }

    /// Records a batch of readings, all or nothing; returns how many.
    pub fn record_all(&self, snapshots: Vec<UsageSnapshot>) -> Result<Count, ConnectedAppsError> {
        self.with(|h| Ok(h.record_all(&snapshots)?))
    }

    /// Records the readings held in `columns`, all or nothing; returns how many.
    pub fn ingest_columns(&self, columns: UsageSnapshotColumns) -> Result<Count, ConnectedAppsError> {
        self.with(|h| {
            Ok(h.ingest_columns(&connected_apps::UsageSnapshotColumns {
                at_micros: &columns.at_micros,
                apps: &columns.apps,
                app_dictionary: &columns.app_dictionary,
                calls_today: &columns.calls_today,
            })?)
        })
    }

    /// The readings of one app, oldest first.
    pub fn snapshots(&self, app: AppId) -> Result<Vec<UsageSnapshot>, ConnectedAppsError> {
        self.with(|h| Ok(h.snapshots(&app)))
    }

    /// Every reading as columns, by app (in id order) then time (issue 14).
    pub fn usage_columns(&self) -> Result<UsageColumnsView, ConnectedAppsError> {
        self.with(|h| Ok(h.columns().into()))
    }

    /// The usage report for `account` at `now`, over local days of its time zone (U1–U5).
    pub fn report(
        &self,
        account: Account,
        settings: UsageSettings,
        now: Timestamp,
    ) -> Result<UsageReport, ConnectedAppsError> {
        self.with(|h| Ok(h.report(&account, &settings, now)?))
    }
}

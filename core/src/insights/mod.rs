//! Insights: record insights (R1–R6, O4, X2, X7) and API-call usage (U1–U5, X3).
//!
//! Both are fed in bulk through columns (slices, so that hosts pass numpy or Arrow buffers
//! without crossing the boundary per element) or one item at a time, keep aggregates whose size
//! does not grow with the number of events, and answer views that are pure functions of the
//! aggregate, the settings and `now`.

mod batch;
pub mod dedupe;
mod partial;
mod record_forms;
mod records;
mod robust;
mod series;
mod usage;
mod view;
mod vocabulary;

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::columns::ColumnError;
use crate::kind::ErrorKind;

pub use partial::PARTIAL_FORMAT_VERSION;
pub use records::{RecordAggregate, RecordCellColumns};
pub use robust::RobustRule;
pub use usage::{
    ApiLimitConfig, ApiLimits, AppUsageDay, DailyUsage, LimitForecast, UsageColumns, UsageHistory, UsageReport,
    UsageSettings, UsageSnapshot, UsageSnapshotColumns, UsageSpike, UsageTrend,
};
pub use view::{Grouping, InsightRow, InsightsQuery, InsightsSettings, RecordInsights, UnexpectedBehaviour};
pub use vocabulary::{RecordAction, RecordCell, RecordEvent, RecordEventColumns, RecordType, STANDARD_RECORD_TYPES};

/// The latest timestamp accepted: the last microsecond of year 9999.
pub(crate) use crate::time::{DAY_MICROS, MAX_MICROS};

/// Errors of record insights and API-usage history. Ingests are all or nothing: on any error,
/// nothing of the batch is kept and what was ingested before is untouched.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InsightsError {
    /// A timestamp is before 1970 or after 9999.
    #[error("row {row}: timestamp {micros} µs since the epoch is outside 1970-01-01..=9999-12-31")]
    TimestampOutOfRange {
        /// The row (0 for a single item).
        row: usize,
        /// The timestamp, in microseconds since the epoch.
        micros: i64,
    },
    /// A record type is neither in the catalogue nor a custom object type id (`2-<digits>`).
    #[error(
        "unknown record type {0:?}: expected a standard object (contacts, companies, deals, tickets, …) or a custom object type id like 2-123456"
    )]
    UnknownRecordType(String),
    /// An app id is empty.
    #[error("app id must not be empty")]
    EmptyAppId,
    /// A column's length differs from the first column's.
    #[error(transparent)]
    ColumnLength(#[from] ColumnError),
    /// A code points past its dictionary, or names no action.
    #[error("row {row}: {column} code {code} is outside its dictionary of {size} entries")]
    UnknownCode {
        /// The row.
        row: usize,
        /// The column.
        column: &'static str,
        /// The code.
        code: u32,
        /// The dictionary's size.
        size: usize,
    },
    /// A count is negative.
    #[error("row {row}: count {value} is negative")]
    NegativeCount {
        /// The row (0 for a single item).
        row: usize,
        /// The count.
        value: i64,
    },
    /// A batch is too large for one call (split it).
    #[error("batch of {0} rows is over the limit of {max}", max = crate::limits::MAX_RECORD_BATCH_ROWS)]
    TooManyRows(usize),
    /// The view's day is after today.
    #[error("as-of day {as_of} is after today {today}")]
    AsOfInFuture {
        /// The requested day.
        as_of: NaiveDate,
        /// Today (UTC).
        today: NaiveDate,
    },
    /// A serialised aggregate or configuration is malformed.
    #[error("malformed {what}: {message}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The account's time zone is not an IANA name.
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
    /// The window length is 0.
    #[error("window must span at least one day, got {0}")]
    EmptyWindow(u32),
    /// A window (or a flag rule's trailing baseline) is longer than its limit
    /// ([`crate::limits::MAX_WINDOW_DAYS`], [`crate::limits::MAX_TRAILING_DAYS`]).
    #[error("{what} of {days} days exceeds the maximum of {max}")]
    WindowTooLong {
        /// What is too long.
        what: &'static str,
        /// Its length in days.
        days: u32,
        /// The most allowed.
        max: u32,
    },
    /// A dictionary passed beside code columns (or in a serialised aggregate) has more entries
    /// than [`crate::limits::MAX_DICTIONARY_LEN`].
    #[error("{column} has {len} entries, more than the maximum of {max}")]
    DictionaryTooLong {
        /// The dictionary.
        column: &'static str,
        /// Its length.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// Adding counts would pass 2⁶⁴ − 1; nothing was changed.
    #[error("count {count} plus {added} exceeds 18446744073709551615")]
    CountOverflow {
        /// The count before.
        count: u64,
        /// What was to be added.
        added: u64,
    },
    /// A flag rule's parameter is not a finite, non-negative number.
    #[error("flag rule {field} must be a finite number at least 0, got {value}")]
    InvalidRule {
        /// The parameter.
        field: &'static str,
        /// Its value, as written.
        value: String,
    },
    /// The account has more API-limit increases than the configuration allows.
    #[error("{got} api limit increases exceed the maximum of {max}")]
    TooManyLimitIncreases {
        /// The account's increases.
        got: u8,
        /// The most allowed.
        max: u8,
    },
    /// A setting is outside its accepted range (e.g. more share thresholds than
    /// [`crate::limits::MAX_SHARE_THRESHOLDS`]; a window too long is [`Self::WindowTooLong`]).
    #[error("{setting} {value} is outside {min}..={max}")]
    SettingOutOfRange {
        /// The setting.
        setting: &'static str,
        /// Its value.
        value: u64,
        /// The smallest accepted.
        min: u64,
        /// The largest accepted.
        max: u64,
    },
    /// A count is larger than accepted (e.g. a running daily total above
    /// [`crate::limits::MAX_DAILY_CALLS`]).
    #[error("row {row}: {what} {value} exceeds the maximum of {max}")]
    CountTooLarge {
        /// The row (the position in the batch).
        row: usize,
        /// What the count is.
        what: &'static str,
        /// The count.
        value: u64,
        /// The largest accepted.
        max: u64,
    },
    /// The batch would bring a usage history past [`crate::limits::MAX_USAGE_APPS`] apps.
    #[error("{got} apps exceed the maximum of {max}")]
    TooManyApps {
        /// The apps there would be.
        got: usize,
        /// The most allowed.
        max: usize,
    },
    /// A partial's bytes were written in another version of the byte form.
    #[error("partial format version {got} is not supported, expected {expected}")]
    PartialVersion {
        /// The version the bytes name.
        got: u8,
        /// The version this library reads ([`PARTIAL_FORMAT_VERSION`]).
        expected: u8,
    },
    /// A partial was built with other settings (or is of another kind) than the aggregate it
    /// would restore into: its counts would not merge with this library's.
    #[error("partial {setting} is {got}, expected {expected}")]
    IncompatiblePartial {
        /// The setting that differs.
        setting: &'static str,
        /// The partial's value.
        got: String,
        /// This library's value.
        expected: String,
    },
    /// A partial's bytes are longer than [`crate::limits::MAX_PARTIAL_BYTES`].
    #[error("partial of {len} bytes exceeds the maximum of {max}")]
    PartialTooLarge {
        /// Its length.
        len: u64,
        /// The most allowed.
        max: u64,
    },
}

impl InsightsError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::TimestampOutOfRange { .. }
            | Self::UnknownRecordType(_)
            | Self::EmptyAppId
            | Self::ColumnLength(_)
            | Self::UnknownCode { .. }
            | Self::NegativeCount { .. }
            | Self::TooManyRows(_)
            | Self::AsOfInFuture { .. }
            | Self::Malformed { .. }
            | Self::UnknownTimeZone(_)
            | Self::EmptyWindow(_)
            | Self::TooManyLimitIncreases { .. }
            | Self::SettingOutOfRange { .. }
            | Self::CountTooLarge { .. }
            | Self::TooManyApps { .. }
            | Self::WindowTooLong { .. }
            | Self::DictionaryTooLong { .. }
            | Self::CountOverflow { .. }
            | Self::PartialVersion { .. }
            | Self::IncompatiblePartial { .. }
            | Self::PartialTooLarge { .. }
            | Self::InvalidRule { .. } => ErrorKind::InvalidInput,
        }
    }
}

/// Checks a view's or report's window length (R3, U1): at least one day
/// ([`InsightsError::EmptyWindow`]) and at most [`crate::limits::MAX_WINDOW_DAYS`]
/// ([`InsightsError::WindowTooLong`], naming the length): the one window rule of record insights
/// and API usage.
pub(crate) fn check_window(days: u32) -> Result<(), InsightsError> {
    let max = crate::limits::MAX_WINDOW_DAYS;
    match days {
        0 => Err(InsightsError::EmptyWindow(0)),
        days if days > max => Err(InsightsError::WindowTooLong { what: "window", days, max }),
        _ => Ok(()),
    }
}

/// Microseconds since the epoch of `at`, checked against 1970..=9999.
pub(crate) fn checked_micros(row: usize, at: DateTime<Utc>) -> Result<i64, InsightsError> {
    crate::time::micros(at).ok_or_else(|| InsightsError::TimestampOutOfRange { row, micros: at.timestamp_micros() })
}

/// Days since the epoch → calendar day.
pub(crate) fn day_from_index(day: i64) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day + 719_163).unwrap_or(i32::MAX)).unwrap_or(NaiveDate::MAX)
}

/// Calendar day → days since the epoch.
pub(crate) fn day_index(day: NaiveDate) -> i64 {
    i64::from(chrono::Datelike::num_days_from_ce(&day)) - 719_163
}

//! The report's errors, below the account engine so the crate-wide error can wrap them.

use thiserror::Error;

use crate::activity::ActivityError;
use crate::insights::InsightsError;
use crate::kind::ErrorKind;
use crate::lifecycle::LifecycleError;

/// Errors of the HTML report.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// More log events asked for than [`crate::limits::MAX_REPORT_LOG_EVENTS`].
    #[error("{got} log events exceed the report's maximum of {max}")]
    LogEventsOutOfRange {
        /// Events asked for.
        got: usize,
        /// The most allowed.
        max: usize,
    },
    /// A window longer than [`crate::limits::MAX_REPORT_DAYS`] (its chart would not fit a page).
    #[error("{what} of {days} days exceeds the report's maximum of {max}")]
    WindowTooLong {
        /// Which window.
        what: &'static str,
        /// Its days.
        days: usize,
        /// The most allowed.
        max: usize,
    },
    /// The viewer is unknown (or the log could not be replayed up to `now`).
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The record-insights or usage settings were refused.
    #[error(transparent)]
    Insights(#[from] InsightsError),
    /// The activity log could not be queried.
    #[error(transparent)]
    Activity(#[from] ActivityError),
    /// A chart could not be drawn from the model (a model that no build produces).
    #[error("chart {chart} cannot be drawn: {message}")]
    Chart {
        /// The chart's title.
        chart: String,
        /// What the drawing library said.
        message: String,
    },
}

impl ReportError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::LogEventsOutOfRange { .. } | Self::WindowTooLong { .. } | Self::Chart { .. } => {
                ErrorKind::InvalidInput
            }
            Self::Lifecycle(e) => e.kind(),
            Self::Insights(e) => e.kind(),
            Self::Activity(e) => e.kind(),
        }
    }
}

//! A self-contained HTML report of an account as of `now` (issue 16; feature `report`).
//!
//! One file, no network: the CSS is inline, the charts are inline SVG drawn with `plotters`, no
//! script, no font or image to fetch, so it opens offline. The page shows the summary and what
//! needs attention (H1, H5, H6), My apps and other users' apps (H2, H3), per app the record
//! insights of the window as a stacked daily chart by action with flagged days marked (R1–R6,
//! X2) and days without data hatched (not drawn as zero), API calls per day against the limit with
//! the forecast of when it runs out (U1–U5, X3), and the activity log's last events with facets
//! (L2–L4).
//!
//! Two steps, both pure and deterministic (same input, byte-identical page):
//! [`ReportModel::build`] (or [`report_model`]) computes the view model from the engine, the
//! record-insights view and the usage report, and [`render_html`] turns a model into the page.
//! [`report_html`] does both from what a host holds.
//!
//! # Accessibility
//! Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` summarising it, followed by
//! a data table with the same numbers; the palette ([`palette`]) keeps text at 4.5:1 and chart
//! marks at 3:1 against their background (checked by its unit tests).
//!
//! # Limits
//! The window of either view is at most [`MAX_REPORT_DAYS`] days; at most
//! [`MAX_REPORT_LOG_EVENTS`] log events are listed; at most [`crate::limits::MAX_REPORT_APP_CHARTS`] apps get a
//! record chart (the busiest; the page says how many more had records).

mod charts;
pub mod error;
mod model;
mod page;
pub mod palette;

pub use error::ReportError;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use model::{
    ActionSeries, ActivitySection, AppRecords, RecordsSection, ReportModel, record_view, report_model, report_views,
    usage_view,
};
pub use page::render_html;

use crate::account::UserId;
use crate::account_engine::AccountEngine;
use crate::insights::{InsightsSettings, RecordAggregate, UsageHistory, UsageSettings};
use crate::limits::{MAX_REPORT_DAYS, MAX_REPORT_LOG_EVENTS};

/// Log events a report lists unless told otherwise.
pub const DEFAULT_REPORT_LOG_EVENTS: usize = 20;

/// What a report shows beyond the engine, the aggregates and `now`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Whose Connections home to show; `None` = the account's first active super admin.
    #[serde(default)]
    pub viewer: Option<UserId>,
    /// How many of the log's last events to list, 0 to [`MAX_REPORT_LOG_EVENTS`]. Default
    /// [`DEFAULT_REPORT_LOG_EVENTS`].
    pub log_events: usize,
    /// Record-insight settings (window, data floor, flag rule). Default
    /// [`InsightsSettings::default`] (30 days).
    pub insights: InsightsSettings,
    /// API-usage settings (limits, window, spike rule, thresholds). Default
    /// [`UsageSettings::default`] (30 days).
    pub usage: UsageSettings,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            viewer: None,
            log_events: DEFAULT_REPORT_LOG_EVENTS,
            insights: InsightsSettings::default(),
            usage: UsageSettings::default(),
        }
    }
}

impl ReportOptions {
    /// Checks the report's own bounds (the views check their settings themselves).
    ///
    /// # Errors
    /// [`ReportError::LogEventsOutOfRange`], [`ReportError::WindowTooLong`].
    pub fn check(&self) -> Result<(), ReportError> {
        if self.log_events > MAX_REPORT_LOG_EVENTS {
            return Err(ReportError::LogEventsOutOfRange { got: self.log_events, max: MAX_REPORT_LOG_EVENTS });
        }
        for (what, days) in
            [("record insights window", self.insights.window_days), ("api usage window", self.usage.window_days)]
        {
            let days = usize::try_from(days).unwrap_or(usize::MAX);
            if days > MAX_REPORT_DAYS {
                return Err(ReportError::WindowTooLong { what, days, max: MAX_REPORT_DAYS });
            }
        }
        Ok(())
    }
}

/// The HTML report of `engine`'s account as of `now`: [`report_model`] then [`render_html`].
///
/// # Errors
/// As [`report_model`] and [`render_html`]; nothing is changed (the engine's activity index may
/// have caught up with its log, which is a cache).
pub fn report_html(
    engine: &mut AccountEngine,
    records: &RecordAggregate,
    usage: &UsageHistory,
    now: DateTime<Utc>,
    options: &ReportOptions,
) -> Result<String, ReportError> {
    render_html(&report_model(engine, records, usage, now, options)?)
}

//! The HTML report (issue 16): one thin call. Each object is locked on its own, one after the
//! other (the record view, the usage report, then the engine), never two at once.

use std::sync::Arc;

use connected_apps::UserId;
use connected_apps::report::{ReportModel, ReportOptions, record_view, render_html, usage_view};

use crate::engine::AccountEngine;
use crate::error::{ConnectedAppsError, catching_panics};
use crate::insights::{RecordAggregate, UsageHistory};
use crate::types::Timestamp;

/// A self-contained HTML page (one file, no script, no network) of `engine`'s account as of
/// `now`: the summary and what needs attention, My apps and other users' apps, per app the record
/// insights of the last 30 UTC days stacked by action with flagged days marked, API calls per day
/// against the limit with the forecast, and the activity log's last `log_events` events (at most
/// 200) with facets. The home is seen by `viewer` (null: the first active super admin). Same
/// input, same bytes.
#[uniffi::export(default(viewer = None, log_events = 20))]
pub fn report_html(
    engine: Arc<AccountEngine>,
    records: Arc<RecordAggregate>,
    usage: Arc<UsageHistory>,
    now: Timestamp,
    viewer: Option<String>,
    log_events: u32,
) -> Result<String, ConnectedAppsError> {
    let options = ReportOptions {
        viewer: viewer.map(UserId),
        log_events: usize::try_from(log_events).unwrap_or(usize::MAX),
        ..ReportOptions::default()
    };
    let account = engine.read(|e| Ok(e.directory().account().clone()))?;
    let insights = records.with(|r| Ok(record_view(r, now, &options)?))?;
    let report = usage.with(|u| Ok(usage_view(&account, u, now, &options)?))?;
    let model = engine.write_core(|e| Ok(ReportModel::build(e, &insights, &report, now, &options)?))?;
    catching_panics(|| Ok(render_html(&model)?))
}

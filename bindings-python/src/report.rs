//! The HTML report (issue 16): one thin call, `report_html(engine, records, usage, now, ...)`.
//! Each object is locked on its own, one after the other (the record view, the usage report,
//! then the engine), never two at once.

use connected_apps::report::{ReportModel, ReportOptions, record_view, render_html, usage_view};
use connected_apps::{Account, UserId};
use pyo3::prelude::*;

use crate::convert::{Instant, int_in};
use crate::engine::PyEngine;
use crate::errors::OrRaise;
use crate::insights::PyRecordAggregate;
use crate::usage::PyUsageHistory;

fn log_events(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    int_in(obj, "log_events")
}

/// A self-contained HTML page (one file, no script, no network) of `engine`'s account as of
/// `now`: the summary and what needs attention, My apps and other users' apps, per app the record
/// insights of the last 30 UTC days stacked by action with flagged days marked, API calls per day
/// against the limit with the forecast, and the activity log's last `log_events` events (at most
/// 200) with facets. The home is seen by `viewer` (default: the first active super admin).
/// Same input, same bytes.
#[pyfunction]
// `log_events = 20` is the core's `DEFAULT_REPORT_LOG_EVENTS`, spelled out so the signature shows it.
#[pyo3(signature = (engine, records, usage, now, *, viewer = None, log_events = 20))]
pub fn report_html(
    py: Python<'_>,
    engine: &PyEngine,
    records: &PyRecordAggregate,
    usage: &PyUsageHistory,
    now: Instant,
    viewer: Option<String>,
    #[pyo3(from_py_with = log_events)] log_events: usize,
) -> PyResult<String> {
    let options = ReportOptions { viewer: viewer.map(UserId), log_events, ..ReportOptions::default() };
    let account: Account = engine.read(py, |e| e.directory().account().clone())?;
    let insights = records.0.read(py, |r| record_view(r, now.0, &options))?.or_raise()?;
    let report = usage.0.read(py, |u| usage_view(&account, u, now.0, &options))?.or_raise()?;
    let model = engine.write_account(py, |e| ReportModel::build(e, &insights, &report, now.0, &options))?.or_raise()?;
    py.detach(|| render_html(&model)).or_raise()
}

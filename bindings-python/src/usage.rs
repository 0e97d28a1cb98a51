//! API-call usage of private apps (U1–U5, X3): snapshots in (one by one or as columns), the
//! report out: daily counts, limit and share used, trend, spikes, forecast of exhaustion.

use chrono::NaiveDate;
use connected_apps::{AppId, UsageHistory, UsageReport, UsageSettings, UsageSnapshot, UsageSnapshotColumns};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

use crate::account::PyAccount;
use crate::convert::{Instant, column, datetime_out, int_in, opt_datetime_out, to_py, wrapper};
use crate::errors::OrRaise;
use crate::lock::Locked;

wrapper!(
    /// The API-usage report at an instant (U1–U5, X3).
    PyUsageReport(UsageReport),
    "UsageReport"
);

#[pymethods]
impl PyUsageReport {
    /// The account's local day the report is for.
    #[getter]
    fn today(&self) -> NaiveDate {
        self.0.today
    }

    /// When the daily limit resets (the account's local midnight), in UTC.
    #[getter]
    fn resets_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.resets_at)
    }

    #[getter]
    fn calls_today(&self) -> u64 {
        self.0.calls_today
    }

    /// Share of the daily limit in force used today (U2).
    #[getter]
    fn share_used(&self) -> f64 {
        self.0.share_used
    }

    /// The limits the account's tier and increases imply: `{"daily": ..., "tier": ..., ...}`.
    #[getter]
    fn limits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.limits)
    }

    /// The daily limit in force today: the platform's reported `usageLimit`, else the tier's.
    #[getter]
    fn limit(&self) -> u64 {
        self.0.limit
    }

    /// The `usageLimit` the platform reported today, or `None`.
    #[getter]
    fn reported_limit(&self) -> Option<u64> {
        self.0.reported_limit
    }

    /// Whether the reported limit differs from the one the tier implies.
    #[getter]
    fn limit_differs(&self) -> bool {
        self.0.limit_differs
    }

    /// The `resetsAt` the platform reported today, or `None`.
    #[getter]
    fn reported_resets_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_datetime_out(py, self.0.reported_resets_at)
    }

    /// Whether the reported reset time differs from the account's next local midnight.
    #[getter]
    fn reset_differs(&self) -> bool {
        self.0.reset_differs
    }

    /// The share thresholds (percent, ascending) today's calls reached (U5).
    #[getter]
    fn thresholds_crossed(&self) -> Vec<u32> {
        self.0.thresholds_crossed.clone()
    }

    /// Calls per app per day (U1), as dicts: `app`, `day`, `calls`.
    #[getter]
    fn per_app<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.per_app)
    }

    /// The last 7 complete days against the 7 before (U3), as a dict.
    #[getter]
    fn trend<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.trend)
    }

    /// One dict per day of the window: `day`, `calls`, `limit`, `share_of_limit`,
    /// `moving_average_7d` (U1, U3).
    #[getter]
    fn days<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.days)
    }

    /// Spikes in the number of calls (U4), as dicts.
    #[getter]
    fn spikes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.spikes)
    }

    /// When today's calls will exhaust the limit at the current pace (U5, X3), or `None`.
    #[getter]
    fn forecast<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.forecast)
    }
}

/// Readings of the platform's daily API-call counter per private app (U1). Days are those of
/// the account each report is for. Safe to share between threads (see lock.rs).
#[pyclass(frozen, module = "connected_apps", name = "UsageHistory")]
pub struct PyUsageHistory(pub Locked<UsageHistory>);

#[pymethods]
impl PyUsageHistory {
    /// An empty history.
    #[new]
    fn new() -> Self {
        Self(Locked::new(UsageHistory::new()))
    }

    /// Records one reading: `app` had made `calls_today` calls at `at`; `usage_limit` and
    /// `resets_at` are what the platform reported with it, if anything.
    #[pyo3(signature = (app, at, calls_today, *, usage_limit = None, resets_at = None))]
    fn record(
        &self,
        py: Python<'_>,
        app: String,
        at: Instant,
        #[pyo3(from_py_with = crate::convert::int::calls_today)] calls_today: u64,
        usage_limit: Option<Bound<'_, PyAny>>,
        resets_at: Option<Instant>,
    ) -> PyResult<()> {
        let usage_limit = usage_limit.map(|limit| int_in(&limit, "usage_limit")).transpose()?;
        let snapshot =
            UsageSnapshot { app: AppId(app), at: at.0, calls_today, usage_limit, resets_at: resets_at.map(|r| r.0) };
        self.0.write(py, |history| history.record(&snapshot))?.or_raise()
    }

    /// Records readings from dicts (as `usage_snapshots_from_daily_usage` returns); returns how many.
    fn record_snapshots(&self, py: Python<'_>, snapshots: &Bound<'_, PyAny>) -> PyResult<usize> {
        let snapshots: Vec<UsageSnapshot> = crate::convert::from_py(snapshots, "usage snapshots")?;
        self.0.write(py, |history| history.record_all(&snapshots))?.or_raise()
    }

    /// Records readings held in columns, all or nothing: `at_us` int64 µs, `apps` uint32 codes into
    /// `app_dictionary`, `calls_today` int64.
    fn ingest_columns(
        &self,
        py: Python<'_>,
        at_us: &Bound<'_, PyAny>,
        apps: &Bound<'_, PyAny>,
        app_dictionary: Vec<String>,
        calls_today: &Bound<'_, PyAny>,
    ) -> PyResult<usize> {
        let (at_us, apps, calls_today) =
            (column(at_us, "at_us")?, column(apps, "apps")?, column(calls_today, "calls_today")?);
        let columns = UsageSnapshotColumns {
            at_micros: at_us.values()?,
            apps: apps.values()?,
            app_dictionary: &app_dictionary,
            calls_today: calls_today.values()?,
        };
        self.0.write(py, |history| history.ingest_columns(&columns))?.or_raise()
    }

    /// One app's readings, as dicts.
    fn snapshots<'py>(&self, py: Python<'py>, app: String) -> PyResult<Bound<'py, PyAny>> {
        let snapshots = self.0.read(py, |history| history.snapshots(&AppId(app)))?;
        to_py(py, &snapshots)
    }

    /// Every reading as an Arrow table (`__arrow_c_stream__`), by app then time: `app`
    /// (dictionary), `at` timestamp[us, UTC], `calls_today` uint64, `usage_limit` uint64 and
    /// `resets_at` timestamp (null when not reported).
    fn table(&self, py: Python<'_>) -> PyResult<PyTable> {
        self.0.read(py, |history| crate::arrow::usage_table(history.columns()))?
    }

    /// The report for `account` at `now` over the last `window_days` local days of its time
    /// zone, against the limit in force (the platform's reported one, else the one `account`'s
    /// subscriptions and increases imply, U2); `share_thresholds` are percents of it that warn
    /// once reached (U5; default 80, 90, 100).
    #[pyo3(signature = (account, now, *, window_days = 30, share_thresholds = None))]
    fn report(
        &self,
        py: Python<'_>,
        account: &Bound<'_, PyAny>,
        now: Instant,
        #[pyo3(from_py_with = crate::convert::int::window_days)] window_days: u32,
        share_thresholds: Option<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<PyUsageReport> {
        let mut settings = UsageSettings { window_days, ..UsageSettings::default() };
        if let Some(percents) = share_thresholds {
            settings.share_thresholds_percent =
                percents.iter().map(|p| int_in(p, "share_thresholds")).collect::<PyResult<_>>()?;
        }
        let account = PyAccount::from_any(account)?;
        self.0.read(py, |history| history.report(&account, &settings, now.0))?.or_raise().map(PyUsageReport)
    }

    /// The history as JSON (its snapshot).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.0.read(py, UsageHistory::to_json)?.or_raise()
    }

    /// Restores a history from `to_json`, re-checking every bound.
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        UsageHistory::from_json(json).or_raise().map(|history| Self(Locked::new(history)))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.read(py, |history| format!("UsageHistory(apps={})", history.app_count()))
    }
}

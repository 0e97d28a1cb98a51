//! API-call usage of private apps (U1–U5, X3): snapshots in (one by one or as columns), the
//! report out: daily counts, limit and share used, trend, spikes, forecast of exhaustion.

use chrono::NaiveDate;
use connected_apps::{
    ApiLimitConfig, AppId, RobustRule, UsageHistory, UsageReport, UsageSnapshot, UsageSnapshotColumns,
};
use pyo3::prelude::*;

use crate::account::PyAccount;
use crate::convert::{Instant, column, datetime_out, to_py, wrapper};
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

    /// Share of the daily limit used today (U2).
    #[getter]
    fn share_used(&self) -> f64 {
        self.0.share_used
    }

    /// The daily limit that applies: `{"daily": ..., "tier": ..., ...}`.
    #[getter]
    fn limits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.limits)
    }

    /// One dict per day of the window: `day`, `calls`, `share_of_limit`, `moving_average_7d` (U1, U3).
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

/// Readings of the platform's daily API-call counter per private app (U1). Safe to share between
/// threads (see lock.rs).
#[pyclass(frozen, module = "connected_apps", name = "UsageHistory")]
pub struct PyUsageHistory(Locked<UsageHistory>);

#[pymethods]
impl PyUsageHistory {
    /// A history whose days are local days of `time_zone` (IANA name; the limit resets at its
    /// midnight).
    #[new]
    fn new(time_zone: String) -> PyResult<Self> {
        UsageHistory::new(&time_zone).or_raise().map(|history| Self(Locked::new(history)))
    }

    /// Records one reading: `app` had made `calls_today` calls at `at`.
    fn record(
        &self,
        py: Python<'_>,
        app: String,
        at: Instant,
        #[pyo3(from_py_with = crate::convert::int::calls_today)] calls_today: u64,
    ) -> PyResult<()> {
        let snapshot = UsageSnapshot { app: AppId(app), at: at.0, calls_today };
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

    /// The report at `now` over the last `window_days` local days, against the daily limit that
    /// follows from `account`'s subscriptions and purchased increases (U2).
    #[pyo3(signature = (account, now, *, window_days = 30))]
    fn report(
        &self,
        py: Python<'_>,
        account: &Bound<'_, PyAny>,
        now: Instant,
        #[pyo3(from_py_with = crate::convert::int::window_days)] window_days: u32,
    ) -> PyResult<PyUsageReport> {
        let limits = ApiLimitConfig::default().limits(&PyAccount::from_any(account)?).or_raise()?;
        let report =
            self.0.read(py, |history| history.report(&limits, window_days, &RobustRule::api_calls(), now.0))?;
        report.or_raise().map(PyUsageReport)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.read(py, |history| format!("UsageHistory(time_zone={:?})", history.time_zone()))
    }
}

//! The platform's real payloads (K1–K3) turned into library inputs, each with a report of what
//! was read and what was not used. Event ids of K2 imports are assigned by the core.

use connected_apps::import;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::to_py;
use crate::engine::PyEngine;
use crate::errors::OrRaise;
use crate::event::{PyEvent, events_out};
use crate::insights::PyRecordAggregate;

type EventsAndReport<'py> = (Vec<Bound<'py, PyEvent>>, Bound<'py, PyAny>);

fn events_and_report<'py>(
    py: Python<'py>,
    imported: import::Imported<connected_apps::Event>,
) -> PyResult<EventsAndReport<'py>> {
    Ok((events_out(py, imported.items)?, to_py(py, &imported.report)?))
}

/// K2: security-activity items → `(events, report)`; append the events with `engine.append_all`.
#[pyfunction]
pub fn events_from_security_activity(py: Python<'_>, json: String) -> PyResult<EventsAndReport<'_>> {
    let imported = py.detach(|| import::events_from_security_activity(&json)).or_raise()?;
    events_and_report(py, imported)
}

/// K2: audit-log items → `(events, report)`.
#[pyfunction]
pub fn events_from_audit_logs(py: Python<'_>, json: String) -> PyResult<EventsAndReport<'_>> {
    let imported = py.detach(|| import::events_from_audit_logs(&json)).or_raise()?;
    events_and_report(py, imported)
}

/// K1: the daily API-usage response → `(usage snapshots as dicts, report)`.
#[pyfunction]
pub fn usage_snapshots_from_daily_usage(
    py: Python<'_>,
    json: String,
) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    let imported = py.detach(|| import::usage_snapshots_from_daily_usage(&json)).or_raise()?;
    Ok((to_py(py, &imported.items)?, to_py(py, &imported.report)?))
}

fn report_out<'py>(py: Python<'py>, report: &import::ImportReport) -> PyResult<Bound<'py, PyDict>> {
    to_py(py, report)?.cast_into::<PyDict>().map_err(Into::into)
}

#[pymethods]
impl PyRecordAggregate {
    /// K3: counts the apps' record changes of a webhook batch, each delivery exactly once across
    /// batches (retries and re-sent batches count zero times); returns the import report.
    fn import_webhooks<'py>(&self, py: Python<'py>, json: String) -> PyResult<Bound<'py, PyDict>> {
        let report = self.0.write(py, |cube| import::ingest_webhooks(cube, &json))?.or_raise()?;
        report_out(py, &report)
    }

    /// K3: counts the apps' record changes of webhooks-journal entries, each exactly once;
    /// returns the import report.
    fn import_journal<'py>(&self, py: Python<'py>, json: String) -> PyResult<Bound<'py, PyDict>> {
        let report = self.0.write(py, |cube| import::ingest_journal(cube, &json))?.or_raise()?;
        report_out(py, &report)
    }
}

#[pymethods]
impl PyEngine {
    /// K2: appends security-activity items (installs, uninstalls) to the log, actors resolved
    /// against the directory; returns the import report (skipped items, unresolved actors).
    fn import_security_activity<'py>(&self, py: Python<'py>, json: String) -> PyResult<Bound<'py, PyDict>> {
        let report = self.write(py, |engine| import::import_security_activity(engine, &json))?.or_raise()?;
        report_out(py, &report)
    }

    /// K2: appends audit-log items about apps to the log; returns the import report.
    fn import_audit_logs<'py>(&self, py: Python<'py>, json: String) -> PyResult<Bound<'py, PyDict>> {
        let report = self.write(py, |engine| import::import_audit_logs(engine, &json))?.or_raise()?;
        report_out(py, &report)
    }
}

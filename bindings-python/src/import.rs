//! The platform's real payloads (K1–K3) turned into library inputs, each with a report of what
//! was read and what was not used. Event ids of K2 imports are assigned by the core.

use connected_apps::{AppId, import};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::to_py;
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

#[pymethods]
impl PyRecordAggregate {
    /// K3: counts the record events of a webhook batch; returns the import report.
    fn import_webhooks<'py>(&self, py: Python<'py>, json: String) -> PyResult<Bound<'py, PyDict>> {
        let imported = py.detach(|| import::record_events_from_webhooks(&json)).or_raise()?;
        self.ingest_all(py, imported)
    }

    /// K3: counts the record events of one app's webhooks-journal entries; returns the report.
    fn import_journal<'py>(&self, py: Python<'py>, json: String, app: String) -> PyResult<Bound<'py, PyDict>> {
        let imported = py.detach(|| import::record_events_from_journal(&json, &AppId(app))).or_raise()?;
        self.ingest_all(py, imported)
    }
}

impl PyRecordAggregate {
    /// Counts every imported record event, all or nothing.
    fn ingest_all<'py>(
        &self,
        py: Python<'py>,
        imported: import::Imported<connected_apps::RecordEvent>,
    ) -> PyResult<Bound<'py, PyDict>> {
        self.0.write(py, |cube| cube.ingest_all(&imported.items))?.or_raise()?;
        to_py(py, &imported.report)?.cast_into::<PyDict>().map_err(Into::into)
    }
}

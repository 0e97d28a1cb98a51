//! Connections (C2) and their state at an instant (C3).

use connected_apps::{Connection, UserId};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{Instant, datetime_out, enum_out, opt_datetime_out, to_py, toggles_out, wrapper};

wrapper!(
    /// A connection of an app to the account, or to one user for user-level apps (C2).
    PyConnection(Connection),
    "Connection"
);

#[pymethods]
impl PyConnection {
    #[getter]
    fn app(&self) -> &str {
        self.0.key.app.as_str()
    }

    /// The connecting user, for user-level apps.
    #[getter]
    fn user(&self) -> Option<&str> {
        self.0.key.user.as_ref().map(UserId::as_str)
    }

    /// The state at `now` (C3): a grant whose expiry is past counts as expired.
    fn state_at<'py>(&self, py: Python<'py>, now: Instant) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "ConnectionState", &self.0.state_at(now.0))
    }

    /// Since when the state at `now` holds.
    fn state_since<'py>(&self, py: Python<'py>, now: Instant) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.state_since(now.0))
    }

    #[getter]
    fn is_installed(&self) -> bool {
        self.0.is_installed()
    }

    #[getter]
    fn first_installed_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.first_installed_at)
    }

    #[getter]
    fn first_installed_by(&self) -> Option<&str> {
        self.0.first_installed_by.as_ref().map(UserId::as_str)
    }

    #[getter]
    fn installed_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.installed_at)
    }

    #[getter]
    fn installed_by(&self) -> Option<&str> {
        self.0.installed_by.as_ref().map(UserId::as_str)
    }

    #[getter]
    fn granted_scopes(&self) -> Vec<String> {
        self.0.granted_scopes.iter().cloned().collect()
    }

    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_datetime_out(py, self.0.expires_at)
    }

    #[getter]
    fn sync_settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        toggles_out(py, &self.0.sync_settings)
    }

    #[getter]
    fn last_activity_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_datetime_out(py, self.0.last_activity_at)
    }

    #[getter]
    fn health_since<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.health_since)
    }

    #[getter]
    fn update_available(&self) -> bool {
        self.0.update_available
    }

    /// The error details (code, message, resolution steps) when the connection is in error.
    #[getter]
    fn error<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0.error().map(|e| to_py(py, e)).transpose()
    }
}

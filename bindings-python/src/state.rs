//! The state folded from the log (C4), whole or as of an instant.

use connected_apps::{AppId, Connection, ConnectionKey, State, UserId};
use pyo3::prelude::*;

use crate::catalog::PyApp;
use crate::connection::PyConnection;
use crate::convert::{datetime_out, to_py};
use crate::engine::PyEngine;

/// The connections of the account as the fold of the log leaves them (C4).
#[pyclass(frozen, module = "connected_apps", name = "State")]
pub struct PyState(pub State);

#[pymethods]
impl PyState {
    /// Every connection ever made (uninstalled ones included), ordered by app then user.
    fn connections(&self) -> Vec<PyConnection> {
        self.0.connections().cloned().map(PyConnection).collect()
    }

    /// A connection by app and, for user-level apps, user.
    #[pyo3(signature = (app, user = None))]
    fn connection(&self, app: String, user: Option<String>) -> Option<PyConnection> {
        let key = ConnectionKey { app: AppId(app), user: user.map(UserId) };
        self.0.connection(&key).cloned().map(PyConnection)
    }

    fn __len__(&self) -> usize {
        self.0.connections().count()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Self>().is_ok_and(|o| o.get().0 == self.0)
    }

    fn __repr__(&self) -> String {
        let installed = self.0.connections().filter(|c| c.is_installed()).count();
        format!("State(connections={}, installed={installed})", self.0.connections().count())
    }

    /// `{"connections": [...]}` in the core's shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let connections: Vec<&Connection> = self.0.connections().collect();
        to_py(py, &serde_json::json!({ "connections": connections }))
    }
}

#[pymethods]
impl PyEngine {
    /// The app entry in force: its latest logged version (an app version change replaces its
    /// scopes and features), else the directory's entry; `None` for an unknown app.
    fn current_app(&self, py: Python<'_>, id: String) -> PyResult<Option<PyApp>> {
        self.read(py, |e| {
            let base = e.directory().app(&AppId(id))?;
            Some(PyApp(e.state().current_app(base).clone()))
        })
    }

    /// The app's current version label and since when, once a version change was logged.
    fn app_version<'py>(&self, py: Python<'py>, id: String) -> PyResult<Option<(String, Bound<'py, PyAny>)>> {
        let revision = self.read(py, |e| e.state().revision(&AppId(id)).cloned())?;
        revision.map(|r| Ok((r.version.clone(), datetime_out(py, r.changed_at)?))).transpose()
    }
}

//! Access and permissions of an installed app (O3, I4, I8).

use connected_apps::{AppAccess, AppId, UserId};
use pyo3::prelude::*;

use crate::convert::{to_py, wrapper};
use crate::engine::PyEngine;
use crate::errors::OrRaise;

wrapper!(
    /// For each feature and scope of a connection: authorised, needs an upgrade, or available
    /// after reauthentication (O3).
    PyAppAccess(AppAccess),
    "AppAccess"
);

#[pymethods]
impl PyAppAccess {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn app_name(&self) -> &str {
        &self.0.app_name
    }

    #[getter]
    fn user(&self) -> Option<&str> {
        self.0.user.as_ref().map(UserId::as_str)
    }

    /// The app's current version label, once a version change was logged.
    #[getter]
    fn version(&self) -> Option<&str> {
        self.0.version.as_deref()
    }

    /// Required scopes never granted: what reauthenticating grants by default (I8).
    #[getter]
    fn pending_scopes(&self) -> Vec<String> {
        self.0.pending_scopes.clone()
    }

    /// Granted scopes the current version no longer declares.
    #[getter]
    fn undeclared_granted(&self) -> Vec<String> {
        self.0.undeclared_granted.clone()
    }

    /// Whether a reauthentication would grant something.
    #[getter]
    fn needs_reauthentication(&self) -> bool {
        self.0.needs_reauthentication()
    }

    /// Per declared scope: name, requirement, granted, access (`{"status": ...}`), as dicts.
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.scopes)
    }

    /// Per feature: name, scopes, access (`{"status": ...}`), as dicts.
    #[getter]
    fn features<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.features)
    }
}

#[pymethods]
impl PyEngine {
    /// Access and permissions of one installed connection (O3); name the user for user-level apps.
    #[pyo3(signature = (app, *, user = None))]
    fn access(&self, py: Python<'_>, app: String, user: Option<String>) -> PyResult<PyAppAccess> {
        let user = user.map(UserId);
        self.read(py, |e| e.access(&AppId(app), user.as_ref()))?.or_raise().map(PyAppAccess)
    }
}

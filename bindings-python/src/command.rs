//! What lifecycle commands return (I1–I9): the logged event, the install request for an admin,
//! or the uninstall's post-uninstall steps.

use connected_apps::{InstallRequest, Outcome};
use pyo3::prelude::*;

use crate::convert::{datetime_out, to_py, wrapper};

wrapper!(
    /// A request for an admin to install an app, returned when the actor may not install it (I2)
    /// or the app needs approval (G1); queued as an access request (G2). The host delivers it.
    PyInstallRequest(InstallRequest),
    "InstallRequest"
);

#[pymethods]
impl PyInstallRequest {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn app_name(&self) -> &str {
        &self.0.app_name
    }

    #[getter]
    fn requested_by(&self) -> &str {
        self.0.requested_by.as_str()
    }

    /// The admin asked to install the app or grant the permission.
    #[getter]
    fn admin(&self) -> &str {
        self.0.admin.as_str()
    }

    #[getter]
    fn admin_email(&self) -> &str {
        &self.0.admin_email
    }

    #[getter]
    fn requested_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.requested_at)
    }

    /// The queued access request's event id (G2).
    #[getter]
    fn request(&self) -> u64 {
        self.0.request.0
    }
}

/// The change was logged as event `event`.
#[pyclass(frozen, module = "connected_apps", name = "Applied", eq)]
#[derive(Clone, PartialEq, Eq)]
pub struct PyApplied {
    /// The new event's id.
    #[pyo3(get)]
    event: u64,
}

#[pymethods]
impl PyApplied {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &Outcome::Applied { event: connected_apps::EventId(self.event) })
    }

    fn __repr__(&self) -> String {
        format!("Applied(event={})", self.event)
    }
}

/// The app was uninstalled (logged as `event`); `post_uninstall_steps` must still be taken (I6).
#[pyclass(frozen, module = "connected_apps", name = "Uninstalled", eq)]
#[derive(Clone, PartialEq, Eq)]
pub struct PyUninstalled {
    /// The new event's id.
    #[pyo3(get)]
    event: u64,
    /// Steps the user must still take, possibly none.
    #[pyo3(get)]
    post_uninstall_steps: Vec<String>,
}

#[pymethods]
impl PyUninstalled {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let outcome = Outcome::Uninstalled {
            event: connected_apps::EventId(self.event),
            post_uninstall_steps: self.post_uninstall_steps.clone(),
        };
        to_py(py, &outcome)
    }

    fn __repr__(&self) -> String {
        format!("Uninstalled(event={}, post_uninstall_steps={:?})", self.event, self.post_uninstall_steps)
    }
}

/// A command's outcome as its Python class.
pub fn outcome_out(py: Python<'_>, outcome: Outcome) -> PyResult<Bound<'_, PyAny>> {
    Ok(match outcome {
        Outcome::Applied { event } => Bound::new(py, PyApplied { event: event.0 })?.into_any(),
        Outcome::InstallRequested(request) => Bound::new(py, PyInstallRequest(request))?.into_any(),
        Outcome::Uninstalled { event, post_uninstall_steps } => {
            Bound::new(py, PyUninstalled { event: event.0, post_uninstall_steps })?.into_any()
        }
    })
}

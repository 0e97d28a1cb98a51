//! App entries (C1).

use connected_apps::{App, AppId, WorkflowAction};
use pyo3::prelude::*;

use crate::convert::{enum_in, enum_out, from_py, to_py, wrapper};

wrapper!(
    /// An app the account can connect (C1).
    PyApp(App),
    "App"
);

#[pymethods]
impl PyApp {
    /// Scopes, features and workflow actions are dicts in the core's shape, e.g.
    /// `{"name": "crm.objects.contacts.read", "requirement": "required"}`.
    #[new]
    #[pyo3(signature = (id, name, provider, *, level, distribution, built_by_vendor_platform = false,
                        reports_status = false, scopes = None, features = None, workflow_actions = None,
                        post_uninstall_steps = Vec::new()))]
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn new(
        id: String,
        name: String,
        provider: String,
        level: &Bound<'_, PyAny>,
        distribution: &Bound<'_, PyAny>,
        built_by_vendor_platform: bool,
        reports_status: bool,
        scopes: Option<&Bound<'_, PyAny>>,
        features: Option<&Bound<'_, PyAny>>,
        workflow_actions: Option<&Bound<'_, PyAny>>,
        post_uninstall_steps: Vec<String>,
    ) -> PyResult<Self> {
        Ok(Self(App {
            id: AppId(id),
            name,
            provider,
            built_by_vendor_platform,
            distribution: enum_in(distribution, "distribution")?,
            level: enum_in(level, "app level")?,
            reports_status,
            scopes: scopes.map(|s| from_py(s, "scopes")).transpose()?.unwrap_or_default(),
            features: features.map(|f| from_py(f, "features")).transpose()?.unwrap_or_default(),
            workflow_actions: workflow_actions
                .map(|w| from_py::<Vec<WorkflowAction>>(w, "workflow actions"))
                .transpose()?
                .unwrap_or_default(),
            post_uninstall_steps,
        }))
    }

    #[getter]
    fn id(&self) -> &str {
        self.0.id.as_str()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    #[getter]
    fn provider(&self) -> &str {
        &self.0.provider
    }

    #[getter]
    fn level<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "AppLevel", &self.0.level)
    }

    #[getter]
    fn distribution<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "Distribution", &self.0.distribution)
    }

    #[getter]
    fn built_by_vendor_platform(&self) -> bool {
        self.0.built_by_vendor_platform
    }

    #[getter]
    fn reports_status(&self) -> bool {
        self.0.reports_status
    }

    /// Declared scopes, as dicts.
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.scopes)
    }

    /// Features and the scopes they need, as dicts.
    #[getter]
    fn features<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.features)
    }

    /// Actions offered to workflows once connected (W1), as dicts.
    #[getter]
    fn workflow_actions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.workflow_actions)
    }

    #[getter]
    fn post_uninstall_steps(&self) -> Vec<String> {
        self.0.post_uninstall_steps.clone()
    }
}

//! The Connections home (H1–H6) and one app's overview and log (O1, O2), as objects with typed
//! attributes, and the app log as columns.

use connected_apps::views::{AttentionItem, ConnectionView, MyAppRow, OtherAppRow, Summary};
use connected_apps::{
    AppId, AppLogColumns, AppLogFilter, AppOverview, ConnectionsHome, Event, UserId, app_overview, connections_home,
};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::catalog::PyApp;
use crate::convert::{Instant, datetime_out, enum_out, enums_in, opt_datetime_out, toggles_out, wrapper};
use crate::engine::PyEngine;
use crate::errors::OrRaise;
use crate::event::{PyEvent, events_out};

wrapper!(
    /// A connection that needs attention (H1), with what to show and do (H6).
    PyAttentionItem(AttentionItem),
    "AttentionItem"
);
wrapper!(
    /// A row of My apps (H2).
    PyMyAppRow(MyAppRow),
    "MyAppRow"
);
wrapper!(
    /// A row of Other apps installed by users in my organisation (H3).
    PyOtherAppRow(OtherAppRow),
    "OtherAppRow"
);
wrapper!(
    /// The app summary (H5).
    PySummary(Summary),
    "Summary"
);
wrapper!(
    /// The Connections home seen by one user at one instant.
    PyConnectionsHome(ConnectionsHome),
    "ConnectionsHome"
);
wrapper!(
    /// One connection on an app's page.
    PyConnectionView(ConnectionView),
    "ConnectionView"
);
wrapper!(
    /// One app's overview page (O1, O2).
    PyAppOverview(AppOverview),
    "AppOverview"
);

fn user_str(user: Option<&UserId>) -> Option<&str> {
    user.map(UserId::as_str)
}

fn opt_state<'py>(
    py: Python<'py>,
    state: Option<connected_apps::ConnectionState>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    state.map(|s| enum_out(py, "ConnectionState", &s)).transpose()
}

#[pymethods]
impl PyAttentionItem {
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
        user_str(self.0.user.as_ref())
    }

    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "ConnectionState", &self.0.state)
    }

    #[getter]
    fn since<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.since)
    }

    /// What to do: reconnect, reauthenticate or follow the resolution steps.
    #[getter]
    fn action<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "RequiredAction", &self.0.action)
    }

    #[getter]
    fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }

    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    #[getter]
    fn resolution_steps(&self) -> Vec<String> {
        self.0.resolution_steps.clone()
    }
}

#[pymethods]
impl PyMyAppRow {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
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

    /// `None` for apps that do not report status and for multi-account apps.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_state(py, self.0.status)
    }

    #[getter]
    fn installed_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.installed_at)
    }

    #[getter]
    fn installed_by(&self) -> Option<&str> {
        user_str(self.0.installed_by.as_ref())
    }

    #[getter]
    fn last_activity_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_datetime_out(py, self.0.last_activity_at)
    }

    #[getter]
    fn update_available(&self) -> bool {
        self.0.update_available
    }

    #[getter]
    fn connections(&self) -> usize {
        self.0.connections
    }
}

#[pymethods]
impl PyOtherAppRow {
    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    #[getter]
    fn connections(&self) -> usize {
        self.0.connections
    }

    #[getter]
    fn users(&self) -> Vec<&str> {
        self.0.users.iter().map(UserId::as_str).collect()
    }

    #[getter]
    fn can_open_listing(&self) -> bool {
        self.0.can_open_listing
    }

    #[getter]
    fn can_install_yourself(&self) -> bool {
        self.0.can_install_yourself
    }
}

#[pymethods]
impl PySummary {
    #[getter]
    fn total(&self) -> usize {
        self.0.total
    }

    #[getter]
    fn connected(&self) -> usize {
        self.0.connected
    }

    #[getter]
    fn disconnected(&self) -> usize {
        self.0.disconnected
    }

    #[getter]
    fn expired(&self) -> usize {
        self.0.expired
    }

    #[getter]
    fn error(&self) -> usize {
        self.0.error
    }

    #[getter]
    fn without_status(&self) -> usize {
        self.0.without_status
    }

    #[getter]
    fn update_available(&self) -> usize {
        self.0.update_available
    }
}

#[pymethods]
impl PyConnectionsHome {
    #[getter]
    fn viewer(&self) -> &str {
        self.0.viewer.as_str()
    }

    #[getter]
    fn as_of<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.as_of)
    }

    /// H1/H6: what needs attention, most urgent first.
    #[getter]
    fn needs_attention(&self) -> Vec<PyAttentionItem> {
        self.0.needs_attention.iter().cloned().map(PyAttentionItem).collect()
    }

    /// H2.
    #[getter]
    fn my_apps(&self) -> Vec<PyMyAppRow> {
        self.0.my_apps.iter().cloned().map(PyMyAppRow).collect()
    }

    /// H3.
    #[getter]
    fn other_users_apps(&self) -> Vec<PyOtherAppRow> {
        self.0.other_users_apps.iter().cloned().map(PyOtherAppRow).collect()
    }

    /// H5.
    #[getter]
    fn summary(&self) -> PySummary {
        PySummary(self.0.summary)
    }
}

#[pymethods]
impl PyConnectionView {
    #[getter]
    fn user(&self) -> Option<&str> {
        user_str(self.0.user.as_ref())
    }

    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "ConnectionState", &self.0.state)
    }

    #[getter]
    fn installed_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.installed_at)
    }

    #[getter]
    fn installed_by(&self) -> Option<&str> {
        user_str(self.0.installed_by.as_ref())
    }

    #[getter]
    fn granted_scopes(&self) -> Vec<String> {
        self.0.granted_scopes.iter().cloned().collect()
    }

    #[getter]
    fn sync_settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        toggles_out(py, self.0.sync_settings.iter().map(|(name, on)| (name, on)))
    }

    #[getter]
    fn last_activity_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_datetime_out(py, self.0.last_activity_at)
    }

    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_datetime_out(py, self.0.expires_at)
    }

    #[getter]
    fn update_available(&self) -> bool {
        self.0.update_available
    }
}

#[pymethods]
impl PyAppOverview {
    #[getter]
    fn app(&self) -> PyApp {
        PyApp(self.0.app.clone())
    }

    /// The account's connection state, or the viewer's for user-level apps; `None` when the app
    /// does not report status or has no such connection.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        opt_state(py, self.0.status)
    }

    #[getter]
    fn connections(&self) -> Vec<PyConnectionView> {
        self.0.connections.iter().cloned().map(PyConnectionView).collect()
    }

    /// O1: alerts and errors, most urgent first.
    #[getter]
    fn alerts(&self) -> Vec<PyAttentionItem> {
        self.0.alerts.iter().cloned().map(PyAttentionItem).collect()
    }

    /// O2: the app's log, newest first, filtered.
    #[getter]
    fn log<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyEvent>>> {
        events_out(py, self.0.log.iter().cloned())
    }
}

fn log_filter(types: Option<&Bound<'_, PyAny>>, users: Option<Vec<String>>) -> PyResult<AppLogFilter> {
    Ok(AppLogFilter {
        types: enums_in(types, "activity type")?,
        users: users.unwrap_or_default().into_iter().map(UserId).collect(),
    })
}

#[pymethods]
impl PyEngine {
    /// The Connections home seen by `viewer` at `now` (H1–H3, H5, H6).
    fn connections_home(&self, py: Python<'_>, viewer: String, now: Instant) -> PyResult<PyConnectionsHome> {
        self.read(py, |e| connections_home(e, &UserId(viewer), now.0))?.or_raise().map(PyConnectionsHome)
    }

    /// One app's overview at `now` (O1, O2); for user-level apps the status is the viewer's
    /// connection. The log is filtered by activity types and acting users (empty = all).
    #[pyo3(signature = (app, now, *, viewer = None, types = None, users = None))]
    fn app_overview(
        &self,
        py: Python<'_>,
        app: String,
        now: Instant,
        viewer: Option<String>,
        types: Option<&Bound<'_, PyAny>>,
        users: Option<Vec<String>>,
    ) -> PyResult<PyAppOverview> {
        let filter = log_filter(types, users)?;
        let viewer = viewer.map(UserId);
        let overview = self.read(py, |e| app_overview(e, &AppId(app), viewer.as_ref(), &filter, now.0))?;
        overview.or_raise().map(PyAppOverview)
    }

    /// One app's events, newest first, filtered by activity types and acting users (O2).
    #[pyo3(signature = (app, *, types = None, users = None))]
    fn app_log<'py>(
        &self,
        py: Python<'py>,
        app: String,
        types: Option<&Bound<'_, PyAny>>,
        users: Option<Vec<String>>,
    ) -> PyResult<Vec<Bound<'py, PyEvent>>> {
        let (filter, app) = (log_filter(types, users)?, AppId(app));
        let events = self.with_activity(py, |log| {
            Ok(log.app_log(&app, &filter)?.iter().map(|e| e.to_event()).collect::<Vec<Event>>())
        })?;
        events_out(py, events.or_raise()?)
    }

    /// The same log as columns, for pandas or polars: `id` (uint64), `at` (datetime64[us], UTC),
    /// `type` (uint8 code: position in `list(ActivityType)`), `actor` (uint32 code into
    /// `actor_dictionary`, `NO_USER` for system events) and `actor_dictionary` (list of ids).
    #[pyo3(signature = (app, *, types = None, users = None))]
    fn app_log_columns<'py>(
        &self,
        py: Python<'py>,
        app: String,
        types: Option<&Bound<'_, PyAny>>,
        users: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (filter, app) = (log_filter(types, users)?, AppId(app));
        let columns = self.with_activity(py, |log| log.app_log_columns(&app, &filter))?.or_raise()?;
        let AppLogColumns { ids, at_micros: at, types: type_codes, actors, actor_dictionary } = columns;
        let dictionary: Vec<String> = actor_dictionary.into_iter().map(|u| u.0).collect();
        let out = PyDict::new(py);
        out.set_item("id", PyArray1::from_vec(py, ids))?;
        out.set_item("at", PyArray1::from_vec(py, at).call_method1("view", ("datetime64[us]",))?)?;
        out.set_item("type", PyArray1::from_vec(py, type_codes))?;
        out.set_item("actor", PyArray1::from_vec(py, actors))?;
        out.set_item("actor_dictionary", dictionary)?;
        Ok(out)
    }
}

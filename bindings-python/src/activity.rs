//! Activity-log queries (L2–L4): filtered pages newest first with a keyset cursor, and facet
//! counts, from the core's `AccountEngine`, whose index brings itself up to date (see
//! `PyEngine::with_activity`).

use connected_apps::{ActivityFacets, ActivityFilter, AppId, Event, UserId};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

use crate::convert::{Instant, enum_out, enums_in, wrapper};
use crate::engine::PyEngine;
use crate::errors::OrRaise;
use crate::event::{PyEvent, events_out};

/// One page of an activity query, newest first (L3).
#[pyclass(frozen, module = "connected_apps", name = "ActivityPage")]
pub struct PyActivityPage {
    events: Vec<Event>,
    next_cursor: Option<String>,
}

#[pymethods]
impl PyActivityPage {
    /// The matching events, newest first.
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyEvent>>> {
        events_out(py, self.events.iter().cloned())
    }

    /// Pass it as `cursor` for the next (older) page; `None` on the last page.
    #[getter]
    fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_deref()
    }

    fn __len__(&self) -> usize {
        self.events.len()
    }

    fn __repr__(&self) -> String {
        format!("ActivityPage(events=[{} items], next_cursor={:?})", self.events.len(), self.next_cursor)
    }
}

wrapper!(
    /// Counts of the events matching a filter per type, acting user and app (L4), largest first.
    PyActivityFacets(ActivityFacets),
    "ActivityFacets"
);

#[pymethods]
impl PyActivityFacets {
    /// Events matching the filter.
    #[getter]
    fn total(&self) -> u64 {
        self.0.total
    }

    /// Matching system events (no acting user).
    #[getter]
    fn system(&self) -> u64 {
        self.0.system
    }

    /// `(ActivityType, count)` pairs.
    #[getter]
    fn by_type<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, u64)>> {
        self.0.by_type.iter().map(|f| Ok((enum_out(py, "ActivityType", &f.value)?, f.count))).collect()
    }

    /// `(user id, count)` pairs.
    #[getter]
    fn by_user(&self) -> Vec<(&str, u64)> {
        self.0.by_user.iter().map(|f| (f.value.as_str(), f.count)).collect()
    }

    /// `(app id, count)` pairs.
    #[getter]
    fn by_app(&self) -> Vec<(&str, u64)> {
        self.0.by_app.iter().map(|f| (f.value.as_str(), f.count)).collect()
    }
}

fn activity_filter(
    types: Option<&Bound<'_, PyAny>>,
    users: Option<Vec<String>>,
    apps: Option<Vec<String>>,
    since: Option<Instant>,
    until: Option<Instant>,
) -> PyResult<ActivityFilter> {
    Ok(ActivityFilter {
        types: enums_in(types, "activity type")?,
        users: users.unwrap_or_default().into_iter().map(UserId).collect(),
        apps: apps.unwrap_or_default().into_iter().map(AppId).collect(),
        since: since.map(|s| s.0),
        until: until.map(|u| u.0),
    })
}

#[pymethods]
impl PyEngine {
    /// One page of the log's events matching the filter, newest first (L2, L3). Every non-empty
    /// part must hold: activity types, acting users, apps, `since <= at < until`. Pass the page's
    /// `next_cursor` to continue; a cursor stays valid while new events arrive.
    #[pyo3(signature = (*, types = None, users = None, apps = None, since = None, until = None, cursor = None,
                        page_size = 50))]
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn activity(
        &self,
        py: Python<'_>,
        types: Option<&Bound<'_, PyAny>>,
        users: Option<Vec<String>>,
        apps: Option<Vec<String>>,
        since: Option<Instant>,
        until: Option<Instant>,
        cursor: Option<String>,
        #[pyo3(from_py_with = crate::convert::int::page_size)] page_size: usize,
    ) -> PyResult<PyActivityPage> {
        let filter = activity_filter(types, users, apps, since, until)?;
        self.with_activity(py, |log| {
            let page = log.query(&filter, cursor.as_deref(), page_size)?;
            Ok(PyActivityPage {
                events: page.events.iter().map(|e| e.to_event()).collect(),
                next_cursor: page.next_cursor,
            })
        })?
        .or_raise()
    }

    /// Every event matching the filter (as `activity` takes it), oldest first, as an Arrow table
    /// (`__arrow_c_stream__`): `id` uint64, `at` timestamp[us, UTC], `type` (dictionary of
    /// `ActivityType` values), `app`, `user` and `actor` (dictionaries of ids; `user`/`actor` null
    /// when none). Nothing matching: an empty table with the same schema.
    #[pyo3(signature = (*, types = None, users = None, apps = None, since = None, until = None))]
    fn activity_table(
        &self,
        py: Python<'_>,
        types: Option<&Bound<'_, PyAny>>,
        users: Option<Vec<String>>,
        apps: Option<Vec<String>>,
        since: Option<Instant>,
        until: Option<Instant>,
    ) -> PyResult<PyTable> {
        let filter = activity_filter(types, users, apps, since, until)?;
        self.with_activity(py, |log| Ok(crate::arrow::log_table(log.columns(&filter)?)))?.or_raise()?
    }

    /// One page of `activity` as one Arrow batch (the columns of `activity_table`), newest first,
    /// and the next page's cursor (`None` on the last page).
    #[pyo3(signature = (*, types = None, users = None, apps = None, since = None, until = None, cursor = None,
                        page_size = 50))]
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn activity_batch(
        &self,
        py: Python<'_>,
        types: Option<&Bound<'_, PyAny>>,
        users: Option<Vec<String>>,
        apps: Option<Vec<String>>,
        since: Option<Instant>,
        until: Option<Instant>,
        cursor: Option<String>,
        #[pyo3(from_py_with = crate::convert::int::page_size)] page_size: usize,
    ) -> PyResult<(crate::arrow::PyArrowBatch, Option<String>)> {
        let filter = activity_filter(types, users, apps, since, until)?;
        let (columns, next) = self
            .with_activity(py, |log| {
                let (columns, next) = log.page_columns(&filter, cursor.as_deref(), page_size)?;
                Ok((crate::arrow::log_page(columns), next))
            })?
            .or_raise()?;
        Ok((columns?, next))
    }

    /// Counts for the filter menus (L4): per type, acting user (and system events) and app, each
    /// dimension counted with every filter but its own; `total` with every filter.
    #[pyo3(signature = (*, types = None, users = None, apps = None, since = None, until = None))]
    fn activity_facets(
        &self,
        py: Python<'_>,
        types: Option<&Bound<'_, PyAny>>,
        users: Option<Vec<String>>,
        apps: Option<Vec<String>>,
        since: Option<Instant>,
        until: Option<Instant>,
    ) -> PyResult<PyActivityFacets> {
        let filter = activity_filter(types, users, apps, since, until)?;
        self.with_activity(py, |log| log.facets(&filter))?.or_raise().map(PyActivityFacets)
    }
}

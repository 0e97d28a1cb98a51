//! Bulk ingest of log events from columns: each numpy array is copied once into a private
//! buffer (no per-element Python objects; see `convert::column`), then the GIL is released while
//! the core validates and appends, so what is validated is what is committed.
//! pyarrow tables are turned into the same buffers in Python (`connected_apps.ingest_arrow`).

use connected_apps::EventColumns;
use connected_apps::ingest::NO_USER;
use pyo3::prelude::*;

use crate::convert::{column, opt_column};
use crate::engine::PyEngine;
use crate::errors::OrRaise;

/// The user code of a row without a connection user or an actor.
pub const NO_USER_CODE: u32 = NO_USER;

#[pymethods]
impl PyEngine {
    /// Appends log events held in columns, all or nothing; returns how many. Exact dtypes:
    /// `ids` uint64, `at_us` int64 (µs since the epoch, UTC), `types` uint8 (position in
    /// `list(ActivityType)`), `apps` uint32 codes into `app_dictionary`, `users`/`actors` uint32
    /// codes into `user_dictionary` (`NO_USER` for none). Covers the kinds without payload
    /// (`INGESTIBLE_TYPES`). `connected_apps.ingest_arrays` converts other dtypes first.
    #[pyo3(signature = (ids, at_us, types, apps, app_dictionary, *, users = None, actors = None,
                        user_dictionary = Vec::new()))]
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn ingest_columns(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        at_us: &Bound<'_, PyAny>,
        types: &Bound<'_, PyAny>,
        apps: &Bound<'_, PyAny>,
        app_dictionary: Vec<String>,
        users: Option<&Bound<'_, PyAny>>,
        actors: Option<&Bound<'_, PyAny>>,
        user_dictionary: Vec<String>,
    ) -> PyResult<usize> {
        let (ids, at_us, types, apps) =
            (column(ids, "ids")?, column(at_us, "at_us")?, column(types, "types")?, column(apps, "apps")?);
        let (users, actors) = (opt_column(users, "users")?, opt_column(actors, "actors")?);
        let columns = EventColumns {
            ids: ids.values()?,
            at_micros: at_us.values()?,
            types: types.values()?,
            apps: apps.values()?,
            app_dictionary: &app_dictionary,
            users: users.as_ref().map(|u| u.values()).transpose()?,
            actors: actors.as_ref().map(|a| a.values()).transpose()?,
            user_dictionary: &user_dictionary,
        };
        self.write(py, |engine| engine.ingest_events(&columns))?.or_raise()
    }
}

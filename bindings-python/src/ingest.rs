//! Bulk ingest of log events from columns: numpy arrays are read in place (no copy, no
//! per-element Python objects) and the GIL is released while the core validates and appends.
//! pyarrow tables are turned into the same buffers in Python (`connected_apps.ingest_arrow`).

use connected_apps::EventColumns;
use connected_apps::ingest::NO_USER;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::column;
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
    #[allow(clippy::too_many_arguments)]
    fn ingest_columns(
        &mut self,
        py: Python<'_>,
        ids: PyReadonlyArray1<'_, u64>,
        at_us: PyReadonlyArray1<'_, i64>,
        types: PyReadonlyArray1<'_, u8>,
        apps: PyReadonlyArray1<'_, u32>,
        app_dictionary: Vec<String>,
        users: Option<PyReadonlyArray1<'_, u32>>,
        actors: Option<PyReadonlyArray1<'_, u32>>,
        user_dictionary: Vec<String>,
    ) -> PyResult<usize> {
        let columns = EventColumns {
            ids: column(&ids, "ids")?,
            at_micros: column(&at_us, "at_us")?,
            types: column(&types, "types")?,
            apps: column(&apps, "apps")?,
            app_dictionary: &app_dictionary,
            users: users.as_ref().map(|u| column(u, "users")).transpose()?,
            actors: actors.as_ref().map(|a| column(a, "actors")).transpose()?,
            user_dictionary: &user_dictionary,
        };
        let engine = &mut self.0;
        py.detach(|| engine.ingest_events(&columns)).or_raise()
    }
}

//! Record insights (R1–R6, O4, X2, X7): a mergeable cube of daily record-event counts per app ×
//! record type × action, filled from numpy columns with the GIL released.

use chrono::NaiveDate;
use connected_apps::{
    AppId, Grouping, InsightsQuery, InsightsSettings, RecordAction, RecordAggregate, RecordEvent, RecordEventColumns,
    RecordInsights, RecordType,
};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

use crate::arrays::Values;
use crate::convert::{Instant, column_in_place, enum_in, to_py, wrapper};
use crate::errors::OrRaise;
use crate::lock::Locked;

wrapper!(
    /// Record insights as of a day (R1–R6): one row of daily counts per group, `None` for days
    /// before the data floor, and flags of unexpected behaviour (X2).
    PyRecordInsights(RecordInsights),
    "RecordInsights"
);

#[pymethods]
impl PyRecordInsights {
    #[getter]
    fn as_of(&self) -> NaiveDate {
        self.0.as_of
    }

    /// The window's UTC days, oldest first.
    #[getter]
    fn days(&self) -> Vec<NaiveDate> {
        self.0.days.clone()
    }

    #[getter]
    fn floor(&self) -> NaiveDate {
        self.0.floor
    }

    #[getter]
    fn incomplete_day_included(&self) -> bool {
        self.0.incomplete_day_included
    }

    /// One dict per group: `app`, `record_type`, `action` (None when not grouped by it), `daily`
    /// (counts aligned with `days`, None = unavailable) and `total`.
    #[getter]
    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.rows)
    }

    /// Unexpected behaviour (X2): a day's deletes or merges far above the app's own baseline.
    #[getter]
    fn flags<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.flags)
    }
}

/// Daily counts of record events per app × record type × action; merge partial cubes freely (X7).
/// Safe to share between threads (see lock.rs).
#[pyclass(frozen, module = "connected_apps", name = "RecordAggregate")]
pub struct PyRecordAggregate(pub Locked<RecordAggregate>);

impl PyRecordAggregate {
    /// Counts the columns apart, then merges the count in under the lock (all or nothing).
    /// Columns read in place from the host's arrays are borrowed only now, after every Python call
    /// of their conversion, and counted with the GIL held; the borrows end before the GIL is
    /// released for the merge. Our own converted columns are counted with the GIL released.
    #[allow(clippy::too_many_arguments, reason = "one argument per column and dictionary")]
    fn count(
        &self,
        py: Python<'_>,
        at: &Values<'_, i64>,
        apps: &Values<'_, u32>,
        types: &Values<'_, u32>,
        actions: &Values<'_, u8>,
        app_dictionary: &[String],
        record_type_dictionary: &[String],
    ) -> PyResult<usize> {
        let borrowed = at.in_place() || apps.in_place() || types.in_place() || actions.in_place();
        let (part, rows) = {
            let (at, apps, types, actions) = (at.read(), apps.read(), types.read(), actions.read());
            let columns = RecordEventColumns {
                at_micros: at.as_slice()?,
                apps: apps.as_slice()?,
                app_dictionary,
                record_types: types.as_slice()?,
                record_type_dictionary,
                actions: actions.as_slice()?,
            };
            let part = if borrowed {
                RecordAggregate::from_columns(&columns)
            } else {
                py.detach(|| RecordAggregate::from_columns(&columns))
            };
            (part, columns.at_micros.len())
        };
        let part = part.or_raise()?;
        self.0.write(py, |cube| cube.merge_owned(part))?.or_raise()?;
        Ok(rows)
    }
}

#[pymethods]
impl PyRecordAggregate {
    #[new]
    fn new() -> Self {
        Self(Locked::new(RecordAggregate::new()))
    }

    /// Counts one record event (`action` a `RecordAction`; `record_type` e.g. "contacts" or a
    /// custom object id "2-123").
    fn ingest(
        &self,
        py: Python<'_>,
        at: Instant,
        app: String,
        record_type: String,
        action: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let event = RecordEvent {
            at: at.0,
            app: AppId(app),
            record_type: RecordType::parse(&record_type).or_raise()?,
            action: enum_in::<RecordAction>(action, "record action")?,
        };
        self.0.write(py, |cube| cube.ingest(&event))?.or_raise()
    }

    /// Counts record events held in columns, all or nothing: `at_us` int64 µs since the epoch,
    /// `apps`/`record_types` uint32 codes into their dictionaries, `actions` uint8
    /// (`RecordAction.code`). `connected_apps.ingest_record_arrays` converts other inputs.
    #[allow(clippy::too_many_arguments, reason = "one argument per column or keyword of the Python signature")]
    fn ingest_columns(
        &self,
        py: Python<'_>,
        at_us: &Bound<'_, PyAny>,
        apps: &Bound<'_, PyAny>,
        app_dictionary: Vec<String>,
        record_types: &Bound<'_, PyAny>,
        record_type_dictionary: Vec<String>,
        actions: &Bound<'_, PyAny>,
    ) -> PyResult<usize> {
        let at_us = Values::InPlace(column_in_place(at_us, "at_us")?);
        let apps = Values::InPlace(column_in_place(apps, "apps")?);
        let record_types = Values::InPlace(column_in_place(record_types, "record_types")?);
        let actions = Values::InPlace(column_in_place(actions, "actions")?);
        self.count(py, &at_us, &apps, &record_types, &actions, &app_dictionary, &record_type_dictionary)
    }

    /// Counts record events held in numpy arrays, all or nothing (what
    /// `connected_apps.ingest_record_arrays` calls): `at_us` datetime64 (D to ns) or integers
    /// in µs; `apps`/`record_types` strings (encoded here), or integer codes with their
    /// dictionary; `actions` integers (`RecordAction.code`). Arrays of the target dtype are read
    /// in place, others cast or encoded from the host's array in one pass (see arrays.rs); a
    /// wrong dtype, ndim, layout or value raises naming the argument, counting nothing.
    #[pyo3(signature = (at_us, apps, record_types, actions, *, app_dictionary = None,
                        record_type_dictionary = None))]
    #[allow(clippy::too_many_arguments, reason = "one argument per column or keyword of the Python signature")]
    fn ingest_arrays(
        &self,
        py: Python<'_>,
        at_us: &Bound<'_, PyAny>,
        apps: &Bound<'_, PyAny>,
        record_types: &Bound<'_, PyAny>,
        actions: &Bound<'_, PyAny>,
        app_dictionary: Option<Vec<String>>,
        record_type_dictionary: Option<Vec<String>>,
    ) -> PyResult<usize> {
        let at_us = crate::arrays::micros(at_us, "at")?;
        let (apps, app_dictionary) = crate::arrays::codes(apps, app_dictionary, "apps")?;
        let (record_types, record_type_dictionary) =
            crate::arrays::codes(record_types, record_type_dictionary, "record_types")?;
        let actions = crate::arrays::integers::<u8>(actions, "actions")?;
        self.count(py, &at_us, &apps, &record_types, &actions, &app_dictionary, &record_type_dictionary)
    }

    /// Adds another cube's counts (X7); raises, changing nothing, when the total would pass
    /// 2**64 - 1. `other` is read first (a copy), so merging a cube into itself doubles it rather
    /// than waiting on itself.
    fn merge(&self, py: Python<'_>, other: PyRef<'_, Self>) -> PyResult<()> {
        let other = other.0.read(py, RecordAggregate::clone)?;
        self.0.write(py, |cube| cube.merge_owned(other))?.or_raise()
    }

    /// Record events counted.
    #[getter]
    fn event_count(&self, py: Python<'_>) -> PyResult<u64> {
        self.0.read(py, RecordAggregate::event_count)
    }

    /// Non-zero cells held (day × app × record type × action): the cube's memory follows them.
    #[getter]
    fn cell_count(&self, py: Python<'_>) -> PyResult<usize> {
        self.0.read(py, RecordAggregate::cell_count)
    }

    /// Every non-zero cell (`day`, `app`, `record_type`, `action`, `count`), as dicts.
    fn cells<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let cells = self.0.read(py, RecordAggregate::cells)?;
        to_py(py, &cells)
    }

    /// Every non-zero cell as an Arrow table (`__arrow_c_stream__`), ordered as `cells()`:
    /// `day` date32, `app` and `record_type` (dictionaries), `action` (dictionary of
    /// `RecordAction` values), `count` uint64.
    fn cells_table(&self, py: Python<'_>) -> PyResult<PyTable> {
        self.0.read(py, |cube| crate::arrow::record_cells_table(cube.cell_columns()))?
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.0.read(py, RecordAggregate::to_json)
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, text: String) -> PyResult<Self> {
        py.detach(|| RecordAggregate::from_json(&text)).or_raise().map(|cube| Self(Locked::new(cube)))
    }

    /// The insights as of UTC day `as_of` at `now` (R3–R6): a `window_days` window (at most
    /// `limits::MAX_WINDOW_DAYS`) ending at `as_of` (the current day only with
    /// `include_incomplete_day`), days before `data_floor` unavailable (a window wholly before it
    /// is all unavailable), optionally one app or record type, grouped as asked.
    #[pyo3(signature = (now, as_of, *, include_incomplete_day = false, app = None, record_type = None,
                        group_by_app = false, group_by_record_type = false, group_by_action = false,
                        data_floor = None, window_days = None))]
    #[allow(clippy::too_many_arguments, reason = "one argument per column or keyword of the Python signature")]
    fn insights(
        &self,
        py: Python<'_>,
        now: Instant,
        as_of: NaiveDate,
        include_incomplete_day: bool,
        app: Option<String>,
        record_type: Option<String>,
        group_by_app: bool,
        group_by_record_type: bool,
        group_by_action: bool,
        data_floor: Option<NaiveDate>,
        #[pyo3(from_py_with = crate::convert::int::window_days)] window_days: Option<u32>,
    ) -> PyResult<PyRecordInsights> {
        let defaults = InsightsSettings::default();
        let settings = InsightsSettings {
            data_floor: data_floor.unwrap_or(defaults.data_floor),
            window_days: window_days.unwrap_or(defaults.window_days),
            ..defaults
        };
        let query = InsightsQuery {
            as_of,
            include_incomplete_day,
            app: app.map(AppId),
            record_type: record_type.map(|t| RecordType::parse(&t)).transpose().or_raise()?,
            group_by: Grouping { app: group_by_app, record_type: group_by_record_type, action: group_by_action },
        };
        self.0.read(py, |cube| cube.insights(&settings, &query, now.0))?.or_raise().map(PyRecordInsights)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.read(py, |cube| format!("RecordAggregate(events={})", cube.event_count()))
    }
}

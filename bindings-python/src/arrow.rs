//! Tables out as Arrow (issue 14): the core's columns (`LogColumns`, `RecordCellColumns`,
//! `UsageColumns`, `ConnectionColumns`) become Arrow arrays, moved rather than copied where the
//! layouts agree (ids, times, counts), dictionary-encoded with the core's own dictionaries where
//! they are codes (apps, users, types), and cross to Python as a pyo3-arrow `Table`, which any
//! consumer of the Arrow PyCapsule interface (`__arrow_c_stream__`) reads: polars, pyarrow,
//! DuckDB, pandas through pyarrow. A page of the activity log crosses as one [`PyArrowBatch`]
//! (`__arrow_c_array__` as well, plain strings). No per-row loop runs in Python; each method's
//! Rust part runs with the GIL released.
//!
//! Every table keeps its full schema when it has no row. Each export hands out its own stream
//! (the batches are shared, immutable): a consumer that drops a stream half-read changes
//! nothing, and the table can be read again.

use std::sync::{Arc, OnceLock};

use arrow_array::types::{ArrowDictionaryKeyType, UInt8Type, UInt32Type};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, PrimitiveArray, RecordBatch, StringArray, StructArray,
    TimestampMicrosecondArray, UInt64Array,
};
use arrow_buffer::ArrowNativeType;
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, FieldRef, Schema, SchemaRef, TimeUnit};
use connected_apps::{ActivityType, ConnectionColumns, LogColumns, RecordAction, RecordCellColumns, UsageColumns};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use pyo3_arrow::PyTable;
use pyo3_arrow::error::PyArrowResult;
use pyo3_arrow::ffi::{ArrayIterator, to_array_pycapsules, to_schema_pycapsule, to_stream_pycapsule};

/// "No code" in the core's code columns: the row has no user (a null).
const NO_CODE: u32 = u32::MAX;

/// The error of an Arrow array the columns could not form (a bug, never bad input).
fn arrow_error(e: ArrowError) -> PyErr {
    PyValueError::new_err(format!("arrow table could not be built: {e}"))
}

/// A UTC timestamp column in µs.
fn timestamps(micros: Vec<i64>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC"))
}

/// A nullable UTC timestamp column in µs.
fn opt_timestamps(micros: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC"))
}

fn strings<'a>(names: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(names))
}

/// The error of a code past a dictionary's names (a bug, never bad input).
fn past_names(code: usize, names: usize) -> ArrowError {
    ArrowError::InvalidArgumentError(format!("code {code} past {names} names"))
}

/// Codes into `names` as a dictionary column; [`NO_CODE`] is null (its key stored as 0). With
/// fewer rows than names (a page), only the names used are kept, renumbered in order of use
/// (a table indexed by code, not a hash map: a page of 100 rows pays for no hashing).
fn dictionary<K: ArrowDictionaryKeyType, N: AsRef<str>>(
    keys: Vec<K::Native>,
    names: &[N],
    is_null: impl Fn(K::Native) -> bool,
) -> Result<ArrayRef, ArrowError>
where
    K::Native: Default + TryFrom<usize>,
{
    let nulls = keys.iter().any(|k| is_null(*k)).then(|| {
        NullBuffer::new(BooleanBuffer::collect_bool(keys.len(), |i| keys.get(i).is_some_and(|k| !is_null(*k))))
    });
    let past_names = |code: usize| past_names(code, names.len());
    let (keys, values) = if keys.len() < names.len() {
        const UNUSED: u32 = u32::MAX;
        let mut renumbered = vec![UNUSED; names.len()];
        let mut used: Vec<&str> = Vec::new();
        let mut compact = Vec::with_capacity(keys.len());
        for key in keys {
            if is_null(key) {
                compact.push(K::Native::default());
                continue;
            }
            let code = key.as_usize();
            let slot = renumbered.get_mut(code).ok_or_else(|| past_names(code))?;
            if *slot == UNUSED {
                *slot = u32::try_from(used.len()).unwrap_or(UNUSED);
                used.push(names.get(code).ok_or_else(|| past_names(code))?.as_ref());
            }
            let new = *slot as usize;
            compact.push(
                K::Native::try_from(new)
                    .map_err(|_| ArrowError::InvalidArgumentError(format!("dictionary of {} entries", new + 1)))?,
            );
        }
        (compact, strings(used.into_iter()))
    } else if nulls.is_some() {
        (
            keys.into_iter().map(|k| if is_null(k) { K::Native::default() } else { k }).collect(),
            strings(names.iter().map(AsRef::as_ref)),
        )
    } else {
        (keys, strings(names.iter().map(AsRef::as_ref)))
    };
    let keys = PrimitiveArray::<K>::try_new(keys.into(), nulls)?;
    Ok(Arc::new(DictionaryArray::<K>::try_new(keys, values)?))
}

/// Codes (u32) into `names`, nulls where [`NO_CODE`].
fn codes<N: AsRef<str>>(keys: Vec<u32>, names: &[N]) -> Result<ArrayRef, ArrowError> {
    dictionary::<UInt32Type, N>(keys, names, |k| k == NO_CODE)
}

fn dict_type(key: DataType) -> DataType {
    DataType::Dictionary(Box::new(key), Box::new(DataType::Utf8))
}

fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// One batch as a table (its schema kept when it has no row).
fn table(fields: Vec<Field>, columns: Vec<ArrayRef>) -> PyResult<PyTable> {
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(arrow_error)?;
    PyTable::try_new(vec![batch.clone()], batch.schema())
}

/// One Arrow record batch (a page of the activity log): `__arrow_c_array__` for consumers of one
/// batch (`pyarrow.record_batch(b)`, the cheapest read), `__arrow_c_stream__` (a stream of that one
/// batch) for those that read streams (`polars.DataFrame(b)`, `pyarrow.table(b)`, DuckDB). Each
/// export shares the immutable batch: reading it never changes it, and it can be read again.
#[pyclass(name = "ArrowBatch", module = "connected_apps", frozen)]
pub struct PyArrowBatch(RecordBatch);

impl PyArrowBatch {
    /// The batch as one struct array and its field: what both PyCapsule exports carry.
    fn as_struct(&self) -> (ArrayRef, FieldRef) {
        let schema = self.0.schema_ref();
        let field = Field::new_struct("", schema.fields().clone(), false).with_metadata(schema.metadata().clone());
        (Arc::new(StructArray::from(self.0.clone())), Arc::new(field))
    }
}

#[pymethods]
impl PyArrowBatch {
    /// The Arrow PyCapsule interface for one array (here: the batch as a struct array).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyArrowResult<Bound<'py, PyTuple>> {
        let (array, field) = self.as_struct();
        to_array_pycapsules(py, field, &array, requested_schema)
    }

    /// The Arrow PyCapsule interface for a stream (of this one batch).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyArrowResult<Bound<'py, PyCapsule>> {
        let (array, field) = self.as_struct();
        let reader = ArrayIterator::new(std::iter::once(Ok(array)), field);
        to_stream_pycapsule(py, Box::new(reader), requested_schema)
    }

    /// The Arrow PyCapsule interface for the schema.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyArrowResult<Bound<'py, PyCapsule>> {
        to_schema_pycapsule(py, self.0.schema_ref().as_ref())
    }

    /// Rows in the batch.
    #[getter]
    fn num_rows(&self) -> usize {
        self.0.num_rows()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.0.schema_ref().fields().iter().map(|f| f.name().clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.0.num_rows()
    }

    fn __repr__(&self) -> String {
        let names: Vec<String> = self.column_names().iter().map(|n| format!("'{n}'")).collect();
        format!("ArrowBatch(num_rows={}, columns=[{}])", self.0.num_rows(), names.join(", "))
    }
}

/// The activity log's columns as one batch: `id`, `at`, `type`, `app`, `user`, `actor`.
fn log_batch(c: LogColumns<'_>) -> PyResult<RecordBatch> {
    let fields = vec![
        Field::new("id", DataType::UInt64, false),
        Field::new("at", utc_micros(), false),
        Field::new("type", dict_type(DataType::UInt8), false),
        Field::new("app", dict_type(DataType::UInt32), false),
        Field::new("user", dict_type(DataType::UInt32), true),
        Field::new("actor", dict_type(DataType::UInt32), true),
    ];
    let types = ActivityType::ALL.map(ActivityType::as_str);
    let columns = vec![
        Arc::new(UInt64Array::from(c.ids)) as ArrayRef,
        timestamps(c.at_micros),
        dictionary::<UInt8Type, _>(c.types, &types, |_| false).map_err(arrow_error)?,
        codes(c.apps, c.app_dictionary).map_err(arrow_error)?,
        codes(c.users, c.user_dictionary).map_err(arrow_error)?,
        codes(c.actors, c.user_dictionary).map_err(arrow_error)?,
    ];
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(arrow_error)
}

/// The activity log's columns as a table (see [`log_batch`]).
pub fn log_table(c: LogColumns<'_>) -> PyResult<PyTable> {
    let batch = log_batch(c)?;
    PyTable::try_new(vec![batch.clone()], batch.schema())
}

/// Codes into `names` as plain strings; [`NO_CODE`] is null, any other code past the names an
/// error (as for [`dictionary`]).
fn plain<K: Copy + Into<u32>, N: AsRef<str>>(keys: &[K], names: &[N]) -> Result<ArrayRef, ArrowError> {
    let name = |k: K| -> Result<Option<&str>, ArrowError> {
        let code = k.into();
        if code == NO_CODE {
            return Ok(None);
        }
        names.get(code as usize).map(|n| Some(n.as_ref())).ok_or_else(|| past_names(code as usize, names.len()))
    };
    // Offsets and bytes written directly: a builder's per-value bookkeeping costs more than a
    // page's data.
    let mut offsets: Vec<i32> = Vec::with_capacity(keys.len() + 1);
    let mut values: Vec<u8> = Vec::with_capacity(keys.len() * 16);
    let mut nulls = 0usize;
    offsets.push(0);
    for &k in keys {
        match name(k)? {
            Some(text) => values.extend_from_slice(text.as_bytes()),
            None => nulls += 1,
        }
        let end = i32::try_from(values.len())
            .map_err(|_| ArrowError::InvalidArgumentError(format!("{} bytes of strings", values.len())))?;
        offsets.push(end);
    }
    let nulls = (nulls > 0).then(|| {
        NullBuffer::new(BooleanBuffer::collect_bool(keys.len(), |i| keys.get(i).is_some_and(|&k| k.into() != NO_CODE)))
    });
    let array = StringArray::try_new(OffsetBuffer::new(ScalarBuffer::from(offsets)), Buffer::from_vec(values), nulls)?;
    Ok(Arc::new(array))
}

/// The schema of a page (see [`log_page`]), built once: every page shares it.
fn page_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("id", DataType::UInt64, false),
                Field::new("at", utc_micros(), false),
                Field::new("type", DataType::Utf8, false),
                Field::new("app", DataType::Utf8, false),
                Field::new("user", DataType::Utf8, true),
                Field::new("actor", DataType::Utf8, true),
            ]))
        })
        .clone()
}

/// A page of the activity log as one batch: the columns of [`log_batch`], with `type`, `app`,
/// `user` and `actor` as plain strings. A page is small (at most `MAX_PAGE_SIZE` rows): four
/// dictionaries would cost a reader more to import than they save.
pub fn log_page(c: LogColumns<'_>) -> PyResult<PyArrowBatch> {
    let types = ActivityType::ALL.map(ActivityType::as_str);
    let columns = vec![
        Arc::new(UInt64Array::from(c.ids)) as ArrayRef,
        timestamps(c.at_micros),
        plain(&c.types, &types).map_err(arrow_error)?,
        plain(&c.apps, c.app_dictionary).map_err(arrow_error)?,
        plain(&c.users, c.user_dictionary).map_err(arrow_error)?,
        plain(&c.actors, c.user_dictionary).map_err(arrow_error)?,
    ];
    RecordBatch::try_new(page_schema(), columns).map(PyArrowBatch).map_err(arrow_error)
}

/// Record insights' cells: `day`, `app`, `record_type`, `action`, `count`.
pub fn record_cells_table(c: RecordCellColumns<'_>) -> PyResult<PyTable> {
    let fields = vec![
        Field::new("day", DataType::Date32, false),
        Field::new("app", dict_type(DataType::UInt32), false),
        Field::new("record_type", dict_type(DataType::UInt32), false),
        Field::new("action", dict_type(DataType::UInt8), false),
        Field::new("count", DataType::UInt64, false),
    ];
    let actions = RecordAction::ALL.map(RecordAction::as_str);
    let columns = vec![
        Arc::new(Date32Array::from(c.days)) as ArrayRef,
        codes(c.apps, c.app_dictionary).map_err(arrow_error)?,
        codes(c.record_types, c.record_type_dictionary).map_err(arrow_error)?,
        dictionary::<UInt8Type, _>(c.actions, &actions, |_| false).map_err(arrow_error)?,
        Arc::new(UInt64Array::from(c.counts)),
    ];
    table(fields, columns)
}

/// Usage readings: `app`, `at`, `calls_today`, `usage_limit`, `resets_at`.
pub fn usage_table(c: UsageColumns<'_>) -> PyResult<PyTable> {
    let fields = vec![
        Field::new("app", dict_type(DataType::UInt32), false),
        Field::new("at", utc_micros(), false),
        Field::new("calls_today", DataType::UInt64, false),
        Field::new("usage_limit", DataType::UInt64, true),
        Field::new("resets_at", utc_micros(), true),
    ];
    let columns = vec![
        codes(c.apps, &c.app_dictionary).map_err(arrow_error)?,
        timestamps(c.at_micros),
        Arc::new(UInt64Array::from(c.calls_today)) as ArrayRef,
        Arc::new(UInt64Array::from(c.usage_limits)),
        opt_timestamps(c.resets_at_micros),
    ];
    table(fields, columns)
}

/// The inventory of connections ([`State::connection_columns`]): `app`, `user`, `state`,
/// `first_installed_at`, `installed_at`, `installed_by`, `expires_at`, `last_activity_at`,
/// `health_since`, `update_available`, `granted_scopes` (how many).
pub fn connections_table(c: ConnectionColumns<'_>) -> PyResult<PyTable> {
    let fields = vec![
        Field::new("app", DataType::Utf8, false),
        Field::new("user", DataType::Utf8, true),
        Field::new("state", DataType::Utf8, false),
        Field::new("first_installed_at", utc_micros(), false),
        Field::new("installed_at", utc_micros(), false),
        Field::new("installed_by", DataType::Utf8, true),
        Field::new("expires_at", utc_micros(), true),
        Field::new("last_activity_at", utc_micros(), true),
        Field::new("health_since", utc_micros(), false),
        Field::new("update_available", DataType::Boolean, false),
        Field::new("granted_scopes", DataType::UInt64, false),
    ];
    let columns = vec![
        plain(&c.apps, &c.app_dictionary).map_err(arrow_error)?,
        plain(&c.users, &c.user_dictionary).map_err(arrow_error)?,
        strings(c.states.iter().map(|s| s.as_str())),
        timestamps(c.first_installed_at_micros),
        timestamps(c.installed_at_micros),
        plain(&c.installed_by, &c.user_dictionary).map_err(arrow_error)?,
        opt_timestamps(c.expires_at_micros),
        opt_timestamps(c.last_activity_at_micros),
        timestamps(c.health_since_micros),
        Arc::new(BooleanArray::from(c.update_available)),
        Arc::new(UInt64Array::from(c.granted_scopes)),
    ];
    table(fields, columns)
}

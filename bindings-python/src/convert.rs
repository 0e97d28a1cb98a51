//! Conversions between Python values and core types: datetimes, enums, JSON-shaped data, and the
//! wrapper classes' shared methods.
//!
//! # Rules
//! - **Datetimes in**: timezone-aware `datetime` with any offset or zone, normalised to UTC; naive
//!   datetimes are refused with `TypeError` (guessing a zone would silently shift every instant).
//! - **Datetimes out**: timezone-aware, in UTC (`tzinfo=timezone.utc`).
//! - **Enums**: defined in Python (`connected_apps/__init__.py`) as `(str, enum.Enum)` classes
//!   whose values are the core's snake-case names. Real `enum.Enum` members iterate, compare and
//!   pickle as Python users expect (pyo3 enums do not), and being `str` they also serialise as
//!   JSON and accept plain strings. Rust converts by value, through the core's serde names.
//! - **Dicts**: Python data in the core's serde shape crosses as JSON text (the stdlib encoder and
//!   serde_json are both fast, and the core's serde derives stay the single definition of
//!   the shape); `to_dict()` returns the same JSON shape (timestamps as RFC 3339 strings).

use chrono::{DateTime, SecondsFormat, Utc};
use connected_apps::ErrorKind;
use numpy::{
    Element, PyArray1, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyCFunction, PyDateTime, PyDict, PyFrozenSet, PySet, PyString, PyTzInfo, PyTzInfoAccess};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::de::value::StrDeserializer;
use serde_json::Value;

use crate::errors::kind_error;

/// A timezone-aware instant from Python, normalised to UTC.
#[derive(Debug, Clone, Copy)]
pub struct Instant(pub DateTime<Utc>);

impl<'py> FromPyObject<'_, 'py> for Instant {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        datetime_in(&obj).map(Instant)
    }
}

/// A Python datetime as a UTC instant; see the module rules.
pub fn datetime_in(obj: &Bound<'_, PyAny>) -> PyResult<DateTime<Utc>> {
    let Ok(dt) = obj.cast::<PyDateTime>() else {
        return Err(PyTypeError::new_err(format!("expected a timezone-aware datetime, got {}", type_name(obj))));
    };
    // The common case, a datetime already in `timezone.utc`: read as it is (no call into Python).
    let utc = PyTzInfo::utc(obj.py())?;
    if dt.get_tzinfo().is_some_and(|tz| tz.is(&*utc)) {
        return dt.extract::<DateTime<Utc>>();
    }
    if dt.call_method0("utcoffset")?.is_none() {
        return Err(PyTypeError::new_err(format!(
            "naive datetime {} has no time zone: pass a timezone-aware datetime, e.g. with tzinfo=timezone.utc",
            dt.str()?
        )));
    }
    match dt.call_method1("astimezone", (utc,)) {
        Ok(utc) => utc.extract::<DateTime<Utc>>(),
        // Python's own range ends at years 1 and 9999: an offset can push an instant past them.
        Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => Err(kind_error(
            ErrorKind::InvalidInput,
            format!("datetime {} is outside the range of datetimes in UTC", dt.str()?),
        )),
        Err(e) => Err(e),
    }
}

/// A UTC instant as a timezone-aware Python datetime in UTC.
pub fn datetime_out(py: Python<'_>, at: DateTime<Utc>) -> PyResult<Bound<'_, PyAny>> {
    Ok(at.into_pyobject(py)?.into_any())
}

/// An optional instant as a datetime or `None`.
pub fn opt_datetime_out(py: Python<'_>, at: Option<DateTime<Utc>>) -> PyResult<Option<Bound<'_, PyAny>>> {
    at.map(|a| datetime_out(py, a)).transpose()
}

/// Named on/off toggles (sync settings) as a dict.
pub fn toggles_out<'py, 'a>(
    py: Python<'py>,
    toggles: impl IntoIterator<Item = (&'a String, &'a bool)>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (name, on) in toggles {
        out.set_item(name, on)?;
    }
    Ok(out)
}

/// A column of a host's numpy array, frozen: see the module rules. [`Column::values`] borrows it.
pub struct Column<'py, T: Element>(PyReadonlyArray1<'py, T>);

impl<T: Element> Column<'_, T> {
    /// The column's values (see [`values_now`]).
    pub fn values(&self) -> PyResult<&[T]> {
        values_now(&self.0)
    }
}

/// The values of a numpy array borrowed as `T`, its dtype, dimensions and layout checked again
/// right here: Python code that ran since the first check (another argument's conversion may call
/// into Python) could have changed them, e.g. reassigned `dtype`, which would change the length
/// the slice is given. Take the slices last, once no Python code will run before they are read:
/// while the GIL is held, only code that already released it can write the array's values, never
/// its shape or dtype. (C-level checks only: no Python code runs here.)
pub fn values_now<'a, T: Element>(array: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    let unchanged =
        array.dtype().is_equiv_to(&numpy::dtype::<T>(array.py())) && array.ndim() == 1 && array.is_c_contiguous();
    if !unchanged {
        return Err(kind_error(
            ErrorKind::InvalidInput,
            "an array changed its dtype, shape or layout during the call".to_owned(),
        ));
    }
    array.as_slice().map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A one-dimensional numpy array of exactly `T` (native byte order), copied into an array only
/// this call can reach, so another thread changing the host's array while the GIL is released
/// cannot change what is validated or what is committed. Any layout is accepted (strided,
/// reversed, unaligned: the copy is contiguous); `name` names the argument in every error.
pub fn column<'py, T: Element>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Column<'py, T>> {
    checked::<T>(obj, name)?;
    let copy = obj.call_method1("copy", ("C",))?.cast_into::<PyArray1<T>>()?;
    Ok(Column(copy.readonly()))
}

/// The array of exactly `T` (see [`column`]'s checks) to read in place when it is C-contiguous
/// and aligned, else a private copy. No borrow is taken here: take it with
/// [`crate::arrays::Values::read`] once no Python code will run before the values are read (a
/// borrow held while Python code runs could see the array's dtype reassigned under it).
pub fn column_in_place<'py, T: Element>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyArray1<T>>> {
    if checked::<T>(obj, name)?.is_c_contiguous() {
        return Ok(aligned(obj)?.cast_into::<PyArray1<T>>()?);
    }
    Ok(obj.call_method1("copy", ("C",))?.cast_into::<PyArray1<T>>()?)
}

/// `obj` itself when its data is aligned for its dtype, else an aligned copy (numpy's `copy`):
/// unaligned memory (e.g. `numpy.frombuffer` at an odd offset) cannot be read as a slice.
pub fn aligned<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if obj.getattr("flags")?.getattr("aligned")?.is_truthy()? { Ok(obj.clone()) } else { obj.call_method0("copy") }
}

/// `obj` checked to be a one-dimensional, unmasked numpy array of exactly `T` in native byte
/// order; `name` names the argument in every error.
fn checked<'a, 'py, T: Element>(obj: &'a Bound<'py, PyAny>, name: &str) -> PyResult<&'a Bound<'py, PyUntypedArray>> {
    let py = obj.py();
    let expected = numpy::dtype::<T>(py);
    let Ok(array) = obj.cast::<PyUntypedArray>() else {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a numpy array of {}, got {}",
            expected.str()?,
            type_name(obj)
        )));
    };
    static MASKED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let masked = MASKED.get_or_try_init(py, || py.import("numpy.ma")?.getattr("MaskedArray").map(Bound::unbind))?;
    if obj.is_instance(masked.bind(py))? {
        return Err(PyTypeError::new_err(format!("{name} is a masked array: fill or drop its masked values first")));
    }
    let dtype = array.dtype();
    if !dtype.is_equiv_to(&expected) || dtype.is_native_byteorder() == Some(false) {
        return Err(PyTypeError::new_err(format!(
            "{name} must have dtype {} in native byte order, got {}",
            expected.str()?,
            dtype.getattr("str")?
        )));
    }
    if array.ndim() != 1 {
        return Err(kind_error(
            ErrorKind::InvalidInput,
            format!("{name} must be one-dimensional, got {} dimensions", array.ndim()),
        ));
    }
    Ok(array)
}

/// An optional column; see [`column`].
pub fn opt_column<'py, T: Element>(obj: Option<&Bound<'py, PyAny>>, name: &str) -> PyResult<Option<Column<'py, T>>> {
    obj.filter(|o| !o.is_none()).map(|o| column(o, name)).transpose()
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
}

/// An integer argument of a Rust integer type (or `None` for an `Option`): see [`int_in`].
pub trait IntArg: Sized {
    /// The value of `obj`, or the error naming `name`.
    fn from_arg(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Self>;
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl IntArg for $t {
            fn from_arg(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
                let out_of_range = || {
                    let shown = obj.str().map(|s| s.to_string()).unwrap_or_default();
                    kind_error(
                        ErrorKind::InvalidInput,
                        format!("{name} must be an integer in {}..={}, got {shown}", <$t>::MIN, <$t>::MAX),
                    )
                };
                if obj.cast::<PyBool>().is_ok() {
                    return Err(PyTypeError::new_err(format!("{name} must be an int, got bool")));
                }
                match obj.extract::<i128>() {
                    Ok(value) => <$t>::try_from(value).map_err(|_| out_of_range()),
                    Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => Err(out_of_range()),
                    Err(_) => Err(PyTypeError::new_err(format!("{name} must be an int, got {}", type_name(obj)))),
                }
            }
        }
    )*};
}
int_arg!(u8, u16, u32, u64, usize, i64);

impl<T: IntArg> IntArg for Option<T> {
    fn from_arg(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        if obj.is_none() { Ok(None) } else { T::from_arg(obj, name).map(Some) }
    }
}

/// THE conversion of every integer argument: a Python `int` (or anything with `__index__`, e.g. a
/// numpy integer) in the range of the Rust type, else `InvalidInputError` naming the argument and
/// the value (pyo3's own conversion raises a bare `OverflowError`); not an integer (a `bool`
/// neither): `TypeError`. Use through `#[pyo3(from_py_with = crate::convert::int::NAME)]`.
pub fn int_in<T: IntArg>(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<T> {
    T::from_arg(obj, name)
}

/// One extractor per integer argument name (pyo3's `from_py_with` passes no name); each is
/// [`int_in`] with its name. Add the name of a new integer argument here.
pub mod int {
    use pyo3::prelude::*;

    macro_rules! named {
        ($($name:ident),*) => {$(
            #[doc = concat!("The integer argument `", stringify!($name), "`; see [`super::int_in`].")]
            pub fn $name<T: super::IntArg>(obj: &Bound<'_, PyAny>) -> PyResult<T> {
                super::int_in(obj, stringify!($name))
            }
        )*};
    }
    named!(api_limit_increases, calls_today, id, limit, offset, page_size, window_days);
}

fn package(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static PACKAGE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    PACKAGE.get_or_try_init(py, || py.import("connected_apps").map(Bound::unbind)).map(|m| m.bind(py))
}

/// A core enum value as a member of the Python enum `class` (defined in `connected_apps`).
pub fn enum_out<'py, T: Serialize>(py: Python<'py>, class: &str, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let name = serde_json::to_value(value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    package(py)?.getattr(class)?.call1((json_value_out(py, &name)?,))
}

/// A Python enum member (or its string value) as a core enum; `what` names it in errors.
pub fn enum_in<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let Ok(text) = obj.cast::<PyString>() else {
        return Err(PyTypeError::new_err(format!("{what} must be a str enum member")));
    };
    let name = text.to_cow()?;
    // The core's serde names, read straight from the string (no JSON value in between).
    T::deserialize(StrDeserializer::<serde::de::value::Error>::new(&name))
        .map_err(|_| PyValueError::new_err(format!("unknown {what} {name:?}")))
}

/// Optional enum values in, e.g. a filter's activity types.
pub fn enums_in<T: DeserializeOwned>(items: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<T>> {
    let Some(items) = items else { return Ok(Vec::new()) };
    items.try_iter()?.map(|item| enum_in(&item?, what)).collect()
}

fn json_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static JSON: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    JSON.get_or_try_init(py, || py.import("json").map(Bound::unbind)).map(|m| m.bind(py))
}

fn json_value_out<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Value::String(s) => Ok(s.into_pyobject(py)?.into_any()),
        other => json_module(py)?.call_method1("loads", (other.to_string(),)),
    }
}

/// Any serialisable core value as JSON-shaped Python data (dicts, lists, str, int, bool, None).
pub fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    json_module(py)?.call_method1("loads", (text,))
}

/// JSON-shaped Python data (dicts, lists, enum members, datetimes, wrapper objects) as a core
/// value; a wrong shape raises `InvalidInputError` naming `what`.
pub fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    parse(json_value_in(obj)?, what)
}

fn parse<T: DeserializeOwned>(value: Value, what: &str) -> PyResult<T> {
    serde_json::from_value(value).map_err(|e| kind_error(ErrorKind::InvalidInput, format!("invalid {what}: {e}")))
}

/// JSON-shaped Python data as a serde_json value.
pub fn json_value_in(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    static DEFAULT: PyOnceLock<Py<PyCFunction>> = PyOnceLock::new();
    let default = DEFAULT.get_or_try_init(py, || wrap_pyfunction!(json_default, py).map(Bound::unbind))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("default", default.bind(py))?;
    let text: String = json_module(py)?.call_method("dumps", (obj,), Some(&kwargs))?.extract()?;
    serde_json::from_str(&text).map_err(|e| kind_error(ErrorKind::InvalidInput, e.to_string()))
}

/// `json.dumps` hook for what JSON lacks: datetimes (normalised to UTC), sets, and this
/// module's objects (through their `to_dict`).
#[pyfunction]
fn json_default<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    if obj.cast::<PyDateTime>().is_ok() {
        let text = datetime_in(obj)?.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        return Ok(text.into_pyobject(py)?.into_any());
    }
    if obj.cast::<PySet>().is_ok() || obj.cast::<PyFrozenSet>().is_ok() {
        let items = obj.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        return Ok(items.into_pyobject(py)?.into_any());
    }
    let module = obj.get_type().module().map(|m| m.to_string()).unwrap_or_default();
    if module == "connected_apps" && obj.hasattr("to_dict")? {
        return obj.call_method0("to_dict");
    }
    Err(PyTypeError::new_err(format!("object of type {} cannot be converted", type_name(obj))))
}

/// A readable `Name(field=value, ...)`: scalars in full, lists as their length when long.
pub fn repr<T: Serialize>(name: &str, value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => {
            // The id first, then the fields in name order.
            let (id, rest): (Vec<_>, Vec<_>) = map.iter().partition(|(k, _)| *k == "id");
            let fields: Vec<String> = id.into_iter().chain(rest).map(|(k, v)| format!("{k}={}", render(v))).collect();
            format!("{name}({})", fields.join(", "))
        }
        Ok(other) => format!("{name}({})", render(&other)),
        Err(_) => format!("{name}(…)"),
    }
}

fn render(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) if items.len() <= 3 && items.iter().all(|v| !v.is_array() && !v.is_object()) => {
            format!("[{}]", items.iter().map(render).collect::<Vec<_>>().join(", "))
        }
        Value::Array(items) => format!("[{} items]", items.len()),
        Value::Object(map) if map.len() <= 3 && map.values().all(|v| !v.is_array() && !v.is_object()) => {
            let fields: Vec<String> = map.iter().map(|(k, v)| format!("'{k}': {}", render(v))).collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Object(map) => format!("{{{} keys}}", map.len()),
    }
}

/// Declares a frozen Python class wrapping a core value, with `to_dict()`, `from_dict()`,
/// `__repr__` and `__eq__`; the area files add typed getters in their own `#[pymethods]`.
macro_rules! wrapper {
    ($(#[$doc:meta])* $py:ident($core:ty), $name:literal) => {
        $(#[$doc])*
        #[pyo3::pyclass(frozen, module = "connected_apps", name = $name)]
        #[derive(Clone)]
        pub struct $py(pub $core);

        #[pyo3::pymethods]
        impl $py {
            /// The value as JSON-shaped data (the core's serde shape).
            fn to_dict<'py>(&self, py: pyo3::Python<'py>) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                $crate::convert::to_py(py, &self.0)
            }

            /// Builds the value from JSON-shaped data (as `to_dict` returns).
            #[staticmethod]
            fn from_dict(data: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<Self> {
                $crate::convert::from_py(data, $name).map(Self)
            }

            fn __repr__(&self) -> String {
                $crate::convert::repr($name, &self.0)
            }

            fn __eq__(&self, other: &pyo3::Bound<'_, pyo3::PyAny>) -> bool {
                other.cast::<Self>().is_ok_and(|o| o.get().0 == self.0)
            }
        }

        impl $py {
            /// The core value of this class's instance, or of JSON-shaped data.
            #[allow(dead_code, reason = "generated for every wrapper class; only some classes take JSON-shaped input")]
            pub fn from_any(obj: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<$core> {
                match obj.cast::<Self>() {
                    Ok(wrapped) => Ok(wrapped.get().0.clone()),
                    Err(_) => $crate::convert::from_py(obj, $name),
                }
            }
        }
    };
}
pub(crate) use wrapper;

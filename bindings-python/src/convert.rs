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
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDateTime, PyDict, PyFrozenSet, PySet, PyTzInfo};
use serde::Serialize;
use serde::de::DeserializeOwned;
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
        let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(PyTypeError::new_err(format!("expected a timezone-aware datetime, got {type_name}")));
    };
    if dt.call_method0("utcoffset")?.is_none() {
        return Err(PyTypeError::new_err(format!(
            "naive datetime {} has no time zone: pass a timezone-aware datetime, e.g. with tzinfo=timezone.utc",
            dt.str()?
        )));
    }
    dt.call_method1("astimezone", (PyTzInfo::utc(obj.py())?,))?.extract::<DateTime<Utc>>()
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

/// A numpy column's elements in place (no copy); `name` names it in the error.
pub fn column<'a, T: numpy::Element>(array: &'a numpy::PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    array.as_slice().map_err(|_| PyValueError::new_err(format!("column {name} must be a contiguous array")))
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
    let name: String = obj.extract().map_err(|_| PyTypeError::new_err(format!("{what} must be a str enum member")))?;
    serde_json::from_value(Value::String(name.clone()))
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
    let value = json_value_in(obj)?;
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
    let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    Err(PyTypeError::new_err(format!("object of type {type_name} cannot be converted")))
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
            #[allow(dead_code)]
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

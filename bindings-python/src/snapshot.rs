//! JSON snapshots of the whole engine and NDJSON event streams. The GIL is released while the
//! core parses, validates and serialises.

use connected_apps::{AccountEngine, events_from_ndjson as parse_ndjson, events_to_ndjson as write_ndjson};
use pyo3::prelude::*;

use crate::engine::PyEngine;
use crate::errors::OrRaise;
use crate::event::{PyEvent, events_in, events_out};

#[pymethods]
impl PyEngine {
    /// The whole engine (directory and log) as JSON; `Engine.from_json` reads it back.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.read_account(py, |e| e.to_json())?.or_raise()
    }

    /// Rebuilds an engine from `to_json`'s output, validating every entry and event. Timestamps
    /// may carry any UTC offset; they are normalised to UTC.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: String) -> PyResult<Self> {
        py.detach(|| AccountEngine::from_json(&text)).or_raise().map(Self::wrap)
    }

    /// Appends events read from NDJSON, all or nothing; returns how many.
    fn import_ndjson(&self, py: Python<'_>, text: String) -> PyResult<usize> {
        self.write(py, |e| e.import_ndjson(&text))?.or_raise()
    }

    /// The whole log as NDJSON, one event per line.
    fn events_to_ndjson(&self, py: Python<'_>) -> PyResult<String> {
        self.read(py, |e| write_ndjson(e.events()))?.or_raise()
    }
}

/// Events (`Event` objects or dicts) as NDJSON, one compact JSON object per line.
#[pyfunction]
pub fn events_to_ndjson(py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<String> {
    let events = events_in(events)?;
    py.detach(|| write_ndjson(&events)).or_raise()
}

/// Parses NDJSON events (blank lines skipped) into `Event` objects.
#[pyfunction]
pub fn events_from_ndjson<'py>(py: Python<'py>, text: String) -> PyResult<Vec<Bound<'py, PyEvent>>> {
    let events = py.detach(|| parse_ndjson(&text)).or_raise()?;
    events_out(py, events)
}

//! Partials on a distributed engine (X7): record aggregates and usage histories in their compact,
//! versioned byte form (`to_bytes` / `from_bytes`), and pickled through it, so that Dask, Spark
//! or multiprocessing ship them between workers. Unpickling bytes of another format version,
//! kind or settings, or corrupt bytes, raises `InvalidInputError` and restores nothing.

use connected_apps::{RecordAggregate, UsageHistory};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyType};

use crate::errors::OrRaise;
use crate::insights::PyRecordAggregate;
use crate::lock::Locked;
use crate::usage::PyUsageHistory;

/// The byte-form methods and pickle support of a wrapper around a core partial.
macro_rules! partial {
    ($py_type:ident, $core:ident) => {
        #[pymethods]
        impl $py_type {
            /// The compact byte form (versioned, checksummed, canonical): equal state, equal bytes.
            fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
                let bytes = self.0.read(py, $core::to_bytes)?;
                Ok(PyBytes::new(py, &bytes))
            }

            /// Restores a partial from `to_bytes`, re-checking everything; raises
            /// `InvalidInputError` for another format version, kind or settings, or corrupt bytes.
            #[staticmethod]
            fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
                py.detach(|| $core::from_bytes(data)).or_raise().map(|partial| Self(Locked::new(partial)))
            }

            /// Pickles as the class and the byte form (any protocol).
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyType>, (), Bound<'py, PyBytes>)> {
                let py = slf.py();
                let bytes = slf.get().0.read(py, $core::to_bytes)?;
                Ok((slf.get_type(), (), PyBytes::new(py, &bytes)))
            }

            /// Unpickles: replaces the (new, empty) partial by the one in `state`, or raises,
            /// changing nothing.
            fn __setstate__(&self, py: Python<'_>, state: &[u8]) -> PyResult<()> {
                let restored = py.detach(|| $core::from_bytes(state)).or_raise()?;
                self.0.write(py, |partial| *partial = restored)
            }
        }
    };
}

partial!(PyRecordAggregate, RecordAggregate);
partial!(PyUsageHistory, UsageHistory);

#[pymethods]
impl PyUsageHistory {
    /// Adds another history's readings (X7): the union; of two readings of one app at one
    /// instant the larger is kept, so merges in any order agree. Raises, changing nothing, past
    /// `limits.MAX_USAGE_APPS` apps. `other` is read first (a copy), so merging a history into
    /// itself changes nothing.
    fn merge(&self, py: Python<'_>, other: PyRef<'_, Self>) -> PyResult<()> {
        let other = other.0.read(py, UsageHistory::clone)?;
        self.0.write(py, |history| history.merge(&other))?.or_raise()
    }
}

//! Shared state behind the mutable Python classes (`Engine`, `RecordAggregate`, `UsageHistory`).
//!
//! # Rules
//! - Those classes are `#[pyclass(frozen)]` and keep their core value in a [`Locked`]: pyo3's
//!   own borrow flag would raise `RuntimeError: Already mutably borrowed` in a second thread while
//!   the first runs with the GIL released. Here a reader waits for a writer instead, and sees the
//!   state before or after a change, never during it.
//! - The lock is only ever waited for and held **with the GIL released**, and no Python code runs
//!   under it: convert Python inputs before [`Locked::read`]/[`Locked::write`] and build Python
//!   outputs after. A thread holding the lock thus never waits for the GIL held by a thread that
//!   waits for the lock (no deadlock), and no callback can re-enter the lock.
//! - A panic while the lock was held leaves the value possibly half-changed: every later call
//!   raises `RuntimeError` rather than read or change it.

use std::sync::RwLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// A core value shared between Python threads.
pub struct Locked<T>(RwLock<T>);

fn poisoned() -> PyErr {
    PyRuntimeError::new_err("the object is unusable: an earlier call panicked while holding it")
}

impl<T: Send + Sync> Locked<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self(RwLock::new(value))
    }

    /// `f` on the value, shared with other readers; waits (GIL released) for a writer to finish.
    pub fn read<R: Send>(&self, py: Python<'_>, f: impl Send + FnOnce(&T) -> R) -> PyResult<R> {
        py.detach(|| self.0.read().map(|value| f(&value)).map_err(|_| ())).map_err(|()| poisoned())
    }

    /// `f` on the value, alone; waits (GIL released) for readers and writers to finish.
    pub fn write<R: Send>(&self, py: Python<'_>, f: impl Send + FnOnce(&mut T) -> R) -> PyResult<R> {
        py.detach(|| self.0.write().map(|mut value| f(&mut value)).map_err(|_| ())).map_err(|()| poisoned())
    }
}

//! The tamper-evident log (X8): the hash chain's head, and `verify`, which recomputes it. The
//! GIL is released while the core hashes.

use pyo3::prelude::*;

use crate::engine::PyEngine;
use crate::errors::OrRaise;

#[pymethods]
impl PyEngine {
    /// Recomputes the log's hash chain and compares it with the checkpoints and head the log
    /// holds; returns the head as 64 lowercase hex digits. Raises `InvalidStateError` naming the
    /// first block of 1,024 events where the chain breaks (its first and last event ids).
    fn verify(&self, py: Python<'_>) -> PyResult<String> {
        self.read(py, |engine| engine.verify())?.or_raise().map(|head| head.to_hex())
    }

    /// The head of the log's hash chain, as 64 lowercase hex digits.
    fn chain_head(&self, py: Python<'_>) -> PyResult<String> {
        self.read(py, |engine| engine.chain_head().to_hex())
    }
}

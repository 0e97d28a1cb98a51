//! Python bindings (placeholder until the pyo3 crate lands).

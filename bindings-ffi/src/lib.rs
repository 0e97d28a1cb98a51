//! UniFFI bindings (placeholder until the uniffi crate lands).

//! The tamper-evident log (X8): the hash chain's head, and `verify`, which recomputes it.

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;

#[uniffi::export]
impl AccountEngine {
    /// Recomputes the log's hash chain and compares it with the checkpoints and head the log
    /// holds; returns the head as 64 lowercase hex digits. Fails with `InvalidState` naming the
    /// first block of 1,024 events where the chain breaks (its first and last event ids).
    pub fn verify(&self) -> Result<String, ConnectedAppsError> {
        self.read(|engine| Ok(engine.verify()?.to_hex()))
    }

    /// The head of the log's hash chain, as 64 lowercase hex digits.
    pub fn chain_head(&self) -> Result<String, ConnectedAppsError> {
        self.read(|engine| Ok(engine.chain_head().to_hex()))
    }
}

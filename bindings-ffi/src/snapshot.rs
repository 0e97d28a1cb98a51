//! JSON snapshots of the whole engine and NDJSON event streams.

use std::sync::Arc;

use connected_apps::Event;

use crate::engine::AccountEngine;
use crate::error::{ConnectedAppsError, catching_panics};
use crate::types::Count;

#[uniffi::export]
impl AccountEngine {
    /// Rebuilds an engine from `to_json`'s output, validating every entry and event.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Self::wrap(connected_apps::AccountEngine::from_json(&json)?)))
    }

    /// The whole engine (directory and log) as JSON; export → import → export is identical.
    pub fn to_json(&self) -> Result<String, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.to_json()?))
    }

    /// Appends events read from NDJSON, all or nothing; returns how many were appended.
    pub fn import_ndjson(&self, ndjson: String) -> Result<Count, ConnectedAppsError> {
        self.write(|engine| Ok(engine.import_ndjson(&ndjson)?))
    }

    /// The log as NDJSON, one event per line, oldest first.
    pub fn export_ndjson(&self) -> Result<String, ConnectedAppsError> {
        self.read(|engine| Ok(connected_apps::events_to_ndjson(engine.events())?))
    }
}

/// Events as NDJSON: one compact JSON object per line, each line ending in a newline.
#[uniffi::export]
pub fn events_to_ndjson(events: Vec<Event>) -> Result<String, ConnectedAppsError> {
    catching_panics(|| Ok(connected_apps::events_to_ndjson(&events)?))
}

/// Parses NDJSON events; blank lines are skipped.
#[uniffi::export]
pub fn events_from_ndjson(ndjson: String) -> Result<Vec<Event>, ConnectedAppsError> {
    catching_panics(|| Ok(connected_apps::events_from_ndjson(&ndjson)?))
}

//! Bulk ingest of payload-free log events from columns (L1, C4): one call for many events.

use connected_apps::ActivityType;
use connected_apps::ingest::{INGESTIBLE_TYPES, NO_USER, type_code};

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;
use crate::types::Count;

/// Log events as columns of equal length, with dictionary-encoded apps and users: one row per
/// event. `at_micros` is microseconds since the Unix epoch (UTC); `types` holds activity-type
/// codes (`activity_type_code`) as bytes (Python `bytes`, Kotlin `ByteArray`, Swift `Data`); `users` (connection users, for user-level apps) and `actors`
/// are optional columns of codes into `user_dictionary`, with `no_user_code()` for none.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EventColumns {
    /// Event ids, unique within the log.
    pub ids: Vec<u64>,
    /// Timestamps in microseconds since the Unix epoch (UTC), non-decreasing.
    pub at_micros: Vec<i64>,
    /// Activity-type codes.
    pub types: Vec<u8>,
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// App ids, indexed by app code.
    pub app_dictionary: Vec<String>,
    /// Connection-user codes into `user_dictionary`, for user-level apps.
    pub users: Option<Vec<u32>>,
    /// Actor codes into `user_dictionary`.
    pub actors: Option<Vec<u32>>,
    /// User ids, indexed by user code.
    pub user_dictionary: Vec<String>,
}

/// The code of an activity type in the `types` column.
#[uniffi::export]
pub fn activity_type_code(activity_type: ActivityType) -> u8 {
    type_code(activity_type)
}

/// The user code of a row without a connection user or an actor.
#[uniffi::export]
pub fn no_user_code() -> u32 {
    NO_USER
}

/// The activity types `ingest_events` accepts: those whose events carry no payload.
#[uniffi::export]
pub fn ingestible_types() -> Vec<ActivityType> {
    INGESTIBLE_TYPES.to_vec()
}

#[uniffi::export]
impl AccountEngine {
    /// Appends the events held in `columns`, all or nothing, each validated like `append`;
    /// returns how many were appended.
    pub fn ingest_events(&self, columns: EventColumns) -> Result<Count, ConnectedAppsError> {
        self.write(|engine| {
            let columns = connected_apps::EventColumns {
                ids: &columns.ids,
                at_micros: &columns.at_micros,
                types: &columns.types,
                apps: &columns.apps,
                app_dictionary: &columns.app_dictionary,
                users: columns.users.as_deref(),
                actors: columns.actors.as_deref(),
                user_dictionary: &columns.user_dictionary,
            };
            Ok(engine.ingest_events(&columns)?)
        })
    }
}

//! Bulk ingest of log events from columns (L1, C4), for hosts that hold events as arrays
//! (numpy, Arrow, a columnar store) and must not cross the boundary element by element.
//!
//! # What it covers
//! The event kinds that carry no payload: uninstalled, connected, disconnected, reconnected
//! (without a new grant expiry), connection expired and app activity. Kinds with a payload
//! (installs with their scopes, reauthentications, sync settings, errors, update availability) go
//! through [`Engine::append`] or [`Engine::import_ndjson`].
//!
//! # Columns
//! One row per event: id, timestamp in microseconds since the Unix epoch (UTC), activity type as
//! its position in [`ActivityType::ALL`], app and users as dictionary codes. The connection-user
//! and actor columns are optional (absent = every row has none); [`NO_USER`] marks a row without
//! one. Rows go through [`Engine::append_all`], so they are validated exactly like single events
//! and are appended all or nothing.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::account::UserId;
use crate::catalog::AppId;
use crate::engine::Engine;
use crate::error::{ErrorKind, LifecycleError};
use crate::event::{ActivityType, Event, EventId, EventKind};

/// The user code of a row that has no connection user or no actor.
pub const NO_USER: u32 = u32::MAX;

/// The activity types [`Engine::ingest_events`] accepts: those whose events carry no payload.
pub const INGESTIBLE_TYPES: [ActivityType; 6] = [
    ActivityType::Uninstalled,
    ActivityType::Connected,
    ActivityType::Disconnected,
    ActivityType::Reconnected,
    ActivityType::ConnectionExpired,
    ActivityType::AppActivity,
];

/// Log events as columns of equal length, with dictionary-encoded apps and users.
#[derive(Debug, Clone, Copy)]
pub struct EventColumns<'a> {
    /// Event ids, unique within the log.
    pub ids: &'a [u64],
    /// Timestamps in microseconds since the Unix epoch (UTC), non-decreasing.
    pub at_micros: &'a [i64],
    /// Activity types as positions in [`ActivityType::ALL`].
    pub types: &'a [u8],
    /// App codes into `app_dictionary`.
    pub apps: &'a [u32],
    /// App ids, indexed by app code.
    pub app_dictionary: &'a [String],
    /// Connection-user codes into `user_dictionary` ([`NO_USER`] for none), for user-level apps.
    pub users: Option<&'a [u32]>,
    /// Actor codes into `user_dictionary` ([`NO_USER`] for system events).
    pub actors: Option<&'a [u32]>,
    /// User ids, indexed by user code.
    pub user_dictionary: &'a [String],
}

/// Errors of a columnar ingest. On any of them nothing was appended.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IngestError {
    /// A column's length differs from the id column's.
    #[error("column {column} has {len} rows, expected {expected}")]
    ColumnLength {
        /// The column.
        column: &'static str,
        /// Its length.
        len: usize,
        /// The id column's length.
        expected: usize,
    },
    /// A code points past its dictionary.
    #[error("row {row}: {column} code {code} is outside its dictionary of {size} entries")]
    UnknownCode {
        /// The row.
        row: usize,
        /// The column.
        column: &'static str,
        /// The code.
        code: u32,
        /// The dictionary's size.
        size: usize,
    },
    /// An activity-type code names no type, or a type whose events carry a payload.
    #[error("row {row}: activity type code {code} is not one of {}", ingestible_codes())]
    UnsupportedType {
        /// The row.
        row: usize,
        /// The code.
        code: u8,
    },
    /// A timestamp is outside the representable range.
    #[error("row {row}: timestamp {micros} µs since the epoch is out of range")]
    TimestampOutOfRange {
        /// The row.
        row: usize,
        /// The timestamp.
        micros: i64,
    },
    /// The engine refused the event of this row.
    #[error("row {row}: {source}")]
    Rejected {
        /// The row.
        row: usize,
        /// Why.
        source: LifecycleError,
    },
}

impl IngestError {
    /// The error's kind: that of the refused event, otherwise invalid input.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Rejected { source, .. } => source.kind(),
            Self::ColumnLength { .. }
            | Self::UnknownCode { .. }
            | Self::UnsupportedType { .. }
            | Self::TimestampOutOfRange { .. } => ErrorKind::InvalidInput,
        }
    }
}

fn ingestible_codes() -> String {
    let names: Vec<String> = INGESTIBLE_TYPES.iter().map(|t| format!("{} ({})", type_code(*t), t.as_str())).collect();
    names.join(", ")
}

/// The code of an activity type in the `types` column: its position in [`ActivityType::ALL`].
#[must_use]
pub fn type_code(activity_type: ActivityType) -> u8 {
    ActivityType::ALL.iter().position(|t| *t == activity_type).and_then(|p| u8::try_from(p).ok()).unwrap_or(u8::MAX)
}

fn payload_free_kind(activity_type: ActivityType) -> Option<EventKind> {
    match activity_type {
        ActivityType::Uninstalled => Some(EventKind::Uninstalled),
        ActivityType::Connected => Some(EventKind::Connected),
        ActivityType::Disconnected => Some(EventKind::Disconnected),
        ActivityType::Reconnected => Some(EventKind::Reconnected { expires_at: None }),
        ActivityType::ConnectionExpired => Some(EventKind::ConnectionExpired),
        ActivityType::AppActivity => Some(EventKind::AppActivity),
        // Every other kind carries a payload a code cannot hold.
        _ => None,
    }
}

fn check_len(column: &'static str, len: usize, expected: usize) -> Result<(), IngestError> {
    if len == expected { Ok(()) } else { Err(IngestError::ColumnLength { column, len, expected }) }
}

fn lookup<'d, T>(dictionary: &'d [T], row: usize, column: &'static str, code: u32) -> Result<&'d T, IngestError> {
    usize::try_from(code).ok().and_then(|c| dictionary.get(c)).ok_or(IngestError::UnknownCode {
        row,
        column,
        code,
        size: dictionary.len(),
    })
}

fn optional_user(
    codes: Option<&[u32]>,
    users: &[UserId],
    row: usize,
    column: &'static str,
) -> Result<Option<UserId>, IngestError> {
    match codes.and_then(|c| c.get(row)).copied() {
        None | Some(NO_USER) => Ok(None),
        Some(code) => lookup(users, row, column, code).map(|u| Some(u.clone())),
    }
}

impl EventColumns<'_> {
    /// The rows as events, checking lengths, codes and timestamps; the engine is not consulted.
    ///
    /// # Errors
    /// Any [`IngestError`] but [`IngestError::Rejected`].
    pub fn to_events(&self) -> Result<Vec<Event>, IngestError> {
        let n = self.ids.len();
        check_len("at", self.at_micros.len(), n)?;
        check_len("type", self.types.len(), n)?;
        check_len("app", self.apps.len(), n)?;
        if let Some(users) = self.users {
            check_len("user", users.len(), n)?;
        }
        if let Some(actors) = self.actors {
            check_len("actor", actors.len(), n)?;
        }
        // Ids are built once per dictionary entry; rows clone them.
        let apps: Vec<AppId> = self.app_dictionary.iter().map(|a| AppId(a.clone())).collect();
        let users: Vec<UserId> = self.user_dictionary.iter().map(|u| UserId(u.clone())).collect();
        let rows = self.ids.iter().zip(self.at_micros).zip(self.types).zip(self.apps).enumerate();
        rows.map(|(row, (((&id, &micros), &code), &app))| {
            let kind = ActivityType::ALL
                .get(usize::from(code))
                .copied()
                .and_then(payload_free_kind)
                .ok_or(IngestError::UnsupportedType { row, code })?;
            let at = DateTime::<Utc>::from_timestamp_micros(micros)
                .ok_or(IngestError::TimestampOutOfRange { row, micros })?;
            Ok(Event {
                id: EventId(id),
                at,
                app: lookup(&apps, row, "app", app)?.clone(),
                user: optional_user(self.users, &users, row, "user")?,
                actor: optional_user(self.actors, &users, row, "actor")?,
                kind,
            })
        })
        .collect()
    }
}

impl Engine {
    /// Appends the events held in `columns`, all or nothing, validating each like
    /// [`Engine::append`]. Returns how many were appended.
    ///
    /// # Errors
    /// An [`IngestError`]; the engine is then unchanged.
    pub fn ingest_events(&mut self, columns: &EventColumns<'_>) -> Result<usize, IngestError> {
        let events = columns.to_events()?;
        self.append_all(events).map_err(|(row, source)| IngestError::Rejected { row, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Account, User};
    use crate::catalog::{App, AppLevel, Distribution};
    use crate::command::{Actor, Command};
    use crate::state::Directory;
    use chrono::TimeZone;

    fn engine() -> Engine {
        let account = Account {
            id: "1".into(),
            name: "Acme".into(),
            default_language: "en".into(),
            time_zone: "UTC".into(),
            subscriptions: Default::default(),
            api_limit_increases: 0,
        };
        let mut directory = Directory::new(account).unwrap();
        for id in ["admin", "ann"] {
            directory
                .add_user(User {
                    id: id.into(),
                    name: id.into(),
                    email: format!("{id}@acme.test"),
                    active: true,
                    super_admin: true,
                    permissions: Default::default(),
                })
                .unwrap();
        }
        for (id, level) in [("crm-sync", AppLevel::AccountLevel), ("mail", AppLevel::UserLevel)] {
            directory
                .add_app(App {
                    id: id.into(),
                    name: id.into(),
                    provider: "p".into(),
                    built_by_vendor_platform: false,
                    distribution: Distribution::Marketplace,
                    level,
                    reports_status: true,
                    scopes: vec![],
                    features: vec![],
                    workflow_actions: vec![],
                    post_uninstall_steps: vec![],
                })
                .unwrap();
        }
        let mut engine = Engine::new(directory);
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        for (actor, app) in [("admin", "crm-sync"), ("ann", "mail"), ("admin", "mail")] {
            let command = Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None };
            let _ = engine.execute(&Actor::User(actor.into()), command, t0);
        }
        engine
    }

    fn dictionary(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn columns_agree_with_appending_one_by_one() {
        let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap().timestamp_micros();
        let ids = [10, 11, 12, 13, 14];
        let at: Vec<i64> = (0..5).map(|i| base + i * 1_000_000).collect();
        let types = [
            type_code(ActivityType::AppActivity),
            type_code(ActivityType::Disconnected),
            type_code(ActivityType::Reconnected),
            type_code(ActivityType::AppActivity),
            type_code(ActivityType::Uninstalled),
        ];
        let apps = [0, 0, 0, 1, 1];
        let users = [NO_USER, NO_USER, NO_USER, 1, 0];
        let actors = [NO_USER, 0, 0, NO_USER, 0];
        let columns = EventColumns {
            ids: &ids,
            at_micros: &at,
            types: &types,
            apps: &apps,
            app_dictionary: &dictionary(&["crm-sync", "mail"]),
            users: Some(&users),
            actors: Some(&actors),
            user_dictionary: &dictionary(&["admin", "ann"]),
        };
        let mut bulk = engine();
        assert_eq!(bulk.ingest_events(&columns), Ok(5));
        let mut single = engine();
        for event in columns.to_events().unwrap() {
            single.append(event).unwrap();
        }
        assert_eq!(bulk.events(), single.events());
        assert_eq!(bulk.state(), single.state());
        assert_eq!(bulk.events().last().map(|e| &e.user), Some(&Some(UserId::from("admin"))));
    }

    #[test]
    fn a_refused_row_leaves_the_engine_unchanged() {
        let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap().timestamp_micros();
        let mut engine = engine();
        let before = (engine.events().to_vec(), engine.state().clone());
        let disconnected = type_code(ActivityType::Disconnected);
        let apps = dictionary(&["crm-sync"]);
        let columns = EventColumns {
            ids: &[20, 21],
            at_micros: &[base, base],
            types: &[disconnected, disconnected],
            apps: &[0, 0],
            app_dictionary: &apps,
            users: None,
            actors: None,
            user_dictionary: &[],
        };
        let err = engine.ingest_events(&columns).unwrap_err();
        assert!(matches!(err, IngestError::Rejected { row: 1, source: LifecycleError::AlreadyInState { .. } }));
        assert_eq!(err.kind(), ErrorKind::InvalidState);
        assert_eq!((engine.events().to_vec(), engine.state().clone()), before);
    }

    #[test]
    fn malformed_columns_are_refused_before_touching_the_engine() {
        let apps = dictionary(&["crm-sync"]);
        let installed = type_code(ActivityType::Installed);
        let activity = type_code(ActivityType::AppActivity);
        let base = EventColumns {
            ids: &[1],
            at_micros: &[0],
            types: &[activity],
            apps: &[0],
            app_dictionary: &apps,
            users: None,
            actors: None,
            user_dictionary: &[],
        };
        let cases = [
            (EventColumns { at_micros: &[], ..base }, "column at has 0 rows, expected 1"),
            (EventColumns { apps: &[3], ..base }, "row 0: app code 3 is outside its dictionary of 1 entries"),
            (EventColumns { actors: Some(&[0]), ..base }, "row 0: actor code 0 is outside its dictionary of 0 entries"),
            (
                EventColumns { at_micros: &[i64::MAX], ..base },
                "row 0: timestamp 9223372036854775807 µs since the epoch is out of range",
            ),
        ];
        for (columns, message) in cases {
            let err = columns.to_events().unwrap_err();
            assert_eq!(err.to_string(), message);
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        }
        let err = EventColumns { types: &[installed], ..base }.to_events().unwrap_err();
        assert!(err.to_string().starts_with("row 0: activity type code 0 is not one of 2 (uninstalled), "));
    }
}

//! The account engine object: the core's `Engine` behind a mutex, with lifecycle commands, the
//! log and the state now or as of an instant. The other areas (directory, views, access,
//! activity, notifications, marketplace, ingest, snapshots) add their methods in their own files.
//!
//! Every method of every object returns a `Result` and runs inside `catching_panics`, so a panic
//! reaches the host as `ConnectedAppsError::Internal`. Small pure helper functions (codes,
//! constants) are not wrapped: UniFFI's own guard still turns a panic there into its generic
//! internal error.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use connected_apps::AccountEngine as Core;
use connected_apps::{
    Account, Actor, AppId, Command, Connection, ConnectionColumns, ConnectionKey, ConnectionState, Directory, Engine,
    Event, IndexedLog, Outcome, UserId,
};

use crate::error::{ConnectedAppsError, catching_panics};
use crate::types::{Count, Timestamp};

/// One account's connected apps: its directory (account, users, teams, apps), its event log and
/// the state folded from it. Safe to share between threads; calls are serialised. It wraps the
/// core's `AccountEngine`, whose activity-log index syncs itself when queried.
#[derive(uniffi::Object)]
pub struct AccountEngine {
    inner: Mutex<Core>,
}

impl AccountEngine {
    pub(crate) fn wrap(engine: impl Into<Core>) -> Arc<Self> {
        Arc::new(Self { inner: Mutex::new(engine.into()) })
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // Panics are caught inside the lock (see `catching_panics`), so poisoning cannot happen;
        // recovering from it anyway keeps the engine usable whatever happens.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a read under the lock, with panics turned into errors.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Engine) -> Result<T, ConnectedAppsError>,
    ) -> Result<T, ConnectedAppsError> {
        let inner = self.lock();
        catching_panics(|| f(inner.engine()))
    }

    /// Runs a change under the lock, with panics turned into errors.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut Engine) -> Result<T, ConnectedAppsError>,
    ) -> Result<T, ConnectedAppsError> {
        let mut inner = self.lock();
        catching_panics(|| f(inner.engine_mut()))
    }

    /// Runs an activity-log query under the lock, with the index synced to the log first.
    pub(crate) fn query_activity<T>(
        &self,
        f: impl FnOnce(IndexedLog<'_>) -> Result<T, ConnectedAppsError>,
    ) -> Result<T, ConnectedAppsError> {
        let mut inner = self.lock();
        catching_panics(|| f(inner.sync_activity()?))
    }

    /// Runs `f` on the core account engine under the lock (snapshots).
    pub(crate) fn read_core<T>(
        &self,
        f: impl FnOnce(&Core) -> Result<T, ConnectedAppsError>,
    ) -> Result<T, ConnectedAppsError> {
        let inner = self.lock();
        catching_panics(|| f(&inner))
    }

    /// Runs a change of the core account engine under the lock (notification state).
    pub(crate) fn write_core<T>(
        &self,
        f: impl FnOnce(&mut Core) -> Result<T, ConnectedAppsError>,
    ) -> Result<T, ConnectedAppsError> {
        let mut inner = self.lock();
        catching_panics(|| f(&mut inner))
    }
}

/// Every connection as columns of equal length, with its state at the instant asked (issue 14),
/// ordered by app then user like `connections()`: the core's `ConnectionColumns`, converted only.
/// Times are microseconds since the Unix epoch (UTC); `apps` are codes into `app_dictionary`;
/// `users` (the connection's user, for user-level apps) and `installed_by` are codes into
/// `user_dictionary`, `no_user_code()` (2^32 − 1) for none.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConnectionColumnsView {
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// Connection-user codes into `user_dictionary`, `no_user_code()` for none.
    pub users: Vec<u32>,
    /// Codes of who made the latest install, `no_user_code()` for the system.
    pub installed_by: Vec<u32>,
    /// The state at the instant asked (C3).
    pub states: Vec<ConnectionState>,
    /// First install.
    pub first_installed_at_micros: Vec<i64>,
    /// Latest install or reinstall.
    pub installed_at_micros: Vec<i64>,
    /// When the current grant expires, if it does.
    pub expires_at_micros: Vec<Option<i64>>,
    /// Last time the app sent or received data, if known.
    pub last_activity_at_micros: Vec<Option<i64>>,
    /// Since when the recorded health has been what it is.
    pub health_since_micros: Vec<i64>,
    /// An update of the app is available.
    pub update_available: Vec<bool>,
    /// How many scopes are granted.
    pub granted_scopes: Vec<u64>,
    /// The apps with a connection, in id order (their codes).
    pub app_dictionary: Vec<AppId>,
    /// The users named by `users` and `installed_by`, in order of first appearance.
    pub user_dictionary: Vec<UserId>,
}

impl From<ConnectionColumns<'_>> for ConnectionColumnsView {
    fn from(c: ConnectionColumns<'_>) -> Self {
        Self {
            apps: c.apps,
            users: c.users,
            installed_by: c.installed_by,
            states: c.states,
            first_installed_at_micros: c.first_installed_at_micros,
            installed_at_micros: c.installed_at_micros,
            expires_at_micros: c.expires_at_micros,
            last_activity_at_micros: c.last_activity_at_micros,
            health_since_micros: c.health_since_micros,
            update_available: c.update_available,
            granted_scopes: c.granted_scopes,
            app_dictionary: c.app_dictionary.into_iter().cloned().collect(),
            user_dictionary: c.user_dictionary.into_iter().cloned().collect(),
        }
    }
}

/// The largest event id `append`, `append_all`, ingest and snapshots accept (2^63 − 1); past it
/// only the id the next command would take passes.
#[uniffi::export]
pub fn max_event_id() -> u64 {
    connected_apps::limits::MAX_EVENT_ID
}

#[uniffi::export]
impl AccountEngine {
    /// An engine for `account`, with no users, teams, apps or events yet.
    #[uniffi::constructor]
    pub fn new(account: Account) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Self::wrap(Core::new(Directory::new(account)?))))
    }

    /// Checks `command` taken by `actor` at `now` and logs its event (I1–I9). Fails with
    /// nothing changed.
    pub fn execute(&self, actor: Actor, command: Command, now: Timestamp) -> Result<Outcome, ConnectedAppsError> {
        self.write(|engine| Ok(engine.execute(&actor, command, now)?))
    }

    /// Appends an event from elsewhere (an import, a replica) after checking its id (at most
    /// [`max_event_id`]), its time order and the transition it makes.
    pub fn append(&self, event: Event) -> Result<(), ConnectedAppsError> {
        self.write(|engine| Ok(engine.append(event)?))
    }

    /// Appends events all or nothing; returns how many were appended.
    pub fn append_all(&self, events: Vec<Event>) -> Result<Count, ConnectedAppsError> {
        self.write(|engine| engine.append_all(events).map_err(|(_, e)| e.into()))
    }

    /// The log, oldest first.
    pub fn events(&self) -> Result<Vec<Event>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.events().to_vec()))
    }

    /// Every connection ever made (uninstalled ones included), ordered by app then user.
    pub fn connections(&self) -> Result<Vec<Connection>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.state().connections().cloned().collect()))
    }

    /// Every connection ever made as columns, with its state at `now` (issue 14).
    pub fn connections_columns(&self, now: Timestamp) -> Result<ConnectionColumnsView, ConnectedAppsError> {
        self.read(|engine| Ok(engine.state().connection_columns(now).into()))
    }

    /// A connection: the app's, or for user-level apps `user`'s; none if it was never made.
    pub fn connection(&self, app: AppId, user: Option<UserId>) -> Result<Option<Connection>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.state().connection(&ConnectionKey { app, user }).cloned()))
    }

    /// The state of a connection at `now`, if it was ever made (C3).
    pub fn connection_state(
        &self,
        app: AppId,
        user: Option<UserId>,
        now: Timestamp,
    ) -> Result<Option<ConnectionState>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.connection_state(&app, user.as_ref(), now)))
    }

    /// Every connection as the log stood at `at` (the fold of the events up to that instant).
    pub fn connections_as_of(&self, at: Timestamp) -> Result<Vec<Connection>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.state_as_of(at).connections().cloned().collect()))
    }

    /// The state a connection had at `at`, rebuilt from the log (C4); none if it did not exist yet.
    pub fn connection_state_as_of(
        &self,
        app: AppId,
        user: Option<UserId>,
        at: Timestamp,
    ) -> Result<Option<ConnectionState>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.state_as_of(at).connection(&ConnectionKey { app, user }).map(|c| c.state_at(at))))
    }
}

#[cfg(feature = "test-panic")]
#[uniffi::export]
impl AccountEngine {
    /// Test only (feature `test-panic`): panics inside the library while holding the engine, so
    /// that host tests can check the panic arrives as `ConnectedAppsError::Internal` and the
    /// engine keeps working afterwards.
    #[allow(clippy::panic, reason = "the point of this test hook is to panic")]
    pub fn debug_force_panic(&self, message: String) -> Result<(), ConnectedAppsError> {
        self.write(|_| panic!("{message}"))
    }
}

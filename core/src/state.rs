//! The state folded from events (C4); the directory it is folded against is [`crate::directory`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::{App, AppId, AppLevel, ScopeRequirement};
use crate::columns::{NO_CODE, intern};
use crate::connection::{Connection, ConnectionKey, ConnectionState, Health};
pub use crate::directory::Directory;
use crate::directory::DirectoryError;
use crate::event::EventKind;
use crate::lifecycle::LifecycleError;
use crate::log::EventRef;

/// The connections of the account, as the fold of the log leaves them (C4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    // Nested by app then user so the fold looks connections up by borrowed ids, without
    // building (allocating) a key per event. The user key is the user id, or "" for a
    // connection without a user (the directory refuses empty user ids), which also orders it
    // first as `None` would.
    connections: BTreeMap<AppId, BTreeMap<String, Connection>>,
    revisions: BTreeMap<AppId, AppRevision>,
    /// Policies, access requests and uses (G1–G3).
    pub(crate) governance: crate::governance::fold::Governance,
}

/// Every connection at an instant as columns ([`State::connection_columns`]), one row per
/// connection, ordered by app then user. Times are µs since the epoch (UTC), rounded down; the
/// user codes index `user_dictionary`, with `u32::MAX` (the core's `NO_USER`) for none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionColumns<'a> {
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// The apps with a connection, in id order (their codes).
    pub app_dictionary: Vec<&'a AppId>,
    /// Connection-user codes into `user_dictionary` (user-level apps), `NO_USER` for none.
    pub users: Vec<u32>,
    /// Codes of who made the latest install, `NO_USER` for the system.
    pub installed_by: Vec<u32>,
    /// The users named by `users` and `installed_by`, in order of first appearance.
    pub user_dictionary: Vec<&'a UserId>,
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
}

impl ConnectionColumns<'_> {
    fn with_capacity(rows: usize) -> Self {
        Self {
            apps: Vec::with_capacity(rows),
            users: Vec::with_capacity(rows),
            installed_by: Vec::with_capacity(rows),
            states: Vec::with_capacity(rows),
            first_installed_at_micros: Vec::with_capacity(rows),
            installed_at_micros: Vec::with_capacity(rows),
            expires_at_micros: Vec::with_capacity(rows),
            last_activity_at_micros: Vec::with_capacity(rows),
            health_since_micros: Vec::with_capacity(rows),
            update_available: Vec::with_capacity(rows),
            granted_scopes: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    /// Rows held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.apps.len()
    }

    /// Whether there is no row.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.apps.is_empty()
    }
}

/// An app's entry as its latest version change left it ([`EventKind::AppVersionChanged`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRevision {
    /// The version label.
    pub version: String,
    /// When the version changed.
    pub changed_at: DateTime<Utc>,
    /// The directory's entry with the version's scopes and features.
    pub app: App,
}

impl State {
    /// The app entry in force: the latest version change of `app`, else `app` itself (the
    /// directory's entry). Scope checks and access evaluation read this one.
    #[must_use]
    pub fn current_app<'a>(&'a self, app: &'a App) -> &'a App {
        self.revisions.get(&app.id).map_or(app, |r| &r.app)
    }

    /// The latest version change of an app, if any.
    #[must_use]
    pub fn revision(&self, app: &AppId) -> Option<&AppRevision> {
        self.revisions.get(app)
    }

    /// The governance state: policies, access requests (G1, G2).
    #[must_use]
    pub fn governance(&self) -> &crate::governance::fold::Governance {
        &self.governance
    }

    /// A connection by key.
    #[must_use]
    pub fn connection(&self, key: &ConnectionKey) -> Option<&Connection> {
        self.connections.get(&key.app).and_then(|users| users.get(user_key(key.user.as_ref())))
    }

    /// Every connection ever made (uninstalled ones included), ordered by app then user.
    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.connections.values().flat_map(BTreeMap::values)
    }

    /// Every connection ever made as columns, with its state at `now` (C3): the inventory a host
    /// hands on as a table (e.g. Arrow) without a per-row object. Rows are ordered like
    /// [`Self::connections`] (by app, then user).
    #[must_use]
    pub fn connection_columns(&self, now: DateTime<Utc>) -> ConnectionColumns<'_> {
        let rows = self.connections.values().map(BTreeMap::len).sum();
        let mut out = ConnectionColumns::with_capacity(rows);
        let (mut app_codes, mut user_codes) = (HashMap::new(), HashMap::new());
        let micros = |t: DateTime<Utc>| t.timestamp_micros();
        for c in self.connections() {
            for (user, column) in [(&c.key.user, &mut out.users), (&c.installed_by, &mut out.installed_by)] {
                column.push(user.as_ref().map_or(NO_CODE, |u| intern(&mut out.user_dictionary, &mut user_codes, &u)));
            }
            out.apps.push(intern(&mut out.app_dictionary, &mut app_codes, &&c.key.app));
            out.states.push(c.state_at(now));
            out.first_installed_at_micros.push(micros(c.first_installed_at));
            out.installed_at_micros.push(micros(c.installed_at));
            out.expires_at_micros.push(c.expires_at.map(micros));
            out.last_activity_at_micros.push(c.last_activity_at.map(micros));
            out.health_since_micros.push(micros(c.health_since));
            out.update_available.push(c.update_available);
            out.granted_scopes.push(u64::try_from(c.granted_scopes.len()).unwrap_or(u64::MAX));
        }
        out
    }

    /// The connections of one app (uninstalled ones included), ordered by user.
    pub fn connections_of<'a>(&'a self, app: &'a AppId) -> impl Iterator<Item = &'a Connection> + 'a {
        self.connections.get(app).into_iter().flat_map(BTreeMap::values)
    }

    /// Checks that `event` may follow the current state, then folds it in. On error nothing
    /// changes.
    ///
    /// # Errors
    /// A [`LifecycleError`] naming the unknown id or the impossible transition.
    pub fn apply<'e>(&mut self, directory: &Directory, event: impl Into<EventRef<'e>>) -> Result<(), LifecycleError> {
        let event: EventRef<'e> = event.into();
        let app = directory.app(event.app).ok_or_else(|| LifecycleError::UnknownApp(event.app.clone()))?;
        if let EventKind::AppVersionChanged { version, scopes, features } = event.kind {
            return self.change_version(directory, event, version, scopes, features);
        }
        let app = self.revisions.get(event.app).map_or(app, |r| &r.app);
        if let Some(actor) = event.actor.filter(|u| directory.user(u).is_none()) {
            return Err(LifecycleError::UnknownUser(actor.clone()));
        }
        if self.governance.apply(directory, app, &event)? {
            return Ok(());
        }
        check_connection_user(app, event.user)?;
        if let Some(user) = event.user.iter().chain(event.actor.iter()).find(|u| directory.user(u).is_none()) {
            return Err(LifecycleError::UnknownUser((*user).clone()));
        }
        let at = event.at;

        if let EventKind::Installed { scopes, expires_at } | EventKind::Reinstalled { scopes, expires_at } = event.kind
        {
            if let Some(e) = undeclared(app, scopes) {
                return Err(e);
            }
            let users = self.connections.entry(event.app.clone()).or_default();
            let user = event.user.cloned();
            let previous = users.get(user_key(event.user));
            if previous.is_some_and(Connection::is_installed) {
                return Err(LifecycleError::AlreadyInstalled { app: event.app.clone(), user });
            }
            let (first_installed_at, first_installed_by) =
                previous.map_or((at, event.actor.cloned()), |p| (p.first_installed_at, p.first_installed_by.clone()));
            let connection = Connection {
                key: ConnectionKey { app: event.app.clone(), user: user.clone() },
                first_installed_at,
                first_installed_by,
                installed_at: at,
                installed_by: event.actor.cloned(),
                granted_scopes: scopes.clone(),
                expires_at: *expires_at,
                sync_settings: BTreeMap::new(),
                last_activity_at: None,
                health: Health::Connected,
                health_since: at,
                update_available: false,
            };
            users.insert(user_key(event.user).to_owned(), connection);
            return Ok(());
        }

        let connection = self
            .connections
            .get_mut(event.app)
            .and_then(|users| users.get_mut(user_key(event.user)))
            .filter(|c| c.is_installed())
            .ok_or_else(|| LifecycleError::NotInstalled { app: event.app.clone(), user: event.user.cloned() })?;
        change(connection, app, event.kind, at)
    }

    /// The connection of `app` for `user`, to change in place.
    pub(crate) fn connection_mut(&mut self, app: &AppId, user: Option<&UserId>) -> Option<&mut Connection> {
        self.connections.get_mut(app)?.get_mut(user_key(user))
    }
}

/// The inner map's key of a connection's user.
fn user_key(user: Option<&UserId>) -> &str {
    user.map_or("", |u| u.0.as_str())
}

/// The first scope of `scopes` that `app` does not declare, as an error.
fn undeclared(app: &App, scopes: &BTreeSet<String>) -> Option<LifecycleError> {
    scopes
        .iter()
        .find(|s| !app.declares(s))
        .map(|s| LifecycleError::UndeclaredScope { app: app.id.clone(), scope: s.clone() })
}

/// The first scope of `dropped` that a reauthentication of `connection` may not drop (X6), as
/// an error: one not granted, one the app's current version requires, or one also granted.
fn undroppable(
    connection: &Connection,
    app: &App,
    scopes: &BTreeSet<String>,
    dropped: &BTreeSet<String>,
) -> Option<LifecycleError> {
    dropped.iter().find_map(|scope| {
        let reason = if !connection.granted_scopes.contains(scope) {
            "it is not granted"
        } else if app.scopes.iter().any(|s| s.name == *scope && s.requirement == ScopeRequirement::Required) {
            "the app requires it"
        } else if scopes.contains(scope) {
            "it is also granted by the same reauthentication"
        } else {
            return None;
        };
        Some(LifecycleError::CannotDropScope { app: app.id.clone(), scope: scope.clone(), reason })
    })
}

/// Folds an event of `kind` at `at` into an installed `connection` of `app` (the entry in
/// force): every kind but installs and version changes, which [`State::apply`] handles before.
/// On error the connection is unchanged.
#[inline]
pub(crate) fn change(
    connection: &mut Connection,
    app: &App,
    kind: &EventKind,
    at: DateTime<Utc>,
) -> Result<(), LifecycleError> {
    // What only the app can report is kept in the log but records nothing for an app that does
    // not report status: a user's disconnect (or a grant past its expiry) then still holds (H1).
    if kind.is_unreported_status(app.reports_status) {
        return Ok(());
    }
    let state = connection.state_at(at);
    let already = |state: &'static str| LifecycleError::AlreadyInState { app: app.id.clone(), state };
    let new_health = match kind {
        EventKind::Installed { .. }
        | EventKind::Reinstalled { .. }
        | EventKind::AppVersionChanged { .. }
        | EventKind::PolicyChanged { .. }
        | EventKind::ScopesTurnedOff { .. }
        | EventKind::AccessRequested { .. }
        | EventKind::AccessApproved { .. }
        | EventKind::AccessDenied { .. } => None,
        EventKind::Uninstalled => Some(Health::Uninstalled),
        EventKind::ConnectionRevoked { reason } => {
            crate::governance::model::check_reason(reason)?;
            Some(Health::Uninstalled)
        }
        EventKind::Connected => {
            if state == ConnectionState::Connected {
                return Err(already("connected"));
            }
            Some(Health::Connected)
        }
        EventKind::Reconnected { expires_at } => {
            if state == ConnectionState::Connected {
                return Err(already("connected"));
            }
            connection.expires_at = *expires_at;
            Some(Health::Connected)
        }
        EventKind::Disconnected => {
            if state == ConnectionState::Disconnected {
                return Err(already("disconnected"));
            }
            Some(Health::Disconnected)
        }
        EventKind::ConnectionExpired => {
            if state == ConnectionState::Expired {
                return Err(already("expired"));
            }
            Some(Health::Expired)
        }
        EventKind::ConnectionError(info) => Some(Health::Error(info.clone())),
        EventKind::Reauthenticated { scopes, expires_at, dropped } => {
            if let Some(e) = undeclared(app, scopes) {
                return Err(e);
            }
            if let Some(e) = undroppable(connection, app, scopes, dropped) {
                return Err(e);
            }
            connection.granted_scopes.retain(|s| !dropped.contains(s));
            connection.granted_scopes.extend(scopes.iter().cloned());
            connection.expires_at = *expires_at;
            Some(Health::Connected)
        }
        EventKind::SyncSettingChanged { setting, on } => {
            if setting.trim().is_empty() {
                return Err(LifecycleError::EmptySyncSetting);
            }
            connection.sync_settings.insert(setting.clone(), *on);
            None
        }
        EventKind::AppActivity => {
            connection.last_activity_at = Some(connection.last_activity_at.map_or(at, |l| l.max(at)));
            None
        }
        EventKind::UpdateAvailability { available } => {
            connection.update_available = *available;
            None
        }
    };
    if let Some(health) = new_health {
        if std::mem::discriminant(&health) != std::mem::discriminant(&connection.health) {
            connection.health_since = at;
        }
        connection.health = health;
    }
    Ok(())
}

impl State {
    /// Folds an app version change: app-wide (no connection user), a non-empty label, and a
    /// scope set that passes [`App::validate`].
    fn change_version(
        &mut self,
        directory: &Directory,
        event: EventRef<'_>,
        version: &str,
        scopes: &[crate::catalog::ScopeDecl],
        features: &[crate::catalog::Feature],
    ) -> Result<(), LifecycleError> {
        let base = directory.app(event.app).ok_or_else(|| LifecycleError::UnknownApp(event.app.clone()))?;
        if let Some(user) = event.user {
            return Err(LifecycleError::ConnectionUserNotAllowed { app: base.id.clone(), user: user.clone() });
        }
        if let Some(actor) = event.actor.filter(|u| directory.user(u).is_none()) {
            return Err(LifecycleError::UnknownUser(actor.clone()));
        }
        let invalid = |reason: String| LifecycleError::InvalidAppVersion { app: base.id.clone(), reason };
        if version.trim().is_empty() {
            return Err(invalid("empty version".into()));
        }
        let app = App { scopes: scopes.to_vec(), features: features.to_vec(), ..self.current_app(base).clone() };
        app.validate().map_err(|e| match e {
            DirectoryError::InvalidApp { reason, .. } => invalid(reason),
            other => invalid(other.to_string()),
        })?;
        let revision = AppRevision { version: version.to_owned(), changed_at: event.at, app };
        self.revisions.insert(base.id.clone(), revision);
        Ok(())
    }
}

/// Checks that a connection's user is named exactly for user-level apps.
pub(crate) fn check_connection_user(app: &App, user: Option<&UserId>) -> Result<(), LifecycleError> {
    match (app.level, user) {
        (AppLevel::UserLevel, None) => Err(LifecycleError::ConnectionUserRequired(app.id.clone())),
        (AppLevel::AccountLevel | AppLevel::MultiAccount, Some(u)) => {
            Err(LifecycleError::ConnectionUserNotAllowed { app: app.id.clone(), user: u.clone() })
        }
        _ => Ok(()),
    }
}

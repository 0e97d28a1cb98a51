//! The per-user connection inventory (G3) and revocations.
//!
//! A user's connections are their own connections of user-level apps and the other
//! connections they (last) installed. Uses are the connection's app-activity events
//! ([`EventKind::AppActivity`]) since its first install.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::AppId;
use crate::connection::{Connection, ConnectionKey, ConnectionState};
use crate::directory::DirectoryError;
use crate::engine::Engine;
use crate::event::{EventId, EventKind};
use crate::lifecycle::LifecycleError;

/// A connection's uses: its app-activity events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// The first use.
    pub first_use_at: DateTime<Utc>,
    /// The last use.
    pub last_use_at: DateTime<Utc>,
    /// How many uses.
    pub uses: u64,
}

/// The uses of the connections `keys` (each from its first app-activity event).
fn usage_of(engine: &Engine, keys: &BTreeSet<&ConnectionKey>) -> BTreeMap<ConnectionKey, Usage> {
    let mut out: BTreeMap<ConnectionKey, Usage> = BTreeMap::new();
    if keys.is_empty() {
        return out;
    }
    for event in engine.events.iter().filter(|e| matches!(e.kind, EventKind::AppActivity)) {
        let key = ConnectionKey { app: event.app.clone(), user: event.user.cloned() };
        if !keys.contains(&key) {
            continue;
        }
        let at = event.at;
        match out.get_mut(&key) {
            Some(usage) => {
                usage.first_use_at = usage.first_use_at.min(at);
                usage.last_use_at = usage.last_use_at.max(at);
                usage.uses = usage.uses.saturating_add(1);
            }
            None => {
                out.insert(key, Usage { first_use_at: at, last_use_at: at, uses: 1 });
            }
        }
    }
    out
}

/// One connection in a user's inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryItem {
    /// The connection.
    pub connection: ConnectionKey,
    /// The app's name.
    pub app_name: String,
    /// Its state at `now`.
    pub state: ConnectionState,
    /// When it was (last) installed.
    pub installed_at: DateTime<Utc>,
    /// Scopes granted.
    pub scopes: BTreeSet<String>,
    /// Its uses, if any.
    pub usage: Option<Usage>,
}

/// One user's connections (G3), installed ones only, by app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInventory {
    /// The user.
    pub user: UserId,
    /// Their connections.
    pub connections: Vec<InventoryItem>,
}

/// One user of an app (G3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppUser {
    /// The user.
    pub user: UserId,
    /// The connection through which they use the app.
    pub connection: ConnectionKey,
    /// Its uses, if any.
    pub usage: Option<Usage>,
}

/// Who a connection belongs to: its user, else who installed it.
fn owner(connection: &Connection) -> Option<&UserId> {
    connection.key.user.as_ref().or(connection.installed_by.as_ref())
}

impl Engine {
    /// The installed connections of `user` at `now`, by app (see the [module docs](self)).
    ///
    /// # Errors
    /// [`LifecycleError::UnknownUser`].
    pub fn user_inventory(&self, user: &UserId, now: DateTime<Utc>) -> Result<UserInventory, LifecycleError> {
        if self.directory.user(user).is_none() {
            return Err(LifecycleError::UnknownUser(user.clone()));
        }
        let keys: BTreeSet<&ConnectionKey> = self.user_connections(user, now).map(|c| &c.key).collect();
        let usage = usage_of(self, &keys);
        let connections = self
            .user_connections(user, now)
            .map(|c| InventoryItem {
                connection: c.key.clone(),
                app_name: self.directory.app(&c.key.app).map(|a| a.name.clone()).unwrap_or_default(),
                state: c.state_at(now),
                installed_at: c.installed_at,
                scopes: c.granted_scopes.clone(),
                usage: usage.get(&c.key).copied(),
            })
            .collect();
        Ok(UserInventory { user: user.clone(), connections })
    }

    /// The users of `app` at `now`: one entry per installed connection with a known owner, by
    /// connection.
    ///
    /// # Errors
    /// [`LifecycleError::UnknownApp`].
    pub fn app_users(&self, app: &AppId, now: DateTime<Utc>) -> Result<Vec<AppUser>, LifecycleError> {
        if self.directory.app(app).is_none() {
            return Err(LifecycleError::UnknownApp(app.clone()));
        }
        let live = || self.state.connections_of(app).filter(|c| c.state_at(now) != ConnectionState::Uninstalled);
        let keys: BTreeSet<&ConnectionKey> = live().map(|c| &c.key).collect();
        let usage = usage_of(self, &keys);
        Ok(live()
            .filter_map(|c| {
                Some(AppUser { user: owner(c)?.clone(), connection: c.key.clone(), usage: usage.get(&c.key).copied() })
            })
            .collect())
    }

    fn user_connections<'a>(&'a self, user: &'a UserId, now: DateTime<Utc>) -> impl Iterator<Item = &'a Connection> {
        self.state
            .connections()
            .filter(move |c| owner(c) == Some(user) && c.state_at(now) != ConnectionState::Uninstalled)
    }

    /// Revokes one installed connection (super admins only), logged as
    /// [`EventKind::ConnectionRevoked`]: the connection ends as uninstalled. `user` names the
    /// connection's user for user-level apps. Super admins may always revoke, whatever the
    /// policy.
    ///
    /// # Errors
    /// [`crate::governance::GovernanceError::NotSuperAdmin`], [`LifecycleError::UnknownApp`],
    /// [`LifecycleError::NotInstalled`] (no such connection),
    /// [`crate::governance::GovernanceError::ReasonTooLong`]; nothing changes on error.
    pub fn revoke_connection(
        &mut self,
        actor: &UserId,
        app: &AppId,
        user: Option<UserId>,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<EventId, LifecycleError> {
        self.super_admin_on(actor, app, "revoke a connection")?;
        let ids = self.log_governance(actor, app, vec![(user, EventKind::ConnectionRevoked { reason })], now)?;
        ids.first().copied().ok_or(LifecycleError::UnknownApp(app.clone()))
    }

    /// Revokes every installed connection of `user` (see the [module docs](self)), one
    /// [`EventKind::ConnectionRevoked`] each, all or nothing; returns their ids (none when the
    /// user has no connection).
    ///
    /// # Errors
    /// As [`Engine::revoke_connection`], and [`LifecycleError::UnknownUser`].
    pub fn revoke_user_connections(
        &mut self,
        actor: &UserId,
        user: &UserId,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventId>, LifecycleError> {
        self.super_admin(actor, "revoke a connection")?;
        if self.directory.user(user).is_none() {
            return Err(LifecycleError::UnknownUser(user.clone()));
        }
        crate::governance::model::check_reason(&reason)?;
        let events: Vec<_> = self
            .user_connections(user, now)
            .map(|c| (c.key.app.clone(), c.key.user.clone(), EventKind::ConnectionRevoked { reason: reason.clone() }))
            .collect();
        if events.is_empty() {
            return Ok(Vec::new());
        }
        self.log_events(actor, events, now)
    }

    /// Activates or deactivates a user ([`crate::Directory::set_user_active`]) and returns the
    /// user's installed connections at `now`, so that a host can offer to revoke them when
    /// someone leaves ([`Engine::revoke_user_connections`]).
    ///
    /// # Errors
    /// [`DirectoryError::UnknownUser`]; nothing changes.
    pub fn set_user_active(
        &mut self,
        user: &UserId,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<ConnectionKey>, DirectoryError> {
        self.directory.set_user_active(user, active)?;
        Ok(self.user_connections(user, now).map(|c| c.key.clone()).collect())
    }
}

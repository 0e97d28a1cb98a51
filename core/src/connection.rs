//! Connections (C2) and their state at an instant (C3).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::AppId;

/// Error details reported for a connection (C3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionErrorInfo {
    /// Machine-readable error code.
    pub code: String,
    /// Message for humans.
    pub message: String,
    /// Steps that resolve the error.
    #[serde(default)]
    pub resolution_steps: Vec<String>,
}

/// Identifies a connection: the app, and for user-level apps the user who connected it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ConnectionKey {
    /// The app.
    pub app: AppId,
    /// The connecting user, for user-level apps only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
}

/// The recorded health of a connection, as the last event left it. The *state* shown to users
/// also depends on the clock: see [`Connection::state_at`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Health {
    /// Connected.
    Connected,
    /// Disconnected.
    Disconnected,
    /// The platform reported the grant expired.
    Expired,
    /// The connection reported an error.
    Error(ConnectionErrorInfo),
    /// Uninstalled (the connection's history is kept).
    Uninstalled,
}

impl Health {
    /// The state this health records, before the clock is considered (a grant past its expiry
    /// still records `Connected`).
    #[must_use]
    pub fn recorded_state(&self) -> ConnectionState {
        match self {
            Self::Connected => ConnectionState::Connected,
            Self::Disconnected => ConnectionState::Disconnected,
            Self::Expired => ConnectionState::Expired,
            Self::Error(_) => ConnectionState::Error,
            Self::Uninstalled => ConnectionState::Uninstalled,
        }
    }
}

/// The state of a connection at an instant (C3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Connected and healthy.
    Connected,
    /// Disconnected.
    Disconnected,
    /// The grant expired: reported by the platform, or its expiry is past at the instant asked.
    Expired,
    /// The connection reported an error.
    Error,
    /// Uninstalled.
    Uninstalled,
}

impl ConnectionState {
    /// The state's snake-case name, as in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Disconnected => "disconnected",
            Self::Expired => "expired",
            Self::Error => "error",
            Self::Uninstalled => "uninstalled",
        }
    }
}

impl fmt::Display for ConnectionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A connection of an app to the account, or to one user for user-level apps (C2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// Which app, and whose connection.
    pub key: ConnectionKey,
    /// First install of this connection.
    pub first_installed_at: DateTime<Utc>,
    /// Who installed it first (`None` when installed by the system, e.g. imported).
    pub first_installed_by: Option<UserId>,
    /// Latest install or reinstall.
    pub installed_at: DateTime<Utc>,
    /// Who made the latest install or reinstall.
    pub installed_by: Option<UserId>,
    /// Scopes granted so far.
    pub granted_scopes: BTreeSet<String>,
    /// When the current grant expires, if it does.
    pub expires_at: Option<DateTime<Utc>>,
    /// Named sync toggles.
    pub sync_settings: BTreeMap<String, bool>,
    /// Last time the app sent or received data.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Health as recorded by the last event.
    pub health: Health,
    /// Since when the health has been what it is.
    pub health_since: DateTime<Utc>,
    /// An update of the app is available (C3, H5).
    pub update_available: bool,
}

impl Connection {
    /// The state at `now`: a recorded healthy connection whose grant expiry is at or before `now`
    /// counts as expired.
    #[must_use]
    pub fn state_at(&self, now: DateTime<Utc>) -> ConnectionState {
        match &self.health {
            Health::Connected if self.expires_at.is_some_and(|e| e <= now) => ConnectionState::Expired,
            Health::Connected => ConnectionState::Connected,
            Health::Disconnected => ConnectionState::Disconnected,
            Health::Expired => ConnectionState::Expired,
            Health::Error(_) => ConnectionState::Error,
            Health::Uninstalled => ConnectionState::Uninstalled,
        }
    }

    /// The state at `now` that needs someone's attention, by the one rule every view and
    /// notification uses (H1, H5, H6, N2, X5), or `None` when nothing needs doing.
    ///
    /// What the engine knows by itself holds for every app: a disconnect, and a grant past its
    /// expiry by the caller's clock. What only the app can report — a connection error, an
    /// expiry the vendor reported — counts only for apps that report status (`reports_status`).
    /// Uninstalled connections need nothing.
    #[must_use]
    pub fn attention(&self, reports_status: bool, now: DateTime<Utc>) -> Option<ConnectionState> {
        Self::attention_of(self.health.recorded_state(), self.expires_at, reports_status, now)
    }

    /// [`Connection::attention`] over what it reads of a connection: the state its last event
    /// recorded ([`Health::recorded_state`]) and its grant expiry. For evaluators that follow a
    /// connection through the log without building it (notifications).
    #[must_use]
    pub fn attention_of(
        recorded: ConnectionState,
        expires_at: Option<DateTime<Utc>>,
        reports_status: bool,
        now: DateTime<Utc>,
    ) -> Option<ConnectionState> {
        match recorded {
            ConnectionState::Connected if expires_at.is_some_and(|e| e <= now) => Some(ConnectionState::Expired),
            ConnectionState::Connected | ConnectionState::Uninstalled => None,
            ConnectionState::Disconnected => Some(ConnectionState::Disconnected),
            ConnectionState::Expired | ConnectionState::Error => reports_status.then_some(recorded),
        }
    }

    /// Since when the state at `now` holds: the grant expiry for clock-expired connections,
    /// otherwise when the health was last recorded.
    #[must_use]
    pub fn state_since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match (&self.health, self.expires_at) {
            (Health::Connected, Some(e)) if e <= now => e,
            _ => self.health_since,
        }
    }

    /// Whether the connection is installed (any state but uninstalled).
    #[must_use]
    pub fn is_installed(&self) -> bool {
        !matches!(self.health, Health::Uninstalled)
    }

    /// The error details, when the connection is in error.
    #[must_use]
    pub fn error(&self) -> Option<&ConnectionErrorInfo> {
        match &self.health {
            Health::Error(info) => Some(info),
            _ => None,
        }
    }
}

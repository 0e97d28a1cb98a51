//! Connections (C2) and their state (C3) as they cross the FFI.

use connected_apps::{AppId, Connection, ConnectionErrorInfo, ConnectionKey, ConnectionState, Health, UserId};

use crate::types::{ScopeSet, SyncSettings, Timestamp};

/// Identifies a connection: the app, and for user-level apps the user who connected it.
#[uniffi::remote(Record)]
pub struct ConnectionKey {
    pub app: AppId,
    pub user: Option<UserId>,
}

/// The recorded health of a connection, as the last event left it. The state shown to users
/// also depends on the clock (an expiry in the past reads as expired).
#[uniffi::remote(Enum)]
pub enum Health {
    Connected,
    Disconnected,
    Expired,
    Error(ConnectionErrorInfo),
    Uninstalled,
}

/// The state of a connection at an instant (C3).
#[uniffi::remote(Enum)]
pub enum ConnectionState {
    Connected,
    Disconnected,
    Expired,
    Error,
    Uninstalled,
}

/// A connection of an app to the account, or to one user for user-level apps (C2).
#[uniffi::remote(Record)]
pub struct Connection {
    pub key: ConnectionKey,
    pub first_installed_at: Timestamp,
    pub first_installed_by: Option<UserId>,
    pub installed_at: Timestamp,
    pub installed_by: Option<UserId>,
    pub granted_scopes: ScopeSet,
    pub expires_at: Option<Timestamp>,
    pub sync_settings: SyncSettings,
    pub last_activity_at: Option<Timestamp>,
    pub health: Health,
    pub health_since: Timestamp,
    pub update_available: bool,
}

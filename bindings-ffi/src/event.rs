//! Events (C4, L1) as they cross the FFI: the log hosts read, append to and exchange as NDJSON.

use connected_apps::{
    ActivityType, AppId, Approval, ApprovalGrant, ConnectionErrorInfo, Event, EventId, EventKind, Feature, PolicyLevel,
    ScopeDecl, UserId,
};

use crate::types::{ScopeSet, Timestamp};

/// Error details reported for a connection (C3): a code, a message for humans, and the steps
/// that resolve it.
#[uniffi::remote(Record)]
pub struct ConnectionErrorInfo {
    pub code: String,
    pub message: String,
    pub resolution_steps: Vec<String>,
}

/// What happened: the activity types of the log (L1), plus app activity and update availability.
#[uniffi::remote(Enum)]
pub enum EventKind {
    Installed {
        scopes: ScopeSet,
        expires_at: Option<Timestamp>,
    },
    Reinstalled {
        scopes: ScopeSet,
        expires_at: Option<Timestamp>,
    },
    Uninstalled,
    Connected,
    Disconnected,
    Reconnected {
        expires_at: Option<Timestamp>,
    },
    Reauthenticated {
        scopes: ScopeSet,
        expires_at: Option<Timestamp>,
        #[uniffi(default)]
        dropped: ScopeSet,
    },
    SyncSettingChanged {
        setting: String,
        on: bool,
    },
    ConnectionExpired,
    ConnectionError(ConnectionErrorInfo),
    AppActivity,
    UpdateAvailability {
        available: bool,
    },
    AppVersionChanged {
        version: String,
        scopes: Vec<ScopeDecl>,
        features: Vec<Feature>,
    },
    PolicyChanged {
        level: PolicyLevel,
        approval: Option<Approval>,
    },
    ScopesTurnedOff {
        scopes: ScopeSet,
    },
    AccessRequested {
        requester: UserId,
        scopes: ScopeSet,
        reason: String,
        expires_at: Timestamp,
    },
    AccessApproved {
        requester: UserId,
        grant: ApprovalGrant,
    },
    AccessDenied {
        requester: UserId,
        reason: String,
    },
    ConnectionRevoked {
        reason: String,
    },
}

/// The activity type of an event, for filters (L1, L2).
#[uniffi::remote(Enum)]
pub enum ActivityType {
    Installed,
    Reinstalled,
    Uninstalled,
    Connected,
    Disconnected,
    Reconnected,
    Reauthenticated,
    SyncSettingChanged,
    ConnectionExpired,
    ConnectionError,
    AppActivity,
    UpdateAvailability,
    AppVersionChanged,
    PolicyChanged,
    ScopesTurnedOff,
    AccessRequested,
    AccessApproved,
    AccessDenied,
    ConnectionRevoked,
}

/// One entry of the log: a stable id, a UTC timestamp, the app, the connection's user for
/// user-level apps, and the acting user (none for system events).
#[uniffi::remote(Record)]
pub struct Event {
    pub id: EventId,
    pub at: Timestamp,
    pub app: AppId,
    pub user: Option<UserId>,
    pub actor: Option<UserId>,
    pub kind: EventKind,
}

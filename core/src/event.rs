//! Events (C4, L1): the only way state changes. Each has a stable id, a UTC timestamp, the app,
//! the connection's user for user-level apps, and the acting user (none for system events).

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::{AppId, Feature, ScopeDecl};
use crate::governance::model::{Approval, ApprovalGrant, PolicyLevel};

pub use crate::ids::EventId;

pub use crate::connection::ConnectionErrorInfo;

/// What happened. The variants are the activity types of the log (L1), plus app activity
/// (last-activity updates) and update availability, which change state without being user-facing
/// lifecycle steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    /// First install of the app (or of this user's connection of a user-level app).
    Installed {
        /// Scopes consented to at install (I4).
        scopes: BTreeSet<String>,
        /// When the grant expires, if it does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<DateTime<Utc>>,
    },
    /// Install after an earlier uninstall.
    Reinstalled {
        /// Scopes consented to.
        scopes: BTreeSet<String>,
        /// When the grant expires, if it does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<DateTime<Utc>>,
    },
    /// The app was uninstalled.
    Uninstalled,
    /// The connection became healthy again on its own (reported by the app or platform).
    Connected,
    /// The connection was disconnected.
    Disconnected,
    /// A user reconnected the app.
    Reconnected {
        /// New grant expiry, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<DateTime<Utc>>,
    },
    /// A user reauthenticated the app, granting the listed scopes (I8) and dropping the
    /// `dropped` ones (X6: the consent screen grants only what it lists).
    Reauthenticated {
        /// Scopes newly granted by this reauthentication.
        scopes: BTreeSet<String>,
        /// New grant expiry, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<DateTime<Utc>>,
        /// Granted scopes this reauthentication removes from the grant (X6); never a scope the
        /// app's current version requires, nor one of `scopes`. Empty in every log written
        /// before X6, and then not written.
        #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
        dropped: BTreeSet<String>,
    },
    /// A sync setting was turned on or off.
    SyncSettingChanged {
        /// Setting name.
        setting: String,
        /// New value.
        on: bool,
    },
    /// The platform reported that the connection expired.
    ConnectionExpired,
    /// The connection reported an error.
    ConnectionError(ConnectionErrorInfo),
    /// The app sent or received data (updates last activity).
    AppActivity,
    /// An update for the app became available, or stopped being available.
    UpdateAvailability {
        /// Whether an update is available now.
        available: bool,
    },
    /// The app published a new version with a new scope set (O3): it concerns the app, never
    /// one user's connection. Scopes it now requires but were never granted become *available
    /// after reauthentication*.
    AppVersionChanged {
        /// The new version's label.
        version: String,
        /// Every scope the new version declares.
        scopes: Vec<ScopeDecl>,
        /// Every feature of the new version and the scopes it needs.
        #[serde(default)]
        features: Vec<Feature>,
    },
    /// A super admin set or removed an approval rule of the app (G1); app-wide, so no user.
    PolicyChanged {
        /// Whom the rule covers.
        level: PolicyLevel,
        /// The rule; `None` removes it.
        #[serde(default)]
        approval: Option<Approval>,
    },
    /// A super admin replaced the app's optional scopes turned off (G1); app-wide.
    ScopesTurnedOff {
        /// Every optional scope now turned off.
        scopes: BTreeSet<String>,
    },
    /// A user asked for the app to be installed (G2); app-wide (the requester is named here).
    AccessRequested {
        /// Who asked.
        requester: UserId,
        /// The scopes asked for.
        scopes: BTreeSet<String>,
        /// Why (free text).
        #[serde(default)]
        reason: String,
        /// When the request expires if still open.
        expires_at: DateTime<Utc>,
    },
    /// A super admin approved a user's open request (G2); the install or the allow rule follows.
    AccessApproved {
        /// Whose request.
        requester: UserId,
        /// How it is granted.
        grant: ApprovalGrant,
    },
    /// A super admin denied a user's open request (G2).
    AccessDenied {
        /// Whose request.
        requester: UserId,
        /// Why.
        reason: String,
    },
    /// A super admin revoked the connection (G1, G3): it ends as uninstalled.
    ConnectionRevoked {
        /// Why (free text).
        #[serde(default)]
        reason: String,
    },
}

/// The activity type of an event, for filters and facets (L1, L2, L4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityType {
    /// See [`EventKind::Installed`].
    Installed,
    /// See [`EventKind::Reinstalled`].
    Reinstalled,
    /// See [`EventKind::Uninstalled`].
    Uninstalled,
    /// See [`EventKind::Connected`].
    Connected,
    /// See [`EventKind::Disconnected`].
    Disconnected,
    /// See [`EventKind::Reconnected`].
    Reconnected,
    /// See [`EventKind::Reauthenticated`].
    Reauthenticated,
    /// See [`EventKind::SyncSettingChanged`].
    SyncSettingChanged,
    /// See [`EventKind::ConnectionExpired`].
    ConnectionExpired,
    /// See [`EventKind::ConnectionError`].
    ConnectionError,
    /// See [`EventKind::AppActivity`].
    AppActivity,
    /// See [`EventKind::UpdateAvailability`].
    UpdateAvailability,
    /// See [`EventKind::AppVersionChanged`].
    AppVersionChanged,
    /// See [`EventKind::PolicyChanged`].
    PolicyChanged,
    /// See [`EventKind::ScopesTurnedOff`].
    ScopesTurnedOff,
    /// See [`EventKind::AccessRequested`].
    AccessRequested,
    /// See [`EventKind::AccessApproved`].
    AccessApproved,
    /// See [`EventKind::AccessDenied`].
    AccessDenied,
    /// See [`EventKind::ConnectionRevoked`].
    ConnectionRevoked,
}

impl ActivityType {
    /// The type's code in the log's columns, its hash chain and hosts' columns: its position in
    /// [`ActivityType::ALL`] (0 installed … 12 app_version_changed). The one way to a code.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Every activity type, in declaration order.
    pub const ALL: [Self; 19] = [
        Self::Installed,
        Self::Reinstalled,
        Self::Uninstalled,
        Self::Connected,
        Self::Disconnected,
        Self::Reconnected,
        Self::Reauthenticated,
        Self::SyncSettingChanged,
        Self::ConnectionExpired,
        Self::ConnectionError,
        Self::AppActivity,
        Self::UpdateAvailability,
        Self::AppVersionChanged,
        Self::PolicyChanged,
        Self::ScopesTurnedOff,
        Self::AccessRequested,
        Self::AccessApproved,
        Self::AccessDenied,
        Self::ConnectionRevoked,
    ];

    /// The type's snake-case name, as in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Installed => "installed",
            Self::Reinstalled => "reinstalled",
            Self::Uninstalled => "uninstalled",
            Self::Connected => "connected",
            Self::Disconnected => "disconnected",
            Self::Reconnected => "reconnected",
            Self::Reauthenticated => "reauthenticated",
            Self::SyncSettingChanged => "sync_setting_changed",
            Self::ConnectionExpired => "connection_expired",
            Self::ConnectionError => "connection_error",
            Self::AppActivity => "app_activity",
            Self::UpdateAvailability => "update_availability",
            Self::AppVersionChanged => "app_version_changed",
            Self::PolicyChanged => "policy_changed",
            Self::ScopesTurnedOff => "scopes_turned_off",
            Self::AccessRequested => "access_requested",
            Self::AccessApproved => "access_approved",
            Self::AccessDenied => "access_denied",
            Self::ConnectionRevoked => "connection_revoked",
        }
    }
}

impl fmt::Display for ActivityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EventKind {
    /// The connection state an event of this kind records (before the clock is considered), or
    /// `None` for kinds that leave the state as it was (activity, settings, versions, updates).
    /// The fold ([`crate::state::State::apply`]) records exactly this, except that status reports
    /// (connected, expired, error) record nothing for an app that does not report status;
    /// evaluators that follow a connection through its events use it instead of folding.
    #[must_use]
    pub fn recorded_state(&self) -> Option<crate::connection::ConnectionState> {
        use crate::connection::ConnectionState;
        Some(match self {
            Self::Installed { .. }
            | Self::Reinstalled { .. }
            | Self::Connected
            | Self::Reconnected { .. }
            | Self::Reauthenticated { .. } => ConnectionState::Connected,
            Self::Disconnected => ConnectionState::Disconnected,
            Self::ConnectionExpired => ConnectionState::Expired,
            Self::ConnectionError(_) => ConnectionState::Error,
            Self::Uninstalled | Self::ConnectionRevoked { .. } => ConnectionState::Uninstalled,
            Self::SyncSettingChanged { .. }
            | Self::AppActivity
            | Self::UpdateAvailability { .. }
            | Self::AppVersionChanged { .. }
            | Self::PolicyChanged { .. }
            | Self::ScopesTurnedOff { .. }
            | Self::AccessRequested { .. }
            | Self::AccessApproved { .. }
            | Self::AccessDenied { .. } => return None,
        })
    }

    /// Whether this is what only the app itself can report about its connection (the vendor's
    /// own status: connected again, expired, an error) about an app that does not report status
    /// (`reports_status` false, [`crate::App::reports_status`]). The one statement of the rule:
    /// commands refuse such a report; arriving as history, it is kept but records nothing (the
    /// fold and the notification evaluator skip it).
    #[must_use]
    pub(crate) fn is_unreported_status(&self, reports_status: bool) -> bool {
        !reports_status && matches!(self, Self::Connected | Self::ConnectionExpired | Self::ConnectionError(_))
    }

    /// Whether this is an app-wide governance decision (G1, G2) folded into the governance
    /// state rather than into a connection (a revocation is a connection's event).
    #[must_use]
    pub fn is_governance(&self) -> bool {
        matches!(
            self,
            Self::PolicyChanged { .. }
                | Self::ScopesTurnedOff { .. }
                | Self::AccessRequested { .. }
                | Self::AccessApproved { .. }
                | Self::AccessDenied { .. }
        )
    }

    /// The activity type of this event.
    #[must_use]
    pub fn activity_type(&self) -> ActivityType {
        match self {
            Self::Installed { .. } => ActivityType::Installed,
            Self::Reinstalled { .. } => ActivityType::Reinstalled,
            Self::Uninstalled => ActivityType::Uninstalled,
            Self::Connected => ActivityType::Connected,
            Self::Disconnected => ActivityType::Disconnected,
            Self::Reconnected { .. } => ActivityType::Reconnected,
            Self::Reauthenticated { .. } => ActivityType::Reauthenticated,
            Self::SyncSettingChanged { .. } => ActivityType::SyncSettingChanged,
            Self::ConnectionExpired => ActivityType::ConnectionExpired,
            Self::ConnectionError(_) => ActivityType::ConnectionError,
            Self::AppActivity => ActivityType::AppActivity,
            Self::UpdateAvailability { .. } => ActivityType::UpdateAvailability,
            Self::AppVersionChanged { .. } => ActivityType::AppVersionChanged,
            Self::PolicyChanged { .. } => ActivityType::PolicyChanged,
            Self::ScopesTurnedOff { .. } => ActivityType::ScopesTurnedOff,
            Self::AccessRequested { .. } => ActivityType::AccessRequested,
            Self::AccessApproved { .. } => ActivityType::AccessApproved,
            Self::AccessDenied { .. } => ActivityType::AccessDenied,
            Self::ConnectionRevoked { .. } => ActivityType::ConnectionRevoked,
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Stable id.
    pub id: EventId,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// The app concerned.
    pub app: AppId,
    /// For user-level apps, whose connection it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// Who acted; `None` for system events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<UserId>,
    /// What happened.
    pub kind: EventKind,
}

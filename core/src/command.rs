//! Lifecycle commands (I1–I9) and what they return.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::{AppId, Feature, ScopeDecl};
use crate::event::{ConnectionErrorInfo, EventId};

/// Who takes a command.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A user of the account.
    User(UserId),
    /// The platform or the app itself (reports of errors, expiry, activity). It may send every
    /// report but take no user's command.
    System,
}

impl Actor {
    /// The acting user, if any.
    #[must_use]
    pub fn user(&self) -> Option<&UserId> {
        match self {
            Self::User(u) => Some(u),
            Self::System => None,
        }
    }
}

impl From<UserId> for Actor {
    fn from(user: UserId) -> Self {
        Self::User(user)
    }
}

/// A change to a connection. For user-level apps, `user` names whose connection is meant; when a
/// user acts and leaves it `None`, their own connection is meant. For other apps it must be `None`.
///
/// # Who may take it
/// - `Install`: a user with App Marketplace Access (super admins hold it); any other active user
///   gets an [`InstallRequest`] for an admin (I1, I2).
/// - Every other command on a connection (`Uninstall`, `Reconnect`, `Reauthenticate`,
///   `Disconnect`, `SetSyncSetting`): an active user with App Marketplace Access, and a super
///   admin for another user's connection of a user-level app.
/// - The reports (`Report*`): the platform ([`Actor::System`]), or a user who may manage that
///   connection as above (for `ReportAppVersion`, which names no connection: App Marketplace
///   Access). Everyone else gets [`crate::LifecycleError::PermissionDenied`]; a deactivated user
///   [`crate::LifecycleError::InactiveActor`], an unknown one
///   [`crate::LifecycleError::UnknownUser`].
///
/// What only the app can report — `ReportConnected`, `ReportExpired`, `ReportError`, the
/// vendor's own status — is refused with [`crate::LifecycleError::StatusNotReported`] for apps
/// that do not report status ([`crate::App::reports_status`]). The same events arriving from
/// elsewhere (append, import, ingest, snapshots) are history and are kept, but never shown:
/// [`crate::Connection::attention`] ignores them for such apps in every view and notification.
/// Table: `core/tests/it/permissions.rs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Connect an app (I1–I4), or reinstall an uninstalled one.
    Install {
        /// The app.
        app: AppId,
        /// Scopes consented to; `None` grants the app's required scopes. Must contain every
        /// required scope, and may add conditionally required and optional ones (I4).
        #[serde(default)]
        scopes: Option<BTreeSet<String>>,
        /// When the grant expires, if it does.
        #[serde(default)]
        expires_at: Option<DateTime<Utc>>,
        /// The admin who receives the install request when the actor may not install (I2);
        /// `None` picks the first active super admin by id.
        #[serde(default)]
        request_admin: Option<UserId>,
    },
    /// Uninstall an app (I5, I6).
    Uninstall {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
        /// Must be exactly `uninstall`.
        confirmation: String,
    },
    /// Reconnect a disconnected, expired or failing connection (I7).
    Reconnect {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
        /// New grant expiry, if any.
        #[serde(default)]
        expires_at: Option<DateTime<Utc>>,
    },
    /// Reauthenticate, granting pending scopes (I8).
    Reauthenticate {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
        /// Scopes to grant; `None` grants the app's required scopes not granted yet.
        #[serde(default)]
        scopes: Option<BTreeSet<String>>,
        /// New grant expiry, if any.
        #[serde(default)]
        expires_at: Option<DateTime<Utc>>,
        /// Granted scopes to remove from the grant (X6): each must be granted, not required by
        /// the app's current version, and not among `scopes`.
        #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
        dropped: BTreeSet<String>,
    },
    /// Disconnect (I9).
    Disconnect {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
    },
    /// Turn a sync setting on or off.
    SetSyncSetting {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
        /// Setting name.
        setting: String,
        /// New value.
        on: bool,
    },
    /// The connection is healthy again (reported by the app or the platform); only for apps that
    /// report status.
    ReportConnected {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
    },
    /// The grant expired (reported by the platform); only for apps that report status (a grant
    /// past its `expires_at` is expired by the clock for every app).
    ReportExpired {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
    },
    /// The connection failed; only for apps that report status.
    ReportError {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
        /// Code, message and resolution steps.
        error: ConnectionErrorInfo,
    },
    /// The app sent or received data (last activity).
    ReportActivity {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
    },
    /// An update of the app became (un)available.
    ReportUpdateAvailability {
        /// The app.
        app: AppId,
        /// Whose connection, for user-level apps.
        #[serde(default)]
        user: Option<UserId>,
        /// Whether an update is available.
        available: bool,
    },
    /// The app published a new version with a new scope set (O3); app-wide, so no user.
    ReportAppVersion {
        /// The app.
        app: AppId,
        /// The new version's label.
        version: String,
        /// Every scope the new version declares.
        scopes: Vec<ScopeDecl>,
        /// Every feature of the new version.
        #[serde(default)]
        features: Vec<Feature>,
    },
}

impl Command {
    /// The command's snake-case name, for messages.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Install { .. } => "install",
            Self::Uninstall { .. } => "uninstall",
            Self::Reconnect { .. } => "reconnect",
            Self::Reauthenticate { .. } => "reauthenticate",
            Self::Disconnect { .. } => "disconnect",
            Self::SetSyncSetting { .. } => "set_sync_setting",
            Self::ReportConnected { .. } => "report_connected",
            Self::ReportExpired { .. } => "report_expired",
            Self::ReportError { .. } => "report_error",
            Self::ReportActivity { .. } => "report_activity",
            Self::ReportUpdateAvailability { .. } => "report_update_availability",
            Self::ReportAppVersion { .. } => "report_app_version",
        }
    }

    /// The app the command is about.
    #[must_use]
    pub fn app(&self) -> &AppId {
        match self {
            Self::Install { app, .. }
            | Self::Uninstall { app, .. }
            | Self::Reconnect { app, .. }
            | Self::Reauthenticate { app, .. }
            | Self::Disconnect { app, .. }
            | Self::SetSyncSetting { app, .. }
            | Self::ReportConnected { app, .. }
            | Self::ReportExpired { app, .. }
            | Self::ReportError { app, .. }
            | Self::ReportActivity { app, .. }
            | Self::ReportUpdateAvailability { app, .. }
            | Self::ReportAppVersion { app, .. } => app,
        }
    }

    /// Whether a user must take the command (the reports may come from the system).
    #[must_use]
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            Self::Install { .. }
                | Self::Uninstall { .. }
                | Self::Reconnect { .. }
                | Self::Reauthenticate { .. }
                | Self::Disconnect { .. }
                | Self::SetSyncSetting { .. }
        )
    }
}

/// A request for an admin to install an app, produced when the actor may not install it (I2)
/// or the policy says the app needs approval (G1). It is queued as an access request (G2,
/// [`crate::EventKind::AccessRequested`], logged unless the requester already has an open one);
/// the host delivers it (e.g. by e-mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRequest {
    /// The app to install.
    pub app: AppId,
    /// The app's name.
    pub app_name: String,
    /// Who asked.
    pub requested_by: UserId,
    /// The admin asked to install it or grant the permission.
    pub admin: UserId,
    /// The admin's e-mail address.
    pub admin_email: String,
    /// When it was asked.
    pub requested_at: DateTime<Utc>,
    /// The queued access request's event (G2).
    pub request: EventId,
}

/// What a successful command returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The change was logged as this event.
    Applied {
        /// The new event's id.
        event: EventId,
    },
    /// The actor may not install, or the app needs approval; here is the request for an admin
    /// (I2), queued as an access request (G2).
    InstallRequested(InstallRequest),
    /// The app was uninstalled; the steps the user must still take (I6), possibly none.
    Uninstalled {
        /// The new event's id.
        event: EventId,
        /// Post-uninstall steps.
        post_uninstall_steps: Vec<String>,
    },
}

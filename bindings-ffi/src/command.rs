//! Lifecycle commands (I1–I9) and their outcomes as they cross the FFI.

use connected_apps::{
    Actor, AppId, Command, ConnectionErrorInfo, EventId, Feature, InstallRequest, Outcome, ScopeDecl, UserId,
};

use crate::types::{ScopeSet, Timestamp};

/// Who takes a command: a user of the account, or the platform / the app itself.
#[uniffi::remote(Enum)]
pub enum Actor {
    User(UserId),
    System,
}

/// A change to a connection. For user-level apps, `user` names whose connection is meant; when
/// a user acts and leaves it empty, their own connection is meant. For other apps it must be
/// empty. `Install.scopes` empty means the app's required scopes; `Install.request_admin` empty
/// picks the first active super admin; `Uninstall.confirmation` must be exactly `uninstall`;
/// `Reauthenticate.dropped` (default empty) removes granted scopes the app does not require (X6).
#[uniffi::remote(Enum)]
pub enum Command {
    Install {
        app: AppId,
        scopes: Option<ScopeSet>,
        expires_at: Option<Timestamp>,
        request_admin: Option<UserId>,
    },
    Uninstall {
        app: AppId,
        user: Option<UserId>,
        confirmation: String,
    },
    Reconnect {
        app: AppId,
        user: Option<UserId>,
        expires_at: Option<Timestamp>,
    },
    Reauthenticate {
        app: AppId,
        user: Option<UserId>,
        scopes: Option<ScopeSet>,
        expires_at: Option<Timestamp>,
        #[uniffi(default)]
        dropped: ScopeSet,
    },
    Disconnect {
        app: AppId,
        user: Option<UserId>,
    },
    SetSyncSetting {
        app: AppId,
        user: Option<UserId>,
        setting: String,
        on: bool,
    },
    ReportConnected {
        app: AppId,
        user: Option<UserId>,
    },
    ReportExpired {
        app: AppId,
        user: Option<UserId>,
    },
    ReportError {
        app: AppId,
        user: Option<UserId>,
        error: ConnectionErrorInfo,
    },
    ReportActivity {
        app: AppId,
        user: Option<UserId>,
    },
    ReportUpdateAvailability {
        app: AppId,
        user: Option<UserId>,
        available: bool,
    },
    ReportAppVersion {
        app: AppId,
        version: String,
        scopes: Vec<ScopeDecl>,
        features: Vec<Feature>,
    },
}

/// A request for an admin to install an app, produced when the actor may not install it (I2) or
/// the app needs approval (G1); queued as an access request whose event is `request` (G2). The
/// host delivers it (e.g. by e-mail).
#[uniffi::remote(Record)]
pub struct InstallRequest {
    pub app: AppId,
    pub app_name: String,
    pub requested_by: UserId,
    pub admin: UserId,
    pub admin_email: String,
    pub requested_at: Timestamp,
    pub request: EventId,
}

/// What a successful command returns: the logged event, an install request (queued, G2), or
/// the uninstall's event and the steps the user must still take (I6).
#[uniffi::remote(Enum)]
pub enum Outcome {
    Applied { event: EventId },
    InstallRequested(InstallRequest),
    Uninstalled { event: EventId, post_uninstall_steps: Vec<String> },
}

/// The word a user must type to confirm an uninstall (I5).
#[uniffi::export]
pub fn uninstall_confirmation() -> String {
    connected_apps::UNINSTALL_CONFIRMATION.to_owned()
}

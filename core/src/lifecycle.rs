//! [`LifecycleError`]: the refusals of lifecycle commands and of events appended to the log (I1–I9,
//! C4). It sits in the domain layer because the fold ([`crate::state`]) refuses events with it as
//! the engine refuses commands.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::account::{Permission, UserId};
use crate::catalog::AppId;
use crate::event::EventId;
use crate::kind::ErrorKind;

/// Errors of lifecycle commands and of events appended to the log (I1–I9, C4).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LifecycleError {
    /// No app has this id.
    #[error("unknown app {0:?}")]
    UnknownApp(AppId),
    /// No user has this id.
    #[error("unknown user {0:?}")]
    UnknownUser(UserId),
    /// The acting user is deactivated.
    #[error("user {0:?} is deactivated")]
    InactiveActor(UserId),
    /// The acting user lacks a permission.
    #[error("user {user:?} lacks the {permission} permission")]
    PermissionDenied {
        /// The acting user.
        user: UserId,
        /// The missing permission.
        permission: Permission,
    },
    /// This command must be taken by a user, not the system.
    #[error("{command} needs an acting user")]
    ActorRequired {
        /// The command.
        command: &'static str,
    },
    /// The user to whom an install request would go is not an active super admin.
    #[error("user {0:?} is not an active super admin and cannot approve install requests")]
    NotAnAdmin(UserId),
    /// An install request needs an admin, and the account has no active super admin.
    #[error("no active super admin can receive an install request for app {0:?}")]
    NoAdminAvailable(AppId),
    /// The app (or this user's connection of it) is already connected (I3).
    #[error("app {app:?} is already installed{}", for_user(user.as_ref()))]
    AlreadyInstalled {
        /// The app.
        app: AppId,
        /// The connection's user, for user-level apps.
        user: Option<UserId>,
    },
    /// The app (or this user's connection of it) is not installed.
    #[error("app {app:?} is not installed{}", for_user(user.as_ref()))]
    NotInstalled {
        /// The app.
        app: AppId,
        /// The connection's user, for user-level apps.
        user: Option<UserId>,
    },
    /// The change would not change the connection's state (e.g. disconnecting a disconnected app).
    #[error("app {app:?} is already {state}")]
    AlreadyInState {
        /// The app.
        app: AppId,
        /// The state it is already in.
        state: &'static str,
    },
    /// The uninstall confirmation was not exactly `uninstall` (I5).
    #[error("confirmation must be exactly \"uninstall\", got {0:?}")]
    WrongConfirmation(String),
    /// A granted scope is not declared by the app.
    #[error("app {app:?} does not declare scope {scope:?}")]
    UndeclaredScope {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
    },
    /// A reauthentication drops a scope it may not drop (X6): not granted, required by the
    /// app's current version, or granted by the same reauthentication.
    #[error("app {app:?} cannot drop scope {scope:?}: {reason}")]
    CannotDropScope {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
        /// Why not.
        reason: &'static str,
    },
    /// A required scope was not consented to (I4).
    #[error("install of app {app:?} must grant required scope {scope:?}")]
    MissingRequiredScope {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
    },
    /// A sync setting name is empty.
    #[error("sync setting name must not be empty")]
    EmptySyncSetting,
    /// A user-level app's connection was targeted without naming its user.
    #[error("app {0:?} is user-level: name the connection's user")]
    ConnectionUserRequired(AppId),
    /// A user was named for an app that is not user-level.
    #[error("app {app:?} is not user-level: it has no connection of user {user:?}")]
    ConnectionUserNotAllowed {
        /// The app.
        app: AppId,
        /// The user named.
        user: UserId,
    },
    /// An event is older than the newest one in the log.
    #[error("event {id} at {at} is older than the newest logged event at {newest}")]
    OutOfOrder {
        /// The event.
        id: EventId,
        /// Its timestamp.
        at: DateTime<Utc>,
        /// The newest logged timestamp.
        newest: DateTime<Utc>,
    },
    /// A status report command (connected, expired, error) about an app that does not report
    /// its status: only such apps can say it (H1, H2).
    #[error("app {app:?} does not report status: {activity} cannot be logged for it")]
    StatusNotReported {
        /// The app.
        app: AppId,
        /// The refused report's activity type.
        activity: crate::event::ActivityType,
    },
    /// An event id is already in the log.
    #[error("duplicate event id {0}")]
    DuplicateEventId(EventId),
    /// An event id above [`crate::limits::MAX_EVENT_ID`] that is not the id the engine gives
    /// its next command.
    #[error("event id {0} is over the limit of {max}", max = crate::limits::MAX_EVENT_ID)]
    EventIdTooLarge(EventId),
    /// An app version change is malformed (empty label, malformed or duplicate scope, a
    /// feature naming an undeclared scope).
    #[error("invalid version of app {app:?}: {reason}")]
    InvalidAppVersion {
        /// The app.
        app: AppId,
        /// What is wrong.
        reason: String,
    },
    /// A time the log cannot hold: events happen between 1677-09-21 and 2262-04-11 (UTC).
    #[error("time {0} is outside the log's range 1677-09-21 to 2262-04-11")]
    TimeOutOfRange(DateTime<Utc>),
    /// The log would exceed [`crate::log::MAX_EVENTS`] events.
    #[error("log of {0} events is over the limit of {max}", max = crate::limits::MAX_EVENTS)]
    LogFull(usize),
    /// A governance rule refused it (G1–G3): a policy, a request, a revocation.
    #[error(transparent)]
    Governance(#[from] crate::governance::model::GovernanceError),
}

pub(crate) fn for_user(user: Option<&UserId>) -> String {
    user.map(|u| format!(" for user {u:?}")).unwrap_or_default()
}

impl LifecycleError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownApp(_) | Self::UnknownUser(_) => ErrorKind::NotFound,
            Self::InactiveActor(_)
            | Self::PermissionDenied { .. }
            | Self::ActorRequired { .. }
            | Self::NotAnAdmin(_) => ErrorKind::PermissionDenied,
            Self::AlreadyInstalled { .. } | Self::DuplicateEventId(_) => ErrorKind::Conflict,
            Self::NotInstalled { .. } | Self::AlreadyInState { .. } | Self::NoAdminAvailable(_) => {
                ErrorKind::InvalidState
            }
            Self::WrongConfirmation(_)
            | Self::UndeclaredScope { .. }
            | Self::CannotDropScope { .. }
            | Self::MissingRequiredScope { .. }
            | Self::EmptySyncSetting
            | Self::ConnectionUserRequired(_)
            | Self::ConnectionUserNotAllowed { .. }
            | Self::InvalidAppVersion { .. }
            | Self::TimeOutOfRange(_)
            | Self::EventIdTooLarge(_)
            | Self::StatusNotReported { .. }
            | Self::LogFull(_)
            | Self::OutOfOrder { .. } => ErrorKind::InvalidInput,
            Self::Governance(e) => e.kind(),
        }
    }
}

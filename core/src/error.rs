//! Error enums, one per area, and the crate-wide [`Error`](enum@Error) that hosts map in one place.
//!
//! Messages are lowercase, carry no trailing period and name the offending value.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::account::{Permission, TeamId, UserId};
use crate::catalog::AppId;
use crate::event::EventId;

/// The broad kind of an error, which hosts turn into one exception class or error variant each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An id names nothing known.
    NotFound,
    /// The actor may not do this (inactive, missing permission, not a super admin).
    PermissionDenied,
    /// The change collides with what exists (already connected, duplicate id).
    Conflict,
    /// The change is not possible in the current state (e.g. the app is not installed).
    InvalidState,
    /// The input itself is malformed or out of bounds.
    InvalidInput,
}

/// Errors while building the account's directory: users, teams, apps.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DirectoryError {
    /// A user with this id already exists.
    #[error("duplicate user id {0:?}")]
    DuplicateUser(UserId),
    /// A team with this id already exists.
    #[error("duplicate team id {0:?}")]
    DuplicateTeam(TeamId),
    /// An app with this id already exists.
    #[error("duplicate app id {0:?}")]
    DuplicateApp(AppId),
    /// No user has this id.
    #[error("unknown user {0:?}")]
    UnknownUser(UserId),
    /// No team has this id.
    #[error("unknown team {0:?}")]
    UnknownTeam(TeamId),
    /// No app has this id.
    #[error("unknown app {0:?}")]
    UnknownApp(AppId),
    /// The app entry is malformed.
    #[error("invalid app {app:?}: {reason}")]
    InvalidApp {
        /// The app.
        app: AppId,
        /// What is wrong.
        reason: String,
    },
    /// The user entry is malformed.
    #[error("invalid user {user:?}: {reason}")]
    InvalidUser {
        /// The user.
        user: UserId,
        /// What is wrong.
        reason: String,
    },
    /// The team entry is malformed.
    #[error("invalid team {team:?}: {reason}")]
    InvalidTeam {
        /// The team.
        team: TeamId,
        /// What is wrong.
        reason: String,
    },
    /// The account entry is malformed.
    #[error("invalid account: {0}")]
    InvalidAccount(String),
}

/// Errors of lifecycle commands and of events appended to the log (I1–I9, C4).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
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
    #[error("log of {0} events is over the limit of 4294967294")]
    LogFull(usize),
}

fn for_user(user: Option<&UserId>) -> String {
    user.map(|u| format!(" for user {u:?}")).unwrap_or_default()
}

/// Errors evaluating an app's access and permissions (O3).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessError {
    /// No app has this id.
    #[error("unknown app {0:?}")]
    UnknownApp(AppId),
    /// The app (or this user's connection of it) is not installed.
    #[error("app {app:?} is not installed{}", for_user(user.as_ref()))]
    NotInstalled {
        /// The app.
        app: AppId,
        /// The connection's user, for user-level apps.
        user: Option<UserId>,
    },
}

impl AccessError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownApp(_) => ErrorKind::NotFound,
            Self::NotInstalled { .. } => ErrorKind::InvalidState,
        }
    }
}

/// Errors of the marketplace, learning content and workflow connections (M1–M5, H4, O5, W2).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarketplaceError {
    /// A listing is malformed (no name or provider, a negative or non-finite price, …).
    #[error("invalid listing {app:?}: {reason}")]
    InvalidListing {
        /// The listing's app.
        app: AppId,
        /// What is wrong.
        reason: String,
    },
    /// Two listings name the same app.
    #[error("duplicate listing of app {0:?}")]
    DuplicateListing(AppId),
    /// More listings than an index can address.
    #[error("too many listings: {0}")]
    TooManyListings(usize),
    /// No listing has this app.
    #[error("no listing of app {0:?}")]
    UnknownListing(AppId),
    /// A filter names a value no listing carries.
    #[error("unknown {filter} {value:?}")]
    UnknownFilterValue {
        /// The filter: collection, category or feature.
        filter: &'static str,
        /// The value.
        value: String,
    },
    /// No user has this id.
    #[error("unknown user {0:?}")]
    UnknownUser(UserId),
    /// The user is deactivated.
    #[error("user {0:?} is deactivated")]
    InactiveUser(UserId),
    /// The app offers no workflow actions (W2).
    #[error("app {0:?} offers no workflow actions")]
    NoWorkflowActions(AppId),
    /// A learning item is malformed.
    #[error("invalid learning item at position {index}: {reason}")]
    InvalidLearningItem {
        /// Its position in the host's list.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The listings are not valid JSON of the expected shape.
    #[error("malformed marketplace json: {0}")]
    Json(String),
}

impl MarketplaceError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownListing(_) | Self::UnknownUser(_) => ErrorKind::NotFound,
            Self::DuplicateListing(_) => ErrorKind::Conflict,
            Self::InactiveUser(_) => ErrorKind::PermissionDenied,
            Self::InvalidListing { .. }
            | Self::TooManyListings(_)
            | Self::UnknownFilterValue { .. }
            | Self::NoWorkflowActions(_)
            | Self::InvalidLearningItem { .. }
            | Self::Json(_) => ErrorKind::InvalidInput,
        }
    }
}

/// Errors reading or writing snapshots and NDJSON event streams.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnapshotError {
    /// The text is not valid JSON of the expected shape (also: bad timestamps, unknown enum values).
    #[error("malformed json{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Json {
        /// 1-based line of an NDJSON stream, when reading one.
        line: Option<usize>,
        /// What the parser reported.
        message: String,
    },
    /// The snapshot's format version is not one this library reads.
    #[error("unsupported snapshot version {0}")]
    UnsupportedVersion(u32),
}

/// Any error of the library, for hosts that handle them in one place.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// See [`DirectoryError`].
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// See [`LifecycleError`].
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// See [`SnapshotError`].
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// See [`crate::activity::ActivityError`].
    #[error(transparent)]
    Activity(#[from] crate::activity::ActivityError),
    /// See [`crate::insights::InsightsError`].
    #[error(transparent)]
    Insights(#[from] crate::insights::InsightsError),
    /// See [`crate::import::ImportError`].
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// See [`crate::ingest::IngestError`].
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    /// See [`crate::notify::NotifyError`].
    #[error(transparent)]
    Notify(#[from] crate::notify::NotifyError),
    /// See [`AccessError`].
    #[error(transparent)]
    Access(#[from] AccessError),
    /// See [`MarketplaceError`].
    #[error(transparent)]
    Marketplace(#[from] MarketplaceError),
    /// See [`crate::chain::ChainError`].
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
    /// A governance policy error (G4).
    #[error(transparent)]
    GovernancePolicy(#[from] crate::governance::GovernancePolicyError),
    /// A blast-radius or least-privilege error (X4, X6).
    #[error(transparent)]
    Exposure(#[from] crate::governance::ExposureError),
}

impl DirectoryError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::DuplicateUser(_) | Self::DuplicateTeam(_) | Self::DuplicateApp(_) => ErrorKind::Conflict,
            Self::UnknownUser(_) | Self::UnknownTeam(_) | Self::UnknownApp(_) => ErrorKind::NotFound,
            Self::InvalidApp { .. } | Self::InvalidUser { .. } | Self::InvalidTeam { .. } | Self::InvalidAccount(_) => {
                ErrorKind::InvalidInput
            }
        }
    }
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
        }
    }
}

impl Error {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Directory(e) => e.kind(),
            Self::Lifecycle(e) => e.kind(),
            Self::Activity(e) => e.kind(),
            Self::Insights(e) => e.kind(),
            Self::Import(e) => e.kind(),
            Self::Ingest(e) => e.kind(),
            Self::Notify(e) => e.kind(),
            Self::Access(e) => e.kind(),
            Self::Marketplace(e) => e.kind(),
            Self::Chain(e) => e.kind(),
            Self::GovernancePolicy(e) => e.kind(),
            Self::Exposure(e) => e.kind(),
            Self::Snapshot(SnapshotError::Json { .. } | SnapshotError::UnsupportedVersion(_)) => {
                ErrorKind::InvalidInput
            }
        }
    }
}

//! [`DirectoryError`]: the refusals of building the directory. Its own module (in the domain
//! layer, importing only ids) because app entries ([`crate::catalog::App::validate`]) refuse with
//! it too, and the directory holds app entries.

use thiserror::Error;

use crate::ids::{AppId, TeamId, UserId};
use crate::kind::ErrorKind;

/// Errors while building the account's directory: users, teams, apps.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
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

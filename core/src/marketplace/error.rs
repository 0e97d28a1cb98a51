//! [`MarketplaceError`]: the refusals of the marketplace, learning content and workflow
//! connections.

use thiserror::Error;

use crate::account::UserId;
use crate::catalog::AppId;
use crate::kind::ErrorKind;

/// Errors of the marketplace, learning content and workflow connections (M1–M5, H4, O5, W2).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
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
    /// More listings than the search index can address ([`crate::limits::MAX_LISTINGS`]).
    #[error("{0} listings are over the limit of {max}", max = crate::limits::MAX_LISTINGS)]
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

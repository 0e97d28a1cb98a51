//! The one error hosts see, the one conversion from the core's errors, and the one place where
//! panics are caught.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use connected_apps::governance::{ExposureError, GovernancePolicyError};
use connected_apps::import::ImportError;
use connected_apps::{
    AccessError, ActivityError, ChainError, DirectoryError, Error, ErrorKind, IngestError, InsightsError,
    LifecycleError, MarketplaceError, NotifyError, ReportError, SnapshotError,
};

/// Every error of the library: one variant per `connected_apps::ErrorKind`, plus `Internal` for a
/// bug (a panic) inside the library. Each carries the core's message, which names the wrong
/// value. It crosses as a flat error (variant + message): Kotlin sees `ConnectedAppsException`
/// with one subclass per variant and the message as the exception's `message`, Swift the
/// `ConnectedAppsError` enum, Python the `ConnectedAppsError` exception with one subclass per
/// variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ConnectedAppsError {
    /// An id names nothing known.
    #[error("{message}")]
    NotFound {
        /// The core's message.
        message: String,
    },
    /// The actor may not do this (inactive, missing permission, not a super admin).
    #[error("{message}")]
    PermissionDenied {
        /// The core's message.
        message: String,
    },
    /// The change collides with what exists (already connected, duplicate id).
    #[error("{message}")]
    Conflict {
        /// The core's message.
        message: String,
    },
    /// The change is not possible in the current state (e.g. the app is not installed).
    #[error("{message}")]
    InvalidState {
        /// The core's message.
        message: String,
    },
    /// The input itself is malformed or out of bounds.
    #[error("{message}")]
    InvalidInput {
        /// The core's message.
        message: String,
    },
    /// A bug: the library panicked. The call had no effect that the host can rely on; the
    /// library stays usable.
    #[error("{message}")]
    Internal {
        /// The panic's message.
        message: String,
    },
}

impl ConnectedAppsError {
    /// The one mapping from the core's error kinds to the host's error cases.
    fn from_kind(kind: ErrorKind, message: String) -> Self {
        match kind {
            ErrorKind::NotFound => Self::NotFound { message },
            ErrorKind::PermissionDenied => Self::PermissionDenied { message },
            ErrorKind::Conflict => Self::Conflict { message },
            ErrorKind::InvalidState => Self::InvalidState { message },
            ErrorKind::InvalidInput => Self::InvalidInput { message },
        }
    }
}

// Every core error (the crate-wide one and each area's) knows its kind and its message.
macro_rules! from_core_errors {
    ($($error:ty),*) => {$(
        impl From<$error> for ConnectedAppsError {
            fn from(error: $error) -> Self {
                Self::from_kind(error.kind(), error.to_string())
            }
        }
    )*};
}
from_core_errors!(
    Error,
    DirectoryError,
    LifecycleError,
    ActivityError,
    IngestError,
    AccessError,
    NotifyError,
    MarketplaceError,
    InsightsError,
    ImportError,
    ChainError,
    SnapshotError,
    ReportError,
    GovernancePolicyError,
    ExposureError
);

/// Runs `f`, turning a panic inside it into [`ConnectedAppsError::Internal`]. Every exported
/// entry point goes through here, so no panic unwinds into UniFFI's generic handler.
pub(crate) fn catching_panics<T>(f: impl FnOnce() -> Result<T, ConnectedAppsError>) -> Result<T, ConnectedAppsError> {
    // Unwind safety: the callers hold the engine lock across this call, and a panic is caught
    // before the guard is dropped, so the mutex is never poisoned and the engine stays in use.
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(ConnectedAppsError::Internal { message: panic_message(payload.as_ref()) }))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload");
    format!("internal error: {detail}")
}

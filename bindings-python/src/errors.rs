//! The exception hierarchy and THE one conversion from core errors to Python exceptions.
//!
//! Every core error carries an [`ErrorKind`]; each kind is one exception class, all deriving from
//! `ConnectedAppsError`, and the message is the core's own.

use connected_apps::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(connected_apps, ConnectedAppsError, PyException, "Base class of every error the engine raises.");
create_exception!(connected_apps, NotFoundError, ConnectedAppsError, "An id names nothing known.");
create_exception!(
    connected_apps,
    PermissionDeniedError,
    ConnectedAppsError,
    "The actor may not do this (inactive, missing permission, not a super admin)."
);
create_exception!(
    connected_apps,
    ConflictError,
    ConnectedAppsError,
    "The change collides with what exists (already connected, duplicate id)."
);
create_exception!(
    connected_apps,
    InvalidStateError,
    ConnectedAppsError,
    "The change is not possible in the current state (e.g. the app is not installed)."
);
create_exception!(
    connected_apps,
    InvalidInputError,
    ConnectedAppsError,
    "The input itself is malformed or out of bounds."
);

/// The exception for an error kind, carrying `message`.
pub fn kind_error(kind: ErrorKind, message: String) -> PyErr {
    match kind {
        ErrorKind::NotFound => NotFoundError::new_err(message),
        ErrorKind::PermissionDenied => PermissionDeniedError::new_err(message),
        ErrorKind::Conflict => ConflictError::new_err(message),
        ErrorKind::InvalidState => InvalidStateError::new_err(message),
        ErrorKind::InvalidInput => InvalidInputError::new_err(message),
    }
}

/// Turns a core result into a Python one: `engine.execute(...).or_raise()?`. Every area error
/// converts into the crate-wide `connected_apps::Error`, whose kind picks the exception class.
pub trait OrRaise<T> {
    /// The value, or the exception of the error's kind.
    fn or_raise(self) -> PyResult<T>;
}

impl<T, E: Into<Error>> OrRaise<T> for Result<T, E> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(|e| {
            let e: Error = e.into();
            kind_error(e.kind(), e.to_string())
        })
    }
}

//! [`ErrorKind`]: the broad kind of every error of the library (a leaf: it imports nothing).

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

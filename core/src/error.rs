//! The crate-wide [`Error`](enum@Error) that hosts map in one place: the top of the layers, the
//! only module that imports every area's error (each area owns its enum and its `kind()`; they
//! are re-exported here under their old paths).
//!
//! Messages are lowercase, carry no trailing period and name the offending value.

use thiserror::Error;

pub use crate::access::AccessError;
pub use crate::directory::DirectoryError;
pub use crate::kind::ErrorKind;
pub use crate::lifecycle::LifecycleError;
pub use crate::marketplace::MarketplaceError;
pub use crate::snapshot::SnapshotError;

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
    /// See [`crate::report::ReportError`] (feature `report`).
    #[cfg(feature = "report")]
    #[error(transparent)]
    Report(#[from] crate::report::error::ReportError),
    /// A governance policy error (G4).
    #[error(transparent)]
    GovernancePolicy(#[from] crate::governance::GovernancePolicyError),
    /// A blast-radius or least-privilege error (X4, X6).
    #[error(transparent)]
    Exposure(#[from] crate::governance::ExposureError),
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
            Self::Snapshot(e) => e.kind(),
            #[cfg(feature = "report")]
            Self::Report(e) => e.kind(),
            Self::GovernancePolicy(e) => e.kind(),
            Self::Exposure(e) => e.kind(),
        }
    }
}

//! The Python module `connected_apps` (native part `connected_apps._native`): a thin layer over
//! the core. It converts values (convert.rs), maps errors in one place (errors.rs), and has one
//! file per core area; no domain rule lives here.

mod access;
mod account;
mod activity;
mod arrays;
mod arrow;
mod catalog;
mod chain;
mod command;
mod connection;
mod convert;
mod engine;
mod errors;
mod event;
mod governance;
mod governance_alerts;
mod import;
mod ingest;
mod insights;
mod lock;
mod marketplace;
mod notify;
mod partials;
mod report;
mod snapshot;
mod state;
mod usage;
mod views;

/// See the `mimalloc` line of Cargo.toml: many short-lived allocations per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Native part of `connected_apps`; import from `connected_apps`, which adds the enums.
#[pyo3::pymodule]
#[pyo3(name = "_native")]
mod native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::access::PyAppAccess;
    #[pymodule_export]
    use crate::account::{PyAccount, PyTeam, PyUser};
    #[pymodule_export]
    use crate::activity::{PyActivityFacets, PyActivityPage};
    #[pymodule_export]
    use crate::arrow::PyArrowBatch;
    #[pymodule_export]
    use crate::catalog::PyApp;
    #[pymodule_export]
    use crate::command::{PyApplied, PyInstallRequest, PyUninstalled};
    #[pymodule_export]
    use crate::connection::PyConnection;
    #[pymodule_export]
    use crate::engine::PyEngine;
    #[pymodule_export]
    use crate::errors::{
        ConflictError, ConnectedAppsError, InvalidInputError, InvalidStateError, NotFoundError, PermissionDeniedError,
    };
    #[pymodule_export]
    use crate::event::PyEvent;
    #[pymodule_export]
    use crate::import::{events_from_audit_logs, events_from_security_activity, usage_snapshots_from_daily_usage};
    #[pymodule_export]
    use crate::insights::{PyRecordAggregate, PyRecordInsights};
    #[pymodule_export]
    use crate::marketplace::{
        PyInstallVerdict, PyLearningItem, PyLearningLibrary, PyLearningSection, PyListing, PyMarketplace,
        PyRecommendation, PySearchHit, PySearchResults, PyWorkflowActionGroup, PyWorkflowAppHit,
    };
    #[pymodule_export]
    use crate::notify::{PyDelivery, PyRule};
    #[pymodule_export]
    use crate::report::report_html;
    #[pymodule_export]
    use crate::snapshot::{events_from_ndjson, events_to_ndjson};
    #[pymodule_export]
    use crate::state::PyState;
    #[pymodule_export]
    use crate::usage::{PyUsageHistory, PyUsageReport};
    #[pymodule_export]
    use crate::views::{
        PyAppOverview, PyAttentionItem, PyConnectionView, PyConnectionsHome, PyMyAppRow, PyOtherAppRow, PySummary,
    };

    /// The word a user must type to confirm an uninstall (I5).
    #[pymodule_export]
    const UNINSTALL_CONFIRMATION: &str = connected_apps::UNINSTALL_CONFIRMATION;

    /// The user code of a row without a connection user or actor, in columnar ingest and views.
    #[pymodule_export]
    const NO_USER: u32 = crate::ingest::NO_USER_CODE;

    /// The largest page an activity query returns.
    #[pymodule_export]
    const MAX_PAGE_SIZE: usize = connected_apps::MAX_PAGE_SIZE;

    /// The largest event id `append`, `append_all`, ingest and snapshots accept (2**63 - 1);
    /// past it only the id the next command would take passes.
    #[pymodule_export]
    const MAX_EVENT_ID: u64 = connected_apps::limits::MAX_EVENT_ID;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        // Activity-type names in code order: the Python enum is checked against it in the tests.
        let names: Vec<&str> = connected_apps::ActivityType::ALL.iter().map(|t| t.as_str()).collect();
        m.add("ACTIVITY_TYPES", names)?;
        let ingestible: Vec<&str> = connected_apps::ingest::INGESTIBLE_TYPES.iter().map(|t| t.as_str()).collect();
        m.add("INGESTIBLE_TYPES", ingestible)?;
        Ok(())
    }
}

//! Real payloads (K1–K3): what the platform's public API emits (JSON text), turned into the
//! library's inputs, with a report of what was read and what was not used.

use connected_apps::import::{self, ImportReport, Imported};
use connected_apps::insights::{RecordEvent, UsageSnapshot};
use connected_apps::{AppId, Event};

use crate::error::{ConnectedAppsError, catching_panics};
use crate::types::{Count, TypeCounts};

/// What an import read, and what it did not use (counted per type, e.g. `LOGIN_SUCCESS`).
#[uniffi::remote(Record)]
pub struct ImportReport {
    pub read: Count,
    pub imported: Count,
    pub unsupported: TypeCounts,
}

/// Usage snapshots read from the daily API-usage response (K1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedUsageSnapshots {
    /// The snapshots.
    pub items: Vec<UsageSnapshot>,
    /// What was read and what was not used.
    pub report: ImportReport,
}

/// Log events read from security-activity or audit-log items (K2), oldest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedEvents {
    /// The events, ready for `AccountEngine.append_all`.
    pub items: Vec<Event>,
    /// What was read and what was not used.
    pub report: ImportReport,
}

/// Record events read from webhook batches or webhooks-journal entries (K3).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedRecordEvents {
    /// The record events, ready for `RecordAggregate.ingest`.
    pub items: Vec<RecordEvent>,
    /// What was read and what was not used.
    pub report: ImportReport,
}

macro_rules! from_imported {
    ($($host:ident <- $item:ty),*) => {$(
        impl From<Imported<$item>> for $host {
            fn from(imported: Imported<$item>) -> Self {
                Self { items: imported.items, report: imported.report }
            }
        }
    )*};
}
from_imported!(ImportedUsageSnapshots <- UsageSnapshot, ImportedEvents <- Event, ImportedRecordEvents <- RecordEvent);

/// K1: `GET /account-info/v3/api-usage/daily/private-apps` → usage snapshots.
#[uniffi::export]
pub fn usage_snapshots_from_daily_usage(json: String) -> Result<ImportedUsageSnapshots, ConnectedAppsError> {
    catching_panics(|| Ok(import::usage_snapshots_from_daily_usage(&json)?.into()))
}

/// K2: `GET /account-info/v3/activity/security` → log events (installs and uninstalls).
#[uniffi::export]
pub fn events_from_security_activity(json: String) -> Result<ImportedEvents, ConnectedAppsError> {
    catching_panics(|| Ok(import::events_from_security_activity(&json)?.into()))
}

/// K2: `GET /account-info/v3/activity/audit-logs` → log events.
#[uniffi::export]
pub fn events_from_audit_logs(json: String) -> Result<ImportedEvents, ConnectedAppsError> {
    catching_panics(|| Ok(import::events_from_audit_logs(&json)?.into()))
}

/// K3: a webhook POST body → record events.
#[uniffi::export]
pub fn record_events_from_webhooks(json: String) -> Result<ImportedRecordEvents, ConnectedAppsError> {
    catching_panics(|| Ok(import::record_events_from_webhooks(&json)?.into()))
}

/// K3: webhooks-journal entries of `app` → record events.
#[uniffi::export]
pub fn record_events_from_journal(json: String, app: AppId) -> Result<ImportedRecordEvents, ConnectedAppsError> {
    catching_panics(|| Ok(import::record_events_from_journal(&json, &app)?.into()))
}

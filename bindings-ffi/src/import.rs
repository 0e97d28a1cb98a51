//! Real payloads (K1–K3): what the platform's public API emits (JSON text), turned into the
//! library's inputs, with a report of what was read and what was not used.

use std::sync::Arc;

use connected_apps::Event;
use connected_apps::import::{self, ImportReport, Imported};
use connected_apps::insights::{RecordEvent, UsageSnapshot};

use crate::engine::AccountEngine;
use crate::error::{ConnectedAppsError, catching_panics};
use crate::insights::RecordAggregate;
use crate::types::{Count, TypeCounts};

/// What an import read, and what it did not use (counted per type, e.g. `LOGIN_SUCCESS`).
#[uniffi::remote(Record)]
pub struct ImportReport {
    pub read: Count,
    pub imported: Count,
    pub unsupported: TypeCounts,
    pub by_source: TypeCounts,
    pub duplicates: Count,
    pub repeat_updates: Count,
    pub expired: Count,
    pub unresolved_actors: TypeCounts,
    pub skipped: TypeCounts,
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

/// K3: webhooks-journal entries → the apps' record events.
#[uniffi::export]
pub fn record_events_from_journal(json: String) -> Result<ImportedRecordEvents, ConnectedAppsError> {
    catching_panics(|| Ok(import::record_events_from_journal(&json)?.into()))
}

/// K3: counts a webhook POST body into `aggregate`, each delivery exactly once across batches.
#[uniffi::export]
pub fn ingest_webhooks(aggregate: Arc<RecordAggregate>, json: String) -> Result<ImportReport, ConnectedAppsError> {
    aggregate.with(|a| Ok(import::ingest_webhooks(a, &json)?))
}

/// K3: counts webhooks-journal entries into `aggregate`, each exactly once.
#[uniffi::export]
pub fn ingest_journal(aggregate: Arc<RecordAggregate>, json: String) -> Result<ImportReport, ConnectedAppsError> {
    aggregate.with(|a| Ok(import::ingest_journal(a, &json)?))
}

/// K2: appends security-activity items to `engine`'s log (actors resolved, overlaps skipped).
#[uniffi::export]
pub fn import_security_activity(engine: Arc<AccountEngine>, json: String) -> Result<ImportReport, ConnectedAppsError> {
    engine.write(|e| Ok(import::import_security_activity(e, &json)?))
}

/// K2: appends audit-log items about apps to `engine`'s log.
#[uniffi::export]
pub fn import_audit_logs(engine: Arc<AccountEngine>, json: String) -> Result<ImportReport, ConnectedAppsError> {
    engine.write(|e| Ok(import::import_audit_logs(e, &json)?))
}

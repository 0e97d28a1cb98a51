//! UniFFI bindings of the connected-apps engine (SPEC B3): the same engine for Kotlin, Swift and
//! Python hosts, through bindings generated from this library (see the README's UniFFI section).
//!
//! The crate only converts and delegates: every rule lives in `connected_apps`. Errors map to
//! [`ConnectedAppsError`] in one place (`error.rs`), which is also the one place panics are
//! caught; timestamps cross through one bridge (`types.rs`); each other file mirrors one core
//! module, and the core's own types are described to UniFFI with `#[uniffi::remote]`, so the
//! compiler keeps the bindings in step with the core.

uniffi::setup_scaffolding!();

mod access;
mod account;
mod activity;
mod catalog;
mod chain;
mod command;
mod connection;
mod engine;
mod error;
mod event;
mod governance;
mod governance_alerts;
mod import;
mod ingest;
mod insights;
mod json;
mod marketplace;
mod notify;
mod report;
mod snapshot;
mod state;
mod types;
mod views;

pub use access::needs_reauthentication;
pub use activity::{
    ActivityColumnsPage, ActivityFacets, ActivityPage, AppCount, LogColumnsView, TypeCount, UserCount,
    max_activity_page_size,
};
pub use command::uninstall_confirmation;
pub use engine::{AccountEngine, ConnectionColumnsView, max_event_id};
pub use error::ConnectedAppsError;
pub use governance::{TeamApprovals, UserApprovals};
pub use import::{
    ImportedEvents, ImportedRecordEvents, ImportedUsageSnapshots, events_from_audit_logs,
    events_from_security_activity, import_audit_logs, import_security_activity, ingest_journal, ingest_webhooks,
    record_events_from_journal, record_events_from_webhooks, usage_snapshots_from_daily_usage,
};
pub use ingest::{EventColumns, activity_type_code, ingestible_types, no_user_code};
pub use insights::{
    Day, RecordAggregate, RecordCellColumnsView, RecordEventColumns, UsageColumnsView, UsageHistory,
    UsageSnapshotColumns, api_limits, default_api_limit_config, default_insights_settings, default_usage_settings,
    record_action_code, record_action_is_destructive, record_type_is_custom, robust_rule_for_api_calls,
    robust_rule_for_records,
};
pub use json::{
    account_from_json, activity_filter_from_json, app_from_json, command_from_json, deliveries_from_json,
    governance_deliveries_from_json, rule_from_json, team_from_json, user_from_json,
};
pub use marketplace::{
    LearningLibrary, Marketplace, listing_has_free_plan, listing_has_free_trial, listing_has_paid_plan,
    pricing_plan_annual_total,
};
pub use notify::{DeliveryLogView, reminder_due};
pub use report::report_html;
pub use snapshot::{events_from_ndjson, events_to_ndjson};
pub use types::{
    AppIdSet, ChannelSet, Count, PermissionSet, ScopeSet, Subscriptions, SyncSettings, TeamIdSet, Timestamp,
    TypeCounts, UserIdSet,
};
pub use views::{AppOverview, ConnectionView};

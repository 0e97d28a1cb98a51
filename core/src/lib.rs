#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

/// The workspace README's Rust examples, compiled and run as doctests (the crate's own docs are
/// `core/README.md`).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct WorkspaceReadme;

pub mod access;
pub mod account;
pub mod account_engine;
pub mod activity;
pub mod catalog;
pub mod chain;
pub mod columns;
pub mod command;
pub mod connection;
pub mod directory;
pub mod engine;
pub mod error;
pub mod event;
pub mod governance;
pub(crate) mod hash;
pub mod ids;
pub mod import;
pub mod ingest;
pub mod insights;
pub mod kind;
pub mod lifecycle;
pub mod limits;
pub mod log;
pub mod marketplace;
pub mod notify;
#[cfg(feature = "report")]
pub mod report;
pub mod snapshot;
pub mod state;
pub mod time;
pub mod views;

pub use access::AccessError;
pub use access::{Access, AppAccess, FeatureAccess, ScopeAccess, Upgrade};
pub use account::{Account, Hub, HubTier, Permission, Team, TeamId, Tier, User, UserId};
pub use account_engine::{AccountEngine, AppLogColumns, IndexedLog, connect_from_workflow};
pub use activity::{
    ActivityError, ActivityFacets, ActivityFilter, ActivityIndex, ActivityPage, FacetCount, MAX_PAGE_SIZE,
};
pub use catalog::{App, AppId, AppLevel, Distribution, Feature, ScopeDecl, ScopeRequirement, WorkflowAction};
pub use chain::{ChainError, ChainHash};
pub use columns::ColumnError;
pub use command::{Actor, Command, InstallRequest, Outcome};
pub use connection::{Connection, ConnectionKey, ConnectionState, Health};
pub use directory::{Directory, DirectoryError};
pub use engine::{Engine, UNINSTALL_CONFIRMATION};
pub use error::Error;
pub use event::{ActivityType, ConnectionErrorInfo, Event, EventId, EventKind};
pub use governance::{
    AccessRequest, AppPolicy, AppUser, Approval, ApprovalGrant, BlastRadius, Evidence, ExposureError, GovernanceAlert,
    GovernanceCondition, GovernanceDelivery, GovernanceDisconnect, GovernanceError, GovernanceMetric, GovernanceMode,
    GovernanceOutcome, GovernancePolicies, GovernancePolicy, GovernancePolicyError, GovernancePolicyId,
    GovernanceReport, GovernanceSettings, InventoryItem, LeastPrivilege, ObservedCondition, PolicyDecision,
    PolicyLevel, PolicyRule, PolicyViolation, QueuedApp, QueuedRequest, RecordTouch, RequestStatus, Severity, Usage,
    UserInventory,
};
pub use import::{ImportError, ImportReport, Imported};
pub use ingest::{EventColumns, IngestError};
pub use insights::{
    ApiLimitConfig, ApiLimits, AppUsageDay, DailyUsage, LimitForecast, UsageColumns, UsageHistory, UsageReport,
    UsageSettings, UsageSnapshot, UsageSnapshotColumns, UsageSpike, UsageTrend,
};
pub use insights::{
    Grouping, InsightRow, InsightsError, InsightsQuery, InsightsSettings, PARTIAL_FORMAT_VERSION, RecordAction,
    RecordAggregate, RecordCell, RecordCellColumns, RecordEvent, RecordEventColumns, RecordInsights, RecordType,
    RobustRule, UnexpectedBehaviour,
};
pub use kind::ErrorKind;
pub use lifecycle::LifecycleError;
pub use log::{EventLog, EventRef, Events, LogColumns};
pub use marketplace::MarketplaceError;
pub use marketplace::{
    Filters, InstallPermission, InstallVerdict, LearningItem, LearningKind, LearningLibrary, LearningSection,
    LearningTopic, Listing, Marketplace, PricingFilter, PricingPlan, Recommendation, SearchHit, SearchQuery,
    SearchResults, SyncDirection, WorkflowActionGroup, WorkflowAppHit, workflow_actions,
};
pub use notify::{
    Channel, Delivery, DeliveryLog, Frequency, NotificationRules, NotifyError, Recipients, Rule, RuleApps, RuleId,
    RuleType, Trigger,
};
#[cfg(feature = "report")]
pub use report::{ReportError, ReportModel, ReportOptions, render_html, report_html};
pub use snapshot::SnapshotError;
pub use snapshot::{events_from_ndjson, events_to_ndjson};
pub use state::{AppRevision, ConnectionColumns, State};
pub use views::{AppLogFilter, AppOverview, ConnectionsHome, app_log, app_overview, connections_home};

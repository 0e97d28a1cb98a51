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
pub mod command;
pub mod connection;
pub mod engine;
pub mod error;
pub mod event;
pub mod import;
pub mod ingest;
pub mod insights;
pub mod limits;
pub mod log;
pub mod marketplace;
pub mod notify;
pub mod snapshot;
pub mod state;
pub mod time;
pub mod views;

pub use access::{Access, AppAccess, FeatureAccess, ScopeAccess, Upgrade};
pub use account::{Account, Hub, HubTier, Permission, Team, TeamId, Tier, User, UserId};
pub use account_engine::{AccountEngine, AppLogColumns, IndexedLog};
pub use activity::{
    ActivityError, ActivityFacets, ActivityFilter, ActivityIndex, ActivityPage, FacetCount, MAX_PAGE_SIZE,
};
pub use catalog::{App, AppId, AppLevel, Distribution, Feature, ScopeDecl, ScopeRequirement, WorkflowAction};
pub use chain::{ChainError, ChainHash};
pub use command::{Actor, Command, InstallRequest, Outcome};
pub use connection::{Connection, ConnectionKey, ConnectionState, Health};
pub use engine::{Engine, UNINSTALL_CONFIRMATION};
pub use error::{AccessError, DirectoryError, Error, ErrorKind, LifecycleError, MarketplaceError, SnapshotError};
pub use event::{ActivityType, ConnectionErrorInfo, Event, EventId, EventKind};
pub use import::{ImportError, ImportReport, Imported};
pub use ingest::{EventColumns, IngestError};
pub use insights::{
    ApiLimitConfig, ApiLimits, AppUsageDay, DailyUsage, LimitForecast, UsageColumns, UsageHistory, UsageReport,
    UsageSettings, UsageSnapshot, UsageSnapshotColumns, UsageSpike, UsageTrend,
};
pub use insights::{
    Grouping, InsightRow, InsightsError, InsightsQuery, InsightsSettings, RecordAction, RecordAggregate, RecordCell,
    RecordCellColumns, RecordEvent, RecordEventColumns, RecordInsights, RecordType, RobustRule, UnexpectedBehaviour,
};
pub use log::{EventLog, EventRef, Events, LogColumns};
pub use marketplace::{
    Filters, InstallPermission, InstallVerdict, LearningItem, LearningKind, LearningLibrary, LearningSection,
    LearningTopic, Listing, Marketplace, PricingFilter, PricingPlan, Recommendation, SearchHit, SearchQuery,
    SearchResults, SyncDirection, WorkflowActionGroup, WorkflowAppHit, connect_from_workflow, workflow_actions,
};
pub use notify::{
    Channel, Delivery, DeliveryLog, Frequency, NotificationRules, NotifyError, Recipients, Rule, RuleApps, RuleId,
    RuleType, Trigger,
};
pub use snapshot::{events_from_ndjson, events_to_ndjson};
pub use state::{AppRevision, Directory, State};
pub use views::{AppLogFilter, AppOverview, ConnectionsHome, app_log, app_overview, connections_home};

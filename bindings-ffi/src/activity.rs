//! The activity log (L2–L4): filtered, newest-first pages with cursors that stay correct while
//! events arrive, and facet counts for the filter menus; the same events as columns (issue 14)
//! for data frames and typed arrays.

use connected_apps::{ActivityFilter, ActivityType, AppId, Event, LogColumns, UserId};

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;
use crate::types::{Count, Timestamp};

/// Which events a query keeps (L2): each non-empty part must hold, and an empty list means
/// "any". `since` is inclusive, `until` exclusive.
#[uniffi::remote(Record)]
pub struct ActivityFilter {
    pub types: Vec<ActivityType>,
    pub users: Vec<UserId>,
    pub apps: Vec<AppId>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// One page of the activity log, newest first (L3).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ActivityPage {
    /// The matching events, newest first.
    pub events: Vec<Event>,
    /// Pass this to get the next (older) page; empty when this page is the last.
    pub next_cursor: Option<String>,
}

/// Events of the activity log as columns of equal length, one row per event (issue 14): the
/// core's `LogColumns`, converted only. `at_micros` is microseconds since the Unix epoch (UTC),
/// rounded down; `types` holds activity-type codes as bytes (Python `bytes`, Kotlin `ByteArray`,
/// Swift `Data`), positions in `type_dictionary` (the codes of `activity_type_code`); `apps`
/// are codes into `app_dictionary`; `users` (the connection's user, for user-level apps) and
/// `actors` (who acted) are codes into `user_dictionary`, `no_user_code()` (2^32 − 1) for none.
/// The dictionaries are the log's whole ones, also when no row matched.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogColumnsView {
    /// Event ids.
    pub ids: Vec<u64>,
    /// Event times, microseconds since the Unix epoch (UTC).
    pub at_micros: Vec<i64>,
    /// Activity-type codes into `type_dictionary`.
    pub types: Vec<u8>,
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// Connection-user codes into `user_dictionary`, `no_user_code()` for none.
    pub users: Vec<u32>,
    /// Acting-user codes into `user_dictionary`, `no_user_code()` for system events.
    pub actors: Vec<u32>,
    /// Every activity type, by code.
    pub type_dictionary: Vec<ActivityType>,
    /// The log's apps, by code.
    pub app_dictionary: Vec<AppId>,
    /// The log's users, by code.
    pub user_dictionary: Vec<UserId>,
}

impl From<LogColumns<'_>> for LogColumnsView {
    fn from(c: LogColumns<'_>) -> Self {
        Self {
            ids: c.ids,
            at_micros: c.at_micros,
            types: c.types,
            apps: c.apps,
            users: c.users,
            actors: c.actors,
            type_dictionary: ActivityType::ALL.to_vec(),
            app_dictionary: c.app_dictionary.to_vec(),
            user_dictionary: c.user_dictionary.to_vec(),
        }
    }
}

/// One page of the activity log as columns, newest first (L3, issue 14).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ActivityColumnsPage {
    /// The page's events, newest first.
    pub columns: LogColumnsView,
    /// Pass this to get the next (older) page; empty when this page is the last.
    pub next_cursor: Option<String>,
}

/// How many matching events have an activity type.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TypeCount {
    /// The activity type.
    pub value: ActivityType,
    /// Matching events of that type.
    pub count: u64,
}

/// How many matching events a user took.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserCount {
    /// The acting user.
    pub value: UserId,
    /// Matching events the user took.
    pub count: u64,
}

/// How many matching events concern an app.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppCount {
    /// The app.
    pub value: AppId,
    /// Matching events of that app.
    pub count: u64,
}

/// Counts of the events matching a filter, per type, acting user and app (L4); each list is
/// ordered by count, largest first, then by value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ActivityFacets {
    /// Events matching the filter.
    pub total: u64,
    /// Per activity type.
    pub by_type: Vec<TypeCount>,
    /// Per acting user.
    pub by_user: Vec<UserCount>,
    /// Matching system events (no acting user).
    pub system: u64,
    /// Per app.
    pub by_app: Vec<AppCount>,
}

impl From<connected_apps::ActivityFacets> for ActivityFacets {
    fn from(f: connected_apps::ActivityFacets) -> Self {
        Self {
            total: f.total,
            by_type: f.by_type.into_iter().map(|c| TypeCount { value: c.value, count: c.count }).collect(),
            by_user: f.by_user.into_iter().map(|c| UserCount { value: c.value, count: c.count }).collect(),
            system: f.system,
            by_app: f.by_app.into_iter().map(|c| AppCount { value: c.value, count: c.count }).collect(),
        }
    }
}

/// The largest page an activity query returns.
#[uniffi::export]
pub fn max_activity_page_size() -> Count {
    connected_apps::MAX_PAGE_SIZE
}

#[uniffi::export]
impl AccountEngine {
    /// One page of the events matching `filter`, newest first, after `cursor` (none for the first
    /// page), of at most `page_size` events (L2, L3).
    pub fn activity(
        &self,
        filter: ActivityFilter,
        cursor: Option<String>,
        page_size: Count,
    ) -> Result<ActivityPage, ConnectedAppsError> {
        self.query_activity(|log| {
            let page = log.query(&filter, cursor.as_deref(), page_size)?;
            Ok(ActivityPage {
                events: page.events.iter().map(|e| e.to_event()).collect(),
                next_cursor: page.next_cursor,
            })
        })
    }

    /// Every event matching `filter`, oldest first, as columns (issue 14); an empty filter reads
    /// the whole log.
    pub fn activity_columns(&self, filter: ActivityFilter) -> Result<LogColumnsView, ConnectedAppsError> {
        self.query_activity(|log| Ok(log.columns(&filter)?.into()))
    }

    /// The page `activity(filter, cursor, page_size)` returns, as columns, and its next cursor.
    pub fn activity_page_columns(
        &self,
        filter: ActivityFilter,
        cursor: Option<String>,
        page_size: Count,
    ) -> Result<ActivityColumnsPage, ConnectedAppsError> {
        self.query_activity(|log| {
            let (columns, next_cursor) = log.page_columns(&filter, cursor.as_deref(), page_size)?;
            Ok(ActivityColumnsPage { columns: columns.into(), next_cursor })
        })
    }

    /// Counts for the filter menus (L4): per type, acting user (and system events) and app, each
    /// dimension counted with every filter but its own; `total` with every filter.
    pub fn activity_facets(&self, filter: ActivityFilter) -> Result<ActivityFacets, ConnectedAppsError> {
        self.query_activity(|log| Ok(log.facets(&filter)?.into()))
    }
}

//! The Connections home (H1–H3, H5, H6) and one app's overview (O1, O2), computed by the core at
//! the instant the host passes.

use connected_apps::views::{self, AttentionItem, ConnectionsHome, MyAppRow, OtherAppRow, RequiredAction, Summary};
use connected_apps::{ActivityType, App, AppId, AppLogColumns, AppLogFilter, ConnectionState, Event, UserId};

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;
use crate::types::{Count, ScopeSet, SyncSettings, Timestamp};

/// What a user should do about a connection that needs attention.
#[uniffi::remote(Enum)]
pub enum RequiredAction {
    Reconnect,
    Reauthenticate,
    FollowResolutionSteps,
}

/// A connection that needs attention (H1), with what to show and do (H6).
#[uniffi::remote(Record)]
pub struct AttentionItem {
    pub app: AppId,
    pub app_name: String,
    pub user: Option<UserId>,
    pub state: ConnectionState,
    pub since: Timestamp,
    pub action: RequiredAction,
    pub error_code: Option<String>,
    pub message: String,
    pub resolution_steps: Vec<String>,
}

/// A row of My apps (H2). `status` is empty for apps that do not report one and for
/// multi-account apps; `last_activity_at` is empty for user-level and multi-account apps.
#[uniffi::remote(Record)]
pub struct MyAppRow {
    pub app: AppId,
    pub name: String,
    pub provider: String,
    pub level: connected_apps::AppLevel,
    pub status: Option<ConnectionState>,
    pub installed_at: Timestamp,
    pub installed_by: Option<UserId>,
    pub last_activity_at: Option<Timestamp>,
    pub update_available: bool,
    pub connections: Count,
}

/// A row of Other apps installed by users in my organisation (H3).
#[uniffi::remote(Record)]
pub struct OtherAppRow {
    pub app: AppId,
    pub name: String,
    pub connections: Count,
    pub users: Vec<UserId>,
    pub can_open_listing: bool,
    pub can_install_yourself: bool,
}

/// The app summary (H5).
#[uniffi::remote(Record)]
pub struct Summary {
    pub total: Count,
    pub connected: Count,
    pub disconnected: Count,
    pub expired: Count,
    pub error: Count,
    pub without_status: Count,
    pub update_available: Count,
}

/// The Connections home seen by one viewer at one instant.
#[uniffi::remote(Record)]
pub struct ConnectionsHome {
    pub viewer: UserId,
    pub as_of: Timestamp,
    pub needs_attention: Vec<AttentionItem>,
    pub my_apps: Vec<MyAppRow>,
    pub other_users_apps: Vec<OtherAppRow>,
    pub summary: Summary,
}

/// Filter of an app's log (O2): empty lists match everything.
#[uniffi::remote(Record)]
pub struct AppLogFilter {
    pub types: Vec<ActivityType>,
    pub users: Vec<UserId>,
}

/// One app's log as columns (O2), newest first, one row per event: `at_micros` is microseconds
/// since the Unix epoch (UTC); `types` holds activity-type codes (`activity_type_code`) as bytes;
/// `actors` holds codes into `actor_dictionary` (the acting users in order of first appearance),
/// `no_user_code()` for system events.
#[uniffi::remote(Record)]
pub struct AppLogColumns {
    pub ids: Vec<u64>,
    pub at_micros: Vec<i64>,
    pub types: Vec<u8>,
    pub actors: Vec<u32>,
    pub actor_dictionary: Vec<UserId>,
}

/// One connection on an app's page.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConnectionView {
    /// The connection's user, for user-level apps.
    pub user: Option<UserId>,
    /// State at the view's instant.
    pub state: ConnectionState,
    /// Latest install.
    pub installed_at: Timestamp,
    /// Who made the latest install.
    pub installed_by: Option<UserId>,
    /// Granted scopes, sorted.
    pub granted_scopes: ScopeSet,
    /// Sync settings by name.
    pub sync_settings: SyncSettings,
    /// Last activity.
    pub last_activity_at: Option<Timestamp>,
    /// Grant expiry.
    pub expires_at: Option<Timestamp>,
    /// Update available.
    pub update_available: bool,
}

impl From<views::ConnectionView> for ConnectionView {
    fn from(v: views::ConnectionView) -> Self {
        Self {
            user: v.user,
            state: v.state,
            installed_at: v.installed_at,
            installed_by: v.installed_by,
            granted_scopes: v.granted_scopes,
            sync_settings: v.sync_settings.into_iter().collect(),
            last_activity_at: v.last_activity_at,
            expires_at: v.expires_at,
            update_available: v.update_available,
        }
    }
}

/// One app's overview page (O1, O2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppOverview {
    /// The app's entry.
    pub app: App,
    /// Status: the account's connection, or the viewer's for user-level apps; empty when the app
    /// does not report status or has no such connection.
    pub status: Option<ConnectionState>,
    /// Installed connections.
    pub connections: Vec<ConnectionView>,
    /// O1: the alerts and errors of this app, most urgent first.
    pub alerts: Vec<AttentionItem>,
    /// O2: the app's log, newest first, filtered.
    pub log: Vec<Event>,
}

impl From<views::AppOverview> for AppOverview {
    fn from(o: views::AppOverview) -> Self {
        Self {
            app: o.app,
            status: o.status,
            connections: o.connections.into_iter().map(ConnectionView::from).collect(),
            alerts: o.alerts,
            log: o.log,
        }
    }
}

#[uniffi::export]
impl AccountEngine {
    /// The Connections home seen by `viewer` at `now` (H1–H3, H5, H6).
    pub fn connections_home(&self, viewer: UserId, now: Timestamp) -> Result<ConnectionsHome, ConnectedAppsError> {
        self.read(|engine| Ok(views::connections_home(engine, &viewer, now)?))
    }

    /// One app's overview at `now` (O1, O2); for user-level apps the status is `viewer`'s
    /// connection.
    pub fn app_overview(
        &self,
        app: AppId,
        viewer: Option<UserId>,
        filter: AppLogFilter,
        now: Timestamp,
    ) -> Result<AppOverview, ConnectedAppsError> {
        self.read(|engine| Ok(views::app_overview(engine, &app, viewer.as_ref(), &filter, now)?.into()))
    }

    /// The events of one app, newest first, filtered by activity type and acting user (O2).
    pub fn app_log(&self, app: AppId, filter: AppLogFilter) -> Result<Vec<Event>, ConnectedAppsError> {
        self.query_activity(|log| Ok(log.app_log(&app, &filter)?.iter().map(|e| e.to_event()).collect()))
    }

    /// The same log as columns, for data frames and typed arrays.
    pub fn app_log_columns(&self, app: AppId, filter: AppLogFilter) -> Result<AppLogColumns, ConnectedAppsError> {
        self.query_activity(|log| Ok(log.app_log_columns(&app, &filter)?))
    }
}

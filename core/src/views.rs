//! The Connections home (H1–H3, H5, H6) and one app's overview (O1, O2): pure functions of the
//! directory, the state, the log and the caller's clock.
//!
//! # Rules
//! - **Whose connections.** The home is seen by one user (the viewer). Account-level and
//!   multi-account apps have one connection for the account; for user-level apps the viewer's
//!   own connection is "theirs", the other users' connections are listed under H3.
//! - **Status.** Only apps that report their status show one (the H2 column and the overview's
//!   status); multi-account apps show none on the home (read it on their own page).
//! - **Attention** follows [`Connection::attention`], as notifications do: what the engine knows
//!   by itself (a user's disconnect, a grant past its expiry by the caller's clock) needs
//!   attention for every app and appears in H1, H6, H5 and O1; what only the app can report (its
//!   errors, its own status) exists only for apps that report status.
//! - **Needs attention order (H1)**, most urgent first: connection error (data is failing now,
//!   with known steps), then expired (the grant lapsed: every call fails until reauthenticated),
//!   then disconnected (an explicit, usually deliberate state); within a kind, the longest-standing
//!   problem first; then app name, app id and user id.
//! - **My apps (H2)** lists installed apps by name. For user-level apps with several connected
//!   users, install date and installed by are those of the first install of any user; user-level
//!   and multi-account apps show no last activity date.
//! - **Summary (H5)** counts the rows of My apps except multi-account apps. An update is
//!   available when the app reported one or its current version requires scopes never granted.
//!   A row of an app without status that needs attention (disconnected, expired by the clock)
//!   counts as such, not as without status.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{Permission, UserId};
use crate::catalog::{App, AppId, AppLevel, Distribution};
use crate::connection::{Connection, ConnectionState};
use crate::engine::Engine;
use crate::event::{ActivityType, Event};

/// What a user should do about a connection that needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequiredAction {
    /// Reconnect the app (disconnected).
    Reconnect,
    /// Reauthenticate the app (expired grant).
    Reauthenticate,
    /// Follow the resolution steps of the error.
    FollowResolutionSteps,
}

/// A connection that needs attention (H1), with what to show and do (H6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttentionItem {
    /// The app.
    pub app: AppId,
    /// The app's name.
    pub app_name: String,
    /// The connection's user, for user-level apps.
    pub user: Option<UserId>,
    /// Error, expired or disconnected.
    pub state: ConnectionState,
    /// Since when.
    pub since: DateTime<Utc>,
    /// What to do.
    pub action: RequiredAction,
    /// The error code, for connection errors.
    pub error_code: Option<String>,
    /// Message for humans.
    pub message: String,
    /// Steps that resolve the problem.
    pub resolution_steps: Vec<String>,
}

/// A row of My apps (H2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAppRow {
    /// The app.
    pub app: AppId,
    /// The app's name.
    pub name: String,
    /// The provider.
    pub provider: String,
    /// Its level.
    pub level: AppLevel,
    /// Its status; `None` for apps that do not report one and for multi-account apps.
    pub status: Option<ConnectionState>,
    /// Install date (the first install of any user, for user-level apps).
    pub installed_at: DateTime<Utc>,
    /// Who installed it (the first installer, for user-level apps).
    pub installed_by: Option<UserId>,
    /// Last activity; `None` for user-level and multi-account apps.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// An update is available.
    pub update_available: bool,
    /// Installed connections of the app (users, for user-level apps).
    pub connections: usize,
}

/// A row of Other apps installed by users in my organisation (H3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherAppRow {
    /// The app.
    pub app: AppId,
    /// The app's name.
    pub name: String,
    /// The number of connections.
    pub connections: usize,
    /// The users behind them, by id.
    pub users: Vec<UserId>,
    /// The app has a marketplace listing to open.
    pub can_open_listing: bool,
    /// The viewer may install it for themselves (I1).
    pub can_install_yourself: bool,
}

/// The app summary (H5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Apps counted (My apps without multi-account apps).
    pub total: usize,
    /// Connected.
    pub connected: usize,
    /// Disconnected.
    pub disconnected: usize,
    /// Expired.
    pub expired: usize,
    /// In error.
    pub error: usize,
    /// Not reporting a status and needing no attention.
    pub without_status: usize,
    /// With an update or upgrade available.
    pub update_available: usize,
}

/// The Connections home for one viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsHome {
    /// Who sees it.
    pub viewer: UserId,
    /// When.
    pub as_of: DateTime<Utc>,
    /// H1 and H6: what needs attention, most urgent first.
    pub needs_attention: Vec<AttentionItem>,
    /// H2.
    pub my_apps: Vec<MyAppRow>,
    /// H3.
    pub other_users_apps: Vec<OtherAppRow>,
    /// H5.
    pub summary: Summary,
}

/// One connection on an app's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    /// The connection's user, for user-level apps.
    pub user: Option<UserId>,
    /// State at the view's instant; for apps that do not report status, only what the engine
    /// knows by itself (disconnected, expired by the clock), else connected.
    pub state: ConnectionState,
    /// Latest install.
    pub installed_at: DateTime<Utc>,
    /// Who made the latest install.
    pub installed_by: Option<UserId>,
    /// Granted scopes.
    pub granted_scopes: BTreeSet<String>,
    /// Sync settings.
    pub sync_settings: Vec<(String, bool)>,
    /// Last activity.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Grant expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Update available.
    pub update_available: bool,
}

/// Filter of an app's log (O2): empty lists match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppLogFilter {
    /// Activity types to keep.
    #[serde(default)]
    pub types: Vec<ActivityType>,
    /// Acting users to keep.
    #[serde(default)]
    pub users: Vec<UserId>,
}

/// One app's overview page (O1, O2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppOverview {
    /// The app's entry.
    pub app: App,
    /// Status: the account's connection, or the viewer's for user-level apps; `None` when the
    /// app does not report status or has no such connection.
    pub status: Option<ConnectionState>,
    /// Installed connections.
    pub connections: Vec<ConnectionView>,
    /// O1: the alerts and errors of this app, most urgent first.
    pub alerts: Vec<AttentionItem>,
    /// O2: the app's log, newest first, filtered.
    pub log: Vec<Event>,
}

fn urgency(state: ConnectionState) -> u8 {
    match state {
        ConnectionState::Error => 0,
        ConnectionState::Expired => 1,
        ConnectionState::Disconnected => 2,
        ConnectionState::Connected | ConnectionState::Uninstalled => 3,
    }
}

/// The attention item for a connection, if it needs one by [`Connection::attention`], the one
/// rule every view and notification shares.
fn attention(app: &App, connection: &Connection, now: DateTime<Utc>) -> Option<AttentionItem> {
    let state = connection.attention(app.reports_status, now)?;
    let (action, message, steps, code) = match state {
        ConnectionState::Error => {
            let info = connection.error()?;
            (
                RequiredAction::FollowResolutionSteps,
                info.message.clone(),
                info.resolution_steps.clone(),
                Some(info.code.clone()),
            )
        }
        ConnectionState::Expired => (
            RequiredAction::Reauthenticate,
            format!("the connection to {} expired", app.name),
            vec![format!("reauthenticate {} to renew its access", app.name)],
            None,
        ),
        ConnectionState::Disconnected => (
            RequiredAction::Reconnect,
            format!("{} is disconnected", app.name),
            vec![format!("reconnect {} to resume syncing", app.name)],
            None,
        ),
        ConnectionState::Connected | ConnectionState::Uninstalled => return None,
    };
    Some(AttentionItem {
        app: app.id.clone(),
        app_name: app.name.clone(),
        user: connection.key.user.clone(),
        state,
        since: connection.state_since(now),
        action,
        error_code: code,
        message,
        resolution_steps: steps,
    })
}

/// The state a view shows for a connection: what only the app can report exists only for apps
/// that report status ([`Connection::attention`]).
fn shown_state(app: &App, connection: &Connection, now: DateTime<Utc>) -> ConnectionState {
    if app.reports_status {
        connection.state_at(now)
    } else {
        connection.attention(false, now).unwrap_or(ConnectionState::Connected)
    }
}

fn sort_by_urgency(items: &mut [AttentionItem]) {
    items.sort_by(|a, b| {
        (urgency(a.state), a.since, &a.app_name, &a.app, &a.user).cmp(&(
            urgency(b.state),
            b.since,
            &b.app_name,
            &b.app,
            &b.user,
        ))
    });
}

/// The Connections home seen by `viewer` at `now`: what needs attention (H1, H6), the viewer's
/// apps (H2), the apps other users connected (H3) and the summary (H5). A pure function of the
/// engine's directory and state and of `now`, which decides which grants have expired.
///
/// # Errors
/// [`crate::lifecycle::LifecycleError::UnknownUser`] when the viewer is unknown.
///
/// # Example
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use connected_apps::{Account, App, AppLevel, Directory, Distribution, Engine, User};
/// # let mut directory = Directory::new(Account {
/// #     id: "1234".into(), name: "Acme".into(), default_language: "en".into(),
/// #     time_zone: "Europe/Paris".into(), subscriptions: Default::default(), api_limit_increases: 0,
/// # })?;
/// # for (id, super_admin) in [("ada", true), ("bob", false)] {
/// #     directory.add_user(User {
/// #         id: id.into(), name: id.into(), email: format!("{id}@acme.test"), active: true, super_admin,
/// #         permissions: Default::default(), platform_user_id: None,
/// #     })?;
/// # }
/// # directory.add_app(App {
/// #     id: "zoom".into(), name: "Zoom".into(), provider: "Zoom".into(), built_by_vendor_platform: false,
/// #     distribution: Distribution::Marketplace, level: AppLevel::AccountLevel, reports_status: true,
/// #     scopes: vec![], features: vec![], workflow_actions: vec![], post_uninstall_steps: vec![],
/// # })?;
/// # let mut engine = Engine::new(directory);
/// use connected_apps::views::RequiredAction;
/// use connected_apps::{Actor, Command, ConnectionState, connections_home};
///
/// let ada = Actor::User("ada".into());
/// let installed_at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().ok_or("no such instant")?;
/// let disconnected_at = Utc.with_ymd_and_hms(2026, 3, 5, 17, 30, 0).single().ok_or("no such instant")?;
/// let install = Command::Install { app: "zoom".into(), scopes: None, expires_at: None, request_admin: None };
/// engine.execute(&ada, install, installed_at)?;
/// engine.execute(&ada, Command::Disconnect { app: "zoom".into(), user: None }, disconnected_at)?;
///
/// let home = connections_home(&engine, &"ada".into(), disconnected_at)?;
/// let item = home.needs_attention.first().ok_or("zoom needs attention")?;
/// assert_eq!((item.app.as_str(), item.state), ("zoom", ConnectionState::Disconnected));
/// assert_eq!((item.since, item.action), (disconnected_at, RequiredAction::Reconnect));
/// assert_eq!((home.summary.connected, home.summary.disconnected), (0, 1));
/// assert_eq!(home.my_apps.first().map(|row| row.installed_at), Some(installed_at));
///
/// // A viewer the directory does not know is refused.
/// assert!(connections_home(&engine, &"eve".into(), disconnected_at).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connections_home(
    engine: &Engine,
    viewer: &UserId,
    now: DateTime<Utc>,
) -> Result<ConnectionsHome, crate::lifecycle::LifecycleError> {
    let directory = engine.directory();
    let viewer_user =
        directory.user(viewer).ok_or_else(|| crate::lifecycle::LifecycleError::UnknownUser(viewer.clone()))?;
    let viewer_may_install = viewer_user.active && viewer_user.has(Permission::AppMarketplaceAccess);
    let state = engine.state();

    let mut needs_attention = Vec::new();
    let mut my_apps = Vec::new();
    let mut other_users_apps = Vec::new();
    let mut summary = Summary::default();

    for app in directory.apps() {
        let installed: Vec<&Connection> = state.connections_of(&app.id).filter(|c| c.is_installed()).collect();
        let Some(first) = installed.iter().min_by_key(|c| (c.first_installed_at, &c.key.user)) else {
            continue;
        };
        let own = match app.level {
            AppLevel::UserLevel => installed.iter().find(|c| c.key.user.as_ref() == Some(viewer)).copied(),
            AppLevel::AccountLevel | AppLevel::MultiAccount => Some(*first),
        };
        let Some(own) = own else {
            let users: Vec<UserId> = installed.iter().filter_map(|c| c.key.user.clone()).collect();
            other_users_apps.push(OtherAppRow {
                app: app.id.clone(),
                name: app.name.clone(),
                connections: users.len(),
                users,
                can_open_listing: app.distribution == Distribution::Marketplace,
                can_install_yourself: viewer_may_install,
            });
            continue;
        };
        let status = (app.reports_status && app.level != AppLevel::MultiAccount).then(|| own.state_at(now));
        // A new app version asking for scopes never granted is an update to take (O3, H5).
        let update_available = own.update_available || state.current_app(app).has_pending_scopes(&own.granted_scopes);
        if app.level != AppLevel::MultiAccount {
            needs_attention.extend(attention(app, own, now));
            summary.total += 1;
            // What the engine knows by itself counts for every app; the rest only for apps
            // that report status.
            let known = own.attention(app.reports_status, now).or(status);
            match known {
                None => summary.without_status += 1,
                Some(ConnectionState::Connected) => summary.connected += 1,
                Some(ConnectionState::Disconnected) => summary.disconnected += 1,
                Some(ConnectionState::Expired) => summary.expired += 1,
                Some(ConnectionState::Error) => summary.error += 1,
                Some(ConnectionState::Uninstalled) => {}
            }
            summary.update_available += usize::from(update_available);
        }
        let (installed_at, installed_by) = match app.level {
            AppLevel::UserLevel => (first.first_installed_at, first.first_installed_by.clone()),
            AppLevel::AccountLevel | AppLevel::MultiAccount => (own.installed_at, own.installed_by.clone()),
        };
        my_apps.push(MyAppRow {
            app: app.id.clone(),
            name: app.name.clone(),
            provider: app.provider.clone(),
            level: app.level,
            status,
            installed_at,
            installed_by,
            last_activity_at: (app.level == AppLevel::AccountLevel).then_some(own.last_activity_at).flatten(),
            update_available,
            connections: installed.len(),
        });
    }
    sort_by_urgency(&mut needs_attention);
    my_apps.sort_by(|a, b| (&a.name, &a.app).cmp(&(&b.name, &b.app)));
    other_users_apps.sort_by(|a, b| (&a.name, &a.app).cmp(&(&b.name, &b.app)));
    Ok(ConnectionsHome { viewer: viewer.clone(), as_of: now, needs_attention, my_apps, other_users_apps, summary })
}

/// The events of one app, newest first, filtered by activity type and acting user (O2).
#[must_use]
pub fn app_log(engine: &Engine, app: &AppId, filter: &AppLogFilter) -> Vec<Event> {
    let log = engine.events();
    // The app's rows are found on the dense app-code column, not by comparing ids.
    let Some(code) = log.apps.code(app) else { return Vec::new() };
    let positions = log.app.iter().enumerate().rev().filter(|(_, c)| **c == code).map(|(p, _)| p);
    positions
        .filter_map(|p| log.get(p))
        .filter(|e| filter.types.is_empty() || filter.types.contains(&e.kind.activity_type()))
        .filter(|e| filter.users.is_empty() || e.actor.is_some_and(|a| filter.users.contains(a)))
        .map(|e| e.to_event())
        .collect()
}

/// One app's overview at `now`; for user-level apps the status is the viewer's connection.
///
/// # Errors
/// [`crate::lifecycle::LifecycleError::UnknownApp`] or [`crate::lifecycle::LifecycleError::UnknownUser`].
pub fn app_overview(
    engine: &Engine,
    app: &AppId,
    viewer: Option<&UserId>,
    filter: &AppLogFilter,
    now: DateTime<Utc>,
) -> Result<AppOverview, crate::lifecycle::LifecycleError> {
    let directory = engine.directory();
    let entry = directory.app(app).ok_or_else(|| crate::lifecycle::LifecycleError::UnknownApp(app.clone()))?;
    // The app's latest version (O3): its scopes, features and actions as they are now.
    let entry = engine.state().current_app(entry);
    if let Some(v) = viewer {
        directory.user(v).ok_or_else(|| crate::lifecycle::LifecycleError::UnknownUser(v.clone()))?;
    }
    let installed: Vec<&Connection> = engine.state().connections_of(app).filter(|c| c.is_installed()).collect();
    let status_connection = match entry.level {
        AppLevel::UserLevel => installed.iter().find(|c| c.key.user.as_ref() == viewer),
        AppLevel::AccountLevel | AppLevel::MultiAccount => installed.first(),
    };
    let status = status_connection.filter(|_| entry.reports_status).map(|c| c.state_at(now));
    let mut alerts: Vec<AttentionItem> = installed.iter().filter_map(|c| attention(entry, c, now)).collect();
    sort_by_urgency(&mut alerts);
    let connections = installed
        .iter()
        .map(|c| ConnectionView {
            user: c.key.user.clone(),
            state: shown_state(entry, c, now),
            installed_at: c.installed_at,
            installed_by: c.installed_by.clone(),
            granted_scopes: c.granted_scopes.clone(),
            sync_settings: c.sync_settings.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            last_activity_at: c.last_activity_at,
            expires_at: c.expires_at,
            update_available: c.update_available || entry.has_pending_scopes(&c.granted_scopes),
        })
        .collect();
    Ok(AppOverview { app: entry.clone(), status, connections, alerts, log: app_log(engine, app, filter) })
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! The Connections home and the app overview (H1–H3, H5, H6, O1, O2) and their special rules.

use std::collections::BTreeSet;

use connected_apps::views::{AppLogFilter, RequiredAction};
use connected_apps::{
    ActivityType, Actor, App, AppLevel, Command, ConnectionErrorInfo, ConnectionState, Directory, Engine,
    LifecycleError, Permission, User, UserId, app_log, app_overview, connections_home,
};

use crate::common;
use crate::common::{account, t};

fn app(id: &str, level: AppLevel, reports_status: bool) -> App {
    App { reports_status, ..common::app(id, level) }
}

fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    for (id, admin) in [("ann", true), ("ben", false), ("cid", false), ("dee", false)] {
        d.add_user(User {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@x.test"),
            active: true,
            super_admin: admin,
            permissions: if admin { BTreeSet::new() } else { [Permission::AppMarketplaceAccess].into() },
            platform_user_id: None,
        })
        .unwrap();
    }
    for (id, level, reports) in [
        ("a-err", AppLevel::AccountLevel, true),
        ("b-exp", AppLevel::AccountLevel, true),
        ("c-disc", AppLevel::AccountLevel, true),
        ("d-old-err", AppLevel::AccountLevel, true),
        ("e-quiet", AppLevel::AccountLevel, false),
        ("mail", AppLevel::UserLevel, true),
        ("cal", AppLevel::UserLevel, true),
        ("social", AppLevel::MultiAccount, true),
    ] {
        d.add_app(app(id, level, reports)).unwrap();
    }
    Engine::new(d)
}

fn by(id: &str) -> Actor {
    Actor::User(UserId::from(id))
}

fn install(e: &mut Engine, who: &str, app: &str, h: i64, expires: Option<i64>) {
    let cmd = Command::Install { app: app.into(), scopes: None, expires_at: expires.map(t), request_admin: None };
    e.execute(&by(who), cmd, t(h)).unwrap();
}

fn fail(e: &mut Engine, app: &str, code: &str, h: i64) {
    let error = ConnectionErrorInfo {
        code: code.into(),
        message: format!("{app} failed"),
        resolution_steps: vec!["fix it".into()],
    };
    e.execute(&Actor::System, Command::ReportError { app: app.into(), user: None, error }, t(h)).unwrap();
}

/// A home with every kind of problem, two user-level apps and a multi-account app.
fn scenario() -> Engine {
    let mut e = engine();
    install(&mut e, "ann", "a-err", 0, None);
    install(&mut e, "ann", "b-exp", 0, Some(20));
    install(&mut e, "ann", "c-disc", 0, None);
    install(&mut e, "ann", "d-old-err", 0, None);
    install(&mut e, "ann", "e-quiet", 0, None);
    install(&mut e, "ben", "mail", 1, None);
    install(&mut e, "ann", "mail", 2, None);
    install(&mut e, "cid", "mail", 3, None);
    install(&mut e, "ben", "cal", 4, None);
    install(&mut e, "dee", "cal", 5, None);
    install(&mut e, "ann", "social", 6, None);
    fail(&mut e, "d-old-err", "OLD", 7);
    e.execute(&by("ann"), Command::Disconnect { app: "c-disc".into(), user: None }, t(8)).unwrap();
    fail(&mut e, "a-err", "NEW", 9);
    e.execute(&by("ann"), Command::Disconnect { app: "e-quiet".into(), user: None }, t(10)).unwrap();
    e.execute(
        &Actor::System,
        Command::ReportError {
            app: "social".into(),
            user: None,
            error: ConnectionErrorInfo {
                code: "S".into(),
                message: "page token lost".into(),
                resolution_steps: vec![],
            },
        },
        t(11),
    )
    .unwrap();
    for app in ["a-err", "b-exp", "e-quiet", "social"] {
        e.execute(&Actor::System, Command::ReportActivity { app: app.into(), user: None }, t(12)).unwrap();
    }
    e.execute(&Actor::System, Command::ReportActivity { app: "mail".into(), user: Some("ann".into()) }, t(12)).unwrap();
    e.execute(
        &Actor::System,
        Command::ReportUpdateAvailability { app: "b-exp".into(), user: None, available: true },
        t(13),
    )
    .unwrap();
    e
}

#[test]
fn needs_attention_is_ordered_error_then_expired_then_disconnected_oldest_first() {
    let e = scenario();
    let home = connections_home(&e, &"ann".into(), t(30)).unwrap();
    let order: Vec<(&str, ConnectionState)> = home.needs_attention.iter().map(|i| (i.app.as_str(), i.state)).collect();
    assert_eq!(
        order,
        [
            ("d-old-err", ConnectionState::Error),
            ("a-err", ConnectionState::Error),
            ("b-exp", ConnectionState::Expired),
            ("c-disc", ConnectionState::Disconnected),
            ("e-quiet", ConnectionState::Disconnected),
        ],
        "a disconnect counts for apps that do not report status too; multi-account apps never appear"
    );
    let expired = &home.needs_attention[2];
    assert_eq!(expired.since, t(20), "expired by the clock at the grant's expiry");
    assert_eq!(expired.action, RequiredAction::Reauthenticate);
    assert_eq!(home.needs_attention[3].action, RequiredAction::Reconnect);
    let err = &home.needs_attention[1];
    assert_eq!(
        (err.action, err.error_code.as_deref(), err.resolution_steps.clone()),
        (RequiredAction::FollowResolutionSteps, Some("NEW"), vec!["fix it".to_string()])
    );
    // Before the expiry instant the app is still connected.
    let earlier = connections_home(&e, &"ann".into(), t(19)).unwrap();
    assert!(earlier.needs_attention.iter().all(|i| i.app.as_str() != "b-exp"));
}

#[test]
fn my_apps_rules_first_install_no_status_no_last_activity() {
    let e = scenario();
    let home = connections_home(&e, &"ann".into(), t(30)).unwrap();
    let row = |id: &str| home.my_apps.iter().find(|r| r.app.as_str() == id).unwrap();
    // User-level app with several users: the first install of any user.
    let mail = row("mail");
    assert_eq!((mail.installed_at, mail.installed_by.clone(), mail.connections), (t(1), Some("ben".into()), 3));
    assert_eq!(mail.last_activity_at, None, "user-level apps show no last activity");
    assert_eq!(mail.status, Some(ConnectionState::Connected));
    // Multi-account apps: no status, no last activity.
    let social = row("social");
    assert_eq!((social.status, social.last_activity_at), (None, None));
    // Apps that do not report status show none.
    assert_eq!(row("e-quiet").status, None);
    assert_eq!(row("a-err").last_activity_at, Some(t(12)));
    // Ann has no connection of "cal": it is listed under other users' apps, not hers.
    assert!(home.my_apps.iter().all(|r| r.app.as_str() != "cal"));
    let names: Vec<&str> = home.my_apps.iter().map(|r| r.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn other_users_apps_count_connections_and_list_the_users() {
    let e = scenario();
    let home = connections_home(&e, &"ann".into(), t(30)).unwrap();
    assert_eq!(home.other_users_apps.len(), 1);
    let cal = &home.other_users_apps[0];
    assert_eq!((cal.app.as_str(), cal.connections), ("cal", 2));
    assert_eq!(cal.users, vec![UserId::from("ben"), UserId::from("dee")]);
    assert!(cal.can_open_listing && cal.can_install_yourself);
    // For Ben the picture flips: cal is his, and mail is his too.
    let ben = connections_home(&e, &"ben".into(), t(30)).unwrap();
    assert!(ben.other_users_apps.is_empty());
}

#[test]
fn summary_leaves_out_multi_account_apps() {
    let e = scenario();
    let s = connections_home(&e, &"ann".into(), t(30)).unwrap().summary;
    assert_eq!(s.total, 6, "a-err b-exp c-disc d-old-err e-quiet mail");
    assert_eq!(
        (s.connected, s.disconnected, s.expired, s.error, s.without_status),
        (1, 2, 1, 2, 0),
        "e-quiet reports no status but its disconnect counts"
    );
    assert_eq!(s.update_available, 1);
}

#[test]
fn overview_shows_multi_account_status_alerts_and_a_filtered_log() {
    let e = scenario();
    let social = app_overview(&e, &"social".into(), None, &AppLogFilter::default(), t(30)).unwrap();
    assert_eq!(social.status, Some(ConnectionState::Error), "multi-account status is read on its own page");
    assert_eq!(social.alerts.len(), 1);
    assert_eq!(social.alerts[0].message, "page token lost");
    let mail = app_overview(&e, &"mail".into(), Some(&"cid".into()), &AppLogFilter::default(), t(30)).unwrap();
    assert_eq!(mail.connections.len(), 3);
    assert_eq!(mail.status, Some(ConnectionState::Connected));
    let log = app_log(
        &e,
        &"mail".into(),
        &AppLogFilter { types: vec![ActivityType::Installed], users: vec!["ann".into(), "cid".into()] },
    );
    let who: Vec<Option<UserId>> = log.iter().map(|ev| ev.actor.clone()).collect();
    assert_eq!(who, [Some("cid".into()), Some("ann".into())], "newest first, filtered by type and user");
    assert!(
        app_log(&e, &"mail".into(), &AppLogFilter { types: vec![ActivityType::Uninstalled], users: vec![] }).is_empty()
    );
    assert_eq!(app_log(&e, &"mail".into(), &AppLogFilter::default()).len(), 4);
}

#[test]
fn unknown_viewer_or_app_is_refused() {
    let e = scenario();
    assert_eq!(
        connections_home(&e, &"nobody".into(), t(30)).unwrap_err(),
        LifecycleError::UnknownUser("nobody".into())
    );
    let err = app_overview(&e, &"nope".into(), None, &AppLogFilter::default(), t(30)).unwrap_err();
    assert_eq!(err, LifecycleError::UnknownApp("nope".into()));
}

/// The one rule (`Connection::attention`): what the engine knows by itself (a disconnect, a
/// grant past its expiry by the caller's clock) needs attention for every app, in H1, H5, H6 and
/// O1 alike; what only the app can report is refused as a command for apps that do not report
/// status, and never shown when it arrives as history.
#[test]
fn apps_without_status_need_attention_only_for_what_the_engine_knows() {
    let mut e = engine();
    install(&mut e, "ann", "e-quiet", 0, Some(20));
    let home = |e: &Engine, h: i64| connections_home(e, &"ann".into(), t(h)).unwrap();
    // Connected, grant not yet past: nothing to do, no status, counted as without status.
    let before = home(&e, 19);
    assert!(before.needs_attention.is_empty());
    assert_eq!((before.summary.without_status, before.summary.expired), (1, 0));
    assert_eq!(before.my_apps[0].status, None);
    // At the grant's expiry, by the caller's clock: expired, with the reauthenticate action.
    let after = home(&e, 20);
    let item = &after.needs_attention[0];
    assert_eq!((item.app.as_str(), item.state, item.since), ("e-quiet", ConnectionState::Expired, t(20)));
    assert_eq!(item.action, RequiredAction::Reauthenticate);
    assert_eq!((after.summary.without_status, after.summary.expired), (0, 1));
    assert_eq!(after.my_apps[0].status, None, "the status column stays blank");
    let overview = app_overview(&e, &"e-quiet".into(), None, &AppLogFilter::default(), t(20)).unwrap();
    assert_eq!((overview.status, overview.alerts.len()), (None, 1));
    assert_eq!(overview.alerts[0], after.needs_attention[0], "O1 and H1 show the same item");
    // What only the app can report is refused, and nothing changes.
    let json = e.to_json().unwrap();
    let error = ConnectionErrorInfo { code: "X".into(), message: "m".into(), resolution_steps: vec![] };
    for (command, activity) in [
        (Command::ReportError { app: "e-quiet".into(), user: None, error }, ActivityType::ConnectionError),
        (Command::ReportExpired { app: "e-quiet".into(), user: None }, ActivityType::ConnectionExpired),
        (Command::ReportConnected { app: "e-quiet".into(), user: None }, ActivityType::Connected),
    ] {
        let err = e.execute(&Actor::System, command, t(21)).unwrap_err();
        assert_eq!(err, LifecycleError::StatusNotReported { app: "e-quiet".into(), activity });
        assert_eq!(err.kind(), connected_apps::ErrorKind::InvalidInput);
        assert_eq!(e.to_json().unwrap(), json);
    }
    // The same reports about an app that reports status are accepted.
    install(&mut e, "ann", "a-err", 22, None);
    e.execute(&Actor::System, Command::ReportExpired { app: "a-err".into(), user: None }, t(23)).unwrap();
    // A disconnect by a user: needs attention (reconnect); a reconnect clears it.
    e.execute(&by("ann"), Command::Reconnect { app: "e-quiet".into(), user: None, expires_at: None }, t(24)).unwrap();
    e.execute(&by("ann"), Command::Disconnect { app: "e-quiet".into(), user: None }, t(25)).unwrap();
    let quiet = |h: &connected_apps::ConnectionsHome| {
        h.needs_attention.iter().filter(|i| i.app.as_str() == "e-quiet").map(|i| i.action).collect::<Vec<_>>()
    };
    assert_eq!(quiet(&home(&e, 26)), [RequiredAction::Reconnect]);
    e.execute(&by("ann"), Command::Reconnect { app: "e-quiet".into(), user: None, expires_at: None }, t(27)).unwrap();
    assert!(quiet(&home(&e, 28)).is_empty());
    assert_eq!(home(&e, 28).summary.without_status, 1);
    // The same report arriving as history (an import, a replica) is kept but never shown.
    let id = connected_apps::EventId(e.events().max_id().unwrap().0 + 1);
    let kind = connected_apps::EventKind::ConnectionError(ConnectionErrorInfo {
        code: "X".into(),
        message: "m".into(),
        resolution_steps: vec![],
    });
    e.append(connected_apps::Event { id, at: t(29), app: "e-quiet".into(), user: None, actor: None, kind }).unwrap();
    assert!(quiet(&home(&e, 30)).is_empty());
    assert_eq!(home(&e, 30).summary.without_status, 1);
    let overview = app_overview(&e, &"e-quiet".into(), None, &AppLogFilter::default(), t(30)).unwrap();
    assert!(overview.alerts.is_empty());
    assert_eq!((overview.status, overview.connections[0].state), (None, ConnectionState::Connected));
    // What the engine knows after it counts again.
    e.execute(&by("ann"), Command::Disconnect { app: "e-quiet".into(), user: None }, t(31)).unwrap();
    assert_eq!(quiet(&home(&e, 32)), [RequiredAction::Reconnect]);
    let overview = app_overview(&e, &"e-quiet".into(), None, &AppLogFilter::default(), t(32)).unwrap();
    assert_eq!(overview.connections[0].state, ConnectionState::Disconnected);
    // A report arriving as history over a user's disconnect records nothing: still disconnected
    // on H1, H5 and O1.
    let id = connected_apps::EventId(e.events().max_id().unwrap().0 + 1);
    let kind = connected_apps::EventKind::Connected;
    e.append(connected_apps::Event { id, at: t(33), app: "e-quiet".into(), user: None, actor: None, kind }).unwrap();
    assert_eq!(quiet(&home(&e, 34)), [RequiredAction::Reconnect]);
    assert_eq!(home(&e, 34).summary.disconnected, 1);
    let overview = app_overview(&e, &"e-quiet".into(), None, &AppLogFilter::default(), t(34)).unwrap();
    assert_eq!((overview.connections[0].state, overview.alerts.len()), (ConnectionState::Disconnected, 1));
}

#[test]
fn connection_columns_equal_the_connections_row_by_row_with_their_state_at_now() {
    let e = scenario();
    let state = e.state();
    for now in [t(19), t(30)] {
        let c = state.connection_columns(now);
        let rows: Vec<_> = state.connections().collect();
        assert_eq!(c.len(), 11);
        assert_eq!(c.len(), rows.len());
        let name = |code: u32| c.user_dictionary.get(code as usize).map(|u| u.as_str());
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(c.app_dictionary[c.apps[i] as usize], &row.key.app);
            assert_eq!(name(c.users[i]), row.key.user.as_ref().map(UserId::as_str));
            assert_eq!(name(c.installed_by[i]), row.installed_by.as_ref().map(UserId::as_str));
            assert_eq!(c.states[i], row.state_at(now));
            assert_eq!(c.first_installed_at_micros[i], row.first_installed_at.timestamp_micros());
            assert_eq!(c.installed_at_micros[i], row.installed_at.timestamp_micros());
            assert_eq!(c.expires_at_micros[i], row.expires_at.map(|x| x.timestamp_micros()));
            assert_eq!(c.last_activity_at_micros[i], row.last_activity_at.map(|x| x.timestamp_micros()));
            assert_eq!(c.health_since_micros[i], row.health_since.timestamp_micros());
            assert_eq!(c.update_available[i], row.update_available);
            assert_eq!(c.granted_scopes[i], row.granted_scopes.len() as u64);
        }
        let apps: Vec<&str> = c.app_dictionary.iter().map(|a| a.as_str()).collect();
        assert_eq!(apps, ["a-err", "b-exp", "c-disc", "cal", "d-old-err", "e-quiet", "mail", "social"]);
        let mail_users: Vec<_> =
            (0..c.len()).filter(|&i| apps[c.apps[i] as usize] == "mail").map(|i| name(c.users[i])).collect();
        assert_eq!(mail_users, [Some("ann"), Some("ben"), Some("cid")]);
        // The account-level connections have no user: the core's NO_USER code.
        assert_eq!(c.users[0], connected_apps::ingest::NO_USER);
    }
    // The grant of b-exp runs out at t(20): connected just before, expired from then on.
    let b = |now| state.connection_columns(now).states[1];
    assert_eq!((b(t(19)), b(t(20))), (ConnectionState::Connected, ConnectionState::Expired));
    let empty = engine();
    assert!(empty.state().connection_columns(t(30)).is_empty());
    assert_eq!(empty.state().connection_columns(t(30)), connected_apps::ConnectionColumns::default());
}

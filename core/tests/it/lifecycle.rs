#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Lifecycle commands (I1–I9): each success, each refusal, and that a refusal changes nothing.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use connected_apps::{
    ActivityType, Actor, AppLevel, Command, ConnectionErrorInfo, ConnectionKey, ConnectionState, Directory, Engine,
    ErrorKind, EventKind, LifecycleError, Outcome, Permission, Team, UserId,
};

use crate::common::{account, app, t, user};

/// admin (super admin), mia (marketplace access), bob (no permission), zed (deactivated).
fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, false, true)).unwrap();
    d.add_user(user("mia", false, true, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    d.add_user(user("zed", true, true, false)).unwrap();
    d.add_team(Team { id: "sales".into(), name: "Sales".into(), members: vec!["mia".into(), "bob".into()] }).unwrap();
    let mut sf = app("salesforce", AppLevel::AccountLevel);
    sf.post_uninstall_steps = vec!["remove the package in salesforce".into()];
    d.add_app(sf).unwrap();
    d.add_app(app("gmail", AppLevel::UserLevel)).unwrap();
    d.add_app(app("social", AppLevel::MultiAccount)).unwrap();
    Engine::new(d)
}

fn who(id: &str) -> Actor {
    Actor::User(UserId::from(id))
}

fn install(app: &str) -> Command {
    Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None }
}

/// Runs a command that must fail, and checks the engine did not change.
fn refused(engine: &mut Engine, actor: &Actor, command: Command, now: DateTime<Utc>) -> LifecycleError {
    let before = engine.to_json().unwrap();
    let err = engine.execute(actor, command, now).expect_err("command should be refused");
    assert_eq!(engine.to_json().unwrap(), before, "a refused command changed the engine");
    err
}

#[test]
fn install_by_permitted_users_records_consent_to_required_scopes() {
    let mut e = engine();
    let out = e.execute(&who("mia"), install("salesforce"), t(0)).unwrap();
    assert!(matches!(out, Outcome::Applied { .. }));
    let c = e.state().connection(&ConnectionKey { app: "salesforce".into(), user: None }).unwrap();
    assert_eq!(c.granted_scopes, BTreeSet::from(["crm.objects.contacts.read".to_string()]));
    assert_eq!(c.installed_by, Some("mia".into()));
    assert_eq!(c.state_at(t(1)), ConnectionState::Connected);
    assert_eq!(e.events().get(0).unwrap().kind.activity_type(), ActivityType::Installed);
    // A super admin without the explicit permission may install too (I1).
    e.execute(&who("admin"), install("social"), t(1)).unwrap();
}

#[test]
fn install_with_explicit_consent_includes_conditional_and_optional_scopes() {
    let mut e = engine();
    let scopes: BTreeSet<String> =
        ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.deals.read"].map(String::from).into();
    let cmd = Command::Install {
        app: "salesforce".into(),
        scopes: Some(scopes.clone()),
        expires_at: None,
        request_admin: None,
    };
    e.execute(&who("admin"), cmd, t(0)).unwrap();
    let c = e.state().connection(&ConnectionKey { app: "salesforce".into(), user: None }).unwrap();
    assert_eq!(c.granted_scopes, scopes);
}

#[test]
fn install_refuses_missing_required_or_undeclared_scopes() {
    let mut e = engine();
    let only_optional: BTreeSet<String> = ["crm.objects.deals.read".to_string()].into();
    let cmd = Command::Install {
        app: "salesforce".into(),
        scopes: Some(only_optional),
        expires_at: None,
        request_admin: None,
    };
    let err = refused(&mut e, &who("admin"), cmd, t(0));
    assert!(
        matches!(err, LifecycleError::MissingRequiredScope { ref scope, .. } if scope == "crm.objects.contacts.read")
    );
    let bogus: BTreeSet<String> =
        ["crm.objects.contacts.read".to_string(), "crm.objects.unicorns.write".to_string()].into();
    let cmd = Command::Install { app: "salesforce".into(), scopes: Some(bogus), expires_at: None, request_admin: None };
    let err = refused(&mut e, &who("admin"), cmd, t(0));
    assert_eq!(err.to_string(), "app \"salesforce\" does not declare scope \"crm.objects.unicorns.write\"");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn install_without_permission_yields_a_request_for_an_admin_queued_as_one_event() {
    let mut e = engine();
    let before = e.to_json().unwrap();
    let out = e.execute(&who("bob"), install("salesforce"), t(0)).unwrap();
    let Outcome::InstallRequested(req) = out else { panic!("expected an install request, got {out:?}") };
    assert_eq!(req.requested_by, UserId::from("bob"));
    assert_eq!(req.admin, UserId::from("admin"), "the first active super admin by id");
    assert_eq!(req.admin_email, "admin@example.com");
    assert_eq!(req.app_name, "SALESFORCE");
    // The request is queued (G2): one access-request event, no connection.
    assert_ne!(e.to_json().unwrap(), before);
    assert_eq!(e.events().len(), 1);
    let queued = e.events().last().unwrap();
    assert_eq!((queued.id, queued.kind.activity_type()), (req.request, connected_apps::ActivityType::AccessRequested));
    assert!(e.state().connections().next().is_none());
    e.execute(&who("bob"), install("salesforce"), t(0)).unwrap();
    assert_eq!(e.events().len(), 1, "an open request is linked again, not repeated");
    // Addressed to someone who is not an admin: refused.
    let cmd = Command::Install {
        app: "salesforce".into(),
        scopes: None,
        expires_at: None,
        request_admin: Some("mia".into()),
    };
    let err = refused(&mut e, &who("bob"), cmd, t(0));
    assert_eq!(err, LifecycleError::NotAnAdmin("mia".into()));
    // A deactivated super admin cannot receive it either.
    let cmd = Command::Install {
        app: "salesforce".into(),
        scopes: None,
        expires_at: None,
        request_admin: Some("zed".into()),
    };
    assert_eq!(refused(&mut e, &who("bob"), cmd, t(0)), LifecycleError::NotAnAdmin("zed".into()));
}

#[test]
fn an_install_request_with_no_active_super_admin_is_refused_and_changes_nothing() {
    let mut e = engine();
    e.directory_mut().set_user_active(&"admin".into(), false).unwrap();
    // zed, the other super admin, is deactivated too: nobody can receive the request.
    let err = refused(&mut e, &who("bob"), install("salesforce"), t(0));
    assert_eq!(err, LifecycleError::NoAdminAvailable("salesforce".into()));
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert_eq!(err.to_string(), "no active super admin can receive an install request for app \"salesforce\"");
    // Just inside: one super admin active again, and the request goes to them.
    e.directory_mut().set_user_active(&"zed".into(), true).unwrap();
    let out = e.execute(&who("bob"), install("salesforce"), t(0)).unwrap();
    assert!(matches!(out, Outcome::InstallRequested(ref r) if r.admin.as_str() == "zed"), "{out:?}");
    // Users who may install need no admin.
    e.directory_mut().set_user_active(&"zed".into(), false).unwrap();
    assert!(matches!(e.execute(&who("mia"), install("salesforce"), t(0)).unwrap(), Outcome::Applied { .. }));
}

#[test]
fn install_refusals() {
    let mut e = engine();
    e.execute(&who("admin"), install("salesforce"), t(0)).unwrap();
    // I3: no second install of a connected app.
    let err = refused(&mut e, &who("mia"), install("salesforce"), t(1));
    assert_eq!(err, LifecycleError::AlreadyInstalled { app: "salesforce".into(), user: None });
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.to_string(), "app \"salesforce\" is already installed");
    // Unknown app, unknown actor, deactivated actor, system actor.
    assert_eq!(refused(&mut e, &who("admin"), install("nope"), t(1)), LifecycleError::UnknownApp("nope".into()));
    assert_eq!(refused(&mut e, &who("ghost"), install("gmail"), t(1)), LifecycleError::UnknownUser("ghost".into()));
    let err = refused(&mut e, &who("zed"), install("gmail"), t(1));
    assert_eq!(err, LifecycleError::InactiveActor("zed".into()));
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(
        refused(&mut e, &Actor::System, install("gmail"), t(1)),
        LifecycleError::ActorRequired { command: "install" }
    );
    // Time goes forward only.
    let err = refused(&mut e, &who("admin"), install("gmail"), t(-1));
    assert!(matches!(err, LifecycleError::OutOfOrder { .. }));
}

#[test]
fn user_level_apps_have_one_connection_per_user() {
    let mut e = engine();
    e.execute(&who("mia"), install("gmail"), t(0)).unwrap();
    e.execute(&who("admin"), install("gmail"), t(1)).unwrap();
    let err = refused(&mut e, &who("mia"), install("gmail"), t(2));
    assert_eq!(err, LifecycleError::AlreadyInstalled { app: "gmail".into(), user: Some("mia".into()) });
    assert_eq!(err.to_string(), "app \"gmail\" is already installed for user \"mia\"");
    // Mia may not disconnect the admin's connection; the admin may disconnect Mia's.
    let cmd = Command::Disconnect { app: "gmail".into(), user: Some("admin".into()) };
    assert!(matches!(refused(&mut e, &who("mia"), cmd, t(2)), LifecycleError::PermissionDenied { .. }));
    e.execute(&who("admin"), Command::Disconnect { app: "gmail".into(), user: Some("mia".into()) }, t(2)).unwrap();
    assert_eq!(e.connection_state(&"gmail".into(), Some(&"mia".into()), t(3)), Some(ConnectionState::Disconnected));
    assert_eq!(e.connection_state(&"gmail".into(), Some(&"admin".into()), t(3)), Some(ConnectionState::Connected));
    // A user named for an account-level app is refused.
    let cmd = Command::Disconnect { app: "salesforce".into(), user: Some("mia".into()) };
    assert!(matches!(refused(&mut e, &who("admin"), cmd, t(3)), LifecycleError::ConnectionUserNotAllowed { .. }));
    // System reports on a user-level app must name the user.
    let cmd = Command::ReportActivity { app: "gmail".into(), user: None };
    assert_eq!(refused(&mut e, &Actor::System, cmd, t(3)), LifecycleError::ConnectionUserRequired("gmail".into()));
}

#[test]
fn uninstall_needs_the_exact_word_and_returns_post_uninstall_steps() {
    let mut e = engine();
    e.execute(&who("admin"), install("salesforce"), t(0)).unwrap();
    for word in ["Uninstall ", "yes", "", "UNINSTALL", " uninstall"] {
        let cmd = Command::Uninstall { app: "salesforce".into(), user: None, confirmation: word.into() };
        let err = refused(&mut e, &who("admin"), cmd, t(1));
        assert_eq!(err, LifecycleError::WrongConfirmation(word.into()));
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    let cmd = Command::Uninstall { app: "salesforce".into(), user: None, confirmation: "uninstall".into() };
    let out = e.execute(&who("admin"), cmd.clone(), t(1)).unwrap();
    let Outcome::Uninstalled { post_uninstall_steps, .. } = out else { panic!("expected uninstalled, got {out:?}") };
    assert_eq!(post_uninstall_steps, vec!["remove the package in salesforce".to_string()]);
    assert_eq!(e.connection_state(&"salesforce".into(), None, t(2)), Some(ConnectionState::Uninstalled));
    // Uninstalling again: not installed.
    let err = refused(&mut e, &who("admin"), cmd, t(2));
    assert_eq!(err, LifecycleError::NotInstalled { app: "salesforce".into(), user: None });
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    // Installing again is a reinstall that keeps the first install.
    e.execute(&who("mia"), install("salesforce"), t(3)).unwrap();
    assert!(matches!(e.events().last().unwrap().kind, EventKind::Reinstalled { .. }));
    let c = e.state().connection(&ConnectionKey { app: "salesforce".into(), user: None }).unwrap();
    assert_eq!((c.first_installed_at, c.first_installed_by.clone()), (t(0), Some("admin".into())));
    assert_eq!((c.installed_at, c.installed_by.clone()), (t(3), Some("mia".into())));
}

#[test]
fn uninstall_and_other_changes_need_permission() {
    let mut e = engine();
    e.execute(&who("admin"), install("salesforce"), t(0)).unwrap();
    let commands = [
        Command::Uninstall { app: "salesforce".into(), user: None, confirmation: "uninstall".into() },
        Command::Disconnect { app: "salesforce".into(), user: None },
        Command::Reconnect { app: "salesforce".into(), user: None, expires_at: None },
        Command::Reauthenticate {
            app: "salesforce".into(),
            user: None,
            scopes: None,
            expires_at: None,
            dropped: Default::default(),
        },
        Command::SetSyncSetting { app: "salesforce".into(), user: None, setting: "contact sync".into(), on: false },
    ];
    for cmd in commands {
        let err = refused(&mut e, &who("bob"), cmd.clone(), t(1));
        assert_eq!(
            err,
            LifecycleError::PermissionDenied { user: "bob".into(), permission: Permission::AppMarketplaceAccess }
        );
        assert_eq!(err.to_string(), "user \"bob\" lacks the app_marketplace_access permission");
        assert_eq!(refused(&mut e, &who("zed"), cmd.clone(), t(1)), LifecycleError::InactiveActor("zed".into()));
        let name = cmd.name();
        assert_eq!(refused(&mut e, &Actor::System, cmd, t(1)), LifecycleError::ActorRequired { command: name });
    }
}

#[test]
fn disconnect_reconnect_and_reports_change_state_and_are_logged() {
    let mut e = engine();
    let sf = || "salesforce".into();
    e.execute(&who("admin"), install("salesforce"), t(0)).unwrap();
    // Reconnecting a healthy connection is refused.
    let reconnect = Command::Reconnect { app: sf(), user: None, expires_at: Some(t(100)) };
    let err = refused(&mut e, &who("mia"), reconnect.clone(), t(1));
    assert_eq!(err, LifecycleError::AlreadyInState { app: sf(), state: "connected" });
    e.execute(&who("mia"), Command::Disconnect { app: sf(), user: None }, t(1)).unwrap();
    let err = refused(&mut e, &who("mia"), Command::Disconnect { app: sf(), user: None }, t(2));
    assert_eq!(err.to_string(), "app \"salesforce\" is already disconnected");
    e.execute(&who("mia"), reconnect, t(2)).unwrap();
    assert_eq!(e.connection_state(&sf(), None, t(99)), Some(ConnectionState::Connected));
    // Expired by the clock alone once the grant's expiry passes.
    assert_eq!(e.connection_state(&sf(), None, t(100)), Some(ConnectionState::Expired));
    let info = ConnectionErrorInfo {
        code: "E1".into(),
        message: "token revoked".into(),
        resolution_steps: vec!["reinstall".into()],
    };
    e.execute(&Actor::System, Command::ReportError { app: sf(), user: None, error: info.clone() }, t(3)).unwrap();
    assert_eq!(e.connection_state(&sf(), None, t(4)), Some(ConnectionState::Error));
    e.execute(&Actor::System, Command::ReportConnected { app: sf(), user: None }, t(4)).unwrap();
    e.execute(&Actor::System, Command::ReportExpired { app: sf(), user: None }, t(5)).unwrap();
    let err = refused(&mut e, &Actor::System, Command::ReportExpired { app: sf(), user: None }, t(5));
    assert_eq!(err, LifecycleError::AlreadyInState { app: sf(), state: "expired" });
    let reauth = Command::Reauthenticate {
        app: sf(),
        user: None,
        scopes: Some(["crm.objects.deals.read".to_string()].into()),
        expires_at: None,
        dropped: Default::default(),
    };
    e.execute(&who("admin"), reauth, t(6)).unwrap();
    let c = e.state().connection(&ConnectionKey { app: sf(), user: None }).unwrap();
    assert!(
        c.granted_scopes.contains("crm.objects.deals.read") && c.granted_scopes.contains("crm.objects.contacts.read")
    );
    assert_eq!(c.state_at(t(7)), ConnectionState::Connected);
    let sync = Command::SetSyncSetting { app: sf(), user: None, setting: "contact sync".into(), on: false };
    e.execute(&who("mia"), sync, t(7)).unwrap();
    let empty = Command::SetSyncSetting { app: sf(), user: None, setting: " ".into(), on: true };
    assert_eq!(refused(&mut e, &who("mia"), empty, t(7)), LifecycleError::EmptySyncSetting);
    e.execute(&Actor::System, Command::ReportActivity { app: sf(), user: None }, t(8)).unwrap();
    e.execute(&Actor::System, Command::ReportUpdateAvailability { app: sf(), user: None, available: true }, t(9))
        .unwrap();
    let c = e.state().connection(&ConnectionKey { app: sf(), user: None }).unwrap();
    assert_eq!(c.sync_settings.get("contact sync"), Some(&false));
    assert_eq!(c.last_activity_at, Some(t(8)));
    assert!(c.update_available);
    let types: Vec<ActivityType> = e.events().iter().map(|ev| ev.kind.activity_type()).collect();
    assert_eq!(
        types,
        [
            ActivityType::Installed,
            ActivityType::Disconnected,
            ActivityType::Reconnected,
            ActivityType::ConnectionError,
            ActivityType::Connected,
            ActivityType::ConnectionExpired,
            ActivityType::Reauthenticated,
            ActivityType::SyncSettingChanged,
            ActivityType::AppActivity,
            ActivityType::UpdateAvailability,
        ]
    );
    // Ids are stable and increasing; system events carry no actor.
    assert!(e.events().to_vec().windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(e.events().get(3).unwrap().actor, None);
}

#[test]
fn commands_on_apps_not_installed_are_refused() {
    let mut e = engine();
    for cmd in [
        Command::Reconnect { app: "salesforce".into(), user: None, expires_at: None },
        Command::Disconnect { app: "salesforce".into(), user: None },
        Command::Uninstall { app: "salesforce".into(), user: None, confirmation: "uninstall".into() },
    ] {
        let err = refused(&mut e, &who("admin"), cmd, t(0));
        assert_eq!(err, LifecycleError::NotInstalled { app: "salesforce".into(), user: None });
    }
    let cmd = Command::ReportError {
        app: "salesforce".into(),
        user: None,
        error: ConnectionErrorInfo { code: "x".into(), message: "y".into(), resolution_steps: vec![] },
    };
    assert!(matches!(refused(&mut e, &Actor::System, cmd, t(0)), LifecycleError::NotInstalled { .. }));
}

#[test]
fn state_as_of_any_instant_is_the_fold_of_the_prefix() {
    let mut e = engine();
    e.execute(&who("admin"), install("salesforce"), t(0)).unwrap();
    e.execute(&who("admin"), Command::Disconnect { app: "salesforce".into(), user: None }, t(5)).unwrap();
    let key = ConnectionKey { app: "salesforce".into(), user: None };
    assert!(e.state_as_of(t(-1)).connection(&key).is_none());
    assert_eq!(e.state_as_of(t(4)).connection(&key).unwrap().state_at(t(4)), ConnectionState::Connected);
    assert_eq!(e.state_as_of(t(5)).connection(&key).unwrap().state_at(t(5)), ConnectionState::Disconnected);
    assert_eq!(&e.state_as_of(t(6)), e.state());
}

fn event(id: u64, at: DateTime<Utc>, kind: EventKind) -> connected_apps::Event {
    connected_apps::Event {
        id: connected_apps::EventId(id),
        at,
        app: "salesforce".into(),
        user: None,
        actor: None,
        kind,
    }
}

/// Restores the engine's snapshot and checks it is the same engine.
fn round_trips(e: &Engine) {
    let json = e.to_json().unwrap();
    let restored = Engine::from_json(&json).unwrap_or_else(|err| panic!("snapshot does not restore: {err}"));
    assert_eq!(restored.to_json().unwrap(), json);
    assert_eq!((restored.state(), restored.events()), (e.state(), e.events()));
}

#[test]
fn event_ids_past_the_limit_are_refused_at_every_entry() {
    use connected_apps::limits::MAX_EVENT_ID;
    let mut e = engine();
    e.execute(&who("admin"), install("salesforce"), t(0)).unwrap();
    let before = e.to_json().unwrap();
    let too_large = |id| LifecycleError::EventIdTooLarge(connected_apps::EventId(id));
    // append
    for id in [MAX_EVENT_ID + 2, u64::MAX] {
        let err = e.append(event(id, t(1), EventKind::AppActivity)).unwrap_err();
        assert_eq!((err.clone(), err.kind()), (too_large(id), ErrorKind::InvalidInput));
        assert_eq!(err.to_string(), format!("event id {id} is over the limit of 9223372036854775807"));
        assert_eq!(e.to_json().unwrap(), before);
    }
    // append_all: the first refused event's position, nothing appended
    let batch = vec![event(5, t(1), EventKind::AppActivity), event(u64::MAX, t(1), EventKind::AppActivity)];
    assert_eq!(e.append_all(batch).unwrap_err(), (1, too_large(u64::MAX)));
    assert_eq!(e.to_json().unwrap(), before);
    // NDJSON
    let line = connected_apps::events_to_ndjson([event(u64::MAX, t(1), EventKind::AppActivity)]).unwrap();
    let err = e.import_ndjson(&line).unwrap_err();
    assert_eq!(err, connected_apps::Error::Lifecycle(too_large(u64::MAX)));
    assert_eq!(e.to_json().unwrap(), before);
    // columnar ingest: the fast path hands ids past the limit to the exact way
    let apps = ["salesforce".to_string()];
    let types = [connected_apps::ingest::type_code(ActivityType::AppActivity); 2];
    let ingest = |e: &mut Engine, ids: &[u64]| {
        let micros = [t(1).timestamp_micros(); 2];
        let columns = connected_apps::EventColumns {
            ids,
            at_micros: &micros,
            types: &types,
            apps: &[0, 0],
            app_dictionary: &apps,
            users: None,
            actors: None,
            user_dictionary: &[],
        };
        e.ingest_events(&columns)
    };
    let err = ingest(&mut e, &[10, MAX_EVENT_ID + 1]).unwrap_err();
    assert_eq!(err, connected_apps::IngestError::Rejected { row: 1, source: too_large(MAX_EVENT_ID + 1) });
    assert_eq!(e.to_json().unwrap(), before);
    // a snapshot holding such an id does not restore
    let mut spoiled = engine();
    spoiled.execute(&who("admin"), install("salesforce"), t(0)).unwrap();
    // (without its hash chain, which would name the changed event first: X8)
    let mut doc: serde_json::Value = serde_json::from_str(&spoiled.to_json().unwrap()).unwrap();
    doc["events"][0]["id"] = serde_json::json!(u64::MAX);
    doc.as_object_mut().unwrap().remove("chain");
    let json = doc.to_string();
    assert_eq!(Engine::from_json(&json).unwrap_err(), connected_apps::Error::Lifecycle(too_large(u64::MAX)));

    // Just inside: the limit itself is accepted, by ingest as by append.
    assert_eq!(ingest(&mut e, &[10, MAX_EVENT_ID]).unwrap(), 2);
    round_trips(&e);
    // The next command's id is the one past the limit; it is allocated, never reused, and the
    // snapshot holding it restores (that id, and only that one, passes the limit).
    let out = e.execute(&Actor::System, Command::ReportActivity { app: "salesforce".into(), user: None }, t(2));
    assert_eq!(out.unwrap(), Outcome::Applied { event: connected_apps::EventId(MAX_EVENT_ID + 1) });
    round_trips(&e);
    assert_eq!(
        e.append(event(MAX_EVENT_ID + 3, t(3), EventKind::AppActivity)).unwrap_err(),
        too_large(MAX_EVENT_ID + 3)
    );
    e.append(event(MAX_EVENT_ID + 2, t(3), EventKind::AppActivity)).unwrap();
    let out = e.execute(&who("admin"), Command::Disconnect { app: "salesforce".into(), user: None }, t(4)).unwrap();
    assert_eq!(out, Outcome::Applied { event: connected_apps::EventId(MAX_EVENT_ID + 3) });
    round_trips(&e);
    let ids: Vec<u64> = e.events().iter().map(|ev| ev.id.0).collect();
    assert_eq!(ids.len(), ids.iter().collect::<BTreeSet<_>>().len(), "no id is reused");
}

mod random_sequences {
    use super::*;
    use connected_apps::limits::MAX_EVENT_ID;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        /// A command by one of admin, mia, bob, zed, ghost or the system, on one of the apps.
        Execute { actor: u8, command: u8, app: u8 },
        /// An event from elsewhere with an id near 0, the limit or `u64::MAX`.
        Append { id: u8, offset: u64, kind: u8, app: u8 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..6, 0u8..12, 0u8..3).prop_map(|(actor, command, app)| Op::Execute { actor, command, app }),
            (0u8..4, 0u64..3, 0u8..4, 0u8..3).prop_map(|(id, offset, kind, app)| Op::Append { id, offset, kind, app }),
        ]
    }

    const APPS: [&str; 3] = ["salesforce", "gmail", "social"];
    const ACTORS: [&str; 5] = ["admin", "mia", "bob", "zed", "ghost"];

    fn command(which: u8, app: &str) -> Command {
        let app = connected_apps::AppId::from(app);
        let user = None;
        match which {
            0 => install(app.as_str()),
            1 => Command::Uninstall { app, user, confirmation: "uninstall".into() },
            2 => Command::Reconnect { app, user, expires_at: None },
            3 => Command::Reauthenticate { app, user, scopes: None, expires_at: None, dropped: Default::default() },
            4 => Command::Disconnect { app, user },
            5 => Command::SetSyncSetting { app, user, setting: "s".into(), on: true },
            6 => Command::ReportConnected { app, user },
            7 => Command::ReportExpired { app, user },
            8 => Command::ReportError {
                app,
                user,
                error: ConnectionErrorInfo { code: "E".into(), message: "m".into(), resolution_steps: vec![] },
            },
            9 => Command::ReportActivity { app, user },
            10 => Command::ReportUpdateAvailability { app, user, available: true },
            _ => Command::ReportAppVersion { app, version: "2".into(), scopes: vec![], features: vec![] },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// After every accepted operation the engine's snapshot restores to the same engine, and
        /// a refused one leaves the snapshot byte-identical.
        #[test]
        fn every_snapshot_the_engine_writes_reads_back(ops in proptest::collection::vec(op(), 1..40)) {
            let mut e = engine();
            for (i, op) in ops.into_iter().enumerate() {
                let before = e.to_json().unwrap();
                let now = t(i as i64);
                let accepted = match op {
                    Op::Execute { actor, command: which, app } => {
                        let actor = ACTORS.get(usize::from(actor)).map_or(Actor::System, |a| who(a));
                        e.execute(&actor, command(which, APPS[usize::from(app)]), now).is_ok()
                    }
                    Op::Append { id, offset, kind, app } => {
                        let next = e.events().max_id().map_or(1, |m| m.0 + 1);
                        let id = match id {
                            0 => 1 + offset,
                            1 => MAX_EVENT_ID - offset,
                            2 => next + offset,
                            _ => u64::MAX - offset,
                        };
                        let kind = [EventKind::AppActivity, EventKind::Disconnected, EventKind::Uninstalled,
                            EventKind::Installed { scopes: ["crm.objects.contacts.read".to_string()].into(), expires_at: None }]
                            [usize::from(kind)].clone();
                        let mut ev = event(id, now, kind);
                        ev.app = APPS[usize::from(app)].into();
                        ev.user = (ev.app.as_str() == "gmail").then(|| UserId::from("mia"));
                        e.append(ev).is_ok()
                    }
                };
                if accepted {
                    round_trips(&e);
                } else {
                    prop_assert_eq!(e.to_json().unwrap(), before);
                }
            }
        }
    }
}

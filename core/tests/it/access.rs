#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Access and permissions (O3), app version changes and reauthentication (I4, I8).

use crate::common::{account, t, user};
use chrono::{DateTime, Utc};
use connected_apps::{
    Access, AccessError, ActivityType, Actor, App, AppLevel, AppLogFilter, Command, Directory, Distribution, Engine,
    ErrorKind, Event, EventId, EventKind, Feature, Hub, HubTier, LifecycleError, Permission, ScopeDecl,
    ScopeRequirement, Tier, Upgrade, UserId, app_overview, connections_home,
};

fn scope(name: &str, requirement: ScopeRequirement, requires: Option<HubTier>) -> ScopeDecl {
    ScopeDecl { name: name.into(), requirement, requires }
}

fn feature(name: &str, scopes: &[&str], requires: Option<HubTier>) -> Feature {
    Feature { name: name.into(), scopes: scopes.iter().map(|s| (*s).to_owned()).collect(), requires }
}

const CONTACTS_READ: &str = "crm.objects.contacts.read";
const CONTACTS_WRITE: &str = "crm.objects.contacts.write";
const DEALS_READ: &str = "crm.objects.deals.read";
const TICKETS_READ: &str = "tickets";
const SEQUENCES: &str = "automation.sequences.read";

fn sales(tier: Tier) -> Option<HubTier> {
    Some(HubTier { hub: Hub::Sales, tier })
}

fn crm_sync() -> App {
    App {
        id: "sync".into(),
        name: "CRM Sync".into(),
        provider: "Syncly".into(),
        built_by_vendor_platform: false,
        distribution: Distribution::Marketplace,
        level: AppLevel::AccountLevel,
        reports_status: true,
        scopes: vec![
            scope(CONTACTS_READ, ScopeRequirement::Required, None),
            scope(CONTACTS_WRITE, ScopeRequirement::ConditionallyRequired, None),
            scope(DEALS_READ, ScopeRequirement::Optional, None),
            scope(SEQUENCES, ScopeRequirement::Optional, sales(Tier::Enterprise)),
        ],
        features: vec![
            feature("Contact sync", &[CONTACTS_READ, CONTACTS_WRITE], None),
            feature("Deal insights", &[DEALS_READ], None),
            feature(
                "Sequences",
                &[SEQUENCES, CONTACTS_READ],
                Some(HubTier { hub: Hub::Marketing, tier: Tier::Starter }),
            ),
            feature("Forecast", &[CONTACTS_READ], sales(Tier::Professional)),
        ],
        workflow_actions: vec![],
        post_uninstall_steps: vec![],
    }
}

/// Sales Professional, no marketing. admin (super admin), mia (marketplace access), bob (none).
fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, false, true)).unwrap();
    d.add_user(user("mia", false, true, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    d.add_app(crm_sync()).unwrap();
    let mut user_level = crm_sync();
    user_level.id = "mail".into();
    user_level.name = "Mail".into();
    user_level.level = AppLevel::UserLevel;
    d.add_app(user_level).unwrap();
    Engine::new(d)
}

fn as_user(id: &str) -> Actor {
    Actor::User(id.into())
}

fn install(engine: &mut Engine, scopes: &[&str], at: DateTime<Utc>) {
    engine
        .execute(
            &as_user("mia"),
            Command::Install {
                app: "sync".into(),
                scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
                expires_at: None,
                request_admin: None,
            },
            at,
        )
        .unwrap();
}

fn new_version(version: &str) -> Command {
    let mut scopes = crm_sync().scopes;
    scopes.push(scope(TICKETS_READ, ScopeRequirement::Required, None));
    let mut features = crm_sync().features;
    features.push(feature("Ticket timeline", &[TICKETS_READ], None));
    Command::ReportAppVersion { app: "sync".into(), version: version.into(), scopes, features }
}

fn status_of<'a>(access: &'a connected_apps::AppAccess, feature: &str) -> &'a Access {
    &access.features.iter().find(|f| f.name == feature).unwrap().access
}

#[test]
fn each_feature_is_authorised_needs_upgrade_or_awaits_reauthentication() {
    let mut e = engine();
    install(&mut e, &[CONTACTS_READ, CONTACTS_WRITE], t(0));
    let access = e.access(&"sync".into(), None).unwrap();

    assert_eq!(status_of(&access, "Contact sync"), &Access::Authorised);
    assert_eq!(status_of(&access, "Forecast"), &Access::Authorised, "sales professional is met");
    assert_eq!(
        status_of(&access, "Deal insights"),
        &Access::AvailableAfterReauthentication { scopes: vec![DEALS_READ.into()] },
        "the optional scope was declined at install"
    );
    // Upgrades from the feature itself and from its scope, by hub, with the tier the account has.
    assert_eq!(
        status_of(&access, "Sequences"),
        &Access::NeedsUpgrade {
            upgrades: vec![
                Upgrade { hub: Hub::Marketing, tier: Tier::Starter, from: Tier::Free },
                Upgrade { hub: Hub::Sales, tier: Tier::Enterprise, from: Tier::Professional },
            ]
        }
    );
    let seq = access.scopes.iter().find(|s| s.name == SEQUENCES).unwrap();
    assert!(!seq.granted);
    assert!(matches!(seq.access, Access::NeedsUpgrade { .. }), "an upgrade wins over reauthentication");
    assert!(access.pending_scopes.is_empty(), "every required scope is granted");
    assert!(!access.needs_reauthentication());
    assert_eq!(access.version, None);
}

#[test]
fn an_app_version_adding_a_required_scope_is_an_event_reflected_at_once() {
    let mut e = engine();
    install(&mut e, &[CONTACTS_READ], t(0));
    let home = connections_home(&e, &"mia".into(), t(1)).unwrap();
    assert_eq!(home.summary.update_available, 0);

    e.execute(&Actor::System, new_version("2.0"), t(1)).unwrap();
    let last = e.events().last().unwrap().to_event();
    assert_eq!(last.kind.activity_type(), ActivityType::AppVersionChanged);
    assert_eq!(last.user, None);

    let access = e.access(&"sync".into(), None).unwrap();
    assert_eq!(access.version.as_deref(), Some("2.0"));
    assert_eq!(access.pending_scopes, vec![TICKETS_READ.to_owned()]);
    assert_eq!(
        status_of(&access, "Ticket timeline"),
        &Access::AvailableAfterReauthentication { scopes: vec![TICKETS_READ.into()] }
    );
    let home = connections_home(&e, &"mia".into(), t(1)).unwrap();
    assert_eq!(home.summary.update_available, 1, "the home counts the pending reauthentication");
    assert!(home.my_apps[0].update_available);
    let overview = app_overview(&e, &"sync".into(), None, &AppLogFilter::default(), t(1)).unwrap();
    assert!(overview.app.declares(TICKETS_READ), "the overview shows the current version");
    assert!(overview.connections[0].update_available);

    // The state as of before the change still shows the old version.
    let before = connected_apps::access::evaluate(e.directory(), &e.state_as_of(t(0)), &key("sync")).unwrap();
    assert!(before.pending_scopes.is_empty());
    assert_eq!(before.version, None);
}

fn key(app: &str) -> connected_apps::ConnectionKey {
    connected_apps::ConnectionKey { app: app.into(), user: None }
}

#[test]
fn reauthenticating_grants_the_pending_scopes_and_is_logged() {
    let mut e = engine();
    install(&mut e, &[CONTACTS_READ], t(0));
    e.execute(&Actor::System, new_version("2.0"), t(1)).unwrap();

    let reauth = Command::Reauthenticate {
        app: "sync".into(),
        user: None,
        scopes: None,
        expires_at: None,
        dropped: Default::default(),
    };
    e.execute(&as_user("mia"), reauth, t(2)).unwrap();
    let last = e.events().last().unwrap().to_event();
    assert_eq!(last.actor, Some(UserId::from("mia")));
    assert_eq!(
        last.kind,
        EventKind::Reauthenticated {
            scopes: [TICKETS_READ.to_owned()].into(),
            expires_at: None,
            dropped: Default::default()
        }
    );

    let access = e.access(&"sync".into(), None).unwrap();
    assert!(access.pending_scopes.is_empty());
    assert_eq!(status_of(&access, "Ticket timeline"), &Access::Authorised);
    assert_eq!(connections_home(&e, &"mia".into(), t(2)).unwrap().summary.update_available, 0);
}

#[test]
fn reauthenticating_to_add_scopes_needs_app_marketplace_access() {
    let mut e = engine();
    install(&mut e, &[CONTACTS_READ], t(0));
    e.execute(&Actor::System, new_version("2.0"), t(1)).unwrap();
    let before = e.clone_state_and_log();

    let reauth = Command::Reauthenticate {
        app: "sync".into(),
        user: None,
        scopes: None,
        expires_at: None,
        dropped: Default::default(),
    };
    let err = e.execute(&as_user("bob"), reauth.clone(), t(2)).unwrap_err();
    assert_eq!(
        err,
        LifecycleError::PermissionDenied { user: "bob".into(), permission: Permission::AppMarketplaceAccess }
    );
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(e.clone_state_and_log(), before);
    // A super admin holds the permission implicitly.
    e.execute(&as_user("admin"), reauth, t(2)).unwrap();
}

#[test]
fn reauthenticating_with_an_optional_scope_grants_it() {
    let mut e = engine();
    install(&mut e, &[CONTACTS_READ], t(0));
    let reauth = Command::Reauthenticate {
        app: "sync".into(),
        user: None,
        scopes: Some([DEALS_READ.to_owned()].into()),
        expires_at: None,
        dropped: Default::default(),
    };
    e.execute(&as_user("mia"), reauth, t(1)).unwrap();
    assert_eq!(status_of(&e.access(&"sync".into(), None).unwrap(), "Deal insights"), &Access::Authorised);
}

#[test]
fn unknown_scope_names_in_a_grant_are_refused_and_change_nothing() {
    let mut e = engine();
    install(&mut e, &[CONTACTS_READ], t(0));
    let before = e.clone_state_and_log();
    let reauth = Command::Reauthenticate {
        app: "sync".into(),
        user: None,
        scopes: Some(["crm.objects.unicorns.read".to_owned()].into()),
        expires_at: None,
        dropped: Default::default(),
    };
    let err = e.execute(&as_user("mia"), reauth, t(1)).unwrap_err();
    assert_eq!(err, LifecycleError::UndeclaredScope { app: "sync".into(), scope: "crm.objects.unicorns.read".into() });
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.clone_state_and_log(), before);

    let install = Command::Install {
        app: "mail".into(),
        scopes: Some([CONTACTS_READ.to_owned(), "nope".to_owned()].into()),
        expires_at: None,
        request_admin: None,
    };
    assert!(matches!(e.execute(&as_user("mia"), install, t(1)), Err(LifecycleError::UndeclaredScope { .. })));
    assert_eq!(e.clone_state_and_log(), before);
}

#[test]
fn a_version_with_a_feature_naming_an_undeclared_scope_is_refused() {
    let mut e = engine();
    install(&mut e, &[CONTACTS_READ], t(0));
    let before = e.clone_state_and_log();
    let bad = Command::ReportAppVersion {
        app: "sync".into(),
        version: "3.0".into(),
        scopes: vec![scope(CONTACTS_READ, ScopeRequirement::Required, None)],
        features: vec![feature("Ghost", &["crm.objects.ghosts.read"], None)],
    };
    let err = e.execute(&Actor::System, bad, t(1)).unwrap_err();
    assert!(matches!(&err, LifecycleError::InvalidAppVersion { reason, .. } if reason.contains("ghosts")), "{err}");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.clone_state_and_log(), before);

    for (version, scopes) in [
        ("", vec![scope(CONTACTS_READ, ScopeRequirement::Required, None)]),
        ("4", vec![scope("Bad Scope", ScopeRequirement::Required, None)]),
        (
            "5",
            vec![
                scope(CONTACTS_READ, ScopeRequirement::Required, None),
                scope(CONTACTS_READ, ScopeRequirement::Optional, None),
            ],
        ),
    ] {
        let cmd = Command::ReportAppVersion { app: "sync".into(), version: version.into(), scopes, features: vec![] };
        assert!(matches!(e.execute(&Actor::System, cmd, t(1)), Err(LifecycleError::InvalidAppVersion { .. })));
    }
    assert_eq!(e.clone_state_and_log(), before);

    // The directory refuses the same defect at registration.
    let mut ghost = crm_sync();
    ghost.id = "ghost".into();
    ghost.features.push(feature("Ghost", &["crm.objects.ghosts.read"], None));
    let err = e.directory_mut().add_app(ghost).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn a_version_change_is_app_wide_and_replays_through_append() {
    let mut e = engine();
    let event = Event {
        id: EventId(7),
        at: t(0),
        app: "mail".into(),
        user: Some("mia".into()),
        actor: None,
        kind: EventKind::AppVersionChanged { version: "2".into(), scopes: crm_sync().scopes, features: vec![] },
    };
    let err = e.append(event.clone()).unwrap_err();
    assert!(matches!(err, LifecycleError::ConnectionUserNotAllowed { .. }));
    assert!(e.events().is_empty());

    // Without a user it applies to a user-level app too, and shows in every user's access.
    e.append(Event { user: None, ..event }).unwrap();
    let install = Command::Install { app: "mail".into(), scopes: None, expires_at: None, request_admin: None };
    e.execute(&as_user("mia"), install, t(1)).unwrap();
    let access = e.access(&"mail".into(), Some(&"mia".into())).unwrap();
    assert_eq!(access.version.as_deref(), Some("2"));
    assert_eq!(access.features, vec![], "the new version has no features");

    // Snapshots replay it.
    let json = e.to_json().unwrap();
    let back = Engine::from_json(&json).unwrap();
    assert_eq!(back.access(&"mail".into(), Some(&"mia".into())).unwrap(), access);
}

#[test]
fn access_of_an_unknown_or_uninstalled_app_is_a_typed_error() {
    let mut e = engine();
    let err = e.access(&"nope".into(), None).unwrap_err();
    assert_eq!(err, AccessError::UnknownApp("nope".into()));
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = e.access(&"sync".into(), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert_eq!(err.to_string(), "app \"sync\" is not installed");

    install(&mut e, &[CONTACTS_READ], t(0));
    let uninstall = Command::Uninstall { app: "sync".into(), user: None, confirmation: "uninstall".into() };
    e.execute(&as_user("mia"), uninstall, t(1)).unwrap();
    assert!(matches!(e.access(&"sync".into(), None), Err(AccessError::NotInstalled { .. })));
    // A user-level app needs the connection's user.
    assert!(matches!(e.access(&"mail".into(), None), Err(AccessError::NotInstalled { .. })));
    let as_error: connected_apps::Error = e.access(&"nope".into(), None).unwrap_err().into();
    assert_eq!(as_error.kind(), ErrorKind::NotFound);
}

trait Snapshot {
    fn clone_state_and_log(&self) -> (connected_apps::State, Vec<Event>);
}

impl Snapshot for Engine {
    fn clone_state_and_log(&self) -> (connected_apps::State, Vec<Event>) {
        (self.state().clone(), self.events().to_vec())
    }
}

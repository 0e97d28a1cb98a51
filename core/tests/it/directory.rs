#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! The directory (A1–A3, C1): every refusal is typed and leaves the directory as it was.

use connected_apps::{
    Account, App, AppLevel, Directory, DirectoryError, Distribution, ErrorKind, Feature, ScopeDecl, ScopeRequirement,
    Team, User,
};

fn account() -> Account {
    Account {
        id: "42".into(),
        name: "Acme".into(),
        default_language: "fr".into(),
        time_zone: "Europe/Paris".into(),
        subscriptions: Default::default(),
        api_limit_increases: 2,
    }
}

fn user(id: &str) -> User {
    User {
        id: id.into(),
        name: "N".into(),
        email: "n@x.test".into(),
        active: true,
        super_admin: false,
        permissions: Default::default(),
        platform_user_id: None,
    }
}

fn app() -> App {
    App {
        id: "sf".into(),
        name: "Salesforce".into(),
        provider: "HubSpot".into(),
        built_by_vendor_platform: true,
        distribution: Distribution::Marketplace,
        level: AppLevel::AccountLevel,
        reports_status: true,
        scopes: vec![ScopeDecl {
            name: "crm.objects.contacts.read".into(),
            requirement: ScopeRequirement::Required,
            requires: None,
        }],
        features: vec![Feature {
            name: "sync".into(),
            scopes: vec!["crm.objects.contacts.read".into()],
            requires: None,
        }],
        workflow_actions: vec![],
        post_uninstall_steps: vec![],
    }
}

#[test]
fn invalid_accounts_are_refused() {
    for (change, message) in [
        (
            Box::new(|a: &mut Account| a.default_language = "French".into()) as Box<dyn Fn(&mut Account)>,
            "invalid account: default language \"French\" is not a two-letter iso 639-1 code",
        ),
        (
            Box::new(|a: &mut Account| a.api_limit_increases = 3),
            "invalid account: at most two api limit increases, got 3",
        ),
        (Box::new(|a: &mut Account| a.id = " ".into()), "invalid account: empty account id"),
        (Box::new(|a: &mut Account| a.time_zone = String::new()), "invalid account: empty time zone"),
    ] {
        let mut a = account();
        change(&mut a);
        let err = Directory::new(a).unwrap_err();
        assert_eq!(err.to_string(), message);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}

#[test]
fn duplicates_and_unknown_members_are_refused_without_change() {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("u1")).unwrap();
    d.add_app(app()).unwrap();
    d.add_team(Team { id: "t".into(), name: "T".into(), members: vec!["u1".into()] }).unwrap();
    let before = d.clone();
    let err = d.add_user(user("u1")).unwrap_err();
    assert_eq!((err.to_string(), err.kind()), ("duplicate user id \"u1\"".to_string(), ErrorKind::Conflict));
    assert_eq!(d.add_app(app()).unwrap_err(), DirectoryError::DuplicateApp("sf".into()));
    let err = d.add_team(Team { id: "t".into(), name: "T".into(), members: vec![] }).unwrap_err();
    assert_eq!(err, DirectoryError::DuplicateTeam("t".into()));
    let err = d
        .add_team(Team { id: "t2".into(), name: "T2".into(), members: vec!["u1".into(), "ghost".into()] })
        .unwrap_err();
    assert_eq!((err.clone(), err.kind()), (DirectoryError::UnknownUser("ghost".into()), ErrorKind::NotFound));
    assert_eq!(d.set_user_active(&"ghost".into(), false).unwrap_err(), DirectoryError::UnknownUser("ghost".into()));
    assert!(matches!(d.add_user(user(" ")).unwrap_err(), DirectoryError::InvalidUser { .. }));
    assert_eq!(d, before);
    d.set_user_active(&"u1".into(), false).unwrap();
    assert!(!d.user(&"u1".into()).unwrap().active);
}

#[test]
fn malformed_app_entries_are_refused() {
    type Change = Box<dyn Fn(&mut App)>;
    let cases: Vec<(Change, &str)> = vec![
        (Box::new(|a| a.name = " ".into()), "invalid app \"sf\": empty name"),
        (Box::new(|a| a.provider = String::new()), "invalid app \"sf\": empty provider"),
        (
            Box::new(|a| a.scopes[0].name = "CRM.Contacts".into()),
            "invalid app \"sf\": malformed scope name \"CRM.Contacts\"",
        ),
        (
            Box::new(|a| a.scopes.push(a.scopes[0].clone())),
            "invalid app \"sf\": scope \"crm.objects.contacts.read\" declared twice",
        ),
        (
            Box::new(|a| a.features[0].scopes.push("crm.objects.deals.read".into())),
            "invalid app \"sf\": feature \"sync\" names undeclared scope \"crm.objects.deals.read\"",
        ),
    ];
    for (change, message) in cases {
        let mut d = Directory::new(account()).unwrap();
        let mut a = app();
        change(&mut a);
        let err = d.add_app(a).unwrap_err();
        assert_eq!(err.to_string(), message);
        assert_eq!(d.apps().len(), 0);
    }
}

#[test]
fn time_zones_must_be_iana_names_everywhere() {
    for good in ["Europe/Paris", "UTC", "America/Argentina/Buenos_Aires"] {
        let mut a = account();
        a.time_zone = good.into();
        assert!(Directory::new(a).is_ok(), "{good}");
    }
    let mut d = Directory::new(account()).unwrap();
    let before = d.clone();
    for bad in ["Mars/Olympus_Mons", "Europe/Pariss", "+02:00"] {
        let mut a = account();
        a.time_zone = bad.into();
        let message = format!("invalid account: unknown time zone {bad:?}: not an iana time-zone name");
        let err = Directory::new(a.clone()).unwrap_err();
        assert_eq!((err.to_string(), err.kind()), (message.clone(), ErrorKind::InvalidInput));
        assert_eq!(d.set_account(a).unwrap_err().to_string(), message);
        assert_eq!(d, before);
    }
    // A snapshot's account is checked the same way.
    let json = connected_apps::Engine::new(d).to_json().unwrap();
    assert!(connected_apps::Engine::from_json(&json).is_ok());
    let spoiled = json.replace("\"Europe/Paris\"", "\"Europe/Nowhere\"");
    let err = connected_apps::Engine::from_json(&spoiled).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("unknown time zone \"Europe/Nowhere\""), "{err}");
}

#[test]
fn unknown_fields_are_refused_in_entries_commands_and_snapshots() {
    use serde_json::{Value, json};
    fn with_extra<T: serde::Serialize>(value: &T) -> Value {
        let mut v = serde_json::to_value(value).unwrap();
        v.as_object_mut().unwrap().insert("colour".into(), json!("blue"));
        v
    }
    fn refuses<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
        // Just inside: the entry as written reads back.
        let back: T = serde_json::from_value(serde_json::to_value(value).unwrap()).unwrap();
        assert_eq!(&back, value);
        let err = serde_json::from_value::<T>(with_extra(value)).unwrap_err();
        assert!(err.to_string().contains("unknown field `colour`"), "{err}");
    }
    refuses(&account());
    refuses(&user("u1"));
    refuses(&Team { id: "t".into(), name: "T".into(), members: vec!["u1".into()] });
    refuses(&app());
    refuses(&app().scopes[0]);
    refuses(&app().features[0]);
    let error = connected_apps::ConnectionErrorInfo { code: "E".into(), message: "m".into(), resolution_steps: vec![] };
    refuses(&error);
    for command in [
        connected_apps::Command::Disconnect { app: "sf".into(), user: None },
        connected_apps::Command::ReportError { app: "sf".into(), user: None, error },
    ] {
        refuses(&command);
    }
    // A nested unknown field is refused too.
    let nested = json!({"command": "report_error", "app": "sf", "error": {"code": "E", "message": "m", "colour": 1}});
    assert!(serde_json::from_value::<connected_apps::Command>(nested).is_err());

    // A snapshot with an unknown field in a user, team, app or the account does not restore.
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("u1")).unwrap();
    d.add_team(Team { id: "t".into(), name: "T".into(), members: vec!["u1".into()] }).unwrap();
    d.add_app(app()).unwrap();
    let json: Value = serde_json::from_str(&connected_apps::Engine::new(d).to_json().unwrap()).unwrap();
    for pointer in ["/account", "/users/0", "/teams/0", "/apps/0"] {
        let mut spoiled = json.clone();
        spoiled.pointer_mut(pointer).unwrap().as_object_mut().unwrap().insert("colour".into(), json!("blue"));
        let err = connected_apps::Engine::from_json(&spoiled.to_string()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{pointer}");
        assert!(err.to_string().contains("unknown field `colour`"), "{pointer}: {err}");
    }
    assert!(connected_apps::Engine::from_json(&json.to_string()).is_ok());
}

#[test]
fn active_user_is_the_one_check_that_a_user_may_act() {
    use connected_apps::directory::Unavailable;
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("ada")).unwrap();
    assert_eq!(d.active_user(&"ada".into()).unwrap().id.as_str(), "ada");
    assert_eq!(d.active_user(&"bob".into()).unwrap_err(), Unavailable::Unknown);
    d.set_user_active(&"ada".into(), false).unwrap();
    assert_eq!(d.active_user(&"ada".into()).unwrap_err(), Unavailable::Inactive);
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
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

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Workflow actions (W1, W2) and learning content (O5).

use crate::common;

use crate::common::{account, t, user};
use chrono::{DateTime, Utc};
use connected_apps::connect_from_workflow;
use connected_apps::marketplace::{DataPrivacy, Requirements, Resources, SupportedBy};
use connected_apps::{
    Actor, App, AppLevel, Command, Directory, Engine, Error, ErrorKind, InstallPermission, LearningItem, LearningKind,
    LearningLibrary, LearningTopic, LifecycleError, Listing, Marketplace, MarketplaceError, Outcome, WorkflowAction,
    workflow_actions,
};

fn action(id: &str, name: &str) -> WorkflowAction {
    WorkflowAction { id: id.into(), name: name.into() }
}

fn app(id: &str, name: &str, level: AppLevel, actions: Vec<WorkflowAction>) -> App {
    App { name: name.into(), workflow_actions: actions, ..common::app(id, level) }
}

fn listing(app: &App) -> Listing {
    Listing {
        app: app.id.clone(),
        name: app.name.clone(),
        provider: app.provider.clone(),
        tagline: "Automate follow-ups".into(),
        description: String::new(),
        total_installs: 10,
        categories: vec!["Productivity".into()],
        collections: vec![],
        features: vec![],
        requirements: Requirements::default(),
        resources: Resources {
            documentation: None,
            setup_guide: None,
            provider_contact: None,
            supported_by: SupportedBy::Provider,
        },
        data_privacy: DataPrivacy { platform_policy_applies: false, provider_policy: None },
        pricing: vec![],
        shared_data: vec![],
        languages: vec!["en".into()],
        certified: true,
        workflow_actions: app.workflow_actions.clone(),
    }
}

fn apps() -> Vec<App> {
    vec![
        app("slack", "Slack", AppLevel::AccountLevel, vec![action("slack.notify", "Send a Slack notification")]),
        app(
            "asana",
            "asana",
            AppLevel::AccountLevel,
            vec![action("asana.task", "Create a task"), action("asana.project", "Create a project")],
        ),
        app("zoom", "Zoom", AppLevel::UserLevel, vec![action("zoom.meeting", "Create a meeting")]),
        app("drive", "Drive", AppLevel::AccountLevel, vec![]),
    ]
}

fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, false, true)).unwrap();
    d.add_user(user("mia", false, true, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    for a in apps() {
        d.add_app(a).unwrap();
    }
    Engine::new(d)
}

fn install(e: &mut Engine, app: &str, by: &str, at: DateTime<Utc>) {
    let install = Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None };
    e.execute(&Actor::User(by.into()), install, at).unwrap();
}

fn groups(e: &Engine, at: DateTime<Utc>) -> Vec<(String, Vec<String>)> {
    workflow_actions(e.directory(), e.state(), at)
        .into_iter()
        .map(|g| (g.app_name, g.actions.into_iter().map(|a| a.name).collect()))
        .collect()
}

#[test]
fn connected_apps_offer_their_actions_under_their_name() {
    let mut e = engine();
    assert!(groups(&e, t(0)).is_empty());
    for id in ["slack", "asana", "drive"] {
        install(&mut e, id, "mia", t(0));
    }
    install(&mut e, "zoom", "mia", t(0));
    assert_eq!(
        groups(&e, t(1)),
        [
            ("asana".to_owned(), vec!["Create a task".to_owned(), "Create a project".to_owned()]),
            ("Slack".to_owned(), vec!["Send a Slack notification".to_owned()]),
            ("Zoom".to_owned(), vec!["Create a meeting".to_owned()]),
        ]
    );

    // Disconnecting or uninstalling removes an app's actions; reconnecting brings them back.
    e.execute(&Actor::User("mia".into()), Command::Disconnect { app: "slack".into(), user: None }, t(2)).unwrap();
    let uninstall = Command::Uninstall { app: "asana".into(), user: None, confirmation: "uninstall".into() };
    e.execute(&Actor::User("mia".into()), uninstall, t(2)).unwrap();
    assert_eq!(groups(&e, t(2)).into_iter().map(|(n, _)| n).collect::<Vec<_>>(), ["Zoom"]);
    let reconnect = Command::Reconnect { app: "slack".into(), user: None, expires_at: Some(t(5)) };
    e.execute(&Actor::User("mia".into()), reconnect, t(3)).unwrap();
    assert_eq!(groups(&e, t(3)).len(), 2);
    // An expired grant fails the actions: they are gone once the expiry passes.
    assert_eq!(groups(&e, t(6)).len(), 1);
}

#[test]
fn the_workflow_editor_searches_apps_with_actions_and_starts_connecting() {
    let mut e = engine();
    let listings: Vec<Listing> = apps().iter().map(listing).collect();
    let m = Marketplace::new(listings).unwrap();
    install(&mut e, "slack", "mia", t(0));

    let found = m.workflow_search(e.directory(), e.state(), &"bob".into(), "", 10).unwrap();
    let names: Vec<&str> = found.iter().map(|h| h.hit.app.as_str()).collect();
    assert_eq!(names.len(), 3, "drive offers no actions: {names:?}");
    assert!(!names.contains(&"drive"));
    let slack = found.iter().find(|h| h.hit.app.as_str() == "slack").unwrap();
    assert!(slack.verdict.already_connected);
    assert_eq!(found[0].verdict.permission, InstallPermission::Request { admins: vec!["admin".into()] });
    let asana = m.workflow_search(e.directory(), e.state(), &"mia".into(), "AUTOMATE as", 10).unwrap();
    assert_eq!(asana.len(), 1);
    assert!(asana[0].verdict.can_install_now);

    // Connecting from the editor is an ordinary install with the same checks (I1–I4).
    let outcome = connect_from_workflow(&mut e, &m, &"asana".into(), &"mia".into(), t(1)).unwrap();
    assert!(matches!(outcome, Outcome::Applied { .. }));
    assert!(groups(&e, t(1)).iter().any(|(n, _)| n == "asana"));
    let before = e.events().len();
    let outcome = connect_from_workflow(&mut e, &m, &"zoom".into(), &"bob".into(), t(1)).unwrap();
    assert!(matches!(outcome, Outcome::InstallRequested(ref r) if r.admin.as_str() == "admin"));
    let err = connect_from_workflow(&mut e, &m, &"slack".into(), &"mia".into(), t(1)).unwrap_err();
    assert!(matches!(err, Error::Lifecycle(LifecycleError::AlreadyInstalled { .. })));
    let err = connect_from_workflow(&mut e, &m, &"drive".into(), &"mia".into(), t(1)).unwrap_err();
    assert_eq!(err, Error::Marketplace(MarketplaceError::NoWorkflowActions("drive".into())));
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = connect_from_workflow(&mut e, &m, &"nope".into(), &"mia".into(), t(1)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(e.events().len(), before + 1, "refusals log nothing; the request is queued (G2)");
    assert!(m.workflow_search(e.directory(), e.state(), &"ghost".into(), "", 10).is_err());
}

fn item(
    title: &str,
    kind: LearningKind,
    apps: &[&str],
    categories: &[&str],
    topics: &[LearningTopic],
    lang: &str,
) -> LearningItem {
    LearningItem {
        title: title.into(),
        link: format!("https://learn.example.com/{}", title.to_lowercase().replace(' ', "-")),
        kind,
        apps: apps.iter().map(|a| (*a).into()).collect(),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        topics: topics.to_vec(),
        language: lang.into(),
    }
}

fn library() -> LearningLibrary {
    use LearningKind::{Article, Course, Video};
    use LearningTopic::{ConnectionHealth, GeneralBestPractice, IntegrationBehaviour};
    LearningLibrary::new(vec![
        item("Slack alerts", Video, &["slack"], &[], &[], "en"),
        item("Alertes Slack", Video, &["slack"], &[], &[], "fr"),
        item("Slack en equipo", Article, &["slack"], &[], &[], "es"),
        item("Productivity basics", Course, &[], &["productivity"], &[GeneralBestPractice], "en"),
        item("Bases de productivité", Course, &[], &["Productivity"], &[], "fr"),
        item("Zoom webinars", Video, &["zoom"], &["Events"], &[], "en"),
        item("Reconnect expired apps", Article, &[], &[], &[ConnectionHealth], "en"),
        item("Reconnecter une app", Article, &[], &[], &[ConnectionHealth], "fr"),
        item("How syncs behave", Article, &["slack"], &[], &[IntegrationBehaviour, GeneralBestPractice], "en"),
    ])
    .unwrap()
}

fn titles(items: &[LearningItem]) -> Vec<&str> {
    items.iter().map(|i| i.title.as_str()).collect()
}

#[test]
fn learning_for_an_app_prefers_the_app_then_its_categories_then_the_language() {
    let lib = library();
    let productivity = vec!["Productivity".to_owned()];
    let fr = lib.for_app(&"slack".into(), &productivity, "fr", 10);
    assert_eq!(
        titles(&fr),
        [
            "Alertes Slack",
            "How syncs behave",
            "Slack alerts",
            "Slack en equipo",
            "Bases de productivité",
            "Productivity basics"
        ]
    );
    let en = lib.for_app(&"slack".into(), &productivity, "en", 3);
    assert_eq!(titles(&en), ["How syncs behave", "Slack alerts", "Alertes Slack"]);
    assert!(lib.for_app(&"drive".into(), &[], "en", 10).is_empty());
}

#[test]
fn learning_for_insights_is_grouped_by_topic_in_order() {
    let lib = library();
    let sections = lib.for_insights("fr", 10);
    let shape: Vec<(LearningTopic, Vec<&str>)> = sections.iter().map(|s| (s.topic, titles(&s.items))).collect();
    assert_eq!(
        shape,
        [
            (LearningTopic::GeneralBestPractice, vec!["Productivity basics", "How syncs behave"]),
            (LearningTopic::IntegrationBehaviour, vec!["How syncs behave"]),
            (LearningTopic::ConnectionHealth, vec!["Reconnecter une app", "Reconnect expired apps"]),
        ]
    );
    assert_eq!(lib.for_insights("en", 1)[2].items[0].title, "Reconnect expired apps");
}

#[test]
fn malformed_learning_items_are_refused() {
    let good = item("Ok", LearningKind::Guide, &[], &[], &[], "en");
    for (bad, reason) in [
        (LearningItem { title: " ".into(), ..good.clone() }, "empty title"),
        (LearningItem { link: String::new(), ..good.clone() }, "empty link"),
        (LearningItem { language: "EN".into(), ..good.clone() }, "language \"EN\""),
    ] {
        let err = LearningLibrary::new(vec![good.clone(), bad]).unwrap_err();
        assert!(
            matches!(&err, MarketplaceError::InvalidLearningItem { index: 1, reason: r } if r.contains(reason)),
            "{err}"
        );
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}

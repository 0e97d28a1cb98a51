#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Marketplace listings (M1), search (M2), filters (M3), language priority (M4), certification
//! (M5), install verdicts (I1–I3) and recommendations (H4).

use std::collections::BTreeSet;

use crate::common::{account, app, t, user};
use connected_apps::marketplace::{DataPrivacy, Requirements, Resources, SharedData, SupportedBy};
use connected_apps::{
    Actor, AppId, AppLevel, Command, Directory, Engine, ErrorKind, Filters, Hub, HubTier, InstallPermission, Listing,
    Marketplace, MarketplaceError, PricingFilter, PricingPlan, SearchQuery, SyncDirection, Tier, Upgrade,
};

const SAMPLE: &str = include_str!("../../../examples/data/marketplace.json");

fn plan(monthly: Option<f64>, trial: u32) -> PricingPlan {
    PricingPlan {
        name: "Plan".into(),
        currency: "USD".into(),
        monthly,
        annual_monthly: monthly.map(|m| m * 0.8),
        free_trial_days: trial,
    }
}

fn listing(app: &str, name: &str, installs: u64, categories: &[&str]) -> Listing {
    Listing {
        app: app.into(),
        name: name.into(),
        provider: "Acme Labs".into(),
        tagline: String::new(),
        description: String::new(),
        total_installs: installs,
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        collections: vec![],
        features: vec![],
        requirements: Requirements::default(),
        resources: Resources {
            documentation: Some(format!("https://docs.example.com/{app}")),
            setup_guide: None,
            provider_contact: None,
            supported_by: SupportedBy::Provider,
        },
        data_privacy: DataPrivacy { platform_policy_applies: false, provider_policy: None },
        pricing: vec![plan(Some(0.0), 0)],
        shared_data: vec![SharedData { object: "contacts".into(), direction: SyncDirection::TwoWay }],
        languages: vec!["en".into()],
        certified: true,
        workflow_actions: vec![],
    }
}

fn fixture() -> Vec<Listing> {
    let mut calendar = listing("calendar", "Calendar", 10, &["Productivity"]);
    calendar.tagline = "Book meetings".into();
    let mut google = listing("google-calendar", "Google Calendar", 500, &["Productivity"]);
    google.provider = "Google".into();
    let mut calendly = listing("calendly", "Calendly", 900, &["Sales", "Productivity"]);
    calendly.features = vec!["Meeting scheduling".into()];
    calendly.pricing = vec![plan(Some(0.0), 0), plan(Some(10.0), 14)];
    let mut scheduler = listing("scheduler", "Scheduler", 50, &["Productivity"]);
    scheduler.tagline = "Calendar sync for teams".into();
    scheduler.pricing = vec![plan(Some(25.0), 0)];
    scheduler.requirements.subscriptions = vec![HubTier { hub: Hub::Sales, tier: Tier::Enterprise }];
    let mut by_provider = listing("cal-tools", "Meeting Tools", 5, &["Calendaring"]);
    by_provider.provider = "Calvin & Co".into();
    let mut evenements = listing("evenements", "Événements Plus", 40, &["Events"]);
    evenements.languages = vec!["fr".into()];
    evenements.pricing = vec![plan(Some(19.0), 30)];
    let mut strasse = listing("strasse", "Straßen Kalender", 30, &["Productivity"]);
    strasse.languages = vec!["de".into(), "fr".into()];
    let mut hidden = listing("hidden", "Calendar Beta", 100_000, &["Productivity"]);
    hidden.certified = false;
    let mut crm = listing("crm-sync", "CRM Sync", 700, &["Sales"]);
    crm.collections = vec!["Staff picks".into()];
    crm.features = vec!["Two-way sync".into(), "Workflow actions".into()];
    crm.pricing = vec![plan(Some(49.0), 14)];
    vec![calendar, google, calendly, scheduler, by_provider, evenements, strasse, hidden, crm]
}

fn market() -> Marketplace {
    Marketplace::new(fixture()).unwrap()
}

fn apps(market: &Marketplace, query: &SearchQuery, language: &str) -> Vec<String> {
    market.search(query, language).unwrap().hits.into_iter().map(|h| h.app.0).collect()
}

fn q(text: &str) -> SearchQuery {
    SearchQuery::new(text)
}

#[test]
fn search_follows_the_documented_relevance_order() {
    let m = market();
    // Whole name (+100) > name prefix (+50) > name word by installs > provider word > tagline word.
    assert_eq!(apps(&m, &q("calendar"), "en"), ["calendar", "google-calendar", "cal-tools", "scheduler"]);
    // "cal" is a prefix: Calendly (name prefix + installs) before Calendar.
    assert_eq!(apps(&m, &q("cal"), "en"), ["calendly", "calendar", "google-calendar", "cal-tools", "scheduler"]);
    let hits = m.search(&q("calendar"), "en").unwrap().hits;
    assert!(hits[0].score > hits[1].score);
}

#[test]
fn search_is_case_and_diacritic_insensitive_with_word_prefixes() {
    let m = market();
    for text in ["evenements", "ÉVÉNEMENTS", "événem", "Evénements plus"] {
        assert_eq!(apps(&m, &q(text), "en"), ["evenements"], "{text}");
    }
    assert_eq!(apps(&m, &q("strasse kal"), "en"), ["strasse"]);
    assert_eq!(apps(&m, &q("STRAßE"), "en"), ["strasse"]);
    // Prefixes of words only, not inner substrings.
    assert!(apps(&m, &q("alendar"), "en").is_empty());
    // Every word must match (AND).
    assert_eq!(apps(&m, &q("google cal"), "en"), ["google-calendar"]);
    assert!(apps(&m, &q("google zebra"), "en").is_empty());
}

#[test]
fn only_certified_listings_are_searchable() {
    let m = market();
    let all = m.search(&q(""), "en").unwrap();
    assert_eq!(all.total, 8);
    assert!(all.hits.iter().all(|h| h.app.as_str() != "hidden"));
    assert!(!apps(&m, &q("beta"), "en").contains(&"hidden".to_owned()));
    // The listing itself stays readable (an off-marketplace app can still be connected).
    assert!(m.listing(&"hidden".into()).is_some());
}

#[test]
fn an_empty_query_returns_every_listing_by_installs() {
    let m = market();
    let expected =
        ["calendly", "crm-sync", "google-calendar", "scheduler", "evenements", "strasse", "calendar", "cal-tools"];
    for text in ["", "   ", "!!! ---"] {
        assert_eq!(apps(&m, &q(text), "en"), expected, "{text:?}");
    }
}

#[test]
fn a_ten_thousand_character_query_does_bounded_work() {
    let m = market();
    let long = "calendar ".repeat(1_200);
    assert!(long.chars().count() > 10_000);
    assert_eq!(apps(&m, &q(&long), "en"), apps(&m, &q("calendar"), "en"));
    let one_word = "x".repeat(10_000);
    assert_eq!(m.search(&q(&one_word), "en").unwrap().total, 0);
    // Repeated words count once, so the word after them still counts.
    assert!(apps(&m, &q(&format!("{} zebra", "cal ".repeat(20))), "en").is_empty());
    // Distinct words past MAX_QUERY_TERMS are ignored.
    let mut counted = listing("counted", "Counted", 1, &[]);
    counted.description = "one two three four five six seven eight".into();
    let m = Marketplace::new(vec![counted]).unwrap();
    assert_eq!(connected_apps::marketplace::MAX_QUERY_TERMS, 8);
    assert_eq!(apps(&m, &q("one two three four five six seven eight zebra"), "en"), ["counted"]);
    assert!(apps(&m, &q("zebra one two three four five six seven eight"), "en").is_empty());
}

#[test]
fn filters_combine_with_and() {
    let m = market();
    let mut query = q("");
    query.filters = Filters { categories: vec!["productivity".into()], ..Filters::default() };
    assert_eq!(apps(&m, &query, "en"), ["calendly", "google-calendar", "scheduler", "strasse", "calendar"]);
    query.filters.categories.push("SALES".into());
    assert_eq!(apps(&m, &query, "en"), ["calendly"]);
    query.filters = Filters { pricing: vec![PricingFilter::FreeTrial], ..Filters::default() };
    assert_eq!(apps(&m, &query, "en"), ["calendly", "crm-sync", "evenements"]);
    query.filters.pricing.push(PricingFilter::Free);
    assert_eq!(apps(&m, &query, "en"), ["calendly"]);
    query.filters = Filters { pricing: vec![PricingFilter::Paid], ..Filters::default() };
    assert_eq!(apps(&m, &query, "en"), ["calendly", "crm-sync", "scheduler", "evenements"]);
    query.filters = Filters {
        collections: vec!["Staff Picks".into()],
        features: vec!["two-way SYNC".into()],
        offers_workflow_actions: false,
        ..Filters::default()
    };
    assert_eq!(apps(&m, &query, "en"), ["crm-sync"]);
    // Words and filters together.
    let mut query = q("cal");
    query.filters.categories = vec!["Sales".into()];
    assert_eq!(apps(&m, &query, "en"), ["calendly"]);
}

#[test]
fn unknown_filter_values_are_typed_errors() {
    let m = market();
    for (filters, filter, value) in [
        (Filters { categories: vec!["Astrology".into()], ..Filters::default() }, "category", "Astrology"),
        (Filters { collections: vec!["Nope".into()], ..Filters::default() }, "collection", "Nope"),
        (Filters { features: vec!["Teleport".into()], ..Filters::default() }, "feature", "Teleport"),
    ] {
        let err = m.search(&SearchQuery { filters, ..q("cal") }, "en").unwrap_err();
        assert_eq!(err, MarketplaceError::UnknownFilterValue { filter, value: value.into() });
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    // Values some listing carries but no certified listing matches are fine (empty result).
    assert_eq!(m.categories(), ["Calendaring", "Events", "Productivity", "Sales"]);
}

#[test]
fn listings_in_the_account_language_come_first() {
    let m = market();
    let fr = apps(&m, &q(""), "fr");
    assert_eq!(&fr[..2], ["evenements", "strasse"]);
    let de = apps(&m, &q("kal"), "de");
    assert_eq!(de, ["strasse"]);
    // English and languages outside the list get no priority.
    assert_eq!(apps(&m, &q(""), "en")[0], "calendly");
    assert_eq!(apps(&m, &q(""), "pl")[0], "calendly");
    let hits = m.search(&q(""), "fr").unwrap().hits;
    assert!(hits[0].language_match && !hits[2].language_match);
}

#[test]
fn pages_follow_the_full_order() {
    let m = market();
    for text in ["", "cal"] {
        let mut all = q(text);
        all.limit = 100;
        let full = apps(&m, &all, "fr");
        let mut paged = Vec::new();
        for offset in (0..full.len() + 2).step_by(3) {
            let page = SearchQuery { offset, limit: 3, ..q(text) };
            let results = m.search(&page, "fr").unwrap();
            assert_eq!(results.total, full.len());
            paged.extend(results.hits.into_iter().map(|h| h.app.0));
        }
        assert_eq!(paged, full);
    }
}

#[test]
fn bad_listings_are_refused() {
    let cases: Vec<(Listing, &str)> = vec![
        (Listing { name: " ".into(), ..listing("a", "A", 1, &[]) }, "empty name"),
        (Listing { provider: String::new(), ..listing("a", "A", 1, &[]) }, "empty provider"),
        (Listing { pricing: vec![plan(Some(-1.0), 0)], ..listing("a", "A", 1, &[]) }, "price -1"),
        (Listing { pricing: vec![plan(Some(f64::NAN), 0)], ..listing("a", "A", 1, &[]) }, "price NaN"),
        (Listing { pricing: vec![plan(Some(f64::INFINITY), 0)], ..listing("a", "A", 1, &[]) }, "price inf"),
        (Listing { pricing: vec![plan(None, 0)], ..listing("a", "A", 1, &[]) }, "has no price"),
        (Listing { languages: vec!["french".into()], ..listing("a", "A", 1, &[]) }, "language \"french\""),
        (listing("a", "A", 1, &[""]), "empty category"),
    ];
    for (bad, reason) in cases {
        let err = Marketplace::new(vec![listing("ok", "Ok", 1, &[]), bad]).unwrap_err();
        match &err {
            MarketplaceError::InvalidListing { app, reason: r } => {
                assert_eq!(app.as_str(), "a");
                assert!(r.contains(reason), "{r} should mention {reason}");
            }
            other => panic!("unexpected {other}"),
        }
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    let err = Marketplace::new(vec![listing("a", "A", 1, &[]), listing("a", "B", 1, &[])]).unwrap_err();
    assert_eq!(err, MarketplaceError::DuplicateListing("a".into()));
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(matches!(Marketplace::from_json("[{\"app\": 1}]"), Err(MarketplaceError::Json(_))));
    let as_error: connected_apps::Error = err.into();
    assert_eq!(as_error.kind(), ErrorKind::Conflict);
}

#[test]
fn the_bundled_sample_marketplace_is_valid_and_varied() {
    let m = Marketplace::from_json(SAMPLE).unwrap();
    assert!(m.listings().len() >= 60);
    assert!(m.listings().iter().filter(|l| !l.certified).count() >= 1);
    assert!(m.listings().iter().filter(|l| !l.requirements.subscriptions.is_empty()).count() >= 5);
    assert!(m.categories().len() >= 8);
    let languages: BTreeSet<&str> = m.listings().iter().flat_map(|l| l.languages.iter().map(String::as_str)).collect();
    for lang in ["es", "fr", "de", "pt", "ja", "nl", "it"] {
        assert!(languages.contains(lang), "{lang}");
    }
    let fr = m.search(&q(""), "fr").unwrap();
    assert!(fr.hits[0].language_match);
    // A sample JSON round trip keeps every field.
    let again = serde_json::to_string(m.listings()).unwrap();
    assert_eq!(Marketplace::from_json(&again).unwrap().listings(), m.listings());
}

/// The index agrees with a direct scan: every query word a prefix of some listing word.
#[test]
fn search_agrees_with_a_direct_scan_of_the_sample() {
    let m = Marketplace::from_json(SAMPLE).unwrap();
    let fold = |s: &str| {
        s.to_lowercase()
            .replace(['é', 'è', 'ê'], "e")
            .replace('á', "a")
            .replace('ü', "u")
            .replace('ã', "a")
            .replace('ñ', "n")
            .replace('ß', "ss")
    };
    let words = |s: &str| {
        fold(s).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect::<Vec<_>>()
    };
    for text in ["sync", "s", "two way", "calendar meet", "invoice", "facture", "ventas", "zap", "data", "営業", "hub"]
    {
        let mut query = q(text);
        query.limit = 1_000;
        let found: BTreeSet<String> = apps(&m, &query, "en").into_iter().collect();
        let expected: BTreeSet<String> = m
            .listings()
            .iter()
            .filter(|l| l.certified)
            .filter(|l| {
                let own = words(
                    &[
                        l.name.as_str(),
                        &l.provider,
                        &l.categories.join(" "),
                        &l.collections.join(" "),
                        &l.features.join(" "),
                        &l.tagline,
                        &l.description,
                    ]
                    .join(" "),
                );
                words(text).iter().all(|t| own.iter().any(|w| w.starts_with(t.as_str())))
            })
            .map(|l| l.app.0.clone())
            .collect();
        assert_eq!(found, expected, "{text}");
    }
}

// ---- install verdicts and recommendations ----

/// Sales Professional; calendly (user-level) connected by mia, crm-sync installed.
fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, false, true)).unwrap();
    d.add_user(user("mia", false, true, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    d.add_user(user("zed", false, true, false)).unwrap();
    d.add_app(app("calendly", AppLevel::UserLevel)).unwrap();
    d.add_app(app("crm-sync", AppLevel::AccountLevel)).unwrap();
    let mut e = Engine::new(d);
    for id in ["calendly", "crm-sync"] {
        let install = Command::Install { app: id.into(), scopes: None, expires_at: None, request_admin: None };
        e.execute(&Actor::User("mia".into()), install, t(0)).unwrap();
    }
    e
}

#[test]
fn install_verdicts_tell_connected_upgrades_and_permission() {
    let m = market();
    let e = engine();
    let (d, s) = (e.directory(), e.state());
    let verdict = |app: &str, user: &str| m.install_verdict(d, s, &AppId::from(app), &user.into()).unwrap();

    let crm = verdict("crm-sync", "mia");
    assert!(crm.already_connected && !crm.can_install_now);
    // A user-level app is connected per user: mia has it, admin may connect their own.
    assert!(verdict("calendly", "mia").already_connected);
    let admin = verdict("calendly", "admin");
    assert!(!admin.already_connected && admin.can_install_now);
    assert_eq!(admin.permission, InstallPermission::Install);

    let scheduler = verdict("scheduler", "mia");
    assert!(!scheduler.requirements_met() && !scheduler.can_install_now);
    assert_eq!(scheduler.upgrades, vec![Upgrade { hub: Hub::Sales, tier: Tier::Enterprise, from: Tier::Professional }]);

    let bob = verdict("google-calendar", "bob");
    assert_eq!(bob.permission, InstallPermission::Request { admins: vec!["admin".into()] });
    assert!(bob.requirements_met() && !bob.can_install_now);
    // Off-marketplace listings still get a verdict.
    assert!(verdict("hidden", "mia").can_install_now);

    let err = m.install_verdict(d, s, &"nope".into(), &"mia".into()).unwrap_err();
    assert_eq!((err.kind(), err.to_string()), (ErrorKind::NotFound, "no listing of app \"nope\"".to_owned()));
    let err = m.install_verdict(d, s, &"calendar".into(), &"ghost".into()).unwrap_err();
    assert_eq!(err, MarketplaceError::UnknownUser("ghost".into()));
    let err = m.install_verdict(d, s, &"calendar".into(), &"zed".into()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
}

#[test]
fn recommendations_rank_installable_listings_by_category_affinity() {
    let m = market();
    let e = engine();
    let recs = m.recommendations(e.directory(), e.state(), 10);
    let ids: Vec<&str> = recs.iter().map(|r| r.app.as_str()).collect();
    // Installed (calendly, crm-sync), uncertified (hidden) and unmet requirements (scheduler) are
    // left out. Sales+Productivity (calendly) and Sales (crm-sync) are installed: Productivity
    // listings score 1, Events and Calendaring 0; then installs.
    assert_eq!(ids, ["google-calendar", "strasse", "calendar", "evenements", "cal-tools"]);
    assert_eq!(recs[0].affinity, 1);
    assert_eq!(recs[3].affinity, 0);
    assert_eq!(m.recommendations(e.directory(), e.state(), 2).len(), 2);

    // A French account sees its language first among equal affinity.
    let mut fr = e.clone();
    let mut account = fr.directory().account().clone();
    account.default_language = "fr".into();
    fr.directory_mut().set_account(account).unwrap();
    let ids: Vec<String> = m.recommendations(fr.directory(), fr.state(), 10).into_iter().map(|r| r.app.0).collect();
    assert_eq!(ids, ["strasse", "google-calendar", "calendar", "evenements", "cal-tools"]);
}

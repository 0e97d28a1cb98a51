//! The capacity errors, reached with the core's test-only lower caps instead of 2^32 rows:
//! `LifecycleError::LogFull` on every path that appends to the log (commands, governance,
//! `append`/`append_all`, NDJSON import, columnar ingest on the column and the exact way),
//! `InsightsError::TooManyRows` and `MarketplaceError::TooManyListings`. Each is accepted exactly
//! at its cap and refused one past it, with the error's value, row and message checked and the
//! engine (JSON snapshot and log length) left exactly as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use chrono::Duration;
use connected_apps::ingest::{IngestPath, NO_USER, Threads, type_code};
use connected_apps::limits::{MAX_EVENTS, MAX_LISTINGS, MAX_RECORD_BATCH_ROWS};
use connected_apps::{
    ActivityType, Actor, AppLevel, ApprovalGrant, Command, Directory, Engine, Error, ErrorKind, Event, EventColumns,
    EventId, EventKind, IngestError, InsightsError, LifecycleError, Listing, Marketplace, MarketplaceError, Outcome,
    RecordAggregate, RecordEventColumns, events_to_ndjson,
};

use connected_apps::import::import_security_activity;

use crate::common::{account, app, t, user};

/// The log's cap in these tests.
const CAP: usize = 10;

/// The error of the first event past [`CAP`].
const FULL: LifecycleError = LifecycleError::LogFull(CAP + 1);

/// ann (super admin) installs crm; bob may not install (his installs become requests); erp is
/// free to install. The log holds at most [`CAP`] events.
fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("ann", true, true, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    d.add_app(app("crm", AppLevel::AccountLevel)).unwrap();
    d.add_app(app("erp", AppLevel::AccountLevel)).unwrap();
    let mut e = Engine::new(d);
    assert_eq!(e.limit_log_len(CAP), CAP);
    e.execute(&ann(), install("crm"), t(0)).unwrap();
    e
}

fn ann() -> Actor {
    Actor::User("ann".into())
}

fn install(app: &str) -> Command {
    Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None }
}

/// An app-activity event of crm with id `id`, `id` minutes after t(1).
fn activity(id: u64) -> Event {
    Event {
        id: EventId(id),
        at: t(1) + Duration::minutes(id as i64),
        app: "crm".into(),
        user: None,
        actor: None,
        kind: EventKind::AppActivity,
    }
}

/// [`engine`] with crm's activity appended until the log holds `len` events (ids 2..=len).
fn filled(len: usize) -> Engine {
    let mut e = engine();
    e.append_all((2..=len as u64).map(activity)).unwrap();
    assert_eq!(e.events().len(), len);
    e
}

/// Runs `f`, which must fail, and checks that the engine's snapshot and log length did not
/// change; returns the error.
fn refused<T: std::fmt::Debug, E>(e: &mut Engine, f: impl FnOnce(&mut Engine) -> Result<T, E>) -> E {
    let (json, len) = (e.to_json().unwrap(), e.events().len());
    let Err(error) = f(e) else { panic!("accepted past the cap") };
    assert_eq!(e.events().len(), len, "log length changed");
    assert_eq!(e.to_json().unwrap(), json, "snapshot changed");
    error
}

#[test]
fn the_log_full_error_names_the_events_and_is_invalid_input() {
    assert_eq!(FULL.to_string(), "log of 11 events is over the limit of 4294967294");
    assert_eq!(FULL.kind(), ErrorKind::InvalidInput);
    assert_eq!(MAX_EVENTS, 4_294_967_294);
}

#[test]
fn commands_fill_the_log_to_the_cap_and_no_further() {
    let report = || Command::ReportActivity { app: "crm".into(), user: None };
    let mut e = filled(CAP - 1);
    assert_eq!(e.execute(&ann(), report(), t(2)).unwrap(), Outcome::Applied { event: EventId(CAP as u64) });
    assert_eq!(e.events().len(), CAP);
    assert_eq!(refused(&mut e, |e| e.execute(&ann(), report(), t(2))), FULL);
    // The install path: a direct install, and an install turned into an access request.
    assert_eq!(refused(&mut e, |e| e.execute(&ann(), install("erp"), t(2))), FULL);
    assert_eq!(refused(&mut e, |e| e.execute(&Actor::User("bob".into()), install("erp"), t(2))), FULL);
    assert!(e.access_request(&"erp".into(), &"bob".into()).is_none());

    // Just inside: the install and the request take the last slot.
    let mut e = filled(CAP - 1);
    e.execute(&ann(), install("erp"), t(2)).unwrap();
    assert_eq!(e.events().len(), CAP);
    let mut e = filled(CAP - 1);
    let outcome = e.execute(&Actor::User("bob".into()), install("erp"), t(2)).unwrap();
    assert!(matches!(outcome, Outcome::InstallRequested(_)), "{outcome:?}");
    assert_eq!(e.events().len(), CAP);
}

#[test]
fn a_governance_decision_of_two_events_lands_whole_or_not_at_all() {
    let approve =
        |e: &mut Engine| e.approve_request(&"ann".into(), &"erp".into(), &"bob".into(), ApprovalGrant::Install, t(3));
    // Request at CAP - 2, approval and install fill the last two slots.
    let mut e = filled(CAP - 3);
    e.execute(&Actor::User("bob".into()), install("erp"), t(2)).unwrap();
    assert_eq!(approve(&mut e).unwrap().len(), 2);
    assert_eq!(e.events().len(), CAP);
    // One slot left: the approval fits, the install does not; both are rolled back.
    let mut e = filled(CAP - 2);
    e.execute(&Actor::User("bob".into()), install("erp"), t(2)).unwrap();
    assert_eq!(refused(&mut e, approve), FULL);
    assert!(e.access_request(&"erp".into(), &"bob".into()).unwrap().is_open_at(t(3)));
}

#[test]
fn appends_and_ndjson_imports_stop_exactly_at_the_cap() {
    let mut e = filled(CAP - 2);
    assert_eq!(e.append_all([activity(9), activity(10)]).unwrap(), 2);
    assert_eq!(e.events().len(), CAP);
    assert_eq!(refused(&mut e, |e| e.append(activity(11))), FULL);
    assert_eq!(refused(&mut e, |e| e.append_all([activity(11)])), (0, FULL));

    let mut e = filled(CAP - 2);
    assert_eq!(refused(&mut e, |e| e.append_all((9..=11).map(activity))), (2, FULL));
    let three = events_to_ndjson((9..=11).map(activity)).unwrap();
    let error = refused(&mut e, |e| e.import_ndjson(&three));
    assert!(matches!(&error, Error::Lifecycle(f) if *f == FULL), "{error:?}");
    assert_eq!(error.to_string(), FULL.to_string());
    assert_eq!(e.import_ndjson(&events_to_ndjson((9..=10).map(activity)).unwrap()).unwrap(), 2);
    assert_eq!(e.events().len(), CAP);
}

/// Owned ingest columns of crm's activity: `ids` at one minute apart from t(2).
struct Batch {
    ids: Vec<u64>,
    at: Vec<i64>,
    types: Vec<u8>,
    apps: Vec<u32>,
    actors: Vec<u32>,
    app_dictionary: Vec<String>,
    user_dictionary: Vec<String>,
}

impl Batch {
    fn new(ids: impl IntoIterator<Item = u64>) -> Self {
        let ids: Vec<u64> = ids.into_iter().collect();
        let at = (0..ids.len()).map(|i| (t(2) + Duration::minutes(i as i64)).timestamp_micros()).collect();
        let n = ids.len();
        Self {
            ids,
            at,
            types: vec![type_code(ActivityType::AppActivity); n],
            apps: vec![0; n],
            actors: vec![NO_USER; n],
            app_dictionary: vec!["crm".into()],
            user_dictionary: vec!["ann".into()],
        }
    }

    fn columns(&self) -> EventColumns<'_> {
        EventColumns {
            ids: &self.ids,
            at_micros: &self.at,
            types: &self.types,
            apps: &self.apps,
            app_dictionary: &self.app_dictionary,
            users: None,
            actors: Some(&self.actors),
            user_dictionary: &self.user_dictionary,
        }
    }
}

#[test]
fn the_column_path_fills_the_log_to_the_cap_and_refuses_the_row_past_it() {
    for threads in [Threads::One, Threads::Two, Threads::Auto] {
        let mut e = filled(5);
        let (result, path) = e.ingest_events_traced(&Batch::new(6..=10).columns(), threads);
        assert_eq!((result, path), (Ok(5), IngestPath::Columns));
        assert_eq!(e.events().len(), CAP);
        assert_eq!(e.events().last().unwrap().id, EventId(10));

        let mut e = filled(5);
        let batch = Batch::new(6..=11);
        let error = refused(&mut e, |e| {
            let (result, path) = e.ingest_events_traced(&batch.columns(), threads);
            assert_eq!(path, IngestPath::Exact);
            result
        });
        assert_eq!(error, IngestError::Rejected { row: 5, source: FULL });
        assert_eq!(error.to_string(), "row 5: log of 11 events is over the limit of 4294967294");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        // The public entry point gives the same.
        assert_eq!(refused(&mut e, |e| e.ingest_events(&batch.columns())), error);
    }
}

#[test]
fn the_exact_way_fills_the_log_to_the_cap_and_refuses_the_row_past_it() {
    // Ids counting down: the column check cannot decide, the exact way does.
    let mut e = filled(5);
    let (result, path) = e.ingest_events_traced(&Batch::new((6..=10).rev()).columns(), Threads::One);
    assert_eq!((result, path), (Ok(5), IngestPath::Exact));
    assert_eq!(e.events().len(), CAP);
    assert_eq!(e.events().last().unwrap().id, EventId(6));

    let mut e = filled(5);
    let batch = Batch::new((6..=11).rev());
    let error = refused(&mut e, |e| e.ingest_events_traced(&batch.columns(), Threads::One).0);
    assert_eq!(error, IngestError::Rejected { row: 5, source: FULL });
    // A full log refuses the first row of any batch.
    let mut e = filled(CAP);
    for batch in [Batch::new([11]), Batch::new([12, 11])] {
        assert_eq!(
            refused(&mut e, |e| e.ingest_events(&batch.columns())),
            IngestError::Rejected { row: 0, source: FULL }
        );
    }
}

#[test]
fn a_batch_past_the_cap_is_judged_like_its_rows_appended_one_by_one() {
    // Row 1 repeats row 0's id: appending one by one refuses row 1, before the cap (row 5).
    let mut e = filled(5);
    let mut batch = Batch::new(6..=13);
    batch.ids[1] = 6;
    let error = refused(&mut e, |e| e.ingest_events(&batch.columns()));
    assert_eq!(error, IngestError::Rejected { row: 1, source: LifecycleError::DuplicateEventId(EventId(6)) });
    // Row 7, past the cap, cannot be an event: every row is decoded before any is appended.
    let mut batch = Batch::new(6..=13);
    batch.types[7] = 99;
    let error = refused(&mut e, |e| e.ingest_events(&batch.columns()));
    assert_eq!(error, IngestError::UnsupportedType { row: 7, code: 99 });
    // Unequal columns are refused first, as for any batch.
    let mut batch = Batch::new(6..=13);
    batch.apps.pop();
    assert!(matches!(refused(&mut e, |e| e.ingest_events(&batch.columns())), IngestError::ColumnLength(_)));
}

#[test]
fn a_cap_below_the_log_refuses_every_append_and_is_never_above_the_limit() {
    let mut e = filled(5);
    assert_eq!(e.limit_log_len(3), 3);
    let six = LifecycleError::LogFull(6);
    assert_eq!(refused(&mut e, |e| e.append(activity(6))), six);
    assert_eq!(
        refused(&mut e, |e| e.ingest_events(&Batch::new([6]).columns())),
        IngestError::Rejected { row: 0, source: six.clone() }
    );
    let report = Command::ReportActivity { app: "crm".into(), user: None };
    assert_eq!(refused(&mut e, |e| e.execute(&ann(), report, t(2))), six);
    assert_eq!(e.limit_log_len(usize::MAX), MAX_EVENTS);
    e.append(activity(6)).unwrap();
}

#[test]
fn clones_keep_the_cap_and_a_restored_snapshot_has_the_default() {
    let mut e = filled(CAP);
    let mut copy = e.clone();
    assert_eq!(refused(&mut copy, |c| c.append(activity(11))), FULL);
    let mut restored = Engine::from_json(&e.to_json().unwrap()).unwrap();
    assert_eq!(restored.events(), e.events());
    restored.append_all((11..=12).map(activity)).unwrap();
    assert_eq!(restored.events().len(), CAP + 2);
    assert_eq!(refused(&mut e, |e| e.append(activity(11))), FULL);
}

/// Record-event columns of creations of contacts by crm, a minute apart.
struct Records {
    at: Vec<i64>,
    /// The app and record-type codes (both dictionaries hold one entry).
    codes: Vec<u32>,
    actions: Vec<u8>,
    apps: Vec<String>,
    types: Vec<String>,
}

impl Records {
    fn new(rows: usize) -> Self {
        Self {
            at: (0..rows).map(|i| (t(0) + Duration::minutes(i as i64)).timestamp_micros()).collect(),
            codes: vec![0; rows],
            actions: vec![0; rows],
            apps: vec!["crm".into()],
            types: vec!["contacts".into()],
        }
    }

    fn view(&self) -> RecordEventColumns<'_> {
        RecordEventColumns {
            at_micros: &self.at,
            apps: &self.codes,
            app_dictionary: &self.apps,
            record_types: &self.codes,
            record_type_dictionary: &self.types,
            actions: &self.actions,
        }
    }
}

#[test]
fn record_batches_are_counted_up_to_the_row_cap_and_refused_past_it() {
    assert_eq!(MAX_RECORD_BATCH_ROWS, u32::MAX as usize);
    let at_cap = Records::new(CAP);
    for threads in [None, Some(1), Some(3)] {
        let aggregate = RecordAggregate::from_columns_on(&at_cap.view(), threads, CAP).unwrap();
        assert_eq!(aggregate, RecordAggregate::from_columns(&at_cap.view()).unwrap());
        assert_eq!(aggregate.cells().iter().map(|c| c.count).sum::<u64>(), CAP as u64);
        let past = Records::new(CAP + 1);
        let error = RecordAggregate::from_columns_on(&past.view(), threads, CAP).unwrap_err();
        assert_eq!(error, InsightsError::TooManyRows(CAP + 1));
        assert_eq!(error.to_string(), "batch of 11 rows is over the limit of 4294967295");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }
    // Refused before any row is read: a bad code in the batch does not matter.
    let mut past = Records::new(CAP + 1);
    past.codes[3] = 7;
    assert_eq!(RecordAggregate::from_columns_on(&past.view(), None, CAP), Err(InsightsError::TooManyRows(CAP + 1)));
    // A cap above the limit is the limit: the batch is counted as `from_columns` counts it.
    assert_eq!(
        RecordAggregate::from_columns_on(&at_cap.view(), None, usize::MAX).unwrap(),
        RecordAggregate::from_columns(&at_cap.view()).unwrap()
    );
}

/// `n` listings of distinct apps, from the bundled sample's first.
fn listings(n: usize) -> Vec<Listing> {
    let sample: Vec<Listing> = serde_json::from_str(include_str!("../../../examples/data/marketplace.json")).unwrap();
    (0..n).map(|i| Listing { app: format!("app-{i}").into(), ..sample[0].clone() }).collect()
}

#[test]
fn a_marketplace_holds_listings_up_to_the_cap_and_refuses_past_it_before_reading_them() {
    assert_eq!(MAX_LISTINGS, 1 << 30);
    let market = Marketplace::with_max_listings(listings(CAP), CAP).unwrap();
    assert_eq!(market.listings().len(), CAP);
    assert!(market.listing(&"app-9".into()).is_some());
    let error = Marketplace::with_max_listings(listings(CAP + 1), CAP).unwrap_err();
    assert_eq!(error, MarketplaceError::TooManyListings(CAP + 1));
    assert_eq!(error.to_string(), "11 listings are over the limit of 1073741824");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    // Nothing is read past the cap: an invalid or a duplicate listing is not reached.
    let mut bad = listings(CAP + 1);
    bad[0].name = String::new();
    assert_eq!(
        Marketplace::with_max_listings(bad.clone(), CAP).unwrap_err(),
        MarketplaceError::TooManyListings(CAP + 1)
    );
    assert!(matches!(Marketplace::with_max_listings(bad, CAP + 1), Err(MarketplaceError::InvalidListing { .. })));
    let mut twice = listings(CAP + 1);
    twice[1].app = twice[0].app.clone();
    assert_eq!(Marketplace::with_max_listings(twice, CAP).unwrap_err(), MarketplaceError::TooManyListings(CAP + 1));
    // A cap above the limit is the limit.
    assert_eq!(Marketplace::with_max_listings(listings(3), usize::MAX).unwrap().listings(), listings(3).as_slice());
}

#[test]
fn platform_imports_skip_and_report_the_events_past_the_cap() {
    // The history holds three events (install, uninstall, reinstall of gmail).
    let history = crate::import::fixture("security_activity.json");
    let mut e = crate::import::engine_with(AppLevel::AccountLevel);
    e.limit_log_len(3);
    assert_eq!(import_security_activity(&mut e, &history).unwrap().imported, 3);
    let mut e = crate::import::engine_with(AppLevel::AccountLevel);
    e.limit_log_len(2);
    let report = import_security_activity(&mut e, &history).unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(report.skipped.get("refused by the engine"), Some(&1), "{report:?}");
    assert_eq!(e.events().len(), 2);
}

//! Columnar ingest against the exact way: any batch, valid or not, must give what validating its
//! events one by one gives — the same count or the same error (row and reason), the same log and
//! the same state — whichever way the engine takes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use crate::common::{CYCLE, account, app, t, user};
use chrono::{DateTime, Duration, Utc};
use connected_apps::ingest::{NO_USER, type_code};
use connected_apps::{
    ActivityFilter, ActivityIndex, ActivityType, Actor, AppLevel, Command, Directory, Engine, EventColumns, EventId,
    EventKind, IngestError,
};
use proptest::prelude::*;

/// Two account-level apps and a user-level one; ann and bob connected to it, cat deactivated.
fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    for (id, admin, active) in [("ann", true, true), ("bob", false, true), ("cat", false, false), ("dan", false, true)]
    {
        d.add_user(user(id, admin, true, active)).unwrap();
    }
    d.add_app(app("crm", AppLevel::AccountLevel)).unwrap();
    d.add_app(app("erp", AppLevel::AccountLevel)).unwrap();
    d.add_app(app("mail", AppLevel::UserLevel)).unwrap();
    let mut e = Engine::new(d);
    for (actor, app_id) in [("ann", "crm"), ("ann", "mail"), ("bob", "mail"), ("ann", "erp")] {
        let install = Command::Install { app: app_id.into(), scopes: None, expires_at: None, request_admin: None };
        e.execute(&Actor::User(actor.into()), install, t(0)).unwrap();
    }
    // A grant that expires during the batches, so the clock matters to the transitions.
    let reconnect =
        Command::Reconnect { app: "erp".into(), user: None, expires_at: Some(t(1) + Duration::minutes(30)) };
    e.execute(&Actor::User("ann".into()), Command::Disconnect { app: "erp".into(), user: None }, t(1)).unwrap();
    e.execute(&Actor::User("ann".into()), reconnect, t(1)).unwrap();
    e
}

const APPS: [&str; 4] = ["crm", "mail", "erp", "nope"];
const USERS: [&str; 4] = ["ann", "bob", "cat", "zed"];

#[derive(Debug, Clone)]
struct Row {
    id_step: u64,
    gap_s: i64,
    ty: u8,
    app: u32,
    user: u32,
    actor: u32,
}

/// The code of the second "crm" and the second "ann" in the batches' dictionaries.
const ALIAS: u32 = 4;
/// The fixture's connections as (app code, user code) in `APPS` / `USERS`.
const CONNECTIONS: [(u32, u32); 4] = [(0, NO_USER), (2, NO_USER), (1, 0), (1, 1)];

/// A step: which connection moves on its cycle, who acts, how long after the previous row, and
/// now and then one field spoiled (a random type, app, user, actor, a repeated id or a step back
/// in time), so that batches are mostly valid and sometimes refused at any row.
#[derive(Debug, Clone)]
struct Step {
    connection: usize,
    /// Name crm and ann by their alias codes (the dictionaries list them twice).
    alias: bool,
    actor: u32,
    gap_s: i64,
    spoil: Option<(u8, u32)>,
}

fn arb_step() -> impl Strategy<Value = Step> {
    let actor = prop_oneof![Just(NO_USER), 0u32..3];
    let spoil = prop_oneof![80 => Just(None), 1 => (0u8..7, 0u32..20).prop_map(Some)];
    (0usize..4, any::<bool>(), actor, 0i64..600, spoil).prop_map(|(connection, alias, actor, gap_s, spoil)| Step {
        connection,
        alias,
        actor,
        gap_s,
        spoil,
    })
}

fn rows(steps: &[Step], walked: &mut [usize; 4]) -> Vec<Row> {
    steps
        .iter()
        .map(|s| {
            let (app, user) = CONNECTIONS[s.connection];
            let ty = type_code(CYCLE[walked[s.connection] % CYCLE.len()]);
            walked[s.connection] += 1;
            let alias = |code: u32| if s.alias && code == 0 { ALIAS } else { code };
            let mut row =
                Row { id_step: 1, gap_s: s.gap_s, ty, app: alias(app), user: alias(user), actor: alias(s.actor) };
            match s.spoil {
                Some((0, x)) => row.ty = x as u8,
                Some((1, x)) => row.app = x % 5,
                Some((2, x)) => row.user = if x % 3 == 0 { NO_USER } else { x % 5 },
                Some((3, x)) => row.actor = x % 5,
                Some((4, _)) => row.id_step = 0,
                Some((5, x)) => row.gap_s = -i64::from(x % 3) - 1,
                Some((_, x)) => row.id_step = u64::from(x),
                None => {}
            }
            row
        })
        .collect()
}

struct Batch {
    ids: Vec<u64>,
    at: Vec<i64>,
    types: Vec<u8>,
    apps: Vec<u32>,
    users: Vec<u32>,
    actors: Vec<u32>,
    app_dictionary: Vec<String>,
    user_dictionary: Vec<String>,
}

impl Batch {
    fn new(rows: &[Row], first_id: u64, start: DateTime<Utc>, shuffle_dictionaries: bool) -> Self {
        let mut app_dictionary: Vec<String> = APPS.iter().map(|s| (*s).to_owned()).collect();
        let mut user_dictionary: Vec<String> = USERS.iter().map(|s| (*s).to_owned()).collect();
        // Shuffled dictionaries name the same apps and users by other codes.
        let (n_apps, n_users) = (APPS.len() as u32, USERS.len() as u32);
        let recode_app = |c: u32| if shuffle_dictionaries && c < n_apps { n_apps - 1 - c } else { c };
        let recode_user = |c: u32| if shuffle_dictionaries && c < n_users { (c + n_users - 1) % n_users } else { c };
        if shuffle_dictionaries {
            app_dictionary.reverse();
            user_dictionary.rotate_left(1);
        }
        // Aliases: the same app and user again, past the codes the rows use unless spoiled.
        app_dictionary.push("crm".into());
        user_dictionary.push("ann".into());
        let (mut id, mut at) = (first_id, start.timestamp_micros());
        let mut b = Batch {
            ids: vec![],
            at: vec![],
            types: vec![],
            apps: vec![],
            users: vec![],
            actors: vec![],
            app_dictionary,
            user_dictionary,
        };
        for r in rows {
            id = id.saturating_add(r.id_step);
            at += r.gap_s * 1_000_000 + 1;
            b.ids.push(id);
            b.at.push(at);
            b.types.push(r.ty);
            b.apps.push(recode_app(r.app));
            b.users.push(recode_user(r.user));
            b.actors.push(recode_user(r.actor));
        }
        b
    }

    /// The batch as columns; without a user column when no row has a connection user.
    fn columns(&self) -> EventColumns<'_> {
        let with_users = self.users.iter().any(|u| *u != NO_USER);
        EventColumns {
            ids: &self.ids,
            at_micros: &self.at,
            types: &self.types,
            apps: &self.apps,
            app_dictionary: &self.app_dictionary,
            users: with_users.then_some(self.users.as_slice()),
            actors: Some(&self.actors),
            user_dictionary: &self.user_dictionary,
        }
    }
}

/// What appending the batch's events one by one gives.
fn exact(engine: &mut Engine, columns: &EventColumns<'_>) -> Result<usize, IngestError> {
    let events = columns.to_events()?;
    engine.append_all(events).map_err(|(row, source)| IngestError::Rejected { row, source })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn columnar_ingest_equals_the_exact_way(
        steps in proptest::collection::vec(arb_step(), 1..80),
        more_steps in proptest::collection::vec(arb_step(), 1..30),
        first_id in prop_oneof![4 => Just(100u64), 1 => Just(3u64), 1 => Just(u64::MAX - 5_000)],
        shuffle in any::<bool>(),
    ) {
        let mut walked = [0usize; 4];
        let rows = rows(&steps, &mut walked);
        let more = self::rows(&more_steps, &mut walked);
        let batch = Batch::new(&rows, first_id, t(1), shuffle);
        let columns = batch.columns();
        let (mut columnar, mut reference) = (engine(), engine());
        let got = columnar.ingest_events(&columns);
        let want = exact(&mut reference, &columns);
        prop_assert_eq!(&got, &want);
        prop_assert_eq!(columnar.events(), reference.events());
        prop_assert_eq!(columnar.state(), reference.state());
        prop_assert!(columnar.events().contains_id(EventId(1)));
        // A second batch on top: the logs must go on agreeing (ids, dictionaries, times).
        let start = columnar.events().last().map(|e| e.at).unwrap();
        let second = Batch::new(&more, batch.ids.last().copied().unwrap_or(first_id), start, !shuffle);
        let columns = second.columns();
        prop_assert_eq!(columnar.ingest_events(&columns), exact(&mut reference, &columns));
        prop_assert_eq!(columnar.events(), reference.events());
        prop_assert_eq!(columnar.state(), reference.state());
        let ids: Vec<EventId> = reference.events().iter().map(|e| e.id).collect();
        prop_assert!(ids.iter().all(|id| columnar.events().contains_id(*id)));
        let kinds_match = columnar.events().iter().zip(reference.events().iter()).all(|(a, b)| a.kind == b.kind);
        prop_assert!(kinds_match);
    }
}

#[test]
fn a_batch_the_column_check_accepts_whole_lands_as_appended_events() {
    // 70,000 rows: large enough for the two-thread path.
    let rows: Vec<Row> = (0..70_000u32)
        .map(|i| {
            let cycle = [ActivityType::Disconnected, ActivityType::Reconnected, ActivityType::AppActivity];
            Row {
                id_step: 1,
                gap_s: 1,
                ty: type_code(cycle[(i / 3) as usize % 3]),
                app: [0, 1, 1][(i % 3) as usize],
                user: [NO_USER, 0, 1][(i % 3) as usize],
                actor: [0, 0, 1][(i % 3) as usize],
            }
        })
        .collect();
    let batch = Batch::new(&rows, 1_000, t(2), false);
    let columns = batch.columns();
    let (mut columnar, mut reference) = (engine(), engine());
    assert_eq!(columnar.ingest_events(&columns), Ok(70_000));
    assert_eq!(exact(&mut reference, &columns), Ok(70_000));
    assert_eq!(columnar.events(), reference.events());
    assert_eq!(columnar.state(), reference.state());
    assert_eq!(columnar.events().last().map(|e| e.kind.clone()), Some(EventKind::AppActivity));
    // A refused last row leaves the engine as it was, and is named.
    let mut bad = batch;
    let last = bad.types.len() - 1;
    bad.types[last] = type_code(ActivityType::Installed);
    let before = reference.events().len();
    let mut fresh = engine();
    let err = fresh.ingest_events(&bad.columns()).unwrap_err();
    assert!(matches!(err, IngestError::UnsupportedType { row, .. } if row == last), "{err}");
    assert_eq!(fresh.events(), engine().events());
    assert_eq!(before, 70_000 + engine().events().len());
}

#[test]
fn times_out_of_order_far_outside_the_logs_range_are_refused_like_the_exact_way() {
    for rows in [4usize, 70_000] {
        let base = t(2).timestamp_micros();
        let mut at: Vec<i64> = (0..rows as i64).map(|i| base + i).collect();
        at[1] = -8_000_000_000_000_000_000;
        at[2] = i64::MAX;
        let ids: Vec<u64> = (0..rows as u64).map(|i| 100 + i).collect();
        let apps = vec!["crm".to_owned()];
        let columns = EventColumns {
            ids: &ids,
            at_micros: &at,
            types: &vec![type_code(ActivityType::AppActivity); rows],
            apps: &vec![0; rows],
            app_dictionary: &apps,
            users: None,
            actors: None,
            user_dictionary: &[],
        };
        let (mut columnar, mut reference) = (engine(), engine());
        let got = columnar.ingest_events(&columns);
        assert!(got.is_err());
        assert_eq!(got, exact(&mut reference, &columns));
        assert_eq!(columnar.events(), engine().events());
        // The engine goes on taking events, every column in step.
        let later = Batch::new(&rows_of(&[(0, 0)]), 10_000_000, t(3), false);
        assert_eq!(columnar.ingest_events(&later.columns()), Ok(1));
        let last = columnar.events().last().unwrap();
        assert_eq!(
            (last.id, last.kind.clone(), last.actor.cloned()),
            (EventId(10_000_001), EventKind::AppActivity, Some("ann".into()))
        );
    }
}

fn rows_of(steps: &[(usize, u32)]) -> Vec<Row> {
    let steps: Vec<Step> = steps
        .iter()
        .map(|&(connection, actor)| Step { connection, alias: false, actor, gap_s: 1, spoil: None })
        .collect();
    rows(&steps, &mut [0; 4])
}

#[test]
fn an_index_synced_to_an_equal_log_with_other_codes_rebuilds() {
    // The batch's dictionary lists cat though no row names her: the log codes its users otherwise
    // than the snapshot's replay, which codes them in order of use.
    let mut a = engine();
    let batch = Batch::new(&rows_of(&[(0, 0), (2, 1)]), 100, t(2), false);
    let mut columns = batch.columns();
    let users = ["cat".to_owned(), "ann".to_owned(), "bob".to_owned()];
    let recoded: Vec<u32> = batch.actors.iter().map(|&u| if u == NO_USER { u } else { u + 1 }).collect();
    let connection_users: Vec<u32> = batch.users.iter().map(|&u| if u == NO_USER { u } else { u + 1 }).collect();
    columns.user_dictionary = &users;
    columns.actors = Some(&recoded);
    columns.users = Some(&connection_users);
    assert_eq!(a.ingest_events(&columns), Ok(2));
    // Then dan acts, then cat: the replay codes dan before cat, the log cat before dan.
    for (id, actor) in [(200, "dan"), (201, "cat")] {
        let event = connected_apps::Event {
            id: EventId(id),
            at: t(3),
            app: "crm".into(),
            user: None,
            actor: Some(actor.into()),
            kind: EventKind::AppActivity,
        };
        a.append(event).unwrap();
    }
    let b = Engine::from_json(&a.to_json().unwrap()).unwrap();
    assert_eq!(a.events(), b.events());
    let mut index = ActivityIndex::from_log(a.events()).unwrap();
    index.sync(b.events()).unwrap();
    let filter = ActivityFilter { users: vec!["dan".into()], ..Default::default() };
    let on_b: Vec<EventId> = index.query(b.events(), &filter, None, 10).unwrap().events.iter().map(|e| e.id).collect();
    let fresh = ActivityIndex::from_log(b.events()).unwrap();
    let expected: Vec<EventId> =
        fresh.query(b.events(), &filter, None, 10).unwrap().events.iter().map(|e| e.id).collect();
    assert_eq!(on_b, expected);
    assert_eq!(on_b, [EventId(200)]);
}

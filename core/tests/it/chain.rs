//! The tamper-evident log (X8): the hash chain over the events, its checkpoints per block, and
//! snapshots that carry it and are refused when their events no longer match it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use crate::common::{CYCLE, account, app, t, user};
use chrono::Duration;
use connected_apps::chain::{CHAIN_BLOCK, CHAIN_SCHEME};
use connected_apps::ingest::{NO_USER, type_code};
use connected_apps::{
    ActivityType, Actor, AppLevel, ChainError, ChainHash, Command, ConnectionErrorInfo, Directory, Engine, Error,
    ErrorKind, EventColumns, EventId,
};
use serde_json::Value;

/// Two account-level apps installed by ann, a sync setting and an error with payloads, then
/// `rows` payload-free events ingested as columns (ids 100 on, one second apart).
fn engine(rows: usize) -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("ann", true, true, true)).unwrap();
    d.add_user(user("bob", false, true, true)).unwrap();
    d.add_app(app("crm", AppLevel::AccountLevel)).unwrap();
    d.add_app(app("erp", AppLevel::AccountLevel)).unwrap();
    let mut e = Engine::new(d);
    let ann = Actor::User("ann".into());
    for id in ["crm", "erp"] {
        let install = Command::Install { app: id.into(), scopes: None, expires_at: None, request_admin: None };
        e.execute(&ann, install, t(0)).unwrap();
    }
    let setting = Command::SetSyncSetting { app: "crm".into(), user: None, setting: "contacts".into(), on: true };
    e.execute(&ann, setting, t(0)).unwrap();
    let error = ConnectionErrorInfo { code: "rate".into(), message: "slow down".into(), resolution_steps: vec![] };
    e.execute(&Actor::System, Command::ReportError { app: "erp".into(), user: None, error }, t(0)).unwrap();
    ingest(&mut e, 100, rows).unwrap();
    e
}

/// Ingests `rows` cycling events from id `first` on.
fn ingest(e: &mut Engine, first: u64, rows: usize) -> Result<usize, connected_apps::IngestError> {
    let start = (t(1) + Duration::seconds(first as i64)).timestamp_micros();
    let ids: Vec<u64> = (0..rows as u64).map(|i| first + i).collect();
    let at: Vec<i64> = (0..rows as i64).map(|i| start + i * 1_000_000).collect();
    let cycle: Vec<ActivityType> = (0..rows).map(|i| CYCLE[(i / 2) % CYCLE.len()]).collect();
    let types: Vec<u8> = cycle.iter().map(|ty| type_code(*ty)).collect();
    let apps: Vec<u32> = (0..rows).map(|i| (i % 2) as u32).collect();
    let by_user = |ty: &ActivityType| matches!(ty, ActivityType::Disconnected | ActivityType::Reconnected);
    let actors: Vec<u32> = cycle.iter().map(|ty| if by_user(ty) { 0 } else { NO_USER }).collect();
    let (app_dictionary, user_dictionary) = (vec!["crm".to_owned(), "erp".to_owned()], vec!["ann".to_owned()]);
    let columns = EventColumns {
        ids: &ids,
        at_micros: &at,
        types: &types,
        apps: &apps,
        app_dictionary: &app_dictionary,
        users: None,
        actors: Some(&actors),
        user_dictionary: &user_dictionary,
    };
    e.ingest_events(&columns)
}

fn doc(json: &str) -> Value {
    serde_json::from_str(json).unwrap()
}

fn restore(doc: &Value) -> Result<Engine, Error> {
    Engine::from_json(&serde_json::to_string_pretty(doc).unwrap())
}

/// The error of a break in block `block` of the log of `engine`.
fn broken(engine: &Engine, block: usize) -> Error {
    let ids: Vec<u64> = engine.events().iter().map(|e| e.id.0).collect();
    broken_in(&ids, block)
}

/// The error of a break in block `block` of a log of events with these ids.
fn broken_in(ids: &[u64], block: usize) -> Error {
    let start = block * CHAIN_BLOCK;
    let end = (start + CHAIN_BLOCK).min(ids.len()) - 1;
    Error::Chain(ChainError::Broken { block, first: EventId(ids[start]), last: EventId(ids[end]), start, end })
}

#[test]
fn a_snapshot_carries_the_head_and_a_checkpoint_per_block_and_round_trips_byte_for_byte() {
    let engine = engine(3_000);
    assert_eq!(engine.events().len(), 3_004);
    let json = engine.to_json().unwrap();
    let chain = &doc(&json)["chain"];
    assert_eq!(chain["scheme"], CHAIN_SCHEME);
    assert_eq!(chain["block"], 1_024);
    assert_eq!(chain["checkpoints"].as_array().unwrap().len(), 2, "3004 events seal two blocks");
    let head = engine.verify().unwrap();
    assert_eq!(chain["head"], head.to_hex());
    assert_eq!(engine.chain_head(), head);
    let restored = Engine::from_json(&json).unwrap();
    assert_eq!(restored.to_json().unwrap(), json, "export → import → export is byte-identical");
    assert_eq!(restored.verify(), Ok(head));
    assert_eq!(restored.events(), engine.events());
}

#[test]
fn the_head_follows_every_event_and_an_empty_log_has_the_seed() {
    let empty = engine(0);
    let mut longer = empty.clone();
    let fresh = Engine::new(empty.directory().clone());
    assert_eq!(fresh.verify(), Ok(ChainHash::genesis()));
    // SHA-256 of the scheme's bytes, as any implementation computes it.
    assert_eq!(ChainHash::genesis().to_hex(), "cc9f3f5bf1eb07e594b0bf966c6b1f6d17adb494079ee147c3f40200902fb4ae");
    ingest(&mut longer, 100, 1).unwrap();
    assert_ne!(longer.chain_head(), empty.chain_head());
    assert_eq!(longer.verify(), Ok(longer.chain_head()));
}

#[test]
fn tampering_one_field_of_one_event_is_refused_naming_its_block() {
    let engine = engine(3_000);
    let json = engine.to_json().unwrap();
    // Position 1500 is in block 1 (positions 1024 to 2047).
    let edits: [(&str, Value); 5] = [
        ("id", Value::from(999_999)),
        ("at", Value::from("2026-11-02T10:25:01.000000001Z")),
        ("app", Value::from("erp")),
        ("actor", Value::from("ann")),
        ("kind", serde_json::json!({"type": "connected"})),
    ];
    for (field, value) in edits {
        let mut tampered = doc(&json);
        tampered["events"][1_500][field] = value;
        let err = restore(&tampered).unwrap_err();
        assert_eq!(err, broken(&engine, 1), "{field}");
        assert_eq!(err.kind(), ErrorKind::InvalidState);
    }
    // The message names the block and its events.
    let mut tampered = doc(&json);
    tampered["events"][0]["at"] = Value::from("2026-11-02T09:00:00.5Z");
    let message = restore(&tampered).unwrap_err().to_string();
    assert_eq!(message, "event chain breaks in block 0, events 1 to 1119 (positions 0 to 1023)");
    // An event of the last, partial block is caught by the head.
    let mut tail = doc(&json);
    tail["events"][3_003]["actor"] = Value::from("bob");
    assert_eq!(restore(&tail).unwrap_err(), broken(&engine, 2));
    // The untouched snapshot still restores.
    assert!(restore(&doc(&json)).is_ok());
}

#[test]
fn reordered_dropped_or_added_events_are_refused() {
    let engine = engine(3_000);
    let json = engine.to_json().unwrap();
    // The error names the block of the snapshot as read, by the ids it holds there.
    let with_events = |edit: &dyn Fn(&mut Vec<Value>), block: usize| {
        let mut d = doc(&json);
        let events = d["events"].as_array_mut().unwrap();
        edit(events);
        let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
        let err = restore(&d).unwrap_err();
        (err, (!ids.is_empty() && block * CHAIN_BLOCK < ids.len()).then(|| broken_in(&ids, block)))
    };
    let refused = |edit: &dyn Fn(&mut Vec<Value>), block: usize| {
        let (err, expected) = with_events(edit, block);
        assert_eq!(Some(err.clone()), expected);
        err
    };
    refused(&|e| e.swap(1_100, 1_101), 1);
    let dropped = refused(&|e| drop(e.remove(2_000)), 1);
    assert_eq!(dropped.to_string(), "event chain breaks in block 1, events 1120 to 2144 (positions 1024 to 2047)");
    refused(&|e| drop(e.pop()), 2);
    let extra = |e: &mut Vec<Value>| {
        let mut copy = e[10].clone();
        copy["id"] = Value::from(5_000_000);
        e.insert(11, copy);
    };
    refused(&extra, 0);
    let appended = |e: &mut Vec<Value>| {
        let mut copy = e[e.len() - 1].clone();
        copy["id"] = Value::from(5_000_000);
        e.push(copy);
    };
    refused(&appended, 2);
    // Cut at a block's end: every checkpoint left matches, but the head says more followed.
    let (cut, _) = with_events(&|e| e.truncate(2 * CHAIN_BLOCK), 2);
    let last = engine.events().get(2 * CHAIN_BLOCK - 1).unwrap().id;
    assert_eq!(cut, Error::Chain(ChainError::Truncated { len: 2 * CHAIN_BLOCK, last: Some(last) }));
    assert_eq!(
        cut.to_string(),
        format!(
            "event chain goes on past the 2048 events held (the last is event {last}): events are missing at the end"
        )
    );
    let (emptied, _) = with_events(&|e| e.clear(), 0);
    assert_eq!(emptied, Error::Chain(ChainError::Truncated { len: 0, last: None }));
}

#[test]
fn an_altered_chain_is_refused_and_one_of_another_scheme_or_block_is_not_read() {
    let engine = engine(1_500);
    let json = engine.to_json().unwrap();
    let mut head = doc(&json);
    head["chain"]["head"] = Value::from(ChainHash::genesis().to_hex());
    assert_eq!(restore(&head).unwrap_err(), broken(&engine, 1));
    let mut checkpoint = doc(&json);
    checkpoint["chain"]["checkpoints"][0] = Value::from(ChainHash::genesis().to_hex());
    assert_eq!(restore(&checkpoint).unwrap_err(), broken(&engine, 0));
    let mut extra = doc(&json);
    extra["chain"]["checkpoints"].as_array_mut().unwrap().push(Value::from(ChainHash::genesis().to_hex()));
    assert_eq!(restore(&extra).unwrap_err(), broken(&engine, 1));
    let mut scheme = doc(&json);
    scheme["chain"]["scheme"] = Value::from("connected-apps/x8/v2");
    let err = restore(&scheme).unwrap_err();
    assert_eq!(err, Error::Chain(ChainError::UnknownScheme("connected-apps/x8/v2".into())));
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    for (block, ok) in [(1_023u64, false), (1_024, true), (1_025, false)] {
        let mut d = doc(&json);
        d["chain"]["block"] = Value::from(block);
        match restore(&d) {
            Ok(_) => assert!(ok, "{block}"),
            Err(err) => assert_eq!(err, Error::Chain(ChainError::UnsupportedBlock(block))),
        }
    }
    let upper = head_hex_edited(&json, |h| h.to_uppercase());
    assert!(matches!(Engine::from_json(&upper).unwrap_err(), Error::Snapshot(_)), "uppercase hex");
    let short = head_hex_edited(&json, |h| h[1..].to_owned());
    let err = Engine::from_json(&short).unwrap_err();
    assert!(err.to_string().contains("invalid chain hash"), "{err}");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

fn head_hex_edited(json: &str, edit: impl Fn(&str) -> String) -> String {
    let head = doc(json)["chain"]["head"].as_str().unwrap().to_owned();
    json.replacen(&head, &edit(&head), 1)
}

#[test]
fn a_snapshot_written_before_the_chain_restores_with_its_chain_computed() {
    let engine = engine(2_100);
    let json = engine.to_json().unwrap();
    let mut old = doc(&json);
    old.as_object_mut().unwrap().remove("chain");
    let restored = restore(&old).unwrap();
    assert_eq!(restored.verify(), engine.verify());
    assert_eq!(restored.to_json().unwrap(), json);
}

#[test]
fn verify_covers_a_large_columnar_log_and_a_refused_batch_leaves_the_chain_as_it_was() {
    let mut engine = engine(99_996); // whole cycles: the next batch starts the cycle again
    let head = engine.verify().unwrap();
    assert_eq!(engine.chain_head(), head);
    let before = engine.events().len();
    // The last row repeats an id: the whole batch is refused and rolled back.
    let refused = {
        let mut copy = engine.clone();
        ingest(&mut copy, 400_000, 5_000).unwrap();
        copy
    };
    assert_ne!(refused.verify().unwrap(), head);
    assert!(ingest(&mut engine, 100, 5_000).is_err(), "ids already logged");
    assert_eq!(engine.events().len(), before);
    assert_eq!(engine.verify(), Ok(head));
    let mut grown = engine.clone();
    ingest(&mut grown, 400_000, 5_000).unwrap();
    assert_eq!(grown.verify(), refused.verify(), "the same events give the same chain");
}

#[test]
fn the_chain_keeps_the_log_within_its_bytes_per_event_budget() {
    // A numbered log of account-level apps: the log's docs give 17 bytes per event, plus one
    // 32-byte checkpoint per 1,024 events.
    let engine = engine(200_000);
    let len = engine.events().len();
    let unsealed = engine.events().heap_bytes();
    let _ = engine.chain_head();
    let sealed = engine.events().heap_bytes();
    let chain = sealed - unsealed;
    assert!(chain <= 32 * len.div_ceil(CHAIN_BLOCK), "{chain} bytes for {len} events");
    assert!(chain >= 32 * (len / CHAIN_BLOCK));
    assert!(sealed as f64 / len as f64 <= 17.1, "{sealed} bytes for {len} events");
}

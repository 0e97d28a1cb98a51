//! The bodies of the fuzz targets, shared by the libFuzzer binaries in `fuzz_targets/` and by the
//! corpus replay test `core/tests/it/fuzz_corpus.rs` (which includes this file as a module), so that
//! `cargo test` checks every committed corpus input against exactly what the fuzzer ran.
//!
//! Each body takes the raw input bytes and may only fail through an assertion: a panic anywhere
//! below is a bug. The invariants checked beside "no panic":
//! - a refused input leaves the engine (its snapshot JSON) exactly as it was;
//! - what restores re-serialises, and that serialisation restores again to the same bytes.
//!
//! The engine the targets act on is a small fixture cut from `examples/data/sample_account.json`
//! (its directory, and the events before [`SPLIT`] of a thinned-out log), built once.

// A harness: its assertions and `expect`s are the oracle, exactly as in a test.
#![allow(clippy::expect_used, clippy::panic, reason = "a fuzz target reports a broken invariant by panicking")]

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use connected_apps::import::{
    events_from_audit_logs, events_from_security_activity, import_audit_logs, import_security_activity, ingest_journal,
    ingest_webhooks, record_events_from_journal, record_events_from_webhooks, usage_snapshots_from_daily_usage,
};
use connected_apps::{
    ActivityFilter, ActivityIndex, Actor, Command, Engine, Imported, InsightsQuery, InsightsSettings, MAX_PAGE_SIZE,
    Outcome, RecordAggregate, UsageHistory, UsageSettings, events_from_ndjson, events_to_ndjson,
};

/// The sample account the fixture is cut from.
pub const SAMPLE_ACCOUNT: &str = include_str!("../../../examples/data/sample_account.json");

/// Events of the sample at or after this instant are not in the fixture engine's log (they make
/// the NDJSON seeds: a valid continuation of the fixture).
pub const SPLIT: &str = "2026-10-01T00:00:00Z";

/// The fixed `now` of every command and report: after the sample's last event.
pub const NOW: &str = "2026-11-26T00:00:00Z";

/// Every `APP_ACTIVITY_STRIDE`-th app-activity event of the sample is kept (all other kinds are).
const APP_ACTIVITY_STRIDE: usize = 16;

/// At most this many commands run from one input (the input's own length bounds it too).
const MAX_STEPS: usize = 16;

/// The fixed `now`.
#[must_use]
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).expect("NOW is an RFC 3339 instant").with_timezone(&Utc)
}

/// What the targets share, built once per process.
pub struct Fixture {
    /// The sample's directory and its thinned log before [`SPLIT`].
    pub engine: Engine,
    /// The same directory with an empty log.
    pub empty: Engine,
    /// The activity index of `engine`'s log.
    pub index: ActivityIndex,
    /// `engine.to_json()`.
    pub json: String,
    /// The thinned events of the sample from [`SPLIT`] on, as NDJSON.
    pub tail_ndjson: String,
}

/// The shared fixture.
#[must_use]
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn build_fixture() -> Fixture {
    let mut doc: serde_json::Value = serde_json::from_str(SAMPLE_ACCOUNT).expect("the sample account is JSON");
    let events = doc.get_mut("events").and_then(serde_json::Value::as_array_mut).expect("the sample has events");
    let split = DateTime::parse_from_rfc3339(SPLIT).expect("SPLIT is an RFC 3339 instant");
    let mut activity = 0usize;
    let (mut head, mut tail) = (Vec::new(), Vec::new());
    for event in events.drain(..) {
        let is_activity = event.pointer("/kind/type").and_then(serde_json::Value::as_str) == Some("app_activity");
        if is_activity {
            activity += 1;
            if activity % APP_ACTIVITY_STRIDE != 1 {
                continue;
            }
        }
        let at = event.get("at").and_then(serde_json::Value::as_str).expect("events have a time");
        let at = DateTime::parse_from_rfc3339(at).expect("event times are RFC 3339");
        if at < split { head.push(event) } else { tail.push(event) }
    }
    *events = head;
    // The sample's hash chain (X8) covers every event; the thinned log gets its own on restore.
    if let Some(sample) = doc.as_object_mut() {
        sample.remove("chain");
    }
    let engine = Engine::from_json(&doc.to_string()).expect("the thinned sample restores");
    let empty = Engine::new(engine.directory().clone());
    let index = ActivityIndex::from_log(engine.events()).expect("the fixture's log is in time order");
    let json = engine.to_json().expect("the fixture serialises");
    let tail: Vec<connected_apps::Event> =
        tail.into_iter().map(|e| serde_json::from_value(e).expect("sample events deserialise")).collect();
    let tail_ndjson = events_to_ndjson(&tail).expect("events serialise");
    Fixture { engine, empty, index, json, tail_ndjson }
}

/// Restores `engine`'s snapshot and checks it re-serialises to the same bytes and state.
fn assert_restores(engine: &Engine) {
    let json = engine.to_json().expect("an engine serialises");
    let restored = Engine::from_json(&json).unwrap_or_else(|e| panic!("the engine's own snapshot is refused: {e}"));
    assert_eq!(restored.state(), engine.state(), "a restored engine folds to another state");
    let again = restored.to_json().expect("a restored engine serialises");
    assert!(again == json, "export → import → export is not byte-identical");
}

/// Calls `change` on `engine`; when it fails, checks the engine's snapshot did not change.
fn refused_changes_nothing<T, E>(engine: &mut Engine, change: impl FnOnce(&mut Engine) -> Result<T, E>) -> Option<T> {
    let before = engine.to_json().expect("an engine serialises");
    let state = engine.state().clone();
    match change(engine) {
        Ok(v) => Some(v),
        Err(_) => {
            assert!(engine.to_json().expect("an engine serialises") == before, "a refused input changed the engine");
            assert_eq!(engine.state(), &state, "a refused input changed the state");
            None
        }
    }
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Target `snapshot`: `Engine::from_json`; what restores must restore again byte-identically.
pub fn snapshot(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(engine) = Engine::from_json(text) {
        assert_restores(&engine);
    }
}

/// Target `ndjson`: `events_from_ndjson` (what parses re-serialises to the same events) and
/// `Engine::import_ndjson` on the fixture (all or nothing).
pub fn ndjson(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(events) = events_from_ndjson(text) {
        let out = events_to_ndjson(&events).expect("parsed events serialise");
        assert_eq!(events_from_ndjson(&out).expect("written NDJSON parses"), events);
    }
    let fixture = fixture();
    let mut engine = fixture.engine.clone();
    let len = engine.events().len();
    if let Some(count) = refused_changes_nothing(&mut engine, |e| e.import_ndjson(text)) {
        assert_eq!(engine.events().len(), len + count, "import_ndjson miscounted");
        assert_restores(&engine);
    }
}

fn assert_report<T>(imported: &Imported<T>) {
    let r = &imported.report;
    assert_eq!(r.imported, imported.items.len(), "imported count differs from the items");
    // Every item read is imported, unsupported, or (K3) a change that is no app's activity.
    let unsupported: usize = r.unsupported.values().sum();
    assert!(r.imported + unsupported <= r.read, "more imported and unsupported than read");
    assert!(r.by_source.values().sum::<usize>() <= r.read, "more changes by source than read");
}

fn assert_aggregate_restores(aggregate: &RecordAggregate) {
    let json = aggregate.to_json();
    let restored =
        RecordAggregate::from_json(&json).unwrap_or_else(|e| panic!("an aggregate's own JSON is refused: {e}: {json}"));
    assert!(&restored == aggregate, "a restored aggregate counts otherwise");
    assert!(restored.to_json() == json, "aggregate export → import → export is not byte-identical");
}

fn assert_history_restores(history: &UsageHistory) {
    let json = serde_json::to_string(history).expect("a usage history serialises");
    let restored: UsageHistory =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("a usage history's own JSON is refused: {e}"));
    assert!(&restored == history, "a restored usage history differs");
}

fn record_insights(aggregate: &RecordAggregate) {
    let now = now();
    let query = InsightsQuery {
        as_of: now.date_naive(),
        include_incomplete_day: false,
        app: None,
        record_type: None,
        group_by: Default::default(),
    };
    let _ = aggregate.insights(&InsightsSettings::default(), &query, now);
}

fn usage_report(history: &UsageHistory) {
    let _ = history.report(fixture().engine.directory().account(), &UsageSettings::default(), now());
}

/// Target `import`: every payload importer of `connected_apps::import` on the same input, and
/// what they produce fed onward (usage history, engine, record aggregate).
pub fn import(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let fixture = fixture();

    if let Ok(usage) = usage_snapshots_from_daily_usage(text) {
        assert_report(&usage);
        let mut history = UsageHistory::new();
        let empty = history.clone();
        match history.record_all(&usage.items) {
            Ok(n) => assert_eq!(n, usage.items.len()),
            Err(_) => assert!(history == empty, "a refused batch changed the usage history"),
        }
        assert_history_restores(&history);
        usage_report(&history);
    }

    for events in [events_from_security_activity(text), events_from_audit_logs(text)].into_iter().flatten() {
        assert_report(&events);
        let mut engine = fixture.empty.clone();
        let items = events.items;
        if let Some(count) = refused_changes_nothing(&mut engine, |e| e.append_all(items)) {
            assert_eq!(engine.events().len(), count);
            assert_restores(&engine);
        }
    }

    for records in [record_events_from_webhooks(text), record_events_from_journal(text)].into_iter().flatten() {
        assert_report(&records);
        let mut aggregate = RecordAggregate::new();
        match aggregate.ingest_all(&records.items) {
            Ok(n) => assert_eq!(n, records.items.len()),
            Err(_) => assert!(aggregate == RecordAggregate::new(), "a refused batch changed the aggregate"),
        }
        assert_aggregate_restores(&aggregate);
        record_insights(&aggregate);
    }

    // The importers into an engine (actors resolved, overlaps skipped): a refusal changes
    // nothing, what they append restores, and the same payload again imports nothing.
    for import in [import_security_activity, import_audit_logs] {
        let mut engine = fixture.engine.clone();
        if refused_changes_nothing(&mut engine, |e| import(e, text)).is_some() {
            assert_restores(&engine);
            let again = import(&mut engine, text).expect("a payload accepted once is accepted again");
            assert_eq!(again.imported, 0, "the same history imported twice");
        }
    }
    // The importers into an aggregate (exactly once across batches): the same body again counts
    // nothing, and a refusal changes nothing.
    for ingest in [ingest_webhooks, ingest_journal] {
        let mut aggregate = RecordAggregate::new();
        match ingest(&mut aggregate, text) {
            Ok(_) => {
                let counted = aggregate.event_count();
                assert_aggregate_restores(&aggregate);
                if let Ok(again) = ingest(&mut aggregate, text) {
                    assert_eq!((again.imported, aggregate.event_count()), (0, counted), "a body counted twice");
                }
            }
            Err(_) => assert!(aggregate == RecordAggregate::new(), "a refused body changed the aggregate"),
        }
    }
}

/// Target `cursor`: the input is `<page size>\n<filter JSON>\n<cursor>` (the last two lines may be
/// empty or absent). Queries the fixture's activity index and, when that succeeds, follows the
/// issued cursors to the end, checking each page (matches the filter, newest first, no event
/// twice), that a cursor with one hex digit changed is refused, and, from a first page, that the
/// pages together hold exactly the matching events.
pub fn cursor(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let mut lines = text.splitn(3, '\n');
    let Some(Ok(page_size)) = lines.next().map(|l| l.trim().parse::<usize>()) else { return };
    let filter: ActivityFilter = match lines.next().map(str::trim) {
        None | Some("") => ActivityFilter::default(),
        Some(json) => match serde_json::from_str(json) {
            Ok(f) => f,
            Err(_) => return,
        },
    };
    let start = lines.next().filter(|c| !c.is_empty());
    let fixture = fixture();
    let (log, index) = (fixture.engine.events(), &fixture.index);
    let first = index.query(log, &filter, start, page_size);
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        assert!(first.is_err(), "page size {page_size} accepted");
        return;
    }
    let Ok(mut page) = first else { return };
    let mut seen = HashSet::new();
    let mut newest_first = None;
    for _ in 0..=log.len() {
        assert!(page.events.len() <= page_size, "page longer than its size");
        for event in &page.events {
            assert!(filter.matches(*event), "a page holds an event the filter refuses");
            assert!(seen.insert(event.id), "event {} returned twice", event.id.0);
            assert!(newest_first.is_none_or(|t| event.at <= t), "a page is not newest first");
            newest_first = Some(event.at);
        }
        let Some(next) = page.next_cursor else { break };
        assert!(!page.events.is_empty(), "an empty page issued a cursor");
        let tampered = tamper(&next, data.len());
        assert!(index.query(log, &filter, Some(&tampered), page_size).is_err(), "a tampered cursor is accepted");
        page = index.query(log, &filter, Some(&next), page_size).expect("an issued cursor is accepted");
    }
    if start.is_none() {
        let matching = log.iter().filter(|e| filter.matches(*e)).count();
        assert_eq!(seen.len(), matching, "the pages do not hold exactly the matching events");
        let facets = index.facets(log, &filter).expect("facets of a filter that queried");
        assert_eq!(facets.total, matching as u64, "facet total differs from the matching events");
    }
}

/// `cursor` with the hex digit at `at % len` replaced by another one.
fn tamper(cursor: &str, at: usize) -> String {
    let at = at % cursor.len().max(1);
    cursor
        .char_indices()
        .map(|(i, c)| {
            if i != at {
                c
            } else if c == '0' {
                '1'
            } else {
                '0'
            }
        })
        .collect()
}

/// Target `command`: the input is a `Command` (run by a super admin with App Marketplace Access,
/// a marketplace user, a user without it, and the system, each on a fresh fixture) or a list of
/// `[actor, command]` steps run in order on one fixture; every command at the fixed [`NOW`].
pub fn command(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let fixture = fixture();
    if let Ok(command) = serde_json::from_str::<Command>(text) {
        for actor in ["u02", "u05", "u04"].map(|u| Actor::User(u.into())).into_iter().chain([Actor::System]) {
            let mut engine = fixture.engine.clone();
            execute(&mut engine, &actor, command.clone());
            assert_restores(&engine);
        }
    } else if let Ok(steps) = serde_json::from_str::<Vec<(Actor, Command)>>(text) {
        let mut engine = fixture.engine.clone();
        for (actor, command) in steps.into_iter().take(MAX_STEPS) {
            execute(&mut engine, &actor, command);
        }
        assert_restores(&engine);
    }
}

fn execute(engine: &mut Engine, actor: &Actor, command: Command) {
    let (len, before) = (engine.events().len(), engine.to_json().expect("an engine serialises"));
    match refused_changes_nothing(engine, |e| e.execute(actor, command, now())) {
        None => {}
        Some(Outcome::InstallRequested(request)) => {
            // Queued as one access-request event (G2), or linked to the requester's open one.
            let logged = engine.events().len().saturating_sub(len);
            assert!(logged <= 1, "an install request logged more than one event");
            if logged == 0 {
                assert!(engine.to_json().expect("an engine serialises") == before, "a linked request changed the log");
            }
            assert!(engine.events().iter().any(|e| e.id == request.request), "the request names no event");
        }
        Some(Outcome::Applied { event } | Outcome::Uninstalled { event, .. }) => {
            assert_eq!(engine.events().len(), len + 1, "a command logged other than one event");
            assert_eq!(engine.events().last().map(|e| e.id), Some(event), "the outcome names another event");
        }
    }
}

/// Target `insights`: `RecordAggregate::from_json` and a `UsageHistory` read from JSON; what
/// restores round-trips exactly and reports at the fixed [`NOW`] without panicking.
pub fn insights(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(aggregate) = RecordAggregate::from_json(text) {
        assert_aggregate_restores(&aggregate);
        record_insights(&aggregate);
        let mut doubled = aggregate.clone();
        // A merge past 2^64 - 1 events is refused and changes nothing.
        if doubled.merge(&aggregate).is_ok() {
            record_insights(&doubled);
        } else {
            assert!(doubled == aggregate, "a refused merge changed the aggregate");
        }
    }
    if let Ok(history) = serde_json::from_str::<UsageHistory>(text) {
        assert_history_restores(&history);
        usage_report(&history);
    }
}

/// A partial's own bytes restore to the same partial, which writes the same bytes; returns them.
fn assert_bytes_restore<T: PartialEq, E: std::fmt::Display>(
    partial: &T,
    to_bytes: fn(&T) -> Vec<u8>,
    from_bytes: fn(&[u8]) -> Result<T, E>,
) -> Vec<u8> {
    let bytes = to_bytes(partial);
    let again = from_bytes(&bytes).unwrap_or_else(|e| panic!("a partial's own bytes are refused: {e}"));
    assert!(&again == partial && to_bytes(&again) == bytes, "partial bytes → restore → bytes differ");
    bytes
}

/// Target `partial`: `RecordAggregate::from_bytes` and `UsageHistory::from_bytes` on raw bytes
/// (the byte form partials travel in between workers). What restores writes canonical bytes that
/// restore to the same partial and bytes; a merge with itself is refused unchanged or restores.
pub fn partial(data: &[u8]) {
    if let Ok(aggregate) = RecordAggregate::from_bytes(data) {
        let bytes = assert_bytes_restore(&aggregate, RecordAggregate::to_bytes, RecordAggregate::from_bytes);
        assert_aggregate_restores(&aggregate);
        record_insights(&aggregate);
        let mut doubled = aggregate.clone();
        if doubled.merge(&aggregate).is_ok() {
            assert!(RecordAggregate::from_bytes(&doubled.to_bytes()).is_ok(), "a merged aggregate's bytes are refused");
        } else {
            assert!(doubled.to_bytes() == bytes, "a refused merge changed the aggregate");
        }
    }
    if let Ok(history) = UsageHistory::from_bytes(data) {
        assert_bytes_restore(&history, UsageHistory::to_bytes, UsageHistory::from_bytes);
        assert_history_restores(&history);
        let mut doubled = history.clone();
        assert!(doubled.merge(&history).is_ok() && doubled == history, "a history merged with itself changed");
        usage_report(&history);
    }
}

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target by name, as the corpus directories are named.
pub const TARGETS: [(&str, Body); 7] = [
    ("snapshot", snapshot),
    ("ndjson", ndjson),
    ("import", import),
    ("cursor", cursor),
    ("command", command),
    ("insights", insights),
    ("partial", partial),
];

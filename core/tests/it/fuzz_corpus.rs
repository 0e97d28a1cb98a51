//! Replays the committed fuzz corpus (`core/fuzz/corpus/<target>/`) through the very bodies the
//! libFuzzer targets run (`core/fuzz/src/lib.rs`, included here as a module), so that every input
//! the fuzzers kept — seeds, coverage finds and minimised crashes — is checked by `cargo test`
//! without a fuzzer or a nightly toolchain.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests may panic")]

#[path = "../../fuzz/src/lib.rs"]
mod bodies;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::Duration;
use connected_apps::import::{
    record_events_from_journal, record_events_from_webhooks, usage_snapshots_from_daily_usage,
};
use connected_apps::{
    ActivityFilter, ActivityType, Actor, AppId, Command, RecordAction, RecordAggregate, RecordEvent, RecordType, Rule,
    UsageHistory, UserId,
};

/// The most heap one corpus input may hold at once on its thread (the fixture included): the
/// fuzzer's RSS limit does not see untouched zeroed allocations, this does.
const MAX_HEAP_PER_INPUT: usize = 64 << 20;

/// Counts the bytes each thread holds, and its peak, so that the replay can refuse an input that
/// makes the engine allocate far more than the input justifies.
struct Counting;

thread_local! {
    static HELD: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn held(delta: isize) {
    let _ = HELD.try_with(|held| {
        let now = held.get().saturating_add_signed(delta);
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters move.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        held(layout.size() as isize);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        held(layout.size() as isize);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        held(-(layout.size() as isize));
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        held(new_size as isize - layout.size() as isize);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `body` on `data` and returns the most heap its thread held meanwhile, above what it
/// held before.
fn peak_heap(body: bodies::Body, data: &[u8]) -> std::thread::Result<usize> {
    let base = HELD.with(Cell::get);
    PEAK.with(|p| p.set(base));
    std::panic::catch_unwind(|| body(data))?;
    Ok(PEAK.with(Cell::get).saturating_sub(base))
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus").join(target)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str) {
    let files = files(&corpus_dir(target));
    assert!(files.len() >= 5, "the {target} corpus holds only {} inputs", files.len());
    run(target, &files);
}

fn run(target: &str, files: &[PathBuf]) {
    let failed = failures(target, files);
    assert!(failed.is_empty(), "{target}: {} of {} corpus inputs fail: {failed:#?}", failed.len(), files.len());
}

/// The inputs of `files` that make `target` panic or hold more than [`MAX_HEAP_PER_INPUT`].
fn failures(target: &str, files: &[PathBuf]) -> Vec<String> {
    let (_, body) = bodies::TARGETS.iter().find(|(name, _)| *name == target).unwrap();
    let _ = bodies::fixture();
    files
        .iter()
        .filter_map(|path| match peak_heap(*body, &fs::read(path).unwrap()) {
            Err(_) => Some(format!("{}: panicked", path.display())),
            Ok(peak) if peak > MAX_HEAP_PER_INPUT => Some(format!("{}: held {peak} heap bytes", path.display())),
            Ok(_) => None,
        })
        .collect()
}

#[test]
fn every_target_has_a_corpus_directory() {
    for (name, _) in bodies::TARGETS {
        assert!(corpus_dir(name).is_dir(), "no corpus for target {name}");
    }
}

#[test]
fn snapshot_corpus() {
    replay("snapshot");
}

#[test]
fn ndjson_corpus() {
    replay("ndjson");
}

#[test]
fn import_corpus() {
    replay("import");
}

#[test]
fn cursor_corpus() {
    replay("cursor");
}

#[test]
fn command_corpus() {
    replay("command");
}

#[test]
fn insights_corpus() {
    replay("insights");
}

#[test]
fn partial_corpus() {
    replay("partial");
}

/// The fixture the targets share is what the seeds assume: a log before the split, a valid tail.
#[test]
fn fixture_is_a_valid_prefix_and_tail() {
    let f = bodies::fixture();
    assert!(f.engine.events().len() >= 50, "the fixture log is too small: {}", f.engine.events().len());
    let mut whole = f.engine.clone();
    let appended = whole.import_ndjson(&f.tail_ndjson).unwrap();
    assert!(appended >= 20, "the tail holds only {appended} events");
    assert!(whole.events().last().unwrap().at < bodies::now());
}

// ---- seeds ----

fn write_seed(target: &str, name: &str, data: &str) {
    let dir = corpus_dir(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(format!("seed-{name}")), data).unwrap();
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

/// Writes the seed inputs, from the fixtures (`examples/data/`, `core/tests/fixtures/`, and the
/// engine's own output on them). Run by hand before fuzzing a new target:
/// `cargo test -p connected-apps --test it -- --ignored fuzz_corpus::write_seeds`.
#[test]
#[ignore = "writes the seed corpus; run by hand"]
fn write_seeds() {
    let f = bodies::fixture();
    let now = bodies::now();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures");
    let payload = |name: &str| fs::read_to_string(fixtures.join(name)).unwrap();

    // snapshot: the fixture, its empty twin, one with a rule and deliveries, a tiny one.
    write_seed("snapshot", "fixture", &f.json);
    write_seed("snapshot", "empty-log", &f.empty.to_json().unwrap());
    let mut with_rules = connected_apps::AccountEngine::from(f.engine.clone());
    let installs: Rule = serde_json::from_str(
        r#"{"id":"r0","name":"Installs","type":"app_installed","apps":"all","recipients":"everyone","channels":["in_app"]}"#,
    )
    .unwrap();
    with_rules.create_rule(&UserId("u02".into()), installs, now).unwrap();
    let rule: Rule = serde_json::from_str(
        r#"{"id":"r1","name":"Disconnections","type":"app_disconnected","apps":{"only":["gmail","salesforce"]},
            "recipients":"super_admins","channels":["email","in_app"],"frequency":"daily"}"#,
    )
    .unwrap();
    with_rules.create_rule(&UserId("u02".into()), rule, now).unwrap();
    let mut whole = with_rules.clone();
    whole.import_ndjson(&f.tail_ndjson).unwrap();
    let due = whole.due_notifications(now + Duration::days(2));
    whole.record_deliveries(&due, now + Duration::days(2)).unwrap();
    write_seed("snapshot", "rules-and-deliveries", &whole.to_json().unwrap());
    // A tiny one: the first events, and only the users, apps and no teams they need.
    let mut tiny: serde_json::Value = serde_json::from_str(&f.json).unwrap();
    tiny["events"].as_array_mut().unwrap().truncate(6);
    let events = tiny["events"].clone();
    let named = |field: &str, value: &serde_json::Value| {
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e[field] == value["id"] || (field == "user" && e["actor"] == value["id"]))
    };
    let users: Vec<_> = tiny["users"].as_array().unwrap().iter().filter(|u| named("user", u)).cloned().collect();
    let apps: Vec<_> = tiny["apps"].as_array().unwrap().iter().filter(|a| named("app", a)).cloned().collect();
    (tiny["users"], tiny["apps"], tiny["teams"]) = (users.into(), apps.into(), serde_json::json!([]));
    let tiny = connected_apps::Engine::from_json(&tiny.to_string()).unwrap();
    write_seed("snapshot", "tiny", &tiny.to_json().unwrap());
    write_seed(
        "snapshot",
        "tiny-compact",
        &serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&tiny.to_json().unwrap()).unwrap()).unwrap(),
    );

    // ndjson: the valid continuation, a prefix of it, a replay of logged events (refused).
    write_seed("ndjson", "tail", &f.tail_ndjson);
    let tail_lines: Vec<&str> = f.tail_ndjson.lines().collect();
    write_seed("ndjson", "tail-3", &(tail_lines[..3].join("\n") + "\n"));
    write_seed("ndjson", "tail-last", tail_lines.last().unwrap());
    let head = connected_apps::events_to_ndjson(f.engine.events().iter().take(3)).unwrap();
    write_seed("ndjson", "duplicates", &head);
    write_seed("ndjson", "blank-lines", &format!("\n  \n{}\n\n", tail_lines[0]));

    // import: the platform payload fixtures.
    for name in ["audit_logs", "daily_api_usage", "security_activity", "webhook_batch", "webhooks_journal"] {
        write_seed("import", name, &payload(&format!("{name}.json")));
    }

    // cursor: filters, and a second page's cursor.
    let installs = ActivityFilter { types: vec![ActivityType::Installed], ..Default::default() };
    let gmail = ActivityFilter {
        apps: vec![AppId("gmail".into())],
        since: Some(f.engine.events().get(5).unwrap().at),
        until: Some(now),
        ..Default::default()
    };
    let by_user = ActivityFilter { users: vec![UserId("u17".into()), UserId("u35".into())], ..Default::default() };
    write_seed("cursor", "all", "7\n\n");
    write_seed("cursor", "installs", &format!("5\n{}\n", json(&installs)));
    write_seed("cursor", "gmail-window", &format!("2\n{}\n", json(&gmail)));
    write_seed("cursor", "by-user", &format!("3\n{}\n", json(&by_user)));
    write_seed("cursor", "too-big", &format!("1001\n{}\n", json(&installs)));
    let page = f.index.query(f.engine.events(), &installs, None, 4).unwrap();
    let next = page.next_cursor.unwrap();
    write_seed("cursor", "installs-page-2", &format!("4\n{}\n{next}", json(&installs)));
    write_seed("cursor", "foreign", &format!("4\n{}\n{next}", json(&gmail)));

    // command: single commands over the fixture's apps and users, and step lists.
    let state = f.engine.state();
    let installed: Vec<_> = state.connections().filter(|c| c.is_installed()).take(3).collect();
    let app_ids: Vec<AppId> = f.engine.directory().apps().map(|a| a.id.clone()).collect();
    let uninstalled = app_ids.iter().find(|a| !installed.iter().any(|c| &c.key.app == *a)).unwrap().clone();
    let mut commands = vec![(
        "install-new",
        Command::Install { app: uninstalled.clone(), scopes: None, expires_at: None, request_admin: None },
    )];
    for (i, c) in installed.iter().enumerate() {
        let (app, user) = (c.key.app.clone(), c.key.user.clone());
        commands.push(("disconnect", Command::Disconnect { app: app.clone(), user: user.clone() }));
        commands.push((
            "uninstall",
            Command::Uninstall { app: app.clone(), user: user.clone(), confirmation: "uninstall".into() },
        ));
        commands.push((
            "sync-setting",
            Command::SetSyncSetting {
                app: app.clone(),
                user: user.clone(),
                setting: "contacts".into(),
                on: i % 2 == 0,
            },
        ));
        commands.push(("report-expired", Command::ReportExpired { app, user }));
    }
    for (i, (name, command)) in commands.iter().enumerate() {
        write_seed("command", &format!("{i:02}-{name}"), &json(command));
    }
    let admin = Actor::User(UserId("u02".into()));
    let steps: Vec<(Actor, Command)> = commands.iter().map(|(_, c)| (admin.clone(), c.clone())).collect();
    write_seed("command", "steps-admin", &json(&steps));
    let reconnect = installed
        .first()
        .map(|c| Command::Reconnect { app: c.key.app.clone(), user: c.key.user.clone(), expires_at: Some(now) })
        .unwrap();
    let disconnect = commands.get(1).unwrap().1.clone();
    write_seed(
        "command",
        "steps-disconnect-reconnect",
        &json(&vec![(admin.clone(), disconnect), (Actor::System, reconnect.clone()), (admin, reconnect)]),
    );

    // insights: an aggregate and a usage history, from the payload fixtures.
    let mut aggregate = RecordAggregate::new();
    aggregate.ingest_all(&record_events_from_webhooks(&payload("webhook_batch.json")).unwrap().items).unwrap();
    write_seed("insights", "aggregate-webhooks", &aggregate.to_json());
    let journal = record_events_from_journal(&payload("webhooks_journal.json")).unwrap();
    aggregate.ingest_all(&journal.items).unwrap();
    write_seed("insights", "aggregate-both", &aggregate.to_json());
    let usage = usage_snapshots_from_daily_usage(&payload("daily_api_usage.json")).unwrap();
    let mut history = UsageHistory::new();
    history.record_all(&usage.items).unwrap();
    write_seed("insights", "usage-history", &json(&history));
    let custom = RecordEvent {
        at: now,
        app: AppId("hubspot-sync".into()),
        record_type: RecordType::parse("2-123456").unwrap(),
        action: RecordAction::Deleted,
    };
    let mut with_custom = aggregate.clone();
    with_custom.ingest_all(&[custom.clone(), RecordEvent { at: now - Duration::days(40), ..custom }]).unwrap();
    write_seed("insights", "aggregate-custom-type", &with_custom.to_json());
}

//! The catalogue of bad inputs (`core/tests/data/bad_inputs.json`), run from Rust.
//!
//! Every case names an operation, its input and the error kind it must get; the engine (or the
//! aggregate) it runs against must serialise to the same bytes before and after. The same file is
//! run by the Python module's tests and by the UniFFI hosts (Python and Kotlin), each through its
//! own small interpreter of the operations, so every host refuses the same inputs the same way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use chrono::{DateTime, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::{
    ActivityFilter, ActivityIndex, Actor, Command, Error, ErrorKind, Grouping, InsightsQuery, InsightsSettings,
    RecordAggregate, RecordEventColumns, SnapshotError, UsageHistory, UsageSettings, UsageSnapshot, import,
};
use serde_json::Value;

const CATALOGUE: &str = include_str!("../data/bad_inputs.json");
const SAMPLE: &str = include_str!("../../../examples/data/sample_account.json");

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "not_found",
        ErrorKind::PermissionDenied => "permission_denied",
        ErrorKind::Conflict => "conflict",
        ErrorKind::InvalidState => "invalid_state",
        ErrorKind::InvalidInput => "invalid_input",
    }
}

/// A host's parse of its input failed: the host refuses it as invalid input.
fn parse<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, Error> {
    serde_json::from_value(value.clone())
        .map_err(|e| Error::Snapshot(SnapshotError::Json { line: None, message: e.to_string() }))
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// Applies the case's patch to the parsed sample: set, append to a list, or remove.
fn patched_sample(patch: &[Value]) -> String {
    let mut doc: Value = serde_json::from_str(SAMPLE).unwrap();
    for step in patch {
        let path = step["path"].as_array().unwrap();
        let (last, parents) = path.split_last().unwrap();
        let mut node = &mut doc;
        for key in parents {
            node = match key {
                Value::String(k) => node.get_mut(k).unwrap(),
                Value::Number(i) => node.get_mut(i.as_u64().unwrap() as usize).unwrap(),
                other => panic!("bad path element {other}"),
            };
        }
        if step.get("remove").is_some() {
            match last {
                Value::String(k) => drop(node.as_object_mut().unwrap().remove(k)),
                Value::Number(i) => drop(node.as_array_mut().unwrap().remove(i.as_u64().unwrap() as usize)),
                other => panic!("bad path element {other}"),
            }
        } else if let Some(item) = step.get("append") {
            node[last.as_str().unwrap()].as_array_mut().unwrap().push(item.clone());
        } else {
            match last {
                Value::String(k) => node[k.as_str()] = step["value"].clone(),
                Value::Number(i) => node[i.as_u64().unwrap() as usize] = step["value"].clone(),
                other => panic!("bad path element {other}"),
            }
        }
    }
    serde_json::to_string(&doc).unwrap()
}

fn filter(case: &Value, key: &str) -> Result<ActivityFilter, Error> {
    case.get(key).map_or_else(|| Ok(ActivityFilter::default()), parse)
}

fn text<'c>(case: &'c Value, key: &str) -> &'c str {
    case[key].as_str().unwrap()
}

/// The dictionaries of a `record_columns` case, generated: `app-<i>` and custom types `2-<i>`.
fn dictionaries(case: &Value) -> (Vec<String>, Vec<String>) {
    let len = |key: &str| case[key].as_u64().unwrap();
    (
        (0..len("app_dictionary_len")).map(|i| format!("app-{i}")).collect(),
        (0..len("type_dictionary_len")).map(|i| format!("2-{i}")).collect(),
    )
}

fn page_size(case: &Value) -> Result<usize, Error> {
    parse(&case["page_size"])
}

/// What a case may change: the engine, a record aggregate and a usage history.
#[derive(Clone)]
struct Subject {
    engine: Engine,
    records: RecordAggregate,
    usage: UsageHistory,
}

impl Subject {
    fn json(&self) -> (String, String, String) {
        (self.engine.to_json().unwrap(), self.records.to_json(), self.usage.to_json().unwrap())
    }
}

/// Runs one case; `Ok` means the operation was accepted.
fn run(subject: &mut Subject, case: &Value) -> Result<(), Error> {
    let engine = &mut subject.engine;
    match case["op"].as_str().unwrap() {
        "execute" => {
            let actor = match case["actor"].as_str() {
                Some(user) => Actor::User(user.into()),
                None => Actor::System,
            };
            let command: Command = parse(&case["command"])?;
            engine.execute(&actor, command, time(&case["now"])).map(drop).map_err(Error::from)
        }
        "import_ndjson" => engine.import_ndjson(case["text"].as_str().unwrap()).map(drop),
        "restore" => Engine::from_json(&patched_sample(case["patch"].as_array().unwrap())).map(drop),
        "restore_text" => {
            let text = match case.get("truncate") {
                Some(n) => SAMPLE[..n.as_u64().unwrap() as usize].to_owned(),
                None => case["text"].as_str().unwrap().to_owned(),
            };
            Engine::from_json(&text).map(drop)
        }
        "activity" => {
            let index = ActivityIndex::from_log(engine.events())?;
            let cursor = match case.get("cursor_from") {
                Some(other) => {
                    let other: ActivityFilter = parse(other)?;
                    index.query(engine.events(), &other, None, 1)?.next_cursor
                }
                None => case.get("cursor").map(|c| c.as_str().unwrap().to_owned()),
            };
            index.query(engine.events(), &filter(case, "filter")?, cursor.as_deref(), page_size(case)?).map(drop)?;
            Ok(())
        }
        "facets" => {
            let index = ActivityIndex::from_log(engine.events())?;
            index.facets(engine.events(), &filter(case, "filter")?).map(drop)?;
            Ok(())
        }
        "add_user" => Ok(engine.directory_mut().add_user(parse(&case["user"])?)?),
        "add_team" => Ok(engine.directory_mut().add_team(parse(&case["team"])?)?),
        "add_app" => Ok(engine.directory_mut().add_app(parse(&case["app"])?)?),
        "set_account" => Ok(engine.directory_mut().set_account(parse(&case["account"])?)?),
        "set_user_active" => {
            let user = case["user"].as_str().unwrap().into();
            Ok(engine.directory_mut().set_user_active(&user, case["active"].as_bool().unwrap())?)
        }
        "create_rule" => {
            let actor = case["actor"].as_str().unwrap().into();
            Ok(engine.create_rule(&actor, parse(&case["rule"])?, time(&case["now"]))?)
        }
        "dry_run" => {
            let rules: Vec<connected_apps::Rule> = parse(&case["rules"])?;
            engine.dry_run_notifications(&rules, time(&case["from"]), time(&case["to"])).map(drop)?;
            Ok(())
        }
        "record_deliveries" => {
            let deliveries: Vec<connected_apps::Delivery> = parse(&case["deliveries"])?;
            engine.record_deliveries(&deliveries, time(&case["now"])).map(drop)?;
            Ok(())
        }
        "record_governance_deliveries" => {
            let deliveries: Vec<connected_apps::governance::GovernanceDelivery> = parse(&case["deliveries"])?;
            engine.record_governance_deliveries(&deliveries, time(&case["now"])).map(drop)?;
            Ok(())
        }
        "ingest_webhooks" => Ok(import::ingest_webhooks(&mut subject.records, text(case, "json")).map(drop)?),
        "ingest_journal" => Ok(import::ingest_journal(&mut subject.records, text(case, "json")).map(drop)?),
        "import_security_activity" => Ok(import::import_security_activity(engine, text(case, "json")).map(drop)?),
        "import_audit_logs" => Ok(import::import_audit_logs(engine, text(case, "json")).map(drop)?),
        "import_daily_usage" => {
            let snapshots = import::usage_snapshots_from_daily_usage(text(case, "json"))?;
            Ok(subject.usage.record_all(&snapshots.items).map(drop)?)
        }
        "insights" => {
            let settings =
                InsightsSettings { window_days: parse(&case["window_days"])?, ..InsightsSettings::default() };
            let now = time(&case["now"]);
            let query = InsightsQuery {
                as_of: now.date_naive(),
                include_incomplete_day: false,
                app: None,
                record_type: None,
                group_by: Grouping::default(),
            };
            Ok(subject.records.insights(&settings, &query, now).map(drop)?)
        }
        "usage_report" => {
            let settings = UsageSettings { window_days: parse(&case["window_days"])?, ..UsageSettings::default() };
            Ok(subject.usage.report(engine.directory().account(), &settings, time(&case["now"])).map(drop)?)
        }
        "aggregate_restore" => Ok(RecordAggregate::from_json(text(case, "json")).map(drop)?),
        "usage_restore" => Ok(UsageHistory::from_json(text(case, "json")).map(drop)?),
        "usage_record" => {
            let snapshots: Vec<UsageSnapshot> = parse(&case["snapshots"])?;
            Ok(subject.usage.record_all(&snapshots).map(drop)?)
        }
        "record_columns" => {
            let rows: Vec<(i64, u32, u32, u8)> = parse(&case["rows"])?;
            let (apps, types) = dictionaries(case);
            let columns = RecordEventColumns {
                at_micros: &rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                apps: &rows.iter().map(|r| r.1).collect::<Vec<_>>(),
                app_dictionary: &apps,
                record_types: &rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                record_type_dictionary: &types,
                actions: &rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            };
            Ok(subject.records.ingest_columns(&columns).map(drop)?)
        }
        other => panic!("unknown operation {other:?}"),
    }
}

#[test]
fn every_bad_input_gets_its_error_kind_and_changes_nothing() {
    let catalogue: Value = serde_json::from_str(CATALOGUE).unwrap();
    let cases = catalogue["cases"].as_array().unwrap();
    assert!(cases.len() >= 100, "the catalogue holds {} cases", cases.len());
    let sample = Subject {
        engine: Engine::from_json(SAMPLE).unwrap(),
        records: RecordAggregate::new(),
        usage: UsageHistory::new(),
    };
    let before = sample.json();
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expected = case["kind"].as_str().unwrap();
        let mut subject = sample.clone();
        match run(&mut subject, case) {
            Ok(()) => failures.push(format!("{name}: accepted, expected {expected}")),
            Err(e) if kind_name(e.kind()) != expected => {
                failures.push(format!("{name}: {} ({e}), expected {expected}", kind_name(e.kind())));
            }
            Err(_) => {}
        }
        if subject.json() != before {
            failures.push(format!("{name}: the engine, aggregate or usage history changed"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

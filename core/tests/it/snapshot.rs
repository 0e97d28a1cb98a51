#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Snapshots and NDJSON: lossless round-trips, timestamp normalisation, and refusals of bad input.

use connected_apps::{Engine, Error, ErrorKind, LifecycleError, SnapshotError, events_from_ndjson, events_to_ndjson};

const SAMPLE: &str = include_str!("../../../examples/data/sample_account.json");

#[test]
fn the_bundled_sample_round_trips_byte_for_byte() {
    let engine = Engine::from_json(SAMPLE).unwrap();
    assert!(engine.directory().apps().len() >= 25);
    assert!(engine.directory().users().len() >= 40);
    assert_eq!(engine.directory().teams().len(), 5);
    // The sample holds account configuration an engine alone does not keep (a notification
    // rule and a governance policy, G4): the account engine writes it back byte for byte.
    let json = connected_apps::AccountEngine::from_json(SAMPLE).unwrap().to_json().unwrap();
    assert_eq!(json.trim_end(), SAMPLE.trim_end());
    let again = Engine::from_json(&json).unwrap();
    assert_eq!(again.state(), engine.state());
    assert_eq!(again.events(), engine.events());
}

#[test]
fn ndjson_round_trips_and_rebuilds_the_same_state() {
    let engine = Engine::from_json(SAMPLE).unwrap();
    let ndjson = events_to_ndjson(engine.events()).unwrap();
    assert_eq!(ndjson.lines().count(), engine.events().len());
    let events = events_from_ndjson(&ndjson).unwrap();
    assert_eq!(events, engine.events().to_vec());
    let mut fresh = Engine::new(engine.directory().clone());
    assert_eq!(fresh.import_ndjson(&ndjson).unwrap(), engine.events().len());
    assert_eq!(fresh.state(), engine.state());
}

fn first_event_line() -> String {
    let engine = Engine::from_json(SAMPLE).unwrap();
    events_to_ndjson(engine.events().range(0..1)).unwrap()
}

#[test]
fn timestamps_with_offsets_are_normalised_to_utc() {
    let line = first_event_line();
    let utc = events_from_ndjson(&line).unwrap();
    let at = utc[0].at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let shifted_at = (utc[0].at.with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap()))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    assert!(shifted_at.ends_with("+02:00"));
    let shifted = line.replace(&at, &shifted_at);
    assert_ne!(shifted, line);
    let parsed = events_from_ndjson(&shifted).unwrap();
    assert_eq!(parsed[0].at, utc[0].at);
    assert_eq!(events_to_ndjson(&parsed).unwrap(), line, "written back in UTC");
}

#[test]
fn garbage_timestamps_unknown_enum_values_and_fields_are_refused() {
    let line = first_event_line();
    let at = events_from_ndjson(&line).unwrap()[0].at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for bad in [
        line.replace(&at, "yesterday"),
        line.replace(&at, "2026-13-45T99:00:00Z"),
        line.replace("\"installed\"", "\"teleported\""),
        line.replace("\"id\":", "\"colour\":\"red\",\"id\":"),
        line.replace("\"id\":1", "\"id\":-1"),
    ] {
        let err = events_from_ndjson(&bad).unwrap_err();
        assert!(matches!(err, SnapshotError::Json { line: Some(1), .. }), "{bad} gave {err:?}");
    }
}

#[test]
fn malformed_and_truncated_snapshots_are_refused() {
    for text in ["", "{", "[]", "not json", &SAMPLE[..SAMPLE.len() / 2]] {
        let err = Engine::from_json(text).unwrap_err();
        assert!(matches!(err, Error::Snapshot(SnapshotError::Json { line: None, .. })), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    let wrong_version = SAMPLE.replacen("\"version\": 1", "\"version\": 99", 1);
    assert_eq!(Engine::from_json(&wrong_version).unwrap_err(), Error::Snapshot(SnapshotError::UnsupportedVersion(99)));
    let bad_level = SAMPLE.replacen("\"account_level\"", "\"galaxy_level\"", 1);
    assert!(matches!(Engine::from_json(&bad_level).unwrap_err(), Error::Snapshot(SnapshotError::Json { .. })));
    let unknown_member = SAMPLE.replacen("\"u05\"", "\"u99\"", 1);
    assert_eq!(Engine::from_json(&unknown_member).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn out_of_order_and_duplicate_events_are_refused_all_or_nothing() {
    let engine = Engine::from_json(SAMPLE).unwrap();
    let events = engine.events().to_vec();
    let mut fresh = Engine::new(engine.directory().clone());
    fresh.append_all(events[..10].iter().cloned()).unwrap();
    let before = fresh.to_json().unwrap();

    // A duplicate id in the middle of a batch: nothing of the batch stays.
    let mut batch: Vec<_> = events[10..20].to_vec();
    batch[5].id = events[3].id;
    let (pos, err) = fresh.append_all(batch).unwrap_err();
    assert_eq!((pos, err), (5, LifecycleError::DuplicateEventId(events[3].id)));
    assert_eq!(fresh.to_json().unwrap(), before);

    // An event older than the newest logged one.
    let mut late = events[10].clone();
    late.at = events[0].at - chrono::Duration::seconds(1);
    let err = fresh.append(late).unwrap_err();
    assert!(matches!(err, LifecycleError::OutOfOrder { .. }));
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(fresh.to_json().unwrap(), before);

    // The rest still goes in afterwards.
    fresh.append_all(events[10..].iter().cloned()).unwrap();
    assert_eq!(fresh.state(), engine.state());
}

/// A snapshot with notification rules (one edited, one deleted) and a delivery log with notices
/// recorded and a settled instant, written by the engine before the notification state moved
/// into `AccountEngine` (issue 13): hosts' saved snapshots must still restore, and re-save byte
/// for byte.
const NOTIFY_SNAPSHOT: &str = include_str!("../data/snapshot_with_notifications.json");

fn engine_with_notifications() -> connected_apps::AccountEngine {
    use crate::notify_support::{at, engine, rule, uid};
    use connected_apps::{Actor, Command, Frequency, RuleType};
    let mut e = engine();
    let admin = uid("admin");
    let t0 = at(2026, 3, 2, 9, 0, 0);
    let mut down = rule("down", RuleType::AppDisconnected, &["slack", "zoom"]);
    e.create_rule(&admin, down.clone(), t0).unwrap();
    e.create_rule(&admin, rule("any-install", RuleType::AppInstalled, &[]), t0).unwrap();
    e.create_rule(&admin, rule("gone", RuleType::AppUninstalled, &["zoom"]), t0).unwrap();
    down.frequency = Some(Frequency::Hourly);
    e.edit_rule(&admin, down, t0 + chrono::Duration::minutes(1)).unwrap();
    e.delete_rule(&admin, &"gone".into(), t0 + chrono::Duration::minutes(2)).unwrap();
    let actor = Actor::User(admin);
    for (i, app) in ["slack", "zoom"].into_iter().enumerate() {
        let now = t0 + chrono::Duration::minutes(10 + i64::try_from(i).unwrap());
        e.execute(
            &actor,
            Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None },
            now,
        )
        .unwrap();
    }
    let t1 = t0 + chrono::Duration::hours(1);
    e.execute(&actor, Command::Disconnect { app: "slack".into(), user: None }, t1).unwrap();
    let t2 = t1 + chrono::Duration::minutes(5);
    let due = e.due_notifications(t2);
    assert!(due.len() >= 3, "{due:?}");
    e.record_deliveries(&due, t2).unwrap();
    e.settle_deliveries(t1 - chrono::Duration::minutes(1));
    let t3 = t1 + chrono::Duration::hours(2);
    let reminders = e.due_notifications(t3);
    assert!(!reminders.is_empty());
    e.record_deliveries(&reminders, t3).unwrap();
    e
}

#[test]
fn a_snapshot_with_notification_state_written_before_issue_13_restores_and_resaves_byte_for_byte() {
    let built = engine_with_notifications();
    if std::env::var_os("WRITE_NOTIFY_SNAPSHOT").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/snapshot_with_notifications.json"),
            built.to_json().unwrap(),
        )
        .unwrap();
    }
    let restored = connected_apps::AccountEngine::from_json(NOTIFY_SNAPSHOT).unwrap();
    assert_eq!(restored.to_json().unwrap(), NOTIFY_SNAPSHOT);
    assert_eq!(built.to_json().unwrap(), NOTIFY_SNAPSHOT);
    assert_eq!(restored.notification_rules(), built.notification_rules());
    assert_eq!(restored.delivery_log(), built.delivery_log());
    let later = crate::notify_support::at(2026, 3, 2, 14, 0, 0);
    assert_eq!(restored.due_notifications(later), built.due_notifications(later));
    assert!(!restored.due_notifications(later).is_empty());
    // An engine alone checks the notification state but does not keep it.
    let engine = Engine::from_json(NOTIFY_SNAPSHOT).unwrap();
    assert_eq!(engine.events(), restored.events());
    assert!(!engine.to_json().unwrap().contains("notification_rules"));
    let mut broken: serde_json::Value = serde_json::from_str(NOTIFY_SNAPSHOT).unwrap();
    broken["deliveries"]["sent"][0]["rule"] = "nope".into();
    let refused = Engine::from_json(&broken.to_string()).unwrap_err();
    assert!(matches!(refused, Error::Notify(_)), "{refused}");
    assert_eq!(refused, connected_apps::AccountEngine::from_json(&broken.to_string()).unwrap_err());
}

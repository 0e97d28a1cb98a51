//! Real payloads (K1–K3): fixtures written from the platform's OpenAPI schemas and documented
//! webhook fields, turned into usage snapshots, log events and record events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use crate::common;

use chrono::{TimeZone, Utc};
use connected_apps::import::{
    events_from_audit_logs, events_from_security_activity, import_audit_logs, import_security_activity, ingest_journal,
    ingest_webhooks, record_events_from_journal, record_events_from_webhooks, usage_snapshots_from_daily_usage,
};
use connected_apps::limits::{DEDUPE_HORIZON_DAYS, MIN_PLATFORM_MILLIS};
use connected_apps::{
    ActivityType, AppId, AppLevel, AppLogFilter, ConnectionState, Directory, Engine, ErrorKind, EventKind, ImportError,
    InsightsError, RecordAction, RecordAggregate, UserId, app_overview, connections_home,
};

pub(crate) fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_daily_usage_response_becomes_snapshots_and_failed_fetches_are_reported() {
    let out = usage_snapshots_from_daily_usage(&fixture("daily_api_usage.json")).unwrap();
    assert_eq!(out.items.len(), 2);
    assert_eq!(out.items[0].app, AppId("private-apps-api-calls-daily".into()));
    assert_eq!(out.items[0].calls_today, 182_450);
    assert_eq!(out.items[0].at, Utc.with_ymd_and_hms(2026, 3, 2, 10, 15, 0).unwrap());
    assert_eq!((out.report.read, out.report.imported), (3, 2));
    assert_eq!(out.report.unsupported.get("fetch status TIMEOUT"), Some(&1));
}

#[test]
fn security_activity_becomes_installs_and_uninstalls_oldest_first() {
    let out = events_from_security_activity(&fixture("security_activity.json")).unwrap();
    let kinds: Vec<ActivityType> = out.items.iter().map(|e| e.kind.activity_type()).collect();
    assert_eq!(kinds, vec![ActivityType::Installed, ActivityType::Uninstalled, ActivityType::Reinstalled]);
    assert!(out.items.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(out.items[0].app, AppId("gmail".into()));
    assert_eq!(out.items[0].actor, Some(UserId("4455".into())));
    assert_eq!(out.items[0].id.0, 1_847_391_002);
    assert_eq!(out.report.unsupported.get("LOGIN_SUCCESS"), Some(&1));
    assert_eq!(out.report.unsupported.get("PRIVATE_APP_ACCESS_TOKEN_ROTATE"), Some(&1));
    assert_eq!(out.report.read, 5);
}

#[test]
fn audit_log_items_about_apps_become_events_and_the_rest_is_counted() {
    let out = events_from_audit_logs(&fixture("audit_logs.json")).unwrap();
    assert_eq!(out.items.len(), 2);
    assert!(matches!(out.items[0].kind, EventKind::Installed { .. }));
    assert!(matches!(out.items[1].kind, EventKind::Disconnected));
    assert_eq!(out.items[1].actor, Some(UserId("7788".into())));
    assert_eq!(out.items[1].app, AppId("salesforce".into()));
    // Non-numeric ids get a stable hashed id.
    let again = events_from_audit_logs(&fixture("audit_logs.json")).unwrap();
    assert_eq!(out.items[0].id, again.items[0].id);
    assert_ne!(out.items[0].id, out.items[1].id);
    assert_eq!(out.report.unsupported.get("PROPERTY/UPDATE"), Some(&1));
    // Issue 11: a property-mapping item is not an app event, although its category contains "APP".
    assert_eq!(out.report.unsupported.get("PROPERTY_MAPPINGS/DISCONNECT"), Some(&1));
    assert_eq!((out.report.read, out.report.imported), (4, 2));
}

fn triples(events: &[connected_apps::RecordEvent]) -> Vec<(&str, &str, RecordAction)> {
    events.iter().map(|e| (e.app.as_str(), e.record_type.as_str(), e.action)).collect()
}

#[test]
fn webhook_changes_belong_to_the_integration_in_source_id_never_to_the_subscriber() {
    let out = record_events_from_webhooks(&fixture("webhook_batch.json")).unwrap();
    // The subscriber (appId 1160452) is credited with nothing; people, imports and workflows
    // are nobody's app activity and only counted per changeSource.
    assert_eq!(
        triples(&out.items),
        vec![
            ("54321", "companies", RecordAction::Updated),
            ("54321", "deals", RecordAction::Deleted),
            ("77001", "2-123456", RecordAction::Created),
        ]
    );
    let r = &out.report;
    assert_eq!((r.read, r.imported, r.duplicates, r.repeat_updates, r.expired), (10, 3, 1, 1, 0));
    let by_source: Vec<(&str, usize)> = r.by_source.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(by_source, vec![("CRM_UI", 2), ("IMPORT", 1), ("INTEGRATION", 4)]);
    assert_eq!(r.unsupported.get("contact.restore"), Some(&1));
    assert_eq!(r.unsupported.get("contact.associationChange"), Some(&1));
    assert_eq!(out.items[0].at, Utc.with_ymd_and_hms(2026, 3, 2, 10, 1, 0).unwrap());
}

#[test]
fn records_updated_counts_each_record_once_per_app_and_utc_day() {
    let mut aggregate = RecordAggregate::new();
    ingest_webhooks(&mut aggregate, &fixture("webhook_batch.json")).unwrap();
    ingest_webhooks(&mut aggregate, &fixture("webhook_batch_resent.json")).unwrap();
    let updated: Vec<(String, u64)> = aggregate
        .cells()
        .into_iter()
        .filter(|c| c.action == RecordAction::Updated)
        .map(|c| (c.day.to_string(), c.count))
        .collect();
    // Two property changes of company 9876 on 2 March are one update; the change on 3 March is another.
    assert_eq!(updated, vec![("2026-03-02".into(), 1), ("2026-03-03".into(), 1)]);
}

#[test]
fn every_delivery_counts_exactly_once_across_batches_snapshots_and_merges() {
    let mut aggregate = RecordAggregate::new();
    let first = ingest_webhooks(&mut aggregate, &fixture("webhook_batch.json")).unwrap();
    assert_eq!((first.imported, first.duplicates), (3, 1));
    // The re-sent batch: a retry of 1003 (zero times), the same eventId on another subscription
    // and object (a different delivery: counted), and a next-day update.
    let second = ingest_webhooks(&mut aggregate, &fixture("webhook_batch_resent.json")).unwrap();
    assert_eq!((second.imported, second.duplicates, second.read), (2, 1, 3));
    assert_eq!(aggregate.event_count(), 5);
    // The whole first batch again: nothing counts.
    let again = ingest_webhooks(&mut aggregate, &fixture("webhook_batch.json")).unwrap();
    assert_eq!((again.imported, again.duplicates), (0, 8));
    assert_eq!(aggregate.event_count(), 5);

    // The memory is part of the snapshot: a restored aggregate still recognises the batch.
    let json = aggregate.to_json();
    let mut restored = RecordAggregate::from_json(&json).unwrap();
    assert_eq!(restored.to_json(), json);
    assert_eq!(ingest_webhooks(&mut restored, &fixture("webhook_batch_resent.json")).unwrap().imported, 0);
    assert_eq!(restored, aggregate);

    // Two partials that both counted the first batch merge into one count of it.
    let (mut a, mut b) = (RecordAggregate::new(), RecordAggregate::new());
    ingest_webhooks(&mut a, &fixture("webhook_batch.json")).unwrap();
    ingest_webhooks(&mut b, &fixture("webhook_batch.json")).unwrap();
    ingest_webhooks(&mut b, &fixture("webhook_batch_resent.json")).unwrap();
    a.merge(&b).unwrap();
    assert_eq!(a, aggregate);
    assert_eq!(a.cells(), aggregate.cells());
}

#[test]
fn a_delivery_older_than_the_horizon_is_expired_not_counted() {
    let day = 86_400_000i64;
    let event = |id: u32, at: i64| {
        format!(
            r#"{{"eventId":{id},"subscriptionId":1,"objectId":{id},"occurredAt":{at},"subscriptionType":"deal.deletion","changeSource":"INTEGRATION","sourceId":"9"}}"#
        )
    };
    let start = 1_772_409_600_000i64; // 2026-03-02T00:00Z
    let mut aggregate = RecordAggregate::new();
    let newest = start + i64::from(DEDUPE_HORIZON_DAYS) * day + 1;
    ingest_webhooks(&mut aggregate, &format!("[{}]", event(1, newest))).unwrap();
    // Just inside the horizon (the first millisecond of the day three days before): counted.
    let inside = ingest_webhooks(&mut aggregate, &format!("[{}]", event(2, start))).unwrap();
    assert_eq!((inside.imported, inside.expired), (1, 0));
    // Just past it: expired, reported, and the aggregate unchanged.
    let before = aggregate.to_json();
    let past = ingest_webhooks(&mut aggregate, &format!("[{}]", event(3, start - 1))).unwrap();
    assert_eq!((past.imported, past.expired), (0, 1));
    assert_eq!(aggregate.to_json(), before);
}

#[test]
fn journal_entries_are_attributed_like_webhooks_and_a_journal_read_twice_counts_once() {
    let out = record_events_from_journal(&fixture("webhooks_journal.json")).unwrap();
    assert_eq!(
        triples(&out.items),
        vec![
            ("54321", "contacts", RecordAction::Created),
            ("54321", "deals", RecordAction::Deleted),
            ("77001", "2-123456", RecordAction::Deleted),
            ("54321", "companies", RecordAction::Updated),
        ]
    );
    let r = &out.report;
    assert_eq!((r.read, r.imported, r.repeat_updates), (9, 4, 1));
    assert_eq!(r.by_source.get("INTEGRATION"), Some(&5));
    assert_eq!(r.by_source.get("CRM_UI"), Some(&1));
    assert_eq!(r.by_source.get("NONE"), Some(&1));
    assert_eq!(r.unsupported.get("ASSOCIATION_ADDED"), Some(&1));
    assert_eq!(r.unsupported.get("APP_UNINSTALL"), Some(&1));

    let mut aggregate = RecordAggregate::new();
    assert_eq!(ingest_journal(&mut aggregate, &fixture("webhooks_journal.json")).unwrap().imported, 4);
    let twice = ingest_journal(&mut aggregate, &fixture("webhooks_journal.json")).unwrap();
    assert_eq!((twice.imported, twice.duplicates), (0, 7));
    assert_eq!(aggregate.event_count(), 4);
}

/// Two webhook events from the same integration: the second changed by `change` (the first
/// stays valid, so errors must name item 1).
fn webhook(change: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> String {
    let good = serde_json::json!({
        "eventId": 1, "subscriptionId": 2, "objectId": 3, "occurredAt": 1_772_445_600_000i64,
        "subscriptionType": "contact.creation", "changeSource": "INTEGRATION", "sourceId": "54321"
    });
    let mut second = good.as_object().unwrap().clone();
    second.insert("eventId".into(), 7.into());
    change(&mut second);
    serde_json::json!([good, second]).to_string()
}

#[test]
fn bad_webhook_items_are_typed_errors_naming_the_item_and_change_nothing() {
    let mut aggregate = RecordAggregate::new();
    ingest_webhooks(&mut aggregate, &fixture("webhook_batch.json")).unwrap();
    let before = aggregate.to_json();
    let refused = |json: &str, aggregate: &mut RecordAggregate| {
        let err = ingest_webhooks(aggregate, json).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        err
    };
    for missing in ["occurredAt", "objectId", "subscriptionType", "eventId", "subscriptionId"] {
        let err = refused(&webhook(|m| drop(m.remove(missing))), &mut aggregate);
        assert!(matches!(err, ImportError::MalformedItem { index: 1, .. }), "{missing}: {err}");
        assert!(err.to_string().contains(missing), "{err}");
    }
    let err = refused(&webhook(|m| drop(m.insert("changeSource".into(), "TELEPATHY".into()))), &mut aggregate);
    assert!(
        matches!(err, ImportError::UnknownChangeSource { index: 1, ref change_source, .. } if change_source == "TELEPATHY")
    );
    let err = refused(&webhook(|m| drop(m.insert("sourceId".into(), "userId:45678".into()))), &mut aggregate);
    assert!(matches!(err, ImportError::SourceIdNotANumber { index: 1, .. }), "{err}");
    let err = refused(&webhook(|m| drop(m.insert("attemptNumber".into(), (-1).into()))), &mut aggregate);
    assert_eq!(err, ImportError::NegativeAttempt { payload: "webhook batch", index: 1, attempt: -1 });
    let err = refused(&webhook(|m| drop(m.insert("occurredAt".into(), 1_772_445_600i64.into()))), &mut aggregate);
    assert!(matches!(err, ImportError::TimeInSeconds { index: 1, millis: 1_772_445_600, .. }), "{err}");
    let err =
        refused(&webhook(|m| drop(m.insert("occurredAt".into(), (MIN_PLATFORM_MILLIS - 1).into()))), &mut aggregate);
    assert!(matches!(err, ImportError::TimeInSeconds { index: 1, .. }));
    assert!(matches!(refused("[{", &mut aggregate), ImportError::Malformed { .. }));
    assert_eq!(aggregate.to_json(), before, "no refusal changed the aggregate");
    // Just inside each bound: accepted.
    let ok = webhook(|m| {
        m.insert("attemptNumber".into(), 0.into());
        m.insert("occurredAt".into(), MIN_PLATFORM_MILLIS.into());
    });
    assert_eq!(ingest_webhooks(&mut RecordAggregate::new(), &ok).unwrap().imported, 2);
}

#[test]
fn the_dedupe_memory_grows_with_the_deliveries_not_with_what_they_name() {
    // 400 deliveries, each of a new app and custom type: the memory holds one key per delivery
    // and its snapshot stays proportional to them.
    let items: Vec<String> = (0..400)
        .map(|i| {
            format!(
                r#"{{"eventId":{i},"subscriptionId":1,"objectId":{i},"occurredAt":{},"subscriptionType":"object.creation","objectTypeId":"2-{}","changeSource":"INTEGRATION","sourceId":"{}"}}"#,
                // Ten minutes apart: about three days in all, inside the dedupe horizon, so every
                // one is counted (the aggregate's own tests spread such events over decades).
                1_772_445_600_000i64 + i64::from(i) * 600_000,
                1000 + i,
                5000 + i
            )
        })
        .collect();
    let body = format!("[{}]", items.join(","));
    let out = record_events_from_webhooks(&body).unwrap();
    assert_eq!(out.items.len(), 400);
    assert_eq!(out.report.by_source.get("INTEGRATION"), Some(&400));
    // Counted into an aggregate: 400 cells in memory proportional to them (the dense cube this
    // body once asked for was 1.5 GB), and a snapshot proportional too.
    let mut aggregate = RecordAggregate::new();
    let report = ingest_webhooks(&mut aggregate, &body).unwrap();
    assert_eq!((report.imported, aggregate.cell_count(), aggregate.event_count()), (400, 400, 400));
    assert!(aggregate.heap_bytes() < 400 * 1024, "{} bytes for 400 cells", aggregate.heap_bytes());
    assert!(aggregate.to_json().len() < 100 * body.len(), "the snapshot follows the deliveries");
    // The same body again counts nothing.
    assert_eq!(ingest_webhooks(&mut aggregate, &body).unwrap().duplicates, 400);
    assert_eq!(aggregate.event_count(), 400);
}

#[test]
fn an_update_counts_once_per_record_and_day_across_batches_and_routes() {
    let update = |event_id: u32, at_ms: i64| {
        format!(
            r#"[{{"eventId":{event_id},"subscriptionId":7,"objectId":9876,"occurredAt":{at_ms},"subscriptionType":"company.propertyChange","propertyName":"industry","propertyValue":"X","changeSource":"INTEGRATION","sourceId":"54321"}}]"#
        )
    };
    let updated = |a: &RecordAggregate| {
        a.cells().into_iter().filter(|c| c.action == RecordAction::Updated).map(|c| c.count).sum::<u64>()
    };
    let mut aggregate = RecordAggregate::new();
    ingest_webhooks(&mut aggregate, &update(1, 1_772_445_600_000)).unwrap();
    // Another change of the same record, the same UTC day, in a later batch: not counted again.
    let second = ingest_webhooks(&mut aggregate, &update(2, 1_772_449_200_000)).unwrap();
    assert_eq!((second.repeat_updates, updated(&aggregate)), (1, 1));
    // The next day: counted.
    ingest_webhooks(&mut aggregate, &update(3, 1_772_532_000_000)).unwrap();
    assert_eq!(updated(&aggregate), 2);
    // The same update through the journal counts once as well: the key is the record and the day.
    let journal = r#"{"results":[{"offset":"o-9","portalId":62515,"appId":1160452,"action":"UPDATE","objectTypeId":"0-2","objectId":9876,"occurredAt":1772445600000,"properties":["industry"],"changeSource":"INTEGRATION","sourceId":"54321"}]}"#;
    let via_journal = ingest_journal(&mut aggregate, journal).unwrap();
    assert_eq!((via_journal.repeat_updates, updated(&aggregate)), (1, 2));
}

pub(crate) fn engine_with(level: AppLevel) -> Engine {
    let mut d = Directory::new(common::account()).unwrap();
    let mut ops = common::user("ops", true, true, true);
    ops.platform_user_id = Some("4455".into());
    d.add_user(ops).unwrap();
    let mut admin = common::user("admin", true, true, true);
    admin.email = "Admin@Acme.example".into();
    d.add_user(admin).unwrap();
    d.add_app(common::app("gmail", level)).unwrap();
    d.add_app(common::app("salesforce", AppLevel::AccountLevel)).unwrap();
    Engine::new(d)
}

#[test]
fn security_activity_imports_into_an_engine_of_every_app_level() {
    let now = Utc.with_ymd_and_hms(2026, 2, 25, 0, 0, 0).unwrap();
    for level in [AppLevel::AccountLevel, AppLevel::UserLevel, AppLevel::MultiAccount] {
        let mut engine = engine_with(level);
        let report = import_security_activity(&mut engine, &fixture("security_activity.json")).unwrap();
        assert_eq!(report.imported, 3, "{level:?}: {report:?}");
        assert!(report.unresolved_actors.is_empty() && report.skipped.is_empty(), "{level:?}: {report:?}");
        let log: Vec<(ActivityType, Option<&str>, Option<&str>)> = engine
            .events()
            .iter()
            .map(|e| (e.kind.activity_type(), e.user.map(UserId::as_str), e.actor.map(UserId::as_str)))
            .collect();
        // 4455 resolves by platform id to ops; 7788 by e-mail (any case) to admin.
        let user = |u: &'static str| (level == AppLevel::UserLevel).then_some(u);
        assert_eq!(
            log,
            vec![
                (ActivityType::Installed, user("ops"), Some("ops")),
                (ActivityType::Uninstalled, user("ops"), Some("ops")),
                (
                    if level == AppLevel::UserLevel { ActivityType::Installed } else { ActivityType::Reinstalled },
                    user("admin"),
                    Some("admin")
                ),
            ],
            "{level:?}"
        );
        let home = connections_home(&engine, &UserId("admin".into()), now).unwrap();
        let gmail = home.my_apps.iter().chain([]).find(|r| r.app.as_str() == "gmail");
        let other = home.other_users_apps.iter().find(|r| r.app.as_str() == "gmail");
        assert!(gmail.is_some() || other.is_some(), "{level:?}: gmail is on the home page");
        let overview =
            app_overview(&engine, &AppId("gmail".into()), Some(&UserId("admin".into())), &AppLogFilter::default(), now)
                .unwrap();
        assert_eq!(overview.connections.len(), 1, "{level:?}");
        assert_eq!(overview.connections[0].installed_by, Some(UserId("admin".into())));
        assert_eq!(overview.connections[0].state, ConnectionState::Connected);
        assert_eq!(overview.log.len(), 3);

        // The same history again changes nothing and says why.
        let before = engine.events().len();
        let again = import_security_activity(&mut engine, &fixture("security_activity.json")).unwrap();
        assert_eq!((again.imported, again.skipped.get("already in the log")), (0, Some(&3)));
        assert_eq!(engine.events().len(), before);
    }
}

#[test]
fn overlapping_histories_and_unknown_actors_are_reported_not_refused() {
    // A history that starts with the app already installed: the install is skipped, the rest applies.
    let mut engine = engine_with(AppLevel::AccountLevel);
    let audit = fixture("audit_logs.json");
    let mut unknown_actor = audit.replace(r#""userId": 7788"#, r#""userId": 9999"#);
    unknown_actor = unknown_actor.replace("admin@acme.example", "nobody@acme.example");
    let first = import_audit_logs(&mut engine, &unknown_actor).unwrap();
    assert_eq!(first.imported, 2);
    assert_eq!(first.unresolved_actors.get("9999 <nobody@acme.example>"), Some(&1));
    let disconnect = engine.events().iter().next_back().unwrap();
    assert_eq!((disconnect.actor, disconnect.kind), (None, &EventKind::Disconnected));
    assert_eq!(first.unsupported.get("PROPERTY_MAPPINGS/DISCONNECT"), Some(&1));

    // Security activity of the same apps read after the audit log: the gmail history is older
    // than the log, and reported so.
    let security = import_security_activity(&mut engine, &fixture("security_activity.json")).unwrap();
    assert_eq!(security.imported, 0);
    assert_eq!(security.skipped.get("older than the log"), Some(&3));

    // Bad input is refused whole, naming the item, and leaves the engine as it was.
    let before = engine.events().len();
    let no_actor = r#"{"results":[{"id":"1","type":"INSTALL_INTEGRATION","createdAt":"2026-03-01T00:00:00Z","objectId":"gmail"}]}"#;
    assert_eq!(
        import_security_activity(&mut engine, no_actor).unwrap_err(),
        ImportError::NoActor { payload: "security activity", index: 0 }
    );
    let email_only = no_actor.replace(r#""objectId""#, r#""actingUser":"OPS@example.com","objectId""#);
    assert!(matches!(import_security_activity(&mut engine, "{"), Err(ImportError::Malformed { .. })));
    assert_eq!(engine.events().len(), before);
    let report = import_security_activity(&mut engine, &email_only).unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(engine.events().iter().next_back().unwrap().actor, Some(&UserId("ops".into())));
}

#[test]
fn malformed_payloads_are_typed_errors() {
    let err = usage_snapshots_from_daily_usage("{\"results\": 3}").unwrap_err();
    assert!(matches!(err, ImportError::Malformed { .. }));
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(matches!(usage_snapshots_from_daily_usage("not json"), Err(ImportError::Malformed { .. })));
    let negative = r#"{"results":[{"name":"x","currentUsage":-4,"usageLimit":1,"fetchStatus":"SUCCESS","collectedAt":"2026-03-02T10:15:00Z"}]}"#;
    assert_eq!(
        usage_snapshots_from_daily_usage(negative).unwrap_err(),
        ImportError::InvalidItem {
            payload: "daily api usage",
            index: 0,
            source: InsightsError::NegativeCount { row: 0, value: -4 }
        }
    );
    let before_1970 = r#"[{"eventId":1,"subscriptionId":1,"objectId":1,"appId":1,"occurredAt":-1000,"subscriptionType":"contact.creation"}]"#;
    assert!(matches!(
        record_events_from_webhooks(before_1970),
        Err(ImportError::InvalidItem { source: InsightsError::TimestampOutOfRange { .. }, .. })
    ));
    let unknown_type = r#"[{"appId":1,"occurredAt":1000,"subscriptionType":"object.creation","objectTypeId":"9-1"}]"#;
    assert!(matches!(
        record_events_from_webhooks(unknown_type),
        Err(ImportError::InvalidItem { source: InsightsError::UnknownRecordType(_), .. })
    ));
    assert!(matches!(record_events_from_webhooks(r#"{"results":[]}"#), Err(ImportError::Malformed { .. })));
    let bad_time = r#"[{"id":"1","type":"INSTALL_INTEGRATION","userId":1,"objectId":"a","createdAt":"yesterday"}]"#;
    assert!(matches!(events_from_security_activity(bad_time), Err(ImportError::MalformedItem { .. })));
    let year_10000 =
        r#"{"results":[{"action":"CREATE","objectTypeId":"0-1","objectId":1,"occurredAt":253402300800000}]}"#;
    assert!(matches!(
        record_events_from_journal(year_10000),
        Err(ImportError::InvalidItem { source: InsightsError::TimestampOutOfRange { .. }, .. })
    ));
    let e: connected_apps::Error = ImportError::Malformed { payload: "x", message: "y".into() }.into();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn an_id_the_log_holds_for_another_event_is_reported_apart_and_an_id_past_the_limit_is_skipped() {
    let mut engine = engine_with(AppLevel::AccountLevel);
    let item = |id: &str, at: &str, kind: &str| {
        format!(
            r#"{{"results":[{{"id":"{id}","type":"{kind}","userId":4455,"actingUser":"ops@acme.example","createdAt":"{at}","objectId":"salesforce"}}]}}"#
        )
    };
    let first =
        import_security_activity(&mut engine, &item("100", "2026-03-01T00:00:00Z", "INSTALL_INTEGRATION")).unwrap();
    assert_eq!(first.imported, 1);
    // The engine's own next command takes the id after the platform's (101)...
    let t = Utc.with_ymd_and_hms(2026, 3, 1, 1, 0, 0).unwrap();
    let disconnect = connected_apps::Command::Disconnect { app: AppId("salesforce".into()), user: None };
    engine.execute(&connected_apps::Actor::User(UserId("ops".into())), disconnect, t).unwrap();
    assert!(engine.events().contains_id(connected_apps::EventId(101)));
    // ...so a new platform item numbered 101 is not "already in the log": it says whose id it is.
    let json = engine.to_json().unwrap();
    let collided =
        import_security_activity(&mut engine, &item("101", "2026-03-01T02:00:00Z", "UNINSTALL_INTEGRATION")).unwrap();
    assert_eq!((collided.imported, collided.skipped.get("id taken by another event")), (0, Some(&1)));
    assert_eq!(collided.skipped.get("already in the log"), None);
    // The item itself read again is recognised as such.
    let again =
        import_security_activity(&mut engine, &item("100", "2026-03-01T00:00:00Z", "INSTALL_INTEGRATION")).unwrap();
    assert_eq!(again.skipped.get("already in the log"), Some(&1));
    // An id of 2^64 - 1 from the platform is skipped and named; the engine is unchanged and restores.
    let past = import_security_activity(
        &mut engine,
        &item(&u64::MAX.to_string(), "2026-03-01T03:00:00Z", "UNINSTALL_INTEGRATION"),
    )
    .unwrap();
    assert_eq!((past.imported, past.skipped.get("id past the limit")), (0, Some(&1)));
    assert_eq!(engine.to_json().unwrap(), json);
    assert_eq!(Engine::from_json(&json).unwrap().to_json().unwrap(), json);
}

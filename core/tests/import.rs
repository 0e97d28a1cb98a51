//! Real payloads (K1–K3): fixtures written from the platform's OpenAPI schemas and documented
//! webhook fields, turned into usage snapshots, log events and record events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use chrono::{TimeZone, Utc};
use connected_apps::import::{
    events_from_audit_logs, events_from_security_activity, record_events_from_journal, record_events_from_webhooks,
    usage_snapshots_from_daily_usage,
};
use connected_apps::{
    ActivityType, AppId, ErrorKind, EventKind, ImportError, InsightsError, RecordAction, RecordAggregate, UserId,
};

fn fixture(name: &str) -> String {
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
}

#[test]
fn a_webhook_batch_becomes_record_events_and_other_subscription_types_are_counted() {
    let out = record_events_from_webhooks(&fixture("webhook_batch.json")).unwrap();
    let got: Vec<(&str, RecordAction)> = out.items.iter().map(|e| (e.record_type.as_str(), e.action)).collect();
    assert_eq!(
        got,
        vec![
            ("contacts", RecordAction::Created),
            ("companies", RecordAction::Updated),
            ("deals", RecordAction::Deleted),
            ("contacts", RecordAction::Merged),
            ("2-123456", RecordAction::Created),
            ("tickets", RecordAction::Deleted),
        ]
    );
    assert!(out.items.iter().all(|e| e.app == AppId("1160452".into())));
    assert_eq!(out.items[0].at, Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap());
    assert_eq!(out.report.unsupported.get("contact.restore"), Some(&1));
    assert_eq!(out.report.unsupported.get("contact.associationChange"), Some(&1));
    assert_eq!(out.report.read, 8);
    let mut aggregate = RecordAggregate::new();
    for e in &out.items {
        aggregate.ingest(e).unwrap();
    }
    assert_eq!(aggregate.event_count(), 6);
}

#[test]
fn journal_entries_become_record_events() {
    let out = record_events_from_journal(&fixture("webhooks_journal.json"), &AppId("reader".into())).unwrap();
    let got: Vec<(&str, &str, RecordAction)> =
        out.items.iter().map(|e| (e.app.as_str(), e.record_type.as_str(), e.action)).collect();
    assert_eq!(
        got,
        vec![
            ("1160452", "contacts", RecordAction::Created),
            ("reader", "companies", RecordAction::Updated),
            ("reader", "deals", RecordAction::Deleted),
            ("reader", "contacts", RecordAction::Merged),
            ("reader", "2-123456", RecordAction::Deleted),
        ]
    );
    assert_eq!(out.report.unsupported.get("ASSOCIATION_ADDED"), Some(&1));
    assert_eq!(out.report.unsupported.get("APP_UNINSTALL"), Some(&1));
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
    let before_1970 = r#"[{"appId":1,"occurredAt":-1000,"subscriptionType":"contact.creation"}]"#;
    assert!(matches!(
        record_events_from_webhooks(before_1970),
        Err(ImportError::InvalidItem { source: InsightsError::TimestampOutOfRange { .. }, .. })
    ));
    let unknown_type = r#"[{"appId":1,"occurredAt":1000,"subscriptionType":"object.creation","objectTypeId":"9-1"}]"#;
    assert!(matches!(
        record_events_from_webhooks(unknown_type),
        Err(ImportError::InvalidItem { source: InsightsError::UnknownRecordType(_), .. })
    ));
    let no_app = r#"[{"occurredAt":1000,"subscriptionType":"contact.creation"}]"#;
    assert!(matches!(record_events_from_webhooks(no_app), Err(ImportError::MalformedItem { index: 0, .. })));
    assert!(matches!(record_events_from_webhooks(r#"{"results":[]}"#), Err(ImportError::Malformed { .. })));
    let bad_time = r#"[{"id":"1","type":"INSTALL_INTEGRATION","userId":1,"objectId":"a","createdAt":"yesterday"}]"#;
    assert!(matches!(events_from_security_activity(bad_time), Err(ImportError::MalformedItem { .. })));
    let year_10000 = r#"{"results":[{"action":"CREATE","objectTypeId":"0-1","occurredAt":253402300800000}]}"#;
    assert!(matches!(
        record_events_from_journal(year_10000, &AppId("a".into())),
        Err(ImportError::InvalidItem { source: InsightsError::TimestampOutOfRange { .. }, .. })
    ));
    let e: connected_apps::Error = ImportError::Malformed { payload: "x", message: "y".into() }.into();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

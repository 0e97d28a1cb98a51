//! Partials on a distributed engine (X7, issue 16): record aggregates and usage histories built on
//! any partition of the events and merged in any order equal one pass over all of them (dedupe
//! memory included, compared through the canonical byte form), and the byte form refuses
//! corrupt, truncated, other-version and other-settings bytes with a typed error.

use chrono::{DateTime, TimeZone, Utc};
use connected_apps::import::ingest_webhooks;
use connected_apps::limits::{DEDUPE_HORIZON_DAYS, MAX_USAGE_APPS};
use connected_apps::{
    AppId, ErrorKind, InsightsError, PARTIAL_FORMAT_VERSION, RecordAggregate, RecordEventColumns, UsageHistory,
    UsageSnapshot,
};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// 2026-03-02 00:00 UTC, in milliseconds.
const DAY0_MS: i64 = 1_772_409_600_000;
const DAY_MS: i64 = 86_400_000;

/// Merges `parts` pairwise in the order `picks` says (indexes taken modulo the parts left, and
/// which side absorbs the other), until one is left.
fn merge_in_order<T>(mut parts: Vec<T>, picks: &[(usize, usize, bool)], merge: impl Fn(&mut T, &T)) -> T {
    let mut picks = picks.iter().cycle();
    while parts.len() > 1 {
        let &(i, j, flip) = picks.next().unwrap();
        let i = i % parts.len();
        let a = parts.swap_remove(i);
        let j = j % parts.len();
        let b = parts.swap_remove(j);
        let (mut into, from) = if flip { (b, a) } else { (a, b) };
        merge(&mut into, &from);
        parts.push(into);
    }
    parts.pop().unwrap()
}

/// One webhook delivery: (event id, object, subscription type, integration or a person, app, time
/// offset in minutes within the horizon).
type Delivery = (u32, u8, u8, bool, u8, u32);

fn webhook_body(deliveries: &[(Delivery, u32)]) -> String {
    const TYPES: [&str; 4] = ["contact.creation", "contact.propertyChange", "deal.deletion", "company.merge"];
    let items: Vec<serde_json::Value> = deliveries
        .iter()
        .map(|&((event, object, ty, integration, app, minute), attempt)| {
            serde_json::json!({
                "eventId": event, "subscriptionId": 9, "objectId": object,
                "occurredAt": DAY0_MS + i64::from(minute) * 60_000,
                "subscriptionType": TYPES[usize::from(ty) % 4],
                "changeSource": if integration { "INTEGRATION" } else { "CRM_UI" },
                "sourceId": format!("{}", 100 + u32::from(app)),
                "attemptNumber": attempt,
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

fn arb_delivery() -> impl Strategy<Value = Delivery> {
    // Times within the dedupe horizon (the last day's minutes included), so no partial forgets
    // a key another still holds: merges are exact there (see `insights::dedupe`).
    let minutes = DEDUPE_HORIZON_DAYS * 24 * 60;
    (0u32..40, 0u8..4, 0u8..4, prop::bool::weighted(0.8), 0u8..3, 0..minutes)
}

/// A record aggregate built by one pass over `bodies`.
fn one_pass(bodies: &[String]) -> RecordAggregate {
    let mut all = RecordAggregate::new();
    for body in bodies {
        ingest_webhooks(&mut all, body).unwrap();
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Deliveries (each sent 1–3 times, as retries) split over 1–5 workers, each worker's share in
    /// one or two webhook bodies, then merged in any order: the same counts and the same dedupe
    /// memory as one pass over every body.
    #[test]
    fn webhook_partials_merged_in_any_order_equal_one_pass(
        deliveries in prop::collection::vec((arb_delivery(), 1u32..4, 0usize..5, any::<bool>()), 1..60),
        workers in 1usize..6,
        picks in prop::collection::vec((any::<usize>(), any::<usize>(), any::<bool>()), 1..8),
    ) {
        // Each delivery is sent `sends` times; every send goes to a worker of its own.
        let mut shares: Vec<Vec<Vec<(Delivery, u32)>>> = vec![vec![Vec::new(), Vec::new()]; workers];
        let mut single = Vec::new();
        for (d, (delivery, sends, worker, second_body)) in deliveries.iter().enumerate() {
            for attempt in 0..*sends {
                let w = (worker + d * usize::try_from(attempt).unwrap()) % workers;
                shares[w][usize::from(*second_body)].push((*delivery, attempt));
                single.push((*delivery, attempt));
            }
        }
        let want = one_pass(&[webhook_body(&single)]);
        let partials: Vec<RecordAggregate> = shares
            .iter()
            .map(|bodies| one_pass(&bodies.iter().map(|b| webhook_body(b)).collect::<Vec<_>>()))
            .collect();
        let got = merge_in_order(partials, &picks, |a, b| a.merge(b).unwrap());
        prop_assert_eq!(got.event_count(), want.event_count());
        prop_assert_eq!(got.cells(), want.cells());
        // The byte form is canonical: equal bytes mean equal counts and dedupe memory.
        prop_assert_eq!(got.to_bytes(), want.to_bytes());
        let back = RecordAggregate::from_bytes(&got.to_bytes()).unwrap();
        prop_assert_eq!(back.to_bytes(), got.to_bytes());
        prop_assert_eq!(back, got);
    }

    /// Column batches (days far apart and close together, so both counting paths run) split over
    /// workers and merged in any order equal one pass, byte for byte.
    #[test]
    fn column_partials_merged_in_any_order_equal_one_pass(
        rows in prop::collection::vec((0i64..400, 0u32..5, 0u32..3, 0u8..4, 0usize..4), 0..300),
        picks in prop::collection::vec((any::<usize>(), any::<usize>(), any::<bool>()), 1..8),
    ) {
        let apps: Vec<String> = (0..5).map(|i| format!("app-{i}")).collect();
        let types: Vec<String> = ["contacts", "deals", "2-77"].map(String::from).to_vec();
        let ingest = |rows: &[&(i64, u32, u32, u8, usize)]| {
            let at: Vec<i64> = rows.iter().map(|r| DAY0_MS * 1000 + r.0 * r.0 * 3_600_000_000).collect();
            let app: Vec<u32> = rows.iter().map(|r| r.1).collect();
            let ty: Vec<u32> = rows.iter().map(|r| r.2).collect();
            let action: Vec<u8> = rows.iter().map(|r| r.3).collect();
            let mut aggregate = RecordAggregate::new();
            aggregate.ingest_columns(&RecordEventColumns {
                at_micros: &at, apps: &app, app_dictionary: &apps,
                record_types: &ty, record_type_dictionary: &types, actions: &action,
            }).unwrap();
            aggregate
        };
        let want = ingest(&rows.iter().collect::<Vec<_>>());
        let partials: Vec<RecordAggregate> =
            (0..4).map(|w| ingest(&rows.iter().filter(|r| r.4 == w).collect::<Vec<_>>())).collect();
        let got = merge_in_order(partials, &picks, |a, b| a.merge(b).unwrap());
        prop_assert_eq!(got.to_bytes(), want.to_bytes());
        prop_assert_eq!(&got, &want);
    }

    /// Usage readings split over workers (some sent to two of them) and merged in any order equal
    /// one pass over all readings, byte for byte.
    #[test]
    fn usage_partials_merged_in_any_order_equal_one_pass(
        readings in prop::collection::btree_map((0u8..4, 0i64..20_000), (0u64..500_000, 0usize..3, 0usize..3), 0..120),
        picks in prop::collection::vec((any::<usize>(), any::<usize>(), any::<bool>()), 1..6),
    ) {
        let snapshot = |(app, minute): (u8, i64), calls: u64| UsageSnapshot {
            app: AppId(format!("private-app-{app}")),
            at: DateTime::from_timestamp_millis(DAY0_MS + minute * 60_000).unwrap(),
            calls_today: calls,
            usage_limit: (minute % 7 == 0).then_some(250_000),
            resets_at: None,
        };
        let mut want = UsageHistory::new();
        let mut parts = vec![UsageHistory::new(), UsageHistory::new(), UsageHistory::new()];
        for (&key, &(calls, first, second)) in &readings {
            want.record(&snapshot(key, calls)).unwrap();
            parts[first].record(&snapshot(key, calls)).unwrap();
            parts[second].record(&snapshot(key, calls)).unwrap();
        }
        let got = merge_in_order(parts, &picks, |a, b| a.merge(b).unwrap());
        prop_assert_eq!(&got, &want);
        prop_assert_eq!(got.to_bytes(), want.to_bytes());
        prop_assert_eq!(UsageHistory::from_bytes(&got.to_bytes()).unwrap(), got);
    }
}

/// The fixture aggregate: webhooks with a retry and a repeated update (dedupe memory non-empty).
fn sample() -> RecordAggregate {
    let body = webhook_body(&[
        ((1, 1, 0, true, 0, 10), 0),
        ((1, 1, 0, true, 0, 10), 1),
        ((2, 2, 1, true, 1, 20), 0),
        ((3, 2, 1, true, 1, 30), 0),
        ((4, 3, 2, false, 0, 40), 0),
    ]);
    let aggregate = one_pass(&[body]);
    assert_eq!(aggregate.event_count(), 2);
    aggregate
}

/// `bytes` with its checksum recomputed (to reach the checks behind it).
fn resigned(mut bytes: Vec<u8>) -> Vec<u8> {
    let body = bytes.len() - 8;
    bytes.truncate(body);
    let digest = Sha256::digest(&bytes);
    bytes.extend_from_slice(&digest[..8]);
    bytes
}

fn malformed(err: &InsightsError) -> String {
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    match err {
        InsightsError::Malformed { message, .. } => message.clone(),
        other => panic!("expected malformed, got {other:?}"),
    }
}

#[test]
fn the_byte_form_round_trips_and_is_far_smaller_than_json() {
    let aggregate = sample();
    let bytes = aggregate.to_bytes();
    assert_eq!(&bytes[..4], b"CApt");
    assert_eq!(bytes[4], PARTIAL_FORMAT_VERSION);
    let back = RecordAggregate::from_bytes(&bytes).unwrap();
    assert_eq!(back, aggregate);
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(back.to_json().len(), aggregate.to_json().len());
    // The restored memory still recognises the retry: counting the body again adds nothing.
    let mut again = back.clone();
    let report = ingest_webhooks(&mut again, &webhook_body(&[((1, 1, 0, true, 0, 10), 2)])).unwrap();
    assert_eq!((report.duplicates, again.event_count()), (1, 2));
    assert!(bytes.len() * 2 < aggregate.to_json().len(), "{} bytes vs {}", bytes.len(), aggregate.to_json().len());
    // Empty partials round trip too.
    assert_eq!(RecordAggregate::from_bytes(&RecordAggregate::new().to_bytes()).unwrap(), RecordAggregate::new());
    assert_eq!(UsageHistory::from_bytes(&UsageHistory::new().to_bytes()).unwrap(), UsageHistory::new());
}

#[test]
fn another_format_version_is_a_typed_error_and_nothing_is_merged() {
    let mut target = sample();
    let before = target.to_bytes();
    let mut bytes = sample().to_bytes();
    bytes[4] = PARTIAL_FORMAT_VERSION + 1;
    let err = RecordAggregate::from_bytes(&bytes).unwrap_err();
    assert_eq!(err, InsightsError::PartialVersion { got: 2, expected: 1 });
    assert_eq!(err.to_string(), "partial format version 2 is not supported, expected 1");
    // The host's merge of a refused partial never starts: the target is unchanged.
    if let Ok(partial) = RecordAggregate::from_bytes(&bytes) {
        target.merge(&partial).unwrap();
    }
    assert_eq!(target.to_bytes(), before);
    let mut usage = UsageHistory::new().to_bytes();
    usage[4] = 0;
    assert_eq!(UsageHistory::from_bytes(&usage).unwrap_err(), InsightsError::PartialVersion { got: 0, expected: 1 });
}

#[test]
fn partials_of_another_kind_or_other_settings_do_not_merge() {
    // A usage history's bytes are no record aggregate, and the other way round.
    let err = RecordAggregate::from_bytes(&UsageHistory::new().to_bytes()).unwrap_err();
    assert_eq!(err.to_string(), "partial kind is usage history, expected record aggregate");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = UsageHistory::from_bytes(&sample().to_bytes()).unwrap_err();
    assert!(matches!(err, InsightsError::IncompatiblePartial { setting: "kind", .. }), "{err}");
    // A partial built with another dedupe horizon: its memory would forget other deliveries.
    let mut bytes = sample().to_bytes();
    assert_eq!(bytes[6], u8::try_from(DEDUPE_HORIZON_DAYS).unwrap());
    bytes[6] += 1;
    let err = RecordAggregate::from_bytes(&resigned(bytes)).unwrap_err();
    assert_eq!(
        err,
        InsightsError::IncompatiblePartial { setting: "dedupe horizon days", got: "4".into(), expected: "3".into() }
    );
    assert_eq!(err.to_string(), "partial dedupe horizon days is 4, expected 3");
}

#[test]
fn corrupt_truncated_or_padded_bytes_are_refused() {
    let bytes = sample().to_bytes();
    // Every single flipped bit past the header is caught (the checksum, or the header checks).
    for i in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[i] ^= 0x10;
        assert!(RecordAggregate::from_bytes(&flipped).is_err(), "byte {i}");
    }
    let mut flipped = bytes.clone();
    flipped[10] ^= 1;
    assert_eq!(
        malformed(&RecordAggregate::from_bytes(&flipped).unwrap_err()),
        "checksum mismatch: the bytes are corrupt"
    );
    for len in [0, 3, 5, 13, bytes.len() - 1] {
        assert!(RecordAggregate::from_bytes(&bytes[..len]).is_err(), "length {len}");
    }
    assert!(
        malformed(&RecordAggregate::from_bytes(b"{\"version\":1}").unwrap_err()).starts_with("not a connected-apps")
    );
    // Signed but with a byte after the body.
    let mut padded = bytes[..bytes.len() - 8].to_vec();
    padded.extend_from_slice(&[0; 9]);
    assert_eq!(malformed(&RecordAggregate::from_bytes(&resigned(padded)).unwrap_err()), "1 bytes follow the body");
    // Signed but with an event count that is not the sum of the cells (re-checked as JSON is).
    let mut wrong = bytes.clone();
    assert_eq!(wrong[7], 2);
    wrong[7] = 3;
    let message = malformed(&RecordAggregate::from_bytes(&resigned(wrong)).unwrap_err());
    assert_eq!(message, "event count 3 differs from the sum of the cells 2");
}

#[test]
fn a_length_field_past_the_remaining_bytes_is_refused_before_allocating() {
    // The app dictionary's count (byte 8) claims 2^35 entries in the few bytes that follow.
    let bytes = sample().to_bytes();
    let mut huge = bytes[..8].to_vec();
    huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x7f]);
    huge.extend_from_slice(&bytes[9..]);
    let err = RecordAggregate::from_bytes(&resigned(huge)).unwrap_err();
    assert!(malformed(&err).starts_with("apps count 34359738367 exceeds the maximum of 1048576"), "{err}");
    // A count within the limit but past what the bytes hold.
    let mut long = bytes[..8].to_vec();
    long.extend_from_slice(&[0xff, 0x7f]);
    long.extend_from_slice(&bytes[9..]);
    let err = RecordAggregate::from_bytes(&resigned(long)).unwrap_err();
    assert!(malformed(&err).starts_with("apps count 16383 exceeds what the "), "{err}");
    // A usage history claiming more apps than the limit.
    let mut apps = UsageHistory::new().to_bytes()[..6].to_vec();
    let mut n = u64::try_from(MAX_USAGE_APPS).unwrap() + 1;
    while n >= 0x80 {
        apps.push(u8::try_from(n & 0x7f).unwrap() | 0x80);
        n >>= 7;
    }
    apps.push(u8::try_from(n).unwrap());
    apps.extend_from_slice(&[0; 8]);
    let err = UsageHistory::from_bytes(&resigned(apps)).unwrap_err();
    assert!(malformed(&err).starts_with("apps count 4097 exceeds the maximum of 4096"), "{err}");
}

fn reading(app: &str, minute: i64, calls: u64, usage_limit: Option<u64>) -> UsageSnapshot {
    UsageSnapshot {
        app: AppId(app.into()),
        at: Utc.timestamp_millis_opt(DAY0_MS + minute * 60_000).unwrap(),
        calls_today: calls,
        usage_limit,
        resets_at: Some(Utc.timestamp_millis_opt(DAY0_MS + DAY_MS).unwrap()),
    }
}

#[test]
fn usage_histories_merge_the_union_and_keep_the_larger_of_two_readings_at_one_instant() {
    let (mut a, mut b) = (UsageHistory::new(), UsageHistory::new());
    a.record_all(&[reading("crm-sync", 10, 1_200, None), reading("crm-sync", 20, 1_900, Some(250_000))]).unwrap();
    b.record_all(&[reading("crm-sync", 20, 1_850, Some(250_000)), reading("billing", 5, 40, None)]).unwrap();
    let (mut ab, mut ba) = (a.clone(), b.clone());
    ab.merge(&b).unwrap();
    ba.merge(&a).unwrap();
    assert_eq!(ab, ba);
    assert_eq!(ab.to_bytes(), ba.to_bytes());
    let kept: Vec<u64> = ab.snapshots(&AppId("crm-sync".into())).iter().map(|s| s.calls_today).collect();
    assert_eq!(kept, vec![1_200, 1_900]);
    assert_eq!(ab.app_count(), 2);
    // Merging again changes nothing (a partial delivered twice counts once).
    let before = ab.clone();
    ab.merge(&b).unwrap();
    assert_eq!(ab, before);
    // Nanosecond instants and every optional field survive the byte form.
    let mut fine = UsageHistory::new();
    let mut snap = reading("crm-sync", 1, 7, Some(1 << 40));
    snap.at = Utc.timestamp_opt(1_772_409_660, 123_456_789).unwrap();
    fine.record(&snap).unwrap();
    assert_eq!(UsageHistory::from_bytes(&fine.to_bytes()).unwrap().snapshots(&snap.app), vec![snap]);
}

#[test]
fn a_usage_merge_past_the_app_limit_is_refused_and_changes_nothing() {
    let history = |from: usize, to: usize| {
        let mut h = UsageHistory::new();
        let readings: Vec<UsageSnapshot> = (from..to).map(|i| reading(&format!("app-{i}"), 1, 1, None)).collect();
        h.record_all(&readings).unwrap();
        h
    };
    let mut full = history(0, MAX_USAGE_APPS - 1);
    // One new app: exactly at the limit, accepted.
    full.merge(&history(MAX_USAGE_APPS - 1, MAX_USAGE_APPS)).unwrap();
    assert_eq!(full.app_count(), MAX_USAGE_APPS);
    // Apps already there merge freely; one more is refused, nothing changed.
    let before = full.to_bytes();
    let err = full.merge(&history(MAX_USAGE_APPS - 2, MAX_USAGE_APPS + 1)).unwrap_err();
    assert_eq!(err, InsightsError::TooManyApps { got: MAX_USAGE_APPS + 1, max: MAX_USAGE_APPS });
    assert_eq!(full.to_bytes(), before);
    assert_eq!(UsageHistory::from_bytes(&before).unwrap(), full);
}

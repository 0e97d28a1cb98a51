//! The reference models must not call the engine helpers they are meant to check: a bug in a
//! shared helper would otherwise pass both sides. This reads their sources (comments left out)
//! and fails on any call of a checked helper.

use std::path::Path;

/// The engine helpers no reference may use, by file; `*` applies to every reference source.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "*",
        &[
            "to_events",
            "append_all",
            "ingest_events",
            "connected_apps::time",
            "add_months",
            "RobustRule::threshold",
            ".exceeds(",
            "has_free_plan",
            "has_paid_plan",
            "has_free_trial",
            ".is_free(",
        ],
    ),
    (
        "reference/notify.rs",
        &[
            ".period(",
            "Frequency::period",
            "reminder_due",
            "DeliveryLog",
            "settled_before",
            "open_at_settle",
            ".contains(&NoticeKey",
            "attention_of",
            ".attention(",
            ".recorded_state(",
            ".notice()",
            "dry_run",
            "notify::evaluate",
            "NotificationRules",
        ],
    ),
    ("reference/activity.rs", &["ActivityFilter::matches", ".matches(", "ActivityIndex", ".query(", ".facets("]),
    ("reference/marketplace.rs", &[".search(", "annual_total", "recommend"]),
    ("reference/robust.rs", &[".threshold(", "exceeds"]),
    // The ingest oracle lives beside its property test.
    ("ingest.rs", &["to_events", "append_all", "ActivityType::ALL"]),
];

/// The source without its comments (`//` to the end of the line).
fn code(source: &str) -> String {
    source.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The checked helpers `source` (the file at `path`, relative to `tests/it`) calls.
fn forbidden_in(path: &str, source: &str) -> Vec<&'static str> {
    let code = code(source);
    FORBIDDEN
        .iter()
        .filter(|(file, _)| *file == path || (*file == "*" && path.starts_with("reference/")))
        .flat_map(|(_, helpers)| helpers.iter().copied())
        .filter(|helper| code.contains(helper))
        .collect()
}

#[test]
fn no_reference_calls_an_engine_helper_it_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let mut sources: Vec<String> = std::fs::read_dir(dir.join("reference"))
        .unwrap()
        .map(|e| format!("reference/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".rs"))
        .collect();
    sources.push("ingest.rs".into());
    sources.sort();
    // Every reference named in the table exists (a renamed file would escape the check).
    for (file, _) in FORBIDDEN.iter().filter(|(f, _)| *f != "*") {
        assert!(sources.iter().any(|s| s == file), "no source {file}");
    }
    assert!(sources.len() >= 6, "{sources:?}");
    let mut found = Vec::new();
    for path in &sources {
        let source = std::fs::read_to_string(dir.join(path)).unwrap();
        found.extend(forbidden_in(path, &source).into_iter().map(|h| format!("{path}: {h}")));
    }
    assert!(found.is_empty(), "references call engine helpers they check: {found:?}");
}

#[test]
fn the_check_sees_a_call_and_ignores_a_comment() {
    let calling = "fn f(l: &Listing) -> bool {\n    // not has_paid_plan\n    l.has_free_plan()\n}";
    assert_eq!(forbidden_in("reference/marketplace.rs", calling), ["has_free_plan"]);
    assert!(forbidden_in("reference/marketplace.rs", "// has_free_plan\nfn g() {}").is_empty());
    let notify = "let due = add_months(start, n)?; let p = frequency.period();";
    assert_eq!(forbidden_in("reference/notify.rs", notify), ["add_months", ".period("]);
    assert_eq!(forbidden_in("reference/activity.rs", "filter.matches(e)"), [".matches("]);
    assert_eq!(forbidden_in("ingest.rs", "let events = columns.to_events()?;"), ["to_events"]);
}

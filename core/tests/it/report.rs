//! The HTML report (issue 16, feature `report`): its model against the engine's own views, the
//! page's sections and chart marks, determinism, empty accounts, and the refused options.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use connected_apps::limits::{MAX_REPORT_APP_CHARTS, MAX_REPORT_DAYS, MAX_REPORT_LOG_EVENTS};
use connected_apps::report::palette::{CALLS_TODAY, DAY_SLOT, FLAG, LIMIT, UNAVAILABLE_SLOT};
use connected_apps::report::{ReportModel, report_model, report_views};
use connected_apps::{
    AccountEngine, ActivityFilter, AppId, Directory, Engine, ErrorKind, RecordAction, RecordAggregate, RecordEvent,
    RecordType, ReportError, ReportOptions, UsageHistory, UsageSnapshot, connections_home, render_html, report_html,
};

use crate::common::{account, user};

const SAMPLE: &str = include_str!("../../../examples/data/sample_account.json");

fn sample() -> (Engine, DateTime<Utc>) {
    let engine = Engine::from_json(SAMPLE).unwrap();
    let now = engine.events().last().unwrap().at;
    (engine, now)
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// 40 days of records for three apps (so many per day, by action), and 4 000 deletes of
/// contacts by `culprit` three days before `now`.
fn records(apps: &[&str], culprit: &str, now: DateTime<Utc>) -> RecordAggregate {
    let mut aggregate = RecordAggregate::new();
    let contacts = RecordType::parse("contacts").unwrap();
    let today = now.date_naive();
    for back in 1..=40u64 {
        let day = today.checked_sub_days(chrono::Days::new(back)).unwrap();
        for (a, app) in apps.iter().enumerate() {
            let per_action = [(RecordAction::Created, 5 + a), (RecordAction::Updated, 9), (RecordAction::Deleted, 2)];
            for (action, n) in per_action {
                for k in 0..n {
                    let at = midnight(day) + Duration::minutes(10 * k as i64 + 1);
                    let event = RecordEvent { at, app: (*app).into(), record_type: contacts.clone(), action };
                    aggregate.ingest(&event).unwrap();
                }
            }
            if *app == culprit && back == 3 {
                for k in 0..4_000 {
                    let at = midnight(day) + Duration::seconds(k);
                    let event = RecordEvent {
                        at,
                        app: (*app).into(),
                        record_type: contacts.clone(),
                        action: RecordAction::Deleted,
                    };
                    aggregate.ingest(&event).unwrap();
                }
            }
        }
    }
    aggregate
}

/// 20 days of one app's API calls, a snapshot at the end of each day, and today's so far.
fn usage(now: DateTime<Utc>) -> UsageHistory {
    let mut history = UsageHistory::new();
    for back in 1..=20i64 {
        let at = midnight(now.date_naive()) - Duration::days(back) + Duration::hours(20);
        let snapshot =
            UsageSnapshot { app: "erp-sync".into(), at, calls_today: 100_000, usage_limit: None, resets_at: None };
        history.record(&snapshot).unwrap();
    }
    let snapshot = UsageSnapshot {
        app: "erp-sync".into(),
        at: now - Duration::minutes(1),
        calls_today: 40_000,
        usage_limit: None,
        resets_at: None,
    };
    history.record(&snapshot).unwrap();
    history
}

fn sample_report(options: &ReportOptions) -> (AccountEngine, ReportModel, String) {
    let (engine, now) = sample();
    let aggregate = records(&["zoom", "erp-sync", "slack"], "erp-sync", now);
    let history = usage(now);
    let mut account = AccountEngine::from_engine(engine);
    let model = report_model(&mut account, &aggregate, &history, now, options).unwrap();
    let page = render_html(&model).unwrap();
    (account, model, page)
}

/// The SVG elements of the chart `figure` whose `data-chart` (and `data-app`) match.
fn figure<'p>(page: &'p str, marker: &str) -> &'p str {
    let start = page.find(marker).unwrap_or_else(|| panic!("no figure {marker}"));
    let end = start + page[start..].find("</figure>").unwrap();
    &page[start..end]
}

fn count_fill(svg: &str, colour: &str) -> usize {
    svg.matches(&format!("fill=\"{colour}\"")).count()
}

#[test]
fn the_sample_report_holds_the_views_of_the_engine_as_of_now() {
    let (account, model, _) = sample_report(&ReportOptions::default());
    let (engine, now) = sample();
    let viewer = engine.directory().active_super_admins().next().unwrap().id.clone();
    // The home is the engine's own view, for the first active super admin (H1, H5, H6).
    let home = model.home.as_ref().unwrap();
    assert_eq!(home, &connections_home(&engine, &viewer, now).unwrap());
    assert_eq!(home.summary.total, 16);
    assert_eq!(home.needs_attention.len(), 5);
    // 30 UTC days ending yesterday, three apps charted by name, every action a series.
    let records = &model.records;
    assert_eq!(records.days.len(), 30);
    assert_eq!(records.days.last().copied(), now.date_naive().pred_opt());
    let charted: Vec<&str> = records.apps.iter().map(|a| a.app.as_str()).collect();
    assert_eq!(charted, ["erp-sync", "slack", "zoom"]);
    let erp = &records.apps[0];
    assert_eq!(erp.actions.iter().map(|s| s.action).collect::<Vec<_>>(), RecordAction::ALL);
    // erp-sync: (6 created + 9 updated + 2 deleted) a day over 30 days, plus the 4 000 deletes.
    assert_eq!(erp.total, 30 * 17 + 4_000);
    let flagged = now.date_naive() - Duration::days(3);
    assert_eq!(erp.flagged_days, [flagged]);
    assert!(records.apps[1].flagged_days.is_empty());
    assert_eq!(records.flags.len(), 1);
    assert_eq!(model.usage.days.len(), 30);
    assert_eq!(model.usage.calls_today, 40_000);
    // The log's last 20 events, newest first, and the facets of all 743 events (the sample's
    // approval policy, three rule events, and its three access requests are the last six).
    assert_eq!(model.activity.events.len(), 20);
    assert_eq!(model.activity.events[0].at, now);
    assert!(model.activity.events.windows(2).all(|w| w[0].at >= w[1].at));
    assert_eq!(model.activity.facets.total, engine.events().len() as u64);
    assert_eq!(model.activity.facets.total, 743);
    // The report changed nothing.
    assert_eq!(account.to_json().unwrap(), engine.to_json().unwrap());
}

#[test]
fn the_page_shows_every_section_and_every_chart_has_its_marks() {
    let (_, model, page) = sample_report(&ReportOptions::default());
    assert!(page.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    for id in ["summary", "attention", "my-apps", "other-apps", "records", "usage", "activity"] {
        assert!(page.contains(&format!("<section id=\"{id}\"")), "section {id}");
    }
    for text in ["Needs attention (5)", "My apps (19)", "Record insights — last 30 days", "API calls per day"] {
        assert!(page.contains(text), "{text}");
    }
    // Self-contained: no script, no stylesheet or image to fetch, no address but SVG's namespace.
    for forbidden in ["<script", "<link", "<img", "src=", "url(", "@import"] {
        assert!(!page.contains(forbidden), "{forbidden}");
    }
    assert_eq!(page.matches("http").count(), page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count());
    // Four charts (three apps and usage), each an accessible image with a title and a description.
    assert_eq!(page.matches("<svg").count(), 4);
    assert_eq!(page.matches(" role=\"img\" aria-labelledby=\"chart-").count(), 4);
    assert_eq!(page.matches("<title id=\"chart-").count(), 4);
    assert_eq!(page.matches("<desc id=\"chart-").count(), 4);
    // Each records chart: 30 day slots; erp-sync has one flagged day (outline and marker).
    let erp = figure(&page, "data-app=\"erp-sync\"");
    assert_eq!(count_fill(erp, &DAY_SLOT.hex()), 30);
    assert_eq!(count_fill(erp, &FLAG.hex()), 1);
    assert!(erp.contains(&format!("stroke=\"{}\"", FLAG.hex())));
    let zoom = figure(&page, "data-app=\"zoom\"");
    assert_eq!(count_fill(zoom, &DAY_SLOT.hex()), 30);
    assert_eq!(count_fill(zoom, &FLAG.hex()), 0);
    // The usage chart: 30 day slots, today's bar, and the limit as one line.
    let usage = figure(&page, "data-chart=\"usage\"");
    assert_eq!(count_fill(usage, &DAY_SLOT.hex()), 30);
    assert_eq!(count_fill(usage, &CALLS_TODAY.hex()), 1);
    assert_eq!(usage.matches(&format!("<polyline fill=\"none\" opacity=\"1\" stroke=\"{}\"", LIMIT.hex())).count(), 1);
    // The text alternative carries the numbers: erp-sync's flagged day in its table and caption.
    let flagged = model.records.apps[0].flagged_days[0].format("%Y-%m-%d").to_string();
    assert!(erp.contains(&format!("1 flagged day(s) ({flagged})")));
    assert!(page.contains(&format!("{flagged} — erp-sync deleted 4002 contacts")));
}

#[test]
fn the_same_input_gives_the_same_bytes_and_the_model_restores() {
    let (_, model, page) = sample_report(&ReportOptions::default());
    let (_, again, page_again) = sample_report(&ReportOptions::default());
    assert_eq!(model, again);
    assert_eq!(page, page_again);
    let restored: ReportModel = serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
    assert_eq!(render_html(&restored).unwrap(), page);
}

#[test]
fn days_before_the_data_floor_are_hatched_not_zero() {
    let (_, now) = sample();
    let floor = now.date_naive() - Duration::days(10);
    let mut options = ReportOptions::default();
    options.insights.data_floor = floor;
    let (_, model, page) = sample_report(&options);
    let erp = &model.records.apps[0];
    // 30 days ending yesterday: the 20 before the floor have no data.
    let unavailable = erp.actions[0].daily.iter().filter(|d| d.is_none()).count();
    assert_eq!(unavailable, 20);
    assert_eq!(erp.total, 10 * 17 + 4_000);
    let chart = figure(&page, "data-app=\"erp-sync\"");
    assert_eq!(count_fill(chart, &UNAVAILABLE_SLOT.hex()), 20);
    assert_eq!(count_fill(chart, &DAY_SLOT.hex()), 10);
    assert!(chart.contains("20 day(s) without data"));
    assert_eq!(chart.matches("<td class=\"n\">no data</td>").count(), 20 * 4);
}

fn assert_empty_page(page: &str) {
    for text in ["No record events in the window.", "No activity yet.", "Flagged days (0)"] {
        assert!(page.contains(text), "{text}");
    }
    // Only the usage chart, with its 30 empty days and the limit line.
    assert_eq!(page.matches("<svg").count(), 1);
    assert_eq!(count_fill(figure(page, "data-chart=\"usage\""), &DAY_SLOT.hex()), 30);
    assert!(page.ends_with("</html>"));
}

#[test]
fn an_account_without_apps_or_events_gives_an_empty_valid_page() {
    let mut directory = Directory::new(account()).unwrap();
    directory.add_user(user("ada", true, true, true)).unwrap();
    let mut engine = AccountEngine::new(directory);
    let now = crate::common::t(0);
    let page = report_html(&mut engine, &RecordAggregate::new(), &UsageHistory::new(), now, &ReportOptions::default())
        .unwrap();
    assert_empty_page(&page);
    for text in ["Needs attention (0)", "Nothing needs attention.", "My apps (0)", "No app is installed."] {
        assert!(page.contains(text), "{text}");
    }
}

#[test]
fn an_account_without_a_super_admin_has_no_home() {
    let mut directory = Directory::new(account()).unwrap();
    directory.add_user(user("bob", false, true, true)).unwrap();
    let mut engine = AccountEngine::new(directory);
    let model = report_model(
        &mut engine,
        &RecordAggregate::new(),
        &UsageHistory::new(),
        crate::common::t(0),
        &ReportOptions::default(),
    )
    .unwrap();
    assert!(model.home.is_none());
    let page = render_html(&model).unwrap();
    assert!(page.contains("The account has no active super admin to see the home as."));
    // A viewer named by the host is used instead.
    let options = ReportOptions { viewer: Some("bob".into()), ..ReportOptions::default() };
    let model = report_model(&mut engine, &RecordAggregate::new(), &UsageHistory::new(), crate::common::t(0), &options)
        .unwrap();
    assert_eq!(model.home.unwrap().viewer.as_str(), "bob");
}

#[test]
fn a_now_before_every_event_gives_an_empty_page_and_leaves_the_engine_as_it_was() {
    let (engine, _) = sample();
    let first = engine.events().iter().next().unwrap().at;
    let before = first - Duration::seconds(1);
    let mut account = AccountEngine::from_engine(engine.clone());
    let options = ReportOptions::default();
    let model = report_model(&mut account, &RecordAggregate::new(), &UsageHistory::new(), before, &options).unwrap();
    let home = model.home.as_ref().unwrap();
    assert!(home.my_apps.is_empty() && home.needs_attention.is_empty() && home.other_users_apps.is_empty());
    assert_eq!(model.activity.facets.total, 0);
    assert!(model.activity.events.is_empty());
    assert_empty_page(&render_html(&model).unwrap());
    assert_eq!(account.to_json().unwrap(), engine.to_json().unwrap());
    // At the first event's instant, exactly that event is in.
    let model = report_model(&mut account, &RecordAggregate::new(), &UsageHistory::new(), first, &options).unwrap();
    let at_first = engine.events().iter().filter(|e| e.at == first).count() as u64;
    assert_eq!(model.activity.facets.total, at_first);
    assert!(model.activity.events.iter().all(|e| e.at == first));
}

#[test]
fn a_now_inside_the_log_leaves_later_events_out() {
    let (engine, now) = sample();
    let middle = now - Duration::days(30);
    let mut account = AccountEngine::from_engine(engine.clone());
    let model =
        report_model(&mut account, &RecordAggregate::new(), &UsageHistory::new(), middle, &ReportOptions::default())
            .unwrap();
    let upto = engine.events().count_up_to(middle) as u64;
    assert!(upto > 0 && upto < engine.events().len() as u64);
    assert_eq!(model.activity.facets.total, upto);
    assert!(model.activity.events.iter().all(|e| e.at <= middle));
    // The home is that of the state then: the engine replayed up to `middle`.
    let mut past = Engine::new(engine.directory().clone());
    past.append_all(engine.events().iter().take(upto as usize).map(|e| e.to_event())).unwrap();
    let viewer = engine.directory().active_super_admins().next().unwrap().id.clone();
    assert_eq!(model.home.unwrap(), connections_home(&past, &viewer, middle).unwrap());
    let facets = AccountEngine::from_engine(past).activity_facets(&ActivityFilter::default()).unwrap();
    assert_eq!(model.activity.facets, facets);
}

#[test]
fn log_events_are_bounded() {
    let (engine, now) = sample();
    let mut account = AccountEngine::from_engine(engine.clone());
    let (aggregate, history) = (RecordAggregate::new(), UsageHistory::new());
    let at_most = ReportOptions { log_events: MAX_REPORT_LOG_EVENTS, ..ReportOptions::default() };
    let model = report_model(&mut account, &aggregate, &history, now, &at_most).unwrap();
    assert_eq!(model.activity.events.len(), MAX_REPORT_LOG_EVENTS);
    let none = ReportOptions { log_events: 0, ..ReportOptions::default() };
    assert!(report_model(&mut account, &aggregate, &history, now, &none).unwrap().activity.events.is_empty());
    let past = ReportOptions { log_events: MAX_REPORT_LOG_EVENTS + 1, ..ReportOptions::default() };
    let error = report_html(&mut account, &aggregate, &history, now, &past).unwrap_err();
    assert_eq!(error, ReportError::LogEventsOutOfRange { got: 201, max: 200 });
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(error.to_string(), "201 log events exceed the report's maximum of 200");
    assert_eq!(account.to_json().unwrap(), engine.to_json().unwrap());
}

#[test]
fn windows_are_bounded() {
    let (engine, now) = sample();
    let mut account = AccountEngine::from_engine(engine.clone());
    let (aggregate, history) = (records(&["zoom"], "zoom", now), usage(now));
    let mut options = ReportOptions::default();
    options.insights.window_days = MAX_REPORT_DAYS as u32;
    options.usage.window_days = MAX_REPORT_DAYS as u32;
    let page = report_html(&mut account, &aggregate, &history, now, &options).unwrap();
    assert_eq!(count_fill(figure(&page, "data-chart=\"usage\""), &DAY_SLOT.hex()), MAX_REPORT_DAYS);
    for past in [true, false] {
        let mut options = ReportOptions::default();
        if past {
            options.insights.window_days = MAX_REPORT_DAYS as u32 + 1;
        } else {
            options.usage.window_days = MAX_REPORT_DAYS as u32 + 1;
        }
        let error = report_html(&mut account, &aggregate, &history, now, &options).unwrap_err();
        assert!(matches!(error, ReportError::WindowTooLong { days: 93, max: 92, .. }), "{error}");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        // The model's own check refuses views computed with longer windows too.
        assert!(report_views(engine.directory().account(), &aggregate, &history, now, &options).is_err());
    }
    assert_eq!(account.to_json().unwrap(), engine.to_json().unwrap());
}

#[test]
fn a_model_built_from_longer_views_is_refused() {
    let (engine, now) = sample();
    let mut account = AccountEngine::from_engine(engine);
    let (aggregate, history) = (records(&["zoom"], "zoom", now), usage(now));
    let mut long = ReportOptions::default();
    long.insights.window_days = 93;
    long.usage.window_days = 93;
    let insights = {
        let query = connected_apps::InsightsQuery {
            as_of: now.date_naive(),
            include_incomplete_day: false,
            app: None,
            record_type: None,
            group_by: connected_apps::Grouping { app: true, action: true, ..Default::default() },
        };
        aggregate.insights(&long.insights, &query, now).unwrap()
    };
    let (_, usage_report) =
        report_views(account.engine().directory().account(), &aggregate, &history, now, &ReportOptions::default())
            .unwrap();
    let error = ReportModel::build(&mut account, &insights, &usage_report, now, &ReportOptions::default()).unwrap_err();
    assert!(matches!(error, ReportError::WindowTooLong { what: "record insights window", days: 93, .. }));
}

#[test]
fn an_unknown_viewer_is_refused() {
    let (engine, now) = sample();
    let mut account = AccountEngine::from_engine(engine.clone());
    let options = ReportOptions { viewer: Some("nobody".into()), ..ReportOptions::default() };
    let error = report_html(&mut account, &RecordAggregate::new(), &UsageHistory::new(), now, &options).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.to_string(), "unknown user \"nobody\"");
    assert_eq!(account.to_json().unwrap(), engine.to_json().unwrap());
}

#[test]
fn only_the_busiest_apps_get_a_chart() {
    let (engine, now) = sample();
    let names: Vec<String> = (0..=MAX_REPORT_APP_CHARTS).map(|i| format!("app-{i:02}")).collect();
    let mut aggregate = RecordAggregate::new();
    let contacts = RecordType::parse("contacts").unwrap();
    let yesterday = midnight(now.date_naive()) - Duration::hours(12);
    for (i, name) in names.iter().enumerate() {
        // app-00 has the fewest records (1), app-24 the most (25).
        for _ in 0..=i {
            let event = RecordEvent {
                at: yesterday,
                app: AppId(name.clone()),
                record_type: contacts.clone(),
                action: RecordAction::Created,
            };
            aggregate.ingest(&event).unwrap();
        }
    }
    let mut account = AccountEngine::from_engine(engine);
    let model = report_model(&mut account, &aggregate, &UsageHistory::new(), now, &ReportOptions::default()).unwrap();
    assert_eq!(model.records.apps.len(), MAX_REPORT_APP_CHARTS);
    assert_eq!(model.records.apps_not_charted, 1);
    assert_eq!(model.records.apps[0].app.as_str(), "app-01");
    // An app the directory does not know is named by its id.
    assert_eq!(model.records.apps[0].name, "app-01");
    let page = render_html(&model).unwrap();
    assert!(page.contains("1 more app(s) with records are not charted"));
    assert_eq!(page.matches("<svg").count(), MAX_REPORT_APP_CHARTS + 1);
}

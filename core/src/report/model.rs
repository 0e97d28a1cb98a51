//! The report's view model: everything the page shows, computed by the engine's own views
//! (H1, H5, H6, R1–R6, X2, U1–U5, X3, L2–L4) as of `now`. Rendering reads only this.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ReportError, ReportOptions};
use crate::account::{Account, UserId};
use crate::account_engine::AccountEngine;
use crate::activity::{ActivityFacets, ActivityFilter};
use crate::catalog::AppId;
use crate::engine::Engine;
use crate::event::Event;
use crate::insights::{
    Grouping, InsightsQuery, RecordAction, RecordAggregate, RecordInsights, UnexpectedBehaviour, UsageHistory,
    UsageReport,
};
use crate::limits::{MAX_REPORT_APP_CHARTS, MAX_REPORT_DAYS};
use crate::log::EventLog;
use crate::views::{ConnectionsHome, connections_home};

/// One action's daily counts in an app's chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSeries {
    /// The action.
    pub action: RecordAction,
    /// Counts per day of the window, oldest first; `None` = unavailable (before the data floor).
    pub daily: Vec<Option<u64>>,
    /// Sum of the available days.
    pub total: u64,
}

/// One app's record chart: its daily counts by action, stacked (R1–R6), and its flagged days (X2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRecords {
    /// The app.
    pub app: AppId,
    /// Its name in the directory (its id when the directory does not know it).
    pub name: String,
    /// One series per action, in [`RecordAction::ALL`] order (actions without counts are zeros).
    pub actions: Vec<ActionSeries>,
    /// The days with a flag, oldest first, without repeats.
    pub flagged_days: Vec<NaiveDate>,
    /// Records of every action over the available days.
    pub total: u64,
}

/// The record-insights section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordsSection {
    /// The window's days, oldest first.
    pub days: Vec<NaiveDate>,
    /// The data floor: days before it are unavailable.
    pub floor: NaiveDate,
    /// The charted apps, by name: those with the most records when more than
    /// [`MAX_REPORT_APP_CHARTS`] have counts in the window.
    pub apps: Vec<AppRecords>,
    /// Apps with counts in the window that are not charted.
    pub apps_not_charted: usize,
    /// Every flag of the window (X2), by day.
    pub flags: Vec<UnexpectedBehaviour>,
}

impl RecordsSection {
    /// Whether the window's `index`-th day has data (it is not before the floor).
    #[must_use]
    pub fn available(&self, index: usize) -> bool {
        self.days.get(index).is_some_and(|day| *day >= self.floor)
    }
}

/// The activity-log section: the last events up to `now` and the facets of all of them (L2–L4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySection {
    /// The last events at or before `now`, newest first.
    pub events: Vec<Event>,
    /// Facet counts of every event at or before `now`.
    pub facets: ActivityFacets,
}

/// Everything the HTML report shows, as of `now`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportModel {
    /// The account.
    pub account: Account,
    /// The report's instant.
    pub as_of: DateTime<Utc>,
    /// The Connections home (H1–H3, H5, H6) seen by the viewer; `None` when no viewer was given
    /// and the account has no active super admin to see it as.
    pub home: Option<ConnectionsHome>,
    /// Record insights of the window, per app (R1–R6, X2).
    pub records: RecordsSection,
    /// API-call usage (U1–U5, X3).
    pub usage: UsageReport,
    /// The activity log (L2–L4).
    pub activity: ActivitySection,
}

/// The record-insights view the report shows: the options' window of UTC days by app and action,
/// ending yesterday (today is incomplete), with its flags.
///
/// # Errors
/// [`ReportError::WindowTooLong`] for a window past [`MAX_REPORT_DAYS`] (or a log-event count past
/// its limit); [`ReportError::Insights`] for settings [`RecordAggregate::insights`] refuses.
pub fn record_view(
    records: &RecordAggregate,
    now: DateTime<Utc>,
    options: &ReportOptions,
) -> Result<RecordInsights, ReportError> {
    options.check()?;
    let query = InsightsQuery {
        as_of: now.date_naive(),
        include_incomplete_day: false,
        app: None,
        record_type: None,
        group_by: Grouping { app: true, action: true, record_type: false },
    };
    Ok(records.insights(&options.insights, &query, now)?)
}

/// The usage report the report shows ([`UsageHistory::report`] with the options' settings).
///
/// # Errors
/// As [`record_view`], and [`ReportError::Insights`] for what [`UsageHistory::report`] refuses.
pub fn usage_view(
    account: &Account,
    usage: &UsageHistory,
    now: DateTime<Utc>,
    options: &ReportOptions,
) -> Result<UsageReport, ReportError> {
    options.check()?;
    Ok(usage.report(account, &options.usage, now)?)
}

/// [`record_view`] and [`usage_view`] (hosts that lock each aggregate apart call them one by one).
///
/// # Errors
/// As [`record_view`] and [`usage_view`].
pub fn report_views(
    account: &Account,
    records: &RecordAggregate,
    usage: &UsageHistory,
    now: DateTime<Utc>,
    options: &ReportOptions,
) -> Result<(RecordInsights, UsageReport), ReportError> {
    Ok((record_view(records, now, options)?, usage_view(account, usage, now, options)?))
}

/// The engine as of `now`: `None` when no event is after `now` (the engine itself), else the
/// directory with the log's events at or before `now` and the state they fold to
/// ([`Engine::state_as_of`]): the views read the current state, so a report of the past needs the
/// past's state.
fn as_of(engine: &Engine, now: DateTime<Utc>) -> Result<Option<AccountEngine>, ReportError> {
    let log = engine.events();
    let upto = log.count_up_to(now);
    if upto == log.len() {
        return Ok(None);
    }
    let mut past = Engine::new(engine.directory().clone());
    past.events = EventLog::from_events(log.range(0..upto).map(|e| e.to_event()))?;
    past.state = engine.state_as_of(now);
    Ok(Some(AccountEngine::from_engine(past)))
}

fn record_section(engine: &Engine, insights: &RecordInsights) -> Result<RecordsSection, ReportError> {
    let days = insights.days.len();
    if days > MAX_REPORT_DAYS {
        return Err(ReportError::WindowTooLong { what: "record insights window", days, max: MAX_REPORT_DAYS });
    }
    let mut apps: Vec<AppRecords> = Vec::new();
    for row in &insights.rows {
        let (Some(app), Some(action)) = (&row.app, row.action) else { continue };
        let position = match apps.iter().position(|a| &a.app == app) {
            Some(position) => position,
            None => {
                let name = engine.directory().app(app).map_or_else(|| app.0.clone(), |a| a.name.clone());
                let empty = |action| ActionSeries {
                    action,
                    daily: insights.days.iter().map(|d| (*d >= insights.floor).then_some(0)).collect(),
                    total: 0,
                };
                let flagged_days = {
                    let mut days: Vec<NaiveDate> =
                        insights.flags.iter().filter(|f| &f.app == app).map(|f| f.day).collect();
                    days.sort_unstable();
                    days.dedup();
                    days
                };
                apps.push(AppRecords {
                    app: app.clone(),
                    name,
                    actions: RecordAction::ALL.into_iter().map(empty).collect(),
                    flagged_days,
                    total: 0,
                });
                apps.len().saturating_sub(1)
            }
        };
        if let Some(entry) = apps.get_mut(position) {
            if let Some(series) = entry.actions.iter_mut().find(|s| s.action == action) {
                series.daily.clone_from(&row.daily);
                series.total = row.total;
            }
            entry.total = entry.total.saturating_add(row.total);
        }
    }
    let with_counts = apps.len();
    // The busiest apps get a chart; the page lists them by name.
    apps.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| (&a.name, &a.app).cmp(&(&b.name, &b.app))));
    apps.truncate(MAX_REPORT_APP_CHARTS);
    apps.sort_by(|a, b| (&a.name, &a.app).cmp(&(&b.name, &b.app)));
    Ok(RecordsSection {
        days: insights.days.clone(),
        floor: insights.floor,
        apps_not_charted: with_counts.saturating_sub(apps.len()),
        apps,
        flags: insights.flags.clone(),
    })
}

impl ReportModel {
    /// The report of `engine`'s account as of `now`, from the record-insights view and the usage
    /// report to show (see [`report_views`]).
    ///
    /// The home is seen by `options.viewer`, else by the account's first active super admin (none:
    /// no home). Events after `now` are left out: the home, the log and its facets are those of
    /// the events at or before `now` (a `now` before every event gives an empty report).
    ///
    /// # Errors
    /// [`ReportError::LogEventsOutOfRange`], [`ReportError::WindowTooLong`],
    /// [`ReportError::Lifecycle`] for an unknown viewer, [`ReportError::Activity`] (a log out of
    /// time order, which the engine never holds).
    pub fn build(
        engine: &mut AccountEngine,
        insights: &RecordInsights,
        usage: &UsageReport,
        now: DateTime<Utc>,
        options: &ReportOptions,
    ) -> Result<Self, ReportError> {
        options.check()?;
        if usage.days.len() > MAX_REPORT_DAYS {
            return Err(ReportError::WindowTooLong {
                what: "api usage window",
                days: usage.days.len(),
                max: MAX_REPORT_DAYS,
            });
        }
        let records = record_section(engine.engine(), insights)?;
        let mut past = as_of(engine.engine(), now)?;
        let engine = past.as_mut().unwrap_or(engine);
        let directory = engine.engine().directory();
        let viewer: Option<UserId> = match &options.viewer {
            Some(viewer) => Some(viewer.clone()),
            None => directory.active_super_admins().next().map(|u| u.id.clone()),
        };
        let account = directory.account().clone();
        let home = viewer.map(|v| connections_home(engine.engine(), &v, now)).transpose()?;
        // Everything logged up to `now` (the replay holds nothing later; `until` is exclusive).
        let filter = ActivityFilter { until: now.checked_add_signed(Duration::microseconds(1)), ..Default::default() };
        let log = engine.sync_activity()?;
        let events = if options.log_events == 0 {
            Vec::new()
        } else {
            log.query(&filter, None, options.log_events)?.events.iter().map(|e| e.to_event()).collect()
        };
        let facets = log.facets(&filter)?;
        Ok(Self {
            account,
            as_of: now,
            home,
            records,
            usage: usage.clone(),
            activity: ActivitySection { events, facets },
        })
    }
}

/// [`report_views`] then [`ReportModel::build`]: the report's model from what a host holds.
///
/// # Errors
/// As [`report_views`] and [`ReportModel::build`].
pub fn report_model(
    engine: &mut AccountEngine,
    records: &RecordAggregate,
    usage: &UsageHistory,
    now: DateTime<Utc>,
    options: &ReportOptions,
) -> Result<ReportModel, ReportError> {
    let (insights, report) = report_views(engine.engine().directory().account(), records, usage, now, options)?;
    ReportModel::build(engine, &insights, &report, now, options)
}

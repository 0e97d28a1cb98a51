//! Blast radius (X4): what uninstalling or revoking an app would touch, in one view.
//!
//! - **Workflow actions**: the app's actions workflows can use now ([`crate::workflow_actions`]:
//!   offered while one of its connections is connected); they stop working once it goes.
//! - **Records**: what the app created, updated, deleted or merged in the last
//!   [`BLAST_RADIUS_DAYS`] UTC days (today's records so far included), by record type and action.
//! - **Users**: who connected it: the users of its installed connections (user-level apps) and
//!   whoever installed them.
//! - **Rules**: the notification rules that name it (rules covering every app are not listed:
//!   they go on covering the others).
//!
//! [`BlastRadius::confirmation_prompt`] is the uninstall confirmation with these counts.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::UserId;
use crate::catalog::{AppId, WorkflowAction};
use crate::engine::UNINSTALL_CONFIRMATION;
use crate::insights::{
    Grouping, InsightsError, InsightsQuery, InsightsSettings, RecordAction, RecordAggregate, RecordType,
};
use crate::kind::ErrorKind;
use crate::notify::{NotificationRules, RuleApps, RuleId};
use crate::state::{Directory, State};

/// Days of records a blast radius counts, today included.
pub const BLAST_RADIUS_DAYS: u32 = 30;

/// Errors of the blast radius (X4) and least-privilege (X6) views.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ExposureError {
    /// No app has this id.
    #[error("unknown app {0:?}")]
    UnknownApp(AppId),
    /// A least-privilege window outside 1 to [`crate::limits::MAX_WINDOW_DAYS`] days.
    #[error("window of {days} days is outside 1..={max}")]
    WindowOutOfRange {
        /// The days asked for.
        days: u32,
        /// The longest window.
        max: u32,
    },
    /// The record insights could not be read (invalid settings).
    #[error("record insights: {0}")]
    Insights(#[from] InsightsError),
}

impl ExposureError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownApp(_) => ErrorKind::NotFound,
            Self::WindowOutOfRange { .. } => ErrorKind::InvalidInput,
            Self::Insights(e) => e.kind(),
        }
    }
}

/// Records of one type the app touched by one action in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordTouch {
    /// The record type.
    pub record_type: RecordType,
    /// What the app did.
    pub action: RecordAction,
    /// How many records.
    pub count: u64,
}

/// What uninstalling or revoking an app would touch (X4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastRadius {
    /// The app.
    pub app: AppId,
    /// Its name.
    pub app_name: String,
    /// The workflow actions workflows can use now (its current version's).
    pub workflow_actions: Vec<WorkflowAction>,
    /// The window's first UTC day.
    pub records_from: NaiveDate,
    /// The window's last UTC day (today).
    pub records_to: NaiveDate,
    /// Records touched in the window, by record type (catalogue order, then custom ids) and
    /// action; only non-zero counts.
    pub records: Vec<RecordTouch>,
    /// Their sum.
    pub records_total: u64,
    /// Who connected it, by id, each once.
    pub users: Vec<UserId>,
    /// The notification rules that name it, by id.
    pub rules: Vec<RuleId>,
}

impl BlastRadius {
    /// The uninstall confirmation with the counts, ending with the word to type
    /// ([`UNINSTALL_CONFIRMATION`]).
    #[must_use]
    pub fn confirmation_prompt(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "Uninstalling {} removes {} and affects {} and {}; it touched {} in the last {BLAST_RADIUS_DAYS} days. \
             Type \"{UNINSTALL_CONFIRMATION}\" to confirm.",
            self.app_name,
            plural(self.workflow_actions.len(), "workflow action", "workflow actions"),
            plural(self.users.len(), "user", "users"),
            plural(self.rules.len(), "notification rule", "notification rules"),
            if self.records_total == 1 { "1 record".to_owned() } else { format!("{} records", self.records_total) },
        )
    }
}

/// The blast radius of `app` at `now` (X4; see the module's docs). `records` are the record
/// insights, if the host keeps them (none: no record counted); `settings` give their data floor
/// (`None`: [`InsightsSettings::default`]).
///
/// # Errors
/// [`ExposureError::UnknownApp`]; [`ExposureError::Insights`] for invalid settings.
pub fn blast_radius(
    directory: &Directory,
    state: &State,
    rules: &NotificationRules,
    records: Option<&RecordAggregate>,
    settings: Option<&InsightsSettings>,
    app: &AppId,
    now: DateTime<Utc>,
) -> Result<BlastRadius, ExposureError> {
    let entry = directory.app(app).ok_or_else(|| ExposureError::UnknownApp(app.clone()))?;
    let entry = state.current_app(entry);
    let workflow_actions = crate::marketplace::workflow_actions(directory, state, now)
        .into_iter()
        .find(|g| g.app == *app)
        .map(|g| g.actions)
        .unwrap_or_default();
    let today = crate::time::utc_day(now);
    let records_from = today.checked_sub_days(chrono::Days::new(u64::from(BLAST_RADIUS_DAYS - 1))).unwrap_or(today);
    let mut touched = Vec::new();
    if let Some(aggregate) = records {
        let settings = InsightsSettings { window_days: BLAST_RADIUS_DAYS, ..settings.cloned().unwrap_or_default() };
        let query = InsightsQuery {
            as_of: today,
            include_incomplete_day: true,
            app: Some(app.clone()),
            record_type: None,
            group_by: Grouping { app: false, record_type: true, action: true },
        };
        for row in aggregate.insights(&settings, &query, now)?.rows {
            if let (Some(record_type), Some(action), true) = (row.record_type, row.action, row.total > 0) {
                touched.push(RecordTouch { record_type, action, count: row.total });
            }
        }
    }
    let records_total = touched.iter().fold(0u64, |sum, t| sum.saturating_add(t.count));
    let users: BTreeSet<&UserId> = state
        .connections_of(app)
        .filter(|c| c.is_installed())
        .flat_map(|c| c.key.user.iter().chain(c.installed_by.iter()))
        .collect();
    let rules = rules
        .rules()
        .filter(|r| matches!(&r.apps, RuleApps::Only(apps) if apps.contains(app)))
        .map(|r| r.id.clone())
        .collect();
    Ok(BlastRadius {
        app: app.clone(),
        app_name: entry.name.clone(),
        workflow_actions,
        records_from,
        records_to: today,
        records: touched,
        records_total,
        users: users.into_iter().cloned().collect(),
        rules,
    })
}

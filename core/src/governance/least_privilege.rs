//! Least privilege (X6): the scopes a connection was granted but never exercised in a window,
//! and the reauthentication that would drop them.
//!
//! # What counts as exercised
//! The engine sees what an app does through its record events (R1: a record type and an
//! action, credited to the app) and its activity reports, which name no scope. A granted scope
//! is therefore:
//! - **observable** when it is an object scope `crm.objects.<object>.read` or
//!   `crm.objects.<object>.write`, `<object>` being a catalogue record type
//!   ([`crate::insights::STANDARD_RECORD_TYPES`], plural or singular) or `custom` (every custom
//!   object, `2-…`);
//! - **exercised** when observable and the app touched a record of that object in the window
//!   (every record action writes, and writing a record reads it, so one touch exercises both
//!   the read and the write scope);
//! - **unused** when observable and not exercised;
//! - **unobservable** otherwise (e.g. `oauth`, `crm.schemas.…`, `…sensitive.read`): never
//!   reported as unused.
//!
//! Record events are the app's, not a user's: every connection of a user-level app shares them.
//! The unused scopes that the app's current version does not require are **droppable**; the
//! reauthentication offered grants the granted scopes minus the droppable ones, keeping the
//! grant's expiry, and names the droppable ones in its `dropped` list: executed, it leaves the
//! connection's grant equal to the granted scopes minus the droppable ones (the fold removes
//! the dropped scopes, as the platform's consent screen replaces the grant).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::blast_radius::ExposureError;
use crate::account::UserId;
use crate::catalog::{AppId, ScopeRequirement};
use crate::command::Command;
use crate::insights::{Grouping, InsightsQuery, InsightsSettings, RecordAggregate, RecordType};
use crate::limits::MAX_WINDOW_DAYS;
use crate::state::{Directory, State};

/// One installed connection's granted scopes, split by what its app did in the window (X6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeastPrivilege {
    /// The app.
    pub app: AppId,
    /// For user-level apps, whose connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// The window's days, ending today.
    pub window_days: u32,
    /// Every granted scope, sorted.
    pub granted: Vec<String>,
    /// Granted object scopes whose object the app touched in the window.
    pub exercised: Vec<String>,
    /// Granted object scopes whose object it never touched in the window.
    pub unused: Vec<String>,
    /// Granted scopes records cannot show in use (never reported unused).
    pub unobservable: Vec<String>,
    /// The unused scopes its current version does not require: what a reauthentication drops.
    pub droppable: Vec<String>,
    /// The reauthentication granting every granted scope but the droppable ones and dropping
    /// those; `None` when nothing is droppable.
    pub reauthenticate: Option<Command>,
}

/// The objects a scope names, if records can show it in use.
enum Object {
    /// One catalogue record type.
    Standard(RecordType),
    /// Every custom object.
    Custom,
}

fn object_of(scope: &str) -> Option<Object> {
    let mut parts = scope.split('.');
    let (Some("crm"), Some("objects"), Some(object), Some("read" | "write"), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if object == "custom" {
        return Some(Object::Custom);
    }
    RecordType::parse(object).ok().filter(|t| !t.is_custom()).map(Object::Standard)
}

/// The least-privilege view of every installed connection at `now`, by app then user (X6; see
/// the module's docs), over a window of `window_days` UTC days ending today (today's records so
/// far included). `records` are the record insights (none: nothing exercised); `settings` give
/// their data floor (`None`: [`InsightsSettings::default`]).
///
/// # Errors
/// [`ExposureError::WindowOutOfRange`] for a window outside 1 to [`MAX_WINDOW_DAYS`];
/// [`ExposureError::Insights`] for invalid settings.
pub fn least_privilege(
    directory: &Directory,
    state: &State,
    records: Option<&RecordAggregate>,
    settings: Option<&InsightsSettings>,
    window_days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<LeastPrivilege>, ExposureError> {
    if window_days == 0 || window_days > MAX_WINDOW_DAYS {
        return Err(ExposureError::WindowOutOfRange { days: window_days, max: MAX_WINDOW_DAYS });
    }
    let today = crate::time::utc_day(now);
    let mut touched: BTreeMap<AppId, BTreeSet<RecordType>> = BTreeMap::new();
    if let Some(aggregate) = records {
        let settings = InsightsSettings { window_days, ..settings.cloned().unwrap_or_default() };
        let query = InsightsQuery {
            as_of: today,
            include_incomplete_day: true,
            app: None,
            record_type: None,
            group_by: Grouping { app: true, record_type: true, action: false },
        };
        for row in aggregate.insights(&settings, &query, now)?.rows {
            if let (Some(app), Some(record_type), true) = (row.app, row.record_type, row.total > 0) {
                touched.entry(app).or_default().insert(record_type);
            }
        }
    }
    let none = BTreeSet::new();
    let mut out = Vec::new();
    for connection in state.connections().filter(|c| c.is_installed()) {
        let Some(app) = directory.app(&connection.key.app).map(|a| state.current_app(a)) else { continue };
        let types = touched.get(&app.id).unwrap_or(&none);
        let required: BTreeSet<&str> = app
            .scopes
            .iter()
            .filter(|s| s.requirement == ScopeRequirement::Required)
            .map(|s| s.name.as_str())
            .collect();
        let (mut exercised, mut unused, mut unobservable, mut droppable) = (vec![], vec![], vec![], vec![]);
        for scope in &connection.granted_scopes {
            let used = match object_of(scope) {
                None => {
                    unobservable.push(scope.clone());
                    continue;
                }
                Some(Object::Custom) => types.iter().any(RecordType::is_custom),
                Some(Object::Standard(t)) => types.contains(&t),
            };
            if used {
                exercised.push(scope.clone());
            } else {
                unused.push(scope.clone());
                if !required.contains(scope.as_str()) {
                    droppable.push(scope.clone());
                }
            }
        }
        let reauthenticate = (!droppable.is_empty()).then(|| Command::Reauthenticate {
            app: app.id.clone(),
            user: connection.key.user.clone(),
            scopes: Some(connection.granted_scopes.iter().filter(|s| !droppable.contains(s)).cloned().collect()),
            expires_at: connection.expires_at,
            dropped: droppable.iter().cloned().collect(),
        });
        out.push(LeastPrivilege {
            app: app.id.clone(),
            user: connection.key.user.clone(),
            window_days,
            granted: connection.granted_scopes.iter().cloned().collect(),
            exercised,
            unused,
            unobservable,
            droppable,
            reauthenticate,
        });
    }
    Ok(out)
}

impl crate::engine::Engine {
    /// The least-privilege view of every installed connection at `now`: see
    /// [`least_privilege`].
    ///
    /// # Errors
    /// As [`least_privilege`].
    pub fn least_privilege(
        &self,
        records: Option<&RecordAggregate>,
        settings: Option<&InsightsSettings>,
        window_days: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<LeastPrivilege>, ExposureError> {
        least_privilege(&self.directory, &self.state, records, settings, window_days, now)
    }
}

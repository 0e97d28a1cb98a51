//! Workflow actions of connected apps (W1) and connecting an app from the workflow editor (W2).
//!
//! # Rules
//! - An app's actions are offered while at least one of its connections is *connected* at `now`
//!   (for user-level apps, any user's): uninstalling or disconnecting removes them, and so does
//!   an expired grant or a connection error, since the actions would fail.
//! - Groups are ordered by app name (folded), then app id; actions keep the app's order. The
//!   actions are those of the app's current version.
//! - From the editor, [`Marketplace::workflow_search`] searches certified listings that offer
//!   workflow actions, each with its install verdict, and [`connect_from_workflow`](crate::account_engine::connect_from_workflow) starts the
//!   install with the same checks as anywhere else (I1–I4).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Marketplace;
use super::fold::normalise;
use super::install::InstallVerdict;
use super::search::{SearchHit, SearchQuery};
use crate::account::UserId;
use crate::catalog::{AppId, WorkflowAction};

use crate::connection::ConnectionState;
use crate::directory::Directory;
use crate::marketplace::error::MarketplaceError;
use crate::state::State;

/// The workflow actions of one connected app, under its name (W1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowActionGroup {
    /// The app.
    pub app: AppId,
    /// The app's name, the group's heading.
    pub app_name: String,
    /// Its actions.
    pub actions: Vec<WorkflowAction>,
}

/// The actions workflows can use at `now`, grouped by app (W1).
#[must_use]
pub fn workflow_actions(directory: &Directory, state: &State, now: DateTime<Utc>) -> Vec<WorkflowActionGroup> {
    let connected: BTreeSet<&AppId> =
        state.connections().filter(|c| c.state_at(now) == ConnectionState::Connected).map(|c| &c.key.app).collect();
    let mut groups: Vec<(String, WorkflowActionGroup)> = connected
        .into_iter()
        .filter_map(|id| directory.app(id))
        .map(|app| state.current_app(app))
        .filter(|app| !app.workflow_actions.is_empty())
        .map(|app| {
            let group = WorkflowActionGroup {
                app: app.id.clone(),
                app_name: app.name.clone(),
                actions: app.workflow_actions.clone(),
            };
            (normalise(&app.name), group)
        })
        .collect();
    groups.sort_by(|(a, ga), (b, gb)| a.cmp(b).then_with(|| ga.app.cmp(&gb.app)));
    groups.into_iter().map(|(_, g)| g).collect()
}

/// A listing found from the workflow editor, with whether this user can install it (W2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowAppHit {
    /// The search hit.
    pub hit: SearchHit,
    /// The install verdict for the user.
    pub verdict: InstallVerdict,
}

impl Marketplace {
    /// Searches the listings that offer workflow actions for `text`, with the install verdict
    /// of each for `user` (W2); first `limit` results in the search order.
    ///
    /// # Errors
    /// [`MarketplaceError::UnknownUser`] or [`MarketplaceError::InactiveUser`].
    pub fn workflow_search(
        &self,
        directory: &Directory,
        state: &State,
        user: &UserId,
        text: &str,
        limit: usize,
    ) -> Result<Vec<WorkflowAppHit>, MarketplaceError> {
        let mut query = SearchQuery::new(text);
        query.filters.offers_workflow_actions = true;
        query.limit = limit;
        let results = self.search(&query, &directory.account().default_language)?;
        results
            .hits
            .into_iter()
            .map(|hit| Ok(WorkflowAppHit { verdict: self.install_verdict(directory, state, &hit.app, user)?, hit }))
            .collect()
    }
}

//! Facet counts for the filter menus (L4), from the index's posting lists where they serve.

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

use super::index::{clip_list, known, type_mask};
use super::{ActivityError, ActivityFilter, ActivityIndex, TYPES};
use crate::account::UserId;
use crate::catalog::AppId;
use crate::event::ActivityType;
use crate::log::{EventLog, NO_CODE};

/// A facet value and how many matching events carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount<T> {
    /// The value (type, user or app).
    pub value: T,
    /// Matching events with that value.
    pub count: u64,
}

/// Counts for the filter menus (L4): per type, acting user and app, each dimension counted with
/// every filter but its own (standard faceted search), and the total with every filter. Each
/// list is ordered by count, largest first, then by value; values with no event are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFacets {
    /// Events matching the whole filter.
    pub total: u64,
    /// Per activity type, with every filter but the type filter.
    pub by_type: Vec<FacetCount<ActivityType>>,
    /// Per acting user, with every filter but the user filter.
    pub by_user: Vec<FacetCount<UserId>>,
    /// System events (no acting user), with every filter but the user filter (which they never
    /// match).
    pub system: u64,
    /// Per app, with every filter but the app filter.
    pub by_app: Vec<FacetCount<AppId>>,
}

impl ActivityIndex {
    /// Counts of the events matching `filter`, per type, acting user and app (L4), as faceted
    /// search counts them: each dimension with every filter but its own (the type menu counts
    /// with the user, app and time filters, not the type filter; the user menu, with
    /// [`ActivityFacets::system`], without the user filter; the app menu without the app
    /// filter), so a menu still shows its other values. `total` applies every filter.
    ///
    /// Counts come from the posting lists by binary search where they serve (no user filter
    /// for the type and app menus; no type or app filter for the user menu); otherwise the
    /// smallest candidate source is scanned, as a query would.
    ///
    /// # Errors
    /// [`ActivityError::InvertedRange`], [`ActivityError::OutOfSync`].
    pub fn facets(&self, log: &EventLog, filter: &ActivityFilter) -> Result<ActivityFacets, ActivityError> {
        self.check_covers(log)?;
        let (lo, hi) = self.time_range(log, filter)?;
        let types = (!filter.types.is_empty()).then(|| type_mask(&filter.types));
        let selected = |t: usize| types.is_none_or(|mask| mask & (1 << t) != 0);
        let apps = (!filter.apps.is_empty()).then(|| known(&log.apps, &filter.apps));
        let users = (!filter.users.is_empty()).then(|| known(&log.users, &filter.users));
        let within = |list: &[u32]| clip_list(list, lo, hi).len() as u64;

        // Types: every filter but the type filter.
        let mut by_type = [0u64; TYPES];
        if users.is_none() {
            for (t, count) in by_type.iter_mut().enumerate() {
                *count = match &apps {
                    None => self.by_type.get(t).map_or(0, |l| within(l)),
                    Some(apps) => apps
                        .iter()
                        .filter_map(|a| self.by_app_type.get(*a as usize * TYPES + t))
                        .map(|l| within(l))
                        .sum(),
                };
            }
        } else {
            let others = ActivityFilter { types: Vec::new(), ..filter.clone() };
            self.scan(log, &others, lo, hi, |pos| {
                if let Some(c) = log.type_code(pos).and_then(|t| by_type.get_mut(usize::from(t))) {
                    *c += 1;
                }
            });
        }

        // Apps: every filter but the app filter.
        let mut by_app = vec![0u64; log.apps.len()];
        if users.is_none() {
            for (a, count) in by_app.iter_mut().enumerate() {
                let lists = self.by_app_type.get(a * TYPES..(a + 1) * TYPES).unwrap_or_default();
                *count = lists.iter().enumerate().filter(|(t, _)| selected(*t)).map(|(_, l)| within(l)).sum();
            }
        } else {
            let others = ActivityFilter { apps: Vec::new(), ..filter.clone() };
            self.scan(log, &others, lo, hi, |pos| {
                if let Some(c) = log.app.get(pos).and_then(|a| by_app.get_mut(*a as usize)) {
                    *c += 1;
                }
            });
        }

        // Acting users (and system events): every filter but the user filter.
        let mut by_user = vec![0u64; log.users.len()];
        let mut system = 0u64;
        if types.is_none() && apps.is_none() {
            for (u, count) in by_user.iter_mut().enumerate() {
                *count = self.by_user.get(u).map_or(0, |l| within(l));
            }
            system = ((hi - lo) as u64).saturating_sub(by_user.iter().sum());
        } else {
            let others = ActivityFilter { users: Vec::new(), ..filter.clone() };
            self.scan(log, &others, lo, hi, |pos| match log.actor.get(pos).copied() {
                Some(NO_CODE) | None => system += 1,
                Some(u) => {
                    if let Some(c) = by_user.get_mut(u as usize) {
                        *c += 1;
                    }
                }
            });
        }

        // Every filter: the type counts restricted to the chosen types.
        let total = match &users {
            None => by_type.iter().enumerate().filter(|(t, _)| selected(*t)).map(|(_, c)| c).sum(),
            Some(_) => {
                let mut total = 0;
                self.scan(log, filter, lo, hi, |_| total += 1);
                total
            }
        };
        Ok(ActivityFacets {
            total,
            by_type: ranked(ActivityType::ALL.iter().copied().zip(by_type)),
            by_user: ranked(log.users.names().iter().cloned().zip(by_user)),
            system,
            by_app: ranked(log.apps.names().iter().cloned().zip(by_app)),
        })
    }
}

fn ranked<T: Ord>(counts: impl Iterator<Item = (T, u64)>) -> Vec<FacetCount<T>> {
    let mut out: Vec<FacetCount<T>> =
        counts.filter(|(_, c)| *c > 0).map(|(value, count)| FacetCount { value, count }).collect();
    out.sort_by(|a, b| (Reverse(a.count), &a.value).cmp(&(Reverse(b.count), &b.value)));
    out
}

//! The naive activity-log reference (L2–L4): scan, filter, sort, count.

use std::collections::BTreeMap;

use connected_apps::{ActivityFacets, ActivityFilter, Event};

/// A filter dimension, to leave out of the reference predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dim {
    Type,
    User,
    App,
}

/// The filter's predicate spelled out (not `ActivityFilter::matches`), leaving out `skip`'s
/// part: a list filter holds when it is empty or contains the value; system events (no actor)
/// never match a user filter; `since` is inclusive and `until` exclusive.
fn passes(e: &Event, f: &ActivityFilter, skip: Option<Dim>) -> bool {
    let ty = skip == Some(Dim::Type) || f.types.is_empty() || f.types.iter().any(|t| *t == e.kind.activity_type());
    let user = skip == Some(Dim::User)
        || f.users.is_empty()
        || match &e.actor {
            Some(actor) => f.users.iter().any(|u| u == actor),
            None => false,
        };
    let app = skip == Some(Dim::App) || f.apps.is_empty() || f.apps.contains(&e.app);
    let since = match f.since {
        Some(s) => e.at >= s,
        None => true,
    };
    let until = match f.until {
        Some(u) => e.at < u,
        None => true,
    };
    ty && user && app && since && until
}

/// Whether the event passes every part of the filter (the reference predicate).
pub fn reference_matches(e: &Event, filter: &ActivityFilter) -> bool {
    passes(e, filter, None)
}

/// The reference: every event that passes the filter, newest first (ties: later-logged first).
pub fn reference(events: &[Event], filter: &ActivityFilter) -> Vec<Event> {
    let mut out: Vec<(usize, &Event)> = events.iter().enumerate().filter(|(_, e)| passes(e, filter, None)).collect();
    out.sort_by_key(|e| std::cmp::Reverse((e.1.at, e.0)));
    out.into_iter().map(|(_, e)| e.clone()).collect()
}

/// The reference facets: each dimension counted over the events that pass every filter but its
/// own; the total over those that pass every filter.
pub fn reference_facets(events: &[Event], filter: &ActivityFilter) -> ActivityFacets {
    let mut types = BTreeMap::new();
    let mut users = BTreeMap::new();
    let mut apps = BTreeMap::new();
    let mut system = 0;
    let mut total = 0;
    for e in events {
        if passes(e, filter, None) {
            total += 1;
        }
        if passes(e, filter, Some(Dim::Type)) {
            *types.entry(e.kind.activity_type()).or_insert(0u64) += 1;
        }
        if passes(e, filter, Some(Dim::App)) {
            *apps.entry(e.app.clone()).or_insert(0u64) += 1;
        }
        if passes(e, filter, Some(Dim::User)) {
            match &e.actor {
                Some(u) => *users.entry(u.clone()).or_insert(0u64) += 1,
                None => system += 1,
            }
        }
    }
    fn rank<T: Ord + Clone>(m: BTreeMap<T, u64>) -> Vec<connected_apps::FacetCount<T>> {
        let mut v: Vec<_> = m.into_iter().map(|(value, count)| connected_apps::FacetCount { value, count }).collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        v
    }
    ActivityFacets { total, by_type: rank(types), by_user: rank(users), system, by_app: rank(apps) }
}

//! Activity-log queries (L2–L4): an index over the engine's log, filtered pages with a keyset
//! cursor, and facet counts.
//!
//! [`ActivityIndex`] reads the log's own columns ([`EventLog`](crate::log::EventLog): time, type, app and actor codes)
//! and adds three posting lists of log positions (per app × type, per acting user, per type:
//! 12 bytes per event) and a sample of the time column. Positions grow with time because the
//! engine appends in time order, so a posting list restricted to a time range is two binary
//! searches away, and newest first is walking lists backwards. A query picks the smallest candidate source the filter allows, so a
//! selective query never scans the whole log, and a cursor resumes with binary searches: page 50
//! costs what page 1 costs.
//!
//! The user filter and the user facet are about the *acting* user (as in the app log, O2); system
//! events (no actor) are counted apart in [`ActivityFacets::system`].
//!
//! The module is in three parts: `index` (the posting lists, sync, planning and pages),
//! `facets` (the L4 counts) and `cursor` (the keyset cursor's text form).

mod cursor;
mod facets;
mod index;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::UserId;
use crate::catalog::AppId;
use crate::event::{ActivityType, EventId};
use crate::hash::Fnv;
use crate::kind::ErrorKind;
use crate::log::EventRef;

pub use crate::limits::MAX_PAGE_SIZE;
pub use facets::{ActivityFacets, FacetCount};
pub use index::ActivityIndex;

/// The number of activity types: the posting lists per type and per app × type.
const TYPES: usize = ActivityType::ALL.len();

/// Errors of activity-log queries.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ActivityError {
    /// The page size is 0 or above [`MAX_PAGE_SIZE`].
    #[error("page size must be between 1 and {max}, got {size}")]
    PageSize {
        /// The requested size.
        size: usize,
        /// The largest allowed.
        max: usize,
    },
    /// The cursor is not one this library issued, or it was altered.
    #[error("malformed or tampered cursor {0:?}")]
    MalformedCursor(String),
    /// The cursor was issued for a different filter.
    #[error("cursor {0:?} belongs to another query")]
    ForeignCursor(String),
    /// The cursor names an event that is not at its place in this log (another log, or a log
    /// that was replaced).
    #[error("cursor names event {id} at position {position}, which is not in this log")]
    UnknownCursorEvent {
        /// The event id in the cursor.
        id: EventId,
        /// The log position in the cursor.
        position: u32,
    },
    /// The time range ends before it starts.
    #[error("time range is inverted: since {since} is after until {until}")]
    InvertedRange {
        /// Start of the range.
        since: DateTime<Utc>,
        /// End of the range.
        until: DateTime<Utc>,
    },
    /// The index does not cover exactly the log it is queried with: call [`ActivityIndex::sync`].
    #[error("index covers {indexed} events but the log has {logged}")]
    OutOfSync {
        /// Events indexed.
        indexed: usize,
        /// Events in the log.
        logged: usize,
    },
    /// An event appended to the index is older than the newest indexed one.
    #[error("event {id} at {at} is older than the newest indexed event at {newest}")]
    OutOfOrder {
        /// The event.
        id: EventId,
        /// Its time.
        at: DateTime<Utc>,
        /// The newest indexed time.
        newest: DateTime<Utc>,
    },
}

impl ActivityError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::OutOfSync { .. } => ErrorKind::InvalidState,
            Self::PageSize { .. }
            | Self::MalformedCursor(_)
            | Self::ForeignCursor(_)
            | Self::UnknownCursorEvent { .. }
            | Self::InvertedRange { .. }
            | Self::OutOfOrder { .. } => ErrorKind::InvalidInput,
        }
    }
}

/// Which events a query keeps (L2): each non-empty part must hold, and an empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFilter {
    /// Activity types to keep.
    #[serde(default)]
    pub types: Vec<ActivityType>,
    /// Acting users to keep (system events have none and never match a user filter).
    #[serde(default)]
    pub users: Vec<UserId>,
    /// Apps to keep.
    #[serde(default)]
    pub apps: Vec<AppId>,
    /// Keep events at or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Keep events strictly before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

impl ActivityFilter {
    /// Whether `event` passes the filter (the rule the index implements, spelled out).
    #[must_use]
    pub fn matches<'e>(&self, event: impl Into<EventRef<'e>>) -> bool {
        let event: EventRef<'e> = event.into();
        (self.types.is_empty() || self.types.contains(&event.kind.activity_type()))
            && (self.users.is_empty() || event.actor.is_some_and(|a| self.users.contains(a)))
            && (self.apps.is_empty() || self.apps.contains(event.app))
            && self.since.is_none_or(|s| event.at >= s)
            && self.until.is_none_or(|u| event.at < u)
    }

    /// A fingerprint of the filter that ignores the order and repetition of its lists.
    fn fingerprint(&self) -> u64 {
        let mut types: Vec<u8> = self.types.iter().map(|t| ActivityType::code(*t)).collect();
        types.sort_unstable();
        types.dedup();
        let mut apps: Vec<&str> = self.apps.iter().map(AppId::as_str).collect();
        apps.sort_unstable();
        apps.dedup();
        let mut users: Vec<&str> = self.users.iter().map(UserId::as_str).collect();
        users.sort_unstable();
        users.dedup();
        let mut h = Fnv::default();
        h.bytes(&types);
        h.u64(u64::MAX);
        for s in apps.iter().chain([&"\u{0}"]).chain(users.iter()) {
            h.u64(s.len() as u64);
            h.bytes(s.as_bytes());
        }
        for bound in [self.since, self.until] {
            match bound {
                Some(t) => {
                    h.u64(1);
                    h.u64(t.timestamp().cast_unsigned());
                    h.u64(u64::from(t.timestamp_subsec_nanos()));
                }
                None => h.u64(0),
            }
        }
        h.finish()
    }
}

/// One page of a query, newest first (L3), borrowing the events from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityPage<'a> {
    /// The matching events, newest first (ties in time: later-logged first).
    pub events: Vec<EventRef<'a>>,
    /// Pass this to get the next (older) page; `None` when this page is the last.
    pub next_cursor: Option<String>,
}

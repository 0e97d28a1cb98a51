//! The event log (C4, L1), held as columns.
//!
//! An account's log runs to millions of events, most of them payload-free (app activity,
//! connects, disconnects, expiries). Holding each as an [`Event`] would cost ~170 bytes and three
//! heap strings per event; here an event is a row of dense columns: time in nanoseconds (8
//! bytes), activity type (1), app and actor as codes into dictionaries (4 + 4), the connection
//! user only where logs have one (4), and the id as an offset from the first id of its block of
//! 512 (free while ids count up one by one, 1 or 2 bytes while they have small gaps, 4 or 8
//! otherwise): 17 bytes for a numbered log of account-level apps, 19 when its ids have gaps of
//! up to 128, at most 29. The few events with a payload (scopes, settings, errors,
//! versions) keep it in a side table. The hash chain (X8, [`crate::chain`]) adds one 32-byte
//! checkpoint per 1,024 events (0.03 bytes per event), computed when first needed, never on
//! append. Reads hand out [`EventRef`]s that borrow from the log;
//! [`EventRef::to_event`] gives an owned [`Event`].
//!
//! The log is storage only: the [`crate::Engine`] validates every event before it lands here.

use std::collections::HashSet;
use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::account::UserId;
use crate::catalog::AppId;
use crate::chain::ChainCache;
use crate::event::{ActivityType, Event, EventId, EventKind};
use crate::lifecycle::LifecycleError;

pub(crate) use crate::columns::{Dictionary, NO_CODE};

/// Set in a kind code when the event's payload is in the side table.
const PAYLOAD: u8 = 0x80;
pub use crate::limits::MAX_EVENTS;

/// The payload-free kinds, by activity type: what a row without a payload means.
static PLAIN_KINDS: [Option<EventKind>; ActivityType::ALL.len()] = [
    None,
    None,
    Some(EventKind::Uninstalled),
    Some(EventKind::Connected),
    Some(EventKind::Disconnected),
    Some(EventKind::Reconnected { expires_at: None }),
    None,
    None,
    Some(EventKind::ConnectionExpired),
    None,
    Some(EventKind::AppActivity),
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    None,
];

/// The kind a row of type `activity_type` has when it carries no payload, if such rows exist.
pub(crate) fn plain_kind(activity_type: ActivityType) -> Option<&'static EventKind> {
    PLAIN_KINDS.get(activity_type as usize).and_then(Option::as_ref)
}

/// One event of the log, borrowed from it. It serialises exactly like [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EventRef<'a> {
    /// Stable id.
    pub id: EventId,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// The app concerned.
    pub app: &'a AppId,
    /// For user-level apps, whose connection it concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<&'a UserId>,
    /// Who acted; `None` for system events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<&'a UserId>,
    /// What happened.
    pub kind: &'a EventKind,
}

impl EventRef<'_> {
    /// An owned copy.
    #[must_use]
    pub fn to_event(&self) -> Event {
        Event {
            id: self.id,
            at: self.at,
            app: self.app.clone(),
            user: self.user.cloned(),
            actor: self.actor.cloned(),
            kind: self.kind.clone(),
        }
    }
}

impl<'a> From<&'a Event> for EventRef<'a> {
    fn from(event: &'a Event) -> Self {
        Self {
            id: event.id,
            at: event.at,
            app: &event.app,
            user: event.user.as_ref(),
            actor: event.actor.as_ref(),
            kind: &event.kind,
        }
    }
}

/// The log's length and dictionary sizes at some point, to roll back to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    len: usize,
    /// Whether the ids were strictly increasing then (the rollback restores the fast lookup).
    sorted: bool,
    payloads: usize,
    apps: usize,
    users: usize,
}

/// Rows per block of the id column.
const ID_BLOCK: usize = 512;

/// Event ids, in blocks of [`ID_BLOCK`] rows, each a first id plus the offsets of the others
/// from it in the fewest bytes that hold them all: none when the block counts up one by one (a
/// numbered log costs 17 bytes per 512 events), 1 or 2 bytes when ids have small gaps (2 bytes
/// while a block spans fewer than 65,536 ids), 4 or 8 otherwise. Only the last block grows; it
/// is rewritten wider when a new id needs more bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdColumn {
    /// The first id of each block.
    firsts: Vec<u64>,
    /// Bytes per offset in each block (0: the ids count up one by one from the first).
    widths: Vec<u8>,
    /// Where each block's offsets start in `offsets`.
    starts: Vec<usize>,
    /// Offsets from the block's first id (wrapping), little-endian, `width` bytes each.
    offsets: Vec<u8>,
    len: usize,
}

/// The fewest bytes (1, 2, 4 or 8) that hold `offset`.
fn offset_width(offset: u64) -> u8 {
    match offset {
        0..=0xff => 1,
        0x100..=0xffff => 2,
        0x1_0000..=0xffff_ffff => 4,
        _ => 8,
    }
}

impl IdColumn {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The block of `position` and the row within it.
    fn locate(position: usize) -> (usize, usize) {
        (position / ID_BLOCK, position % ID_BLOCK)
    }

    /// The id of `row` in `block`.
    fn in_block(&self, block: usize, row: usize) -> Option<u64> {
        let first = *self.firsts.get(block)?;
        let width = usize::from(*self.widths.get(block)?);
        if width == 0 {
            return first.checked_add(row as u64);
        }
        let at = self.starts.get(block)?.checked_add(row.checked_mul(width)?)?;
        let bytes = self.offsets.get(at..at.checked_add(width)?)?;
        let mut le = [0u8; 8];
        le.get_mut(..width)?.copy_from_slice(bytes);
        Some(first.wrapping_add(u64::from_le_bytes(le)))
    }

    pub(crate) fn get(&self, position: usize) -> Option<u64> {
        if position >= self.len {
            return None;
        }
        let (block, row) = Self::locate(position);
        self.in_block(block, row)
    }

    pub(crate) fn last(&self) -> Option<u64> {
        self.len.checked_sub(1).and_then(|p| self.get(p))
    }

    /// Rows in `block`.
    fn block_len(&self, block: usize) -> usize {
        self.len.saturating_sub(block * ID_BLOCK).min(ID_BLOCK)
    }

    fn push(&mut self, id: u64) {
        let (block, row) = Self::locate(self.len);
        if row == 0 {
            self.firsts.push(id);
            self.widths.push(0);
            self.starts.push(self.offsets.len());
            self.len += 1;
            return;
        }
        let (Some(&first), Some(&width)) = (self.firsts.get(block), self.widths.get(block)) else { return };
        let offset = id.wrapping_sub(first);
        if width == 0 && offset == row as u64 {
            self.len += 1;
            return;
        }
        let needed = offset_width(offset).max(width);
        if needed != width {
            self.widen(block, row, needed);
        }
        self.offsets.extend_from_slice(offset.to_le_bytes().get(..usize::from(needed)).unwrap_or_default());
        self.len += 1;
    }

    /// Rewrites the first `rows` offsets of the last block, `block`, `width` bytes each.
    fn widen(&mut self, block: usize, rows: usize, width: u8) {
        let (Some(&first), Some(&start)) = (self.firsts.get(block), self.starts.get(block)) else { return };
        let ids: Vec<u64> = (0..rows).filter_map(|r| self.in_block(block, r)).collect();
        self.offsets.truncate(start);
        for id in ids {
            let offset = id.wrapping_sub(first).to_le_bytes();
            self.offsets.extend_from_slice(offset.get(..usize::from(width)).unwrap_or_default());
        }
        if let Some(w) = self.widths.get_mut(block) {
            *w = width;
        }
    }

    pub(crate) fn extend(&mut self, ids: &[u64]) {
        for &id in ids {
            self.push(id);
        }
    }

    /// Whether `id` is in the column, for ids that increase strictly through the log (blocks
    /// then cover disjoint ranges in order).
    fn contains_sorted(&self, id: u64) -> bool {
        let Some(block) = self.firsts.partition_point(|&f| f <= id).checked_sub(1) else { return false };
        let (mut lo, mut hi) = (0, self.block_len(block));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.in_block(block, mid) {
                Some(x) if x == id => return true,
                Some(x) if x < id => lo = mid + 1,
                _ => hi = mid,
            }
        }
        false
    }

    /// The ids at positions `range` (clipped), appended to `out`, a block at a time.
    pub(crate) fn copy_range(&self, range: Range<usize>, out: &mut Vec<u64>) {
        let end = range.end.min(self.len);
        let mut position = range.start.min(end);
        out.reserve(end - position);
        while position < end {
            let (block, row) = Self::locate(position);
            let rows = (self.block_len(block) - row).min(end - position);
            let (Some(&first), Some(&width)) = (self.firsts.get(block), self.widths.get(block)) else { return };
            if width == 0 {
                out.extend((row..row + rows).map(|r| first.wrapping_add(r as u64)));
            } else {
                out.extend((row..row + rows).filter_map(|r| self.in_block(block, r)));
            }
            position += rows;
        }
    }

    fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len).filter_map(|p| self.get(p))
    }

    fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let blocks = len.div_ceil(ID_BLOCK);
        self.firsts.truncate(blocks);
        self.widths.truncate(blocks);
        self.starts.truncate(blocks);
        let kept = match (self.starts.last(), self.widths.last()) {
            (Some(&start), Some(&width)) => start + (len - (blocks - 1) * ID_BLOCK) * usize::from(width),
            _ => 0,
        };
        self.offsets.truncate(kept);
        self.len = len;
    }

    fn shrink_to_fit(&mut self) {
        self.firsts.shrink_to_fit();
        self.widths.shrink_to_fit();
        self.starts.shrink_to_fit();
        self.offsets.shrink_to_fit();
    }

    fn heap_bytes(&self) -> usize {
        self.firsts.capacity() * 8 + self.widths.capacity() + self.starts.capacity() * 8 + self.offsets.capacity()
    }
}

/// The event log as columns; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct EventLog {
    pub(crate) ids: IdColumn,
    /// Nanoseconds since the Unix epoch.
    pub(crate) at: Vec<i64>,
    /// Activity type as [`ActivityType::code`], with [`PAYLOAD`] set when the payload is aside.
    pub(crate) kind: Vec<u8>,
    pub(crate) app: Vec<u32>,
    /// Connection users; shorter than the log when its last rows have none (most logs are
    /// mostly account-level apps): a missing entry is [`NO_CODE`].
    pub(crate) user: Vec<u32>,
    pub(crate) actor: Vec<u32>,
    /// Positions of the rows with a payload, ascending, and their payloads.
    payload_rows: Vec<u32>,
    payloads: Vec<EventKind>,
    pub(crate) apps: Dictionary<AppId>,
    pub(crate) users: Dictionary<UserId>,
    /// Every id, once ids stopped being strictly increasing; until then the id column is sorted
    /// and a binary search finds any id.
    id_set: Option<HashSet<u64>>,
    /// The hash chain's sealed checkpoints and head (X8), computed lazily.
    pub(crate) chain: ChainCache,
    /// The most events the log takes: [`MAX_EVENTS`], lower only in the core's own tests
    /// ([`crate::Engine::limit_log_len`]). Not serialised: a restored log has the default.
    max_len: usize,
}

impl Default for EventLog {
    fn default() -> Self {
        Self {
            ids: IdColumn::default(),
            at: Vec::new(),
            kind: Vec::new(),
            app: Vec::new(),
            user: Vec::new(),
            actor: Vec::new(),
            payload_rows: Vec::new(),
            payloads: Vec::new(),
            apps: Dictionary::default(),
            users: Dictionary::default(),
            id_set: None,
            chain: ChainCache::default(),
            max_len: MAX_EVENTS,
        }
    }
}

impl PartialEq for EventLog {
    /// Logs are equal when they hold the same events in the same order, whatever codes their
    /// dictionaries gave.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for EventLog {}

/// Nanoseconds since the epoch of `at`, or the error of a time the log cannot hold (before
/// 1677-09-21 or after 2262-04-11).
pub(crate) fn nanos(at: DateTime<Utc>) -> Result<i64, LifecycleError> {
    crate::time::nanos(at).ok_or(LifecycleError::TimeOutOfRange(at))
}

impl EventLog {
    /// An empty log.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A log holding `events` as given. It checks only what the columns cannot hold (times
    /// outside 1677–2262, more than [`MAX_EVENTS`] events); lifecycle rules are the engine's.
    ///
    /// # Errors
    /// [`LifecycleError::TimeOutOfRange`] or [`LifecycleError::LogFull`].
    pub fn from_events(events: impl IntoIterator<Item = Event>) -> Result<Self, LifecycleError> {
        let mut log = Self::new();
        for event in events {
            log.push(event)?;
        }
        log.shrink_to_fit();
        Ok(log)
    }

    /// Gives back the columns' spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.at.shrink_to_fit();
        self.kind.shrink_to_fit();
        self.app.shrink_to_fit();
        self.user.shrink_to_fit();
        self.actor.shrink_to_fit();
        self.payload_rows.shrink_to_fit();
        self.payloads.shrink_to_fit();
    }

    /// Events logged.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the log is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.len() == 0
    }

    /// The event at `position` (0 is the oldest).
    #[must_use]
    pub fn get(&self, position: usize) -> Option<EventRef<'_>> {
        let code = *self.kind.get(position)?;
        let kind = if code & PAYLOAD == 0 {
            ActivityType::ALL.get(usize::from(code)).copied().and_then(plain_kind)?
        } else {
            let row = u32::try_from(position).ok()?;
            self.payloads.get(self.payload_rows.binary_search(&row).ok()?)?
        };
        Some(EventRef {
            id: EventId(self.ids.get(position)?),
            at: DateTime::from_timestamp_nanos(*self.at.get(position)?),
            app: self.apps.name(*self.app.get(position)?)?,
            user: self.user.get(position).and_then(|c| self.users.name(*c)),
            actor: self.actor.get(position).and_then(|c| self.users.name(*c)),
            kind,
        })
    }

    /// The newest event.
    #[must_use]
    pub fn last(&self) -> Option<EventRef<'_>> {
        self.len().checked_sub(1).and_then(|p| self.get(p))
    }

    /// Every event, oldest first.
    #[must_use]
    pub fn iter(&self) -> Events<'_> {
        self.range(0..self.len())
    }

    /// The events at positions `range` (clipped to the log), oldest first.
    #[must_use]
    pub fn range(&self, range: Range<usize>) -> Events<'_> {
        let end = range.end.min(self.len());
        Events { log: self, positions: range.start.min(end)..end }
    }

    /// Owned copies of every event, oldest first.
    #[must_use]
    pub fn to_vec(&self) -> Vec<Event> {
        self.iter().map(|e| e.to_event()).collect()
    }

    /// How many events happened strictly before `t`: the position of the first at or after it.
    #[must_use]
    pub fn count_before(&self, t: DateTime<Utc>) -> usize {
        self.count_while(t, |at, t| at < t)
    }

    /// How many events happened at or before `t`.
    #[must_use]
    pub fn count_up_to(&self, t: DateTime<Utc>) -> usize {
        self.count_while(t, |at, t| at <= t)
    }

    /// How many events, from the oldest, have a time `at` for which `keep(at, t)` holds (in
    /// nanoseconds); a `t` outside the log's range lies before or after every event.
    fn count_while(&self, t: DateTime<Utc>, keep: impl Fn(i64, i64) -> bool) -> usize {
        match t.timestamp_nanos_opt() {
            Some(n) => self.at.partition_point(|&a| keep(a, n)),
            None if t.timestamp() < 0 => 0,
            None => self.len(),
        }
    }

    /// Whether an event with this id is logged.
    #[must_use]
    pub fn contains_id(&self, id: EventId) -> bool {
        match &self.id_set {
            Some(set) => set.contains(&id.0),
            None => self.ids.contains_sorted(id.0),
        }
    }

    /// The largest id logged.
    #[must_use]
    pub fn max_id(&self) -> Option<EventId> {
        let max = match &self.id_set {
            Some(set) => set.iter().max().copied(),
            None => self.ids.last(),
        };
        max.map(EventId)
    }

    /// Whether the ids so far are strictly increasing (the column is then sorted).
    pub(crate) fn ids_sorted(&self) -> bool {
        self.id_set.is_none()
    }

    /// Appends an event; the engine has validated it.
    ///
    /// # Errors
    /// [`LifecycleError::TimeOutOfRange`] or [`LifecycleError::LogFull`]; the log is then
    /// unchanged.
    pub(crate) fn push(&mut self, event: Event) -> Result<(), LifecycleError> {
        let at = nanos(event.at)?;
        let position = self.next_position(1)?;
        let ty = event.kind.activity_type();
        let payload_free = plain_kind(ty).is_some_and(|k| *k == event.kind);
        self.note_id(event.id.0);
        self.ids.push(event.id.0);
        self.at.push(at);
        self.app.push(self.apps.intern(&event.app));
        if let Some(user) = &event.user {
            let code = self.users.intern(user);
            self.user.resize(position as usize, NO_CODE);
            self.user.push(code);
        }
        let actor = event.actor.as_ref().map_or(NO_CODE, |u| self.users.intern(u));
        self.actor.push(actor);
        if payload_free {
            self.kind.push(ty.code());
        } else {
            self.kind.push(ty.code() | PAYLOAD);
            self.payload_rows.push(position);
            self.payloads.push(event.kind);
        }
        Ok(())
    }

    /// The position the first of `additional` new rows would take.
    pub(crate) fn next_position(&self, additional: usize) -> Result<u32, LifecycleError> {
        let total = self.len().saturating_add(additional);
        if total > self.max_len {
            return Err(LifecycleError::LogFull(total));
        }
        u32::try_from(self.len()).map_err(|_| LifecycleError::LogFull(total))
    }

    /// Lowers the most events the log takes to `max_len` (never above [`MAX_EVENTS`]).
    pub(crate) fn limit_len(&mut self, max_len: usize) -> usize {
        self.max_len = max_len.min(MAX_EVENTS);
        self.max_len
    }

    /// Keeps the id lookup right for a new id.
    fn note_id(&mut self, id: u64) {
        match &mut self.id_set {
            Some(set) => {
                set.insert(id);
            }
            None if self.ids.last().is_some_and(|last| id <= last) => {
                let mut set: HashSet<u64> = self.ids.iter().collect();
                set.insert(id);
                self.id_set = Some(set);
            }
            None => {}
        }
    }

    pub(crate) fn mark(&self) -> Mark {
        Mark {
            len: self.len(),
            sorted: self.ids_sorted(),
            payloads: self.payloads.len(),
            apps: self.apps.len(),
            users: self.users.len(),
        }
    }

    /// Drops everything appended since `mark`.
    pub(crate) fn rollback(&mut self, mark: Mark) {
        if mark.sorted {
            self.id_set = None;
        } else if let Some(set) = &mut self.id_set {
            for position in mark.len..self.ids.len() {
                if let Some(id) = self.ids.get(position) {
                    set.remove(&id);
                }
            }
        }
        self.ids.truncate(mark.len);
        self.at.truncate(mark.len);
        self.kind.truncate(mark.len);
        self.app.truncate(mark.len);
        self.user.truncate(mark.len);
        self.actor.truncate(mark.len);
        self.payload_rows.truncate(mark.payloads);
        self.payloads.truncate(mark.payloads);
        self.apps.truncate(mark.apps);
        self.users.truncate(mark.users);
        self.chain.truncate(mark.len);
    }

    /// The activity type code ([`ActivityType::code`]) of the event at `position`.
    pub(crate) fn type_code(&self, position: usize) -> Option<u8> {
        self.kind.get(position).map(|k| k & !PAYLOAD)
    }

    /// Heap bytes held by the columns and the chain's checkpoints (capacity, not length);
    /// dictionaries and payloads aside.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.chain.heap_bytes()
            + self.ids.heap_bytes()
            + self.at.capacity() * 8
            + self.kind.capacity()
            + (self.app.capacity() + self.user.capacity() + self.actor.capacity() + self.payload_rows.capacity()) * 4
    }
}

/// Rows of the log as columns ([`EventLog::columns`], [`EventLog::columns_at`]): what a host
/// hands on as a table (e.g. Arrow) without a per-row object. The codes index the log's own
/// dictionaries; [`NO_USER`](crate::ingest::NO_USER) marks a row without a user or actor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogColumns<'a> {
    /// Event ids.
    pub ids: Vec<u64>,
    /// Event times, µs since the epoch (UTC), rounded down.
    pub at_micros: Vec<i64>,
    /// Activity-type codes: positions in [`ActivityType::ALL`].
    pub types: Vec<u8>,
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// Connection-user codes into `user_dictionary`.
    pub users: Vec<u32>,
    /// Acting-user codes into `user_dictionary`.
    pub actors: Vec<u32>,
    /// The log's apps, by code.
    pub app_dictionary: &'a [AppId],
    /// The log's users, by code.
    pub user_dictionary: &'a [UserId],
}

impl LogColumns<'_> {
    /// Rows held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is no row.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl EventLog {
    /// The events at positions `range` (clipped to the log), oldest first, as columns: one pass
    /// per column.
    #[must_use]
    pub fn columns(&self, range: Range<usize>) -> LogColumns<'_> {
        let end = range.end.min(self.len());
        let range = range.start.min(end)..end;
        let slice = |column: &[u32]| -> Vec<u32> {
            // Short user columns: the missing tail is NO_CODE.
            let have = column.get(range.start.min(column.len())..range.end.min(column.len())).unwrap_or_default();
            let mut out = Vec::with_capacity(range.len());
            out.extend_from_slice(have);
            out.resize(range.len(), NO_CODE);
            out
        };
        let mut ids = Vec::new();
        self.ids.copy_range(range.clone(), &mut ids);
        LogColumns {
            ids,
            at_micros: self.at.get(range.clone()).unwrap_or_default().iter().map(|n| n.div_euclid(1000)).collect(),
            types: self.kind.get(range.clone()).unwrap_or_default().iter().map(|k| k & !PAYLOAD).collect(),
            apps: slice(&self.app),
            users: slice(&self.user),
            actors: slice(&self.actor),
            app_dictionary: self.apps.names(),
            user_dictionary: self.users.names(),
        }
    }

    /// The events at `positions`, in that order, as columns; positions past the log are skipped.
    #[must_use]
    pub fn columns_at(&self, positions: &[u32]) -> LogColumns<'_> {
        let positions: Vec<usize> = positions.iter().map(|&p| p as usize).filter(|&p| p < self.len()).collect();
        let pick = |column: &[u32]| -> Vec<u32> {
            positions.iter().map(|&p| column.get(p).copied().unwrap_or(NO_CODE)).collect()
        };
        LogColumns {
            ids: positions.iter().filter_map(|&p| self.ids.get(p)).collect(),
            at_micros: positions.iter().filter_map(|&p| self.at.get(p)).map(|n| n.div_euclid(1000)).collect(),
            types: positions.iter().filter_map(|&p| self.kind.get(p)).map(|k| k & !PAYLOAD).collect(),
            apps: pick(&self.app),
            users: pick(&self.user),
            actors: pick(&self.actor),
            app_dictionary: self.apps.names(),
            user_dictionary: self.users.names(),
        }
    }
}

impl<'a> IntoIterator for &'a EventLog {
    type Item = EventRef<'a>;
    type IntoIter = Events<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Serialize for EventLog {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// An iterator over a range of the log's events.
#[derive(Debug, Clone)]
pub struct Events<'a> {
    log: &'a EventLog,
    positions: Range<usize>,
}

impl<'a> Iterator for Events<'a> {
    type Item = EventRef<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        self.positions.next().and_then(|p| self.log.get(p))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.positions.size_hint()
    }
}

impl DoubleEndedIterator for Events<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.positions.next_back().and_then(|p| self.log.get(p))
    }
}

impl ExactSizeIterator for Events<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ConnectionErrorInfo;
    use chrono::TimeZone;

    fn event(id: u64, secs: i64, kind: EventKind) -> Event {
        Event {
            id: EventId(id),
            at: Utc.timestamp_opt(1_780_000_000 + secs, 7).unwrap(),
            app: AppId::from(if id.is_multiple_of(2) { "even" } else { "odd" }),
            user: id.is_multiple_of(3).then(|| UserId::from("ann")),
            actor: id.is_multiple_of(4).then(|| UserId::from("bob")),
            kind,
        }
    }

    #[test]
    fn plain_kinds_sit_at_their_activity_type() {
        for ty in ActivityType::ALL {
            if let Some(kind) = plain_kind(ty) {
                assert_eq!(kind.activity_type(), ty);
            }
        }
    }

    #[test]
    fn events_come_back_as_they_went_in_with_payloads_aside() {
        let error = ConnectionErrorInfo { code: "e".into(), message: "m".into(), resolution_steps: vec![] };
        let events = vec![
            event(1, 0, EventKind::AppActivity),
            event(2, 1, EventKind::Reconnected { expires_at: Some(Utc.timestamp_opt(1, 0).unwrap()) }),
            event(3, 1, EventKind::Reconnected { expires_at: None }),
            event(4, 2, EventKind::ConnectionError(error)),
            event(5, 3, EventKind::Disconnected),
        ];
        let log = EventLog::from_events(events.clone()).unwrap();
        assert_eq!(log.to_vec(), events);
        assert_eq!(log.iter().rev().map(|e| e.id.0).collect::<Vec<_>>(), [5, 4, 3, 2, 1]);
        assert_eq!(log.payload_rows, [1, 3]);
        assert_eq!(serde_json::to_string(&log).unwrap(), serde_json::to_string(&events).unwrap());
        let second = events.get(1).unwrap().at;
        assert_eq!((log.count_before(second), log.count_up_to(second)), (1, 3));
    }

    #[test]
    fn ids_are_found_sorted_or_not_and_rollback_forgets_them() {
        let mut log =
            EventLog::from_events([event(5, 0, EventKind::Connected), event(9, 0, EventKind::Connected)]).unwrap();
        assert!(log.ids_sorted() && log.contains_id(EventId(9)) && !log.contains_id(EventId(7)));
        let mark = log.mark();
        log.push(event(7, 1, EventKind::Uninstalled)).unwrap();
        assert!(!log.ids_sorted() && log.contains_id(EventId(7)) && log.contains_id(EventId(5)));
        assert_eq!(log.max_id(), Some(EventId(9)));
        log.rollback(mark);
        assert!(log.ids_sorted(), "back to the sorted lookup");
        assert!(!log.contains_id(EventId(7)) && log.contains_id(EventId(9)));
        assert_eq!(log.len(), 2);
    }

    /// The id column built from `ids`, `split` pushed in one batch and the rest one by one.
    fn id_column(ids: &[u64], split: usize) -> IdColumn {
        let mut column = IdColumn::default();
        column.extend(ids.get(..split).unwrap());
        for id in ids.get(split..).unwrap() {
            column.push(*id);
        }
        column
    }

    #[test]
    fn id_column_agrees_with_a_plain_list() {
        let ids: Vec<u64> = [1, 2, 3, 7, 8, 20, 21, 22, 23, 24, 30, u64::MAX - 1, u64::MAX].into();
        for split in 0..ids.len() {
            let column = id_column(&ids, split);
            assert_eq!(column.iter().collect::<Vec<_>>(), ids);
            for probe in [0, 1, 3, 4, 6, 7, 9, 19, 24, 25, 30, 31, u64::MAX - 2, u64::MAX] {
                assert_eq!(column.contains_sorted(probe), ids.contains(&probe), "{probe}");
            }
            for keep in 0..=ids.len() {
                let mut cut = column.clone();
                cut.truncate(keep);
                assert_eq!(cut.iter().collect::<Vec<_>>(), ids.get(..keep).unwrap());
                assert_eq!(cut.last(), keep.checked_sub(1).map(|k| ids[k]));
            }
        }
        let mut numbered = IdColumn::default();
        numbered.extend(&(1_000..2_000).collect::<Vec<u64>>());
        assert_eq!((numbered.firsts.len(), numbered.offsets.len(), numbered.get(999)), (2, 0, Some(1_999)));
    }

    #[test]
    fn id_blocks_take_the_fewest_bytes_and_widen_when_an_id_needs_more() {
        // Gaps of 1..=128 across blocks of 512: every block fits 2 bytes an id, most 1 early on.
        let mut x = 0x9e37_79b9_u64;
        let mut gapped = vec![10u64];
        for _ in 1..5_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            gapped.push(gapped.last().unwrap() + 1 + (x >> 57));
        }
        let mut column = id_column(&gapped, 1_234);
        column.shrink_to_fit();
        assert_eq!(column.iter().collect::<Vec<_>>(), gapped);
        assert!(column.widths.iter().all(|&w| w <= 2), "{:?}", column.widths);
        assert!(column.heap_bytes() <= 2 * gapped.len() + 17 * gapped.len().div_ceil(ID_BLOCK) + 64);
        for (p, id) in gapped.iter().enumerate().step_by(97) {
            assert!(column.contains_sorted(*id) && !column.contains_sorted(id + 1) || gapped.contains(&(id + 1)));
            assert_eq!(column.get(p), Some(*id));
        }
        let mut out = vec![];
        column.copy_range(500..1_600, &mut out);
        assert_eq!(out, gapped.get(500..1_600).unwrap());
        // Just inside one byte, then one past it: the block is rewritten 2 bytes wide.
        let mut widened = IdColumn::default();
        widened.extend(&[100, 101, 355]);
        assert_eq!(widened.widths, [1]);
        widened.push(356);
        assert_eq!(widened.widths, [2]);
        // Unsorted and extreme ids (wrapping offsets) come back as they went in.
        let wild: Vec<u64> = [5, 3, u64::MAX, 0, 7, 1 << 40, 6].into();
        let column = id_column(&wild, 3);
        assert_eq!((column.iter().collect::<Vec<_>>(), column.widths.clone()), (wild, vec![8]));
        assert_eq!(column.get(7), None);
    }

    #[test]
    fn times_the_columns_cannot_hold_are_refused() {
        let mut far = event(1, 0, EventKind::Connected);
        far.at = Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0).unwrap();
        let mut log = EventLog::new();
        assert_eq!(log.push(far.clone()), Err(LifecycleError::TimeOutOfRange(far.at)));
        assert!(log.is_empty());
        assert_eq!(log.count_before(far.at), 0);
    }
}

//! The activity index: posting lists of log positions per app × type, per acting user and per
//! type, a sample of the time column, keeping itself in step with the log, and the query
//! planner that picks the smallest candidate source for a filter (L2, L3).

use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use super::cursor::Cursor;
use super::{ActivityError, ActivityFilter, ActivityPage, MAX_PAGE_SIZE, TYPES};
use crate::columns::Dictionary;
use crate::event::{ActivityType, EventId};
use crate::log::EventLog;

const TIME_SAMPLE: usize = 256;
/// Above this many candidate lists, the merge keeps its heads in a heap instead of scanning them.
const LINEAR_MERGE_MAX_LISTS: usize = 8;

/// An index over an [`EventLog`], for filtered, paged, faceted queries (L2–L4).
///
/// Build it with [`ActivityIndex::from_log`], keep it current with [`ActivityIndex::sync`] as the
/// log grows, and query it together with the log it indexes; a query against a log it does not
/// cover is refused with [`ActivityError::OutOfSync`]. It reads the log's own columns (time,
/// type, app and actor codes) and adds only posting lists and a time sample.
#[derive(Debug, Clone, Default)]
pub struct ActivityIndex {
    /// Every [`TIME_SAMPLE`]-th time of the log (nanoseconds): a small first level for time
    /// searches, so that finding a time range touches a few cache lines instead of ~24 spread
    /// over the column.
    at_sample: Vec<i64>,
    /// Positions per (app × type), at `app * TYPES + type`.
    pub(super) by_app_type: Vec<Vec<u32>>,
    /// Positions per acting user.
    pub(super) by_user: Vec<Vec<u32>>,
    pub(super) by_type: [Vec<u32>; TYPES],
    /// Events indexed, and the newest one's id and time, to recognise the log.
    len: usize,
    last: Option<(EventId, i64)>,
    /// How many app and user codes the log had, and their fingerprints: the posting lists use
    /// the log's codes, so an equal log that coded its apps or users otherwise is another log.
    codes: [(usize, u64); 2],
}

/// Where a query's candidates come from: disjoint position lists, or a plain position range.
enum Source<'a> {
    /// Lists cut at the range's end (not its start).
    Lists(Vec<&'a [u32]>),
    Range(usize, usize),
}

/// The checks left after the source, on the log's codes.
struct Residual {
    types: Option<u32>,
    users: Option<Vec<u32>>,
    apps: Option<Vec<u32>>,
}

impl Residual {
    /// Whether the event at `pos` passes the checks; reads only the columns it must, since
    /// each read is likely a cache miss on a large log.
    fn keeps(&self, log: &EventLog, pos: usize) -> bool {
        self.types.is_none_or(|mask| log.type_code(pos).is_some_and(|ty| ty < 32 && mask & (1 << ty) != 0))
            && self.users.as_ref().is_none_or(|u| log.actor.get(pos).is_some_and(|a| u.binary_search(a).is_ok()))
            && self.apps.as_ref().is_none_or(|a| log.app.get(pos).is_some_and(|x| a.binary_search(x).is_ok()))
    }
}

impl ActivityIndex {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Indexes `log`.
    ///
    /// # Errors
    /// [`ActivityError::OutOfOrder`] when the log is not in time order.
    pub fn from_log(log: &EventLog) -> Result<Self, ActivityError> {
        let mut index = Self::new();
        index.sync(log)?;
        index.shrink_to_fit();
        Ok(index)
    }

    /// Events indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes held for the posting lists and the time sample (capacity, not length), so a
    /// host can check the per-event budget; the log's own columns are not included (see
    /// [`EventLog::heap_bytes`]).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let lists = self.by_app_type.iter().chain(&self.by_user).chain(&self.by_type);
        self.at_sample.capacity() * 8 + lists.map(|l| l.capacity() * 4).sum::<usize>()
    }

    fn shrink_to_fit(&mut self) {
        self.at_sample.shrink_to_fit();
        for list in self.by_app_type.iter_mut().chain(&mut self.by_user).chain(&mut self.by_type) {
            list.shrink_to_fit();
        }
    }

    /// Brings the index up to date with `log`, the log it indexes after some appends: indexes
    /// the new tail, or rebuilds when the log is not an extension of what was indexed. Returns
    /// how many events were indexed.
    ///
    /// # Errors
    /// [`ActivityError::OutOfOrder`] when the log is not in time order; the index is then
    /// unchanged.
    pub fn sync(&mut self, log: &EventLog) -> Result<usize, ActivityError> {
        if !self.covers_prefix_of(log) {
            let mut fresh = Self::new();
            let count = fresh.sync(log)?;
            *self = fresh;
            return Ok(count);
        }
        let start = self.len;
        let tail = log.at.get(start..).unwrap_or_default();
        // All or nothing: the tail's order is checked before anything is indexed.
        let mut newest = self.last.map(|(_, at)| at);
        for (i, &at) in tail.iter().enumerate() {
            if let Some(n) = newest.filter(|n| at < *n) {
                let (id, at, newest) = (log.ids.get(start + i).unwrap_or_default(), at, n);
                return Err(ActivityError::OutOfOrder {
                    id: EventId(id),
                    at: DateTime::from_timestamp_nanos(at),
                    newest: DateTime::from_timestamp_nanos(newest),
                });
            }
            newest = Some(at);
        }
        if self.by_app_type.len() < log.apps.len() * TYPES {
            self.by_app_type.resize_with(log.apps.len() * TYPES, Vec::new);
        }
        if self.by_user.len() < log.users.len() {
            self.by_user.resize_with(log.users.len(), Vec::new);
        }
        for pos in start..log.len() {
            // Positions fit in u32: the log holds at most `MAX_EVENTS`.
            let p = pos as u32;
            let app = log.app.get(pos).copied().unwrap_or_default() as usize;
            let ty = log.type_code(pos).unwrap_or_default();
            if let Some(list) = self.by_app_type.get_mut(app * TYPES + usize::from(ty)) {
                list.push(p);
            }
            if let Some(list) = log.actor.get(pos).and_then(|a| self.by_user.get_mut(*a as usize)) {
                list.push(p);
            }
            if let Some(list) = self.by_type.get_mut(usize::from(ty)) {
                list.push(p);
            }
            if pos.is_multiple_of(TIME_SAMPLE)
                && let Some(at) = log.at.get(pos)
            {
                self.at_sample.push(*at);
            }
        }
        self.len = log.len();
        self.last = log.ids.last().zip(log.at.last()).map(|(id, at)| (EventId(id), *at));
        self.codes = [(log.apps.len(), log.apps.fingerprint()), (log.users.len(), log.users.fingerprint())];
        Ok(log.len() - start)
    }

    fn covers_prefix_of(&self, log: &EventLog) -> bool {
        let [(apps, apps_print), (users, users_print)] = self.codes;
        let recoded =
            log.apps.fingerprint_of(apps) != Some(apps_print) || log.users.fingerprint_of(users) != Some(users_print);
        // An empty index holds no code yet.
        if self.len > 0 && recoded {
            return false;
        }
        match (self.len.checked_sub(1), self.last) {
            (Some(i), Some((id, at))) => {
                log.ids.get(i).is_some_and(|x| x == id.0) && log.at.get(i).is_some_and(|x| *x == at)
            }
            _ => true,
        }
    }

    pub(super) fn check_covers(&self, log: &EventLog) -> Result<(), ActivityError> {
        if log.len() == self.len && self.covers_prefix_of(log) {
            Ok(())
        } else {
            Err(ActivityError::OutOfSync { indexed: self.len, logged: log.len() })
        }
    }

    /// The first position at or after `t`.
    fn first_at_or_after(&self, log: &EventLog, t: DateTime<Utc>) -> usize {
        let Some(key) = t.timestamp_nanos_opt() else { return log.count_before(t) };
        // Samples below `key` bound the block where the first entry >= key lies.
        let block = self.at_sample.partition_point(|&a| a < key).saturating_sub(1) * TIME_SAMPLE;
        let end = (block + TIME_SAMPLE + 1).min(log.at.len());
        let within = log.at.get(block..end).unwrap_or_default();
        let lo = block + within.partition_point(|&a| a < key);
        if lo == end { log.at.get(end..).unwrap_or_default().partition_point(|&a| a < key) + end } else { lo }
    }

    /// The positions `[lo, hi)` inside the filter's time range.
    pub(super) fn time_range(&self, log: &EventLog, filter: &ActivityFilter) -> Result<(usize, usize), ActivityError> {
        if let (Some(since), Some(until)) = (filter.since, filter.until)
            && since > until
        {
            return Err(ActivityError::InvertedRange { since, until });
        }
        let lo = filter.since.map_or(0, |s| self.first_at_or_after(log, s));
        let hi = filter.until.map_or(self.len, |u| self.first_at_or_after(log, u));
        Ok((lo, hi.max(lo)))
    }

    /// Chooses the smallest candidate source for `filter` within positions `[lo, hi)`, and the
    /// checks the source does not already guarantee. `None` when nothing can match.
    fn plan<'a>(
        &'a self,
        log: &EventLog,
        filter: &ActivityFilter,
        lo: usize,
        hi: usize,
    ) -> Option<(Source<'a>, Residual)> {
        let types: Option<Vec<u8>> = (!filter.types.is_empty()).then(|| {
            let mut t: Vec<u8> = filter.types.iter().map(|t| ActivityType::code(*t)).collect();
            t.sort_unstable();
            t.dedup();
            t
        });
        let apps = (!filter.apps.is_empty()).then(|| known(&log.apps, &filter.apps));
        let users = (!filter.users.is_empty()).then(|| known(&log.users, &filter.users));
        if apps.as_ref().is_some_and(Vec::is_empty) || users.as_ref().is_some_and(Vec::is_empty) {
            return None;
        }
        let mut best: (usize, Source<'_>, u8) = (hi - lo, Source::Range(lo, hi), 0);
        fn consider<'a>(
            lists: Vec<&'a [u32]>,
            covers: u8,
            share: impl Fn(usize) -> usize,
            best: &mut (usize, Source<'a>, u8),
        ) {
            let count = share(lists.iter().map(|l| l.len()).sum::<usize>());
            if count < best.0 {
                *best = (count, Source::Lists(lists), covers);
            }
        }
        const COVERS_TYPES: u8 = 1;
        const COVERS_APPS: u8 = 2;
        const COVERS_USERS: u8 = 4;
        // Lists are cut at `hi` only; the merge stops below `lo`. Their share inside `[lo, hi)`
        // is estimated as proportional, which saves two binary searches per list.
        let upto = |list: &'a [u32]| -> &'a [u32] {
            match list.last() {
                Some(&last) if last as usize >= hi => {
                    list.get(..list.partition_point(|p| (*p as usize) < hi)).unwrap_or_default()
                }
                _ => list,
            }
        };
        let share = |n: usize| if hi == 0 { 0 } else { (n as u128 * (hi - lo) as u128 / hi as u128) as usize };
        if let Some(apps) = &apps {
            let all: Vec<u8> = (0..TYPES as u8).collect();
            let tys = types.as_ref().unwrap_or(&all);
            let lists = apps
                .iter()
                .flat_map(|a| tys.iter().map(move |t| *a as usize * TYPES + usize::from(*t)))
                .filter_map(|slot| self.by_app_type.get(slot).map(|l| upto(l)))
                .collect();
            consider(lists, COVERS_APPS | if types.is_some() { COVERS_TYPES } else { 0 }, share, &mut best);
        }
        if let Some(tys) = &types {
            let lists = tys.iter().filter_map(|t| self.by_type.get(usize::from(*t)).map(|l| upto(l))).collect();
            consider(lists, COVERS_TYPES, share, &mut best);
        }
        if let Some(users) = &users {
            let lists = users.iter().filter_map(|u| self.by_user.get(*u as usize).map(|l| upto(l))).collect();
            consider(lists, COVERS_USERS, share, &mut best);
        }
        let (_, source, covers) = best;
        let residual = Residual {
            types: (covers & COVERS_TYPES == 0 && types.is_some()).then(|| type_mask(&filter.types)),
            users: users.filter(|_| covers & COVERS_USERS == 0),
            apps: apps.filter(|_| covers & COVERS_APPS == 0),
        };
        Some((source, residual))
    }

    /// One page of the events matching `filter`, newest first, after `cursor` (L2, L3).
    ///
    /// `log` must be the log this index covers. A cursor stays valid while new events are
    /// appended (and the index synced): the next pages continue exactly where the previous one
    /// stopped, with no duplicate and no gap; the newer events appear on a fresh first page.
    ///
    /// # Errors
    /// [`ActivityError::PageSize`] outside 1..=[`MAX_PAGE_SIZE`]; a cursor error
    /// ([`ActivityError::MalformedCursor`], [`ActivityError::ForeignCursor`],
    /// [`ActivityError::UnknownCursorEvent`]); [`ActivityError::InvertedRange`];
    /// [`ActivityError::OutOfSync`] when the index was not synced with `log`.
    ///
    /// # Example
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use connected_apps::{Account, App, AppLevel, Directory, Distribution, Engine, User};
    /// # let mut directory = Directory::new(Account {
    /// #     id: "1234".into(), name: "Acme".into(), default_language: "en".into(),
    /// #     time_zone: "Europe/Paris".into(), subscriptions: Default::default(), api_limit_increases: 0,
    /// # })?;
    /// # for (id, super_admin) in [("ada", true), ("bob", false)] {
    /// #     directory.add_user(User {
    /// #         id: id.into(), name: id.into(), email: format!("{id}@acme.test"), active: true, super_admin,
    /// #         permissions: Default::default(), platform_user_id: None,
    /// #     })?;
    /// # }
    /// # directory.add_app(App {
    /// #     id: "zoom".into(), name: "Zoom".into(), provider: "Zoom".into(), built_by_vendor_platform: false,
    /// #     distribution: Distribution::Marketplace, level: AppLevel::AccountLevel, reports_status: true,
    /// #     scopes: vec![], features: vec![], workflow_actions: vec![], post_uninstall_steps: vec![],
    /// # })?;
    /// # let mut engine = Engine::new(directory);
    /// use chrono::Duration;
    /// use connected_apps::{ActivityFilter, ActivityIndex, ActivityType, Actor, Command};
    ///
    /// let ada = Actor::User("ada".into());
    /// let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().ok_or("no such instant")?;
    /// let install = Command::Install { app: "zoom".into(), scopes: None, expires_at: None, request_admin: None };
    /// engine.execute(&ada, install, t0)?; // event 1
    /// engine.execute(&ada, Command::Disconnect { app: "zoom".into(), user: None }, t0 + Duration::hours(1))?; // 2
    /// let reconnect = Command::Reconnect { app: "zoom".into(), user: None, expires_at: None };
    /// engine.execute(&ada, reconnect, t0 + Duration::hours(2))?; // 3
    ///
    /// let mut index = ActivityIndex::new();
    /// index.sync(engine.events())?;
    /// let filter = ActivityFilter {
    ///     types: vec![ActivityType::Disconnected, ActivityType::Reconnected],
    ///     ..ActivityFilter::default()
    /// };
    /// let ids = |page: &connected_apps::ActivityPage<'_>| page.events.iter().map(|e| e.id.0).collect::<Vec<_>>();
    ///
    /// // Newest first, one event per page (L3).
    /// let first = index.query(engine.events(), &filter, None, 1)?;
    /// assert_eq!(ids(&first), [3]);
    /// let cursor = first.next_cursor.clone().ok_or("a second page")?;
    ///
    /// // New events do not move the cursor: the second page continues where the first stopped.
    /// engine.execute(&ada, Command::Disconnect { app: "zoom".into(), user: None }, t0 + Duration::hours(3))?; // 4
    /// index.sync(engine.events())?;
    /// let second = index.query(engine.events(), &filter, Some(&cursor), 1)?;
    /// assert_eq!((ids(&second), second.next_cursor), (vec![2], None));
    ///
    /// // A page size past the limit is refused.
    /// assert!(index.query(engine.events(), &filter, None, connected_apps::MAX_PAGE_SIZE + 1).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query<'e>(
        &self,
        log: &'e EventLog,
        filter: &ActivityFilter,
        cursor: Option<&str>,
        page_size: usize,
    ) -> Result<ActivityPage<'e>, ActivityError> {
        let (positions, next_cursor) = self.page_positions(log, filter, cursor, page_size)?;
        let events = positions.iter().filter_map(|p| log.get(*p as usize)).collect();
        Ok(ActivityPage { events, next_cursor })
    }

    /// The log positions of [`Self::query`]'s page, newest first, and its next cursor: a host
    /// reads the page's rows from them as columns ([`EventLog::columns_at`]).
    ///
    /// # Errors
    /// As [`Self::query`].
    pub fn page_positions(
        &self,
        log: &EventLog,
        filter: &ActivityFilter,
        cursor: Option<&str>,
        page_size: usize,
    ) -> Result<(Vec<u32>, Option<String>), ActivityError> {
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(ActivityError::PageSize { size: page_size, max: MAX_PAGE_SIZE });
        }
        self.check_covers(log)?;
        let fingerprint = filter.fingerprint();
        let (lo, mut hi) = self.time_range(log, filter)?;
        if let Some(text) = cursor {
            let c = Cursor::decode(text)?;
            if c.filter != fingerprint {
                return Err(ActivityError::ForeignCursor(text.to_owned()));
            }
            let logged = log.get(c.position as usize);
            if !logged
                .is_some_and(|e| e.id == c.id && e.at.timestamp() == c.secs && e.at.timestamp_subsec_nanos() == c.nanos)
            {
                return Err(ActivityError::UnknownCursorEvent { id: c.id, position: c.position });
            }
            hi = hi.min(c.position as usize);
        }
        let mut positions = Vec::with_capacity(page_size + 1);
        if let Some((source, residual)) = self.plan(log, filter, lo, hi.max(lo)) {
            newest_matching(log, &source, &residual, lo, page_size + 1, &mut positions);
        }
        let more = positions.len() > page_size;
        positions.truncate(page_size);
        let last = positions.last().and_then(|p| log.get(*p as usize).map(|e| (*p, e)));
        let next_cursor = match (more, last) {
            (true, Some((position, event))) => Some(
                Cursor {
                    position,
                    id: event.id,
                    secs: event.at.timestamp(),
                    nanos: event.at.timestamp_subsec_nanos(),
                    filter: fingerprint,
                }
                .encode(),
            ),
            _ => None,
        };
        Ok((positions, next_cursor))
    }

    /// The log positions of every event matching `filter`, oldest first: the whole result of a
    /// query at once, for a host that reads it as columns ([`EventLog::columns_at`]).
    ///
    /// # Errors
    /// [`ActivityError::InvertedRange`], [`ActivityError::OutOfSync`].
    pub fn matching_positions(&self, log: &EventLog, filter: &ActivityFilter) -> Result<Vec<u32>, ActivityError> {
        self.check_covers(log)?;
        let (lo, hi) = self.time_range(log, filter)?;
        let mut positions = Vec::new();
        if let Some((source, residual)) = self.plan(log, filter, lo, hi.max(lo)) {
            newest_matching(log, &source, &residual, lo, usize::MAX, &mut positions);
        }
        positions.reverse();
        Ok(positions)
    }

    /// Calls `visit` with every position in `[lo, hi)` that matches `filter`, read from the
    /// smallest candidate source (see [`Self::plan`]).
    pub(super) fn scan(
        &self,
        log: &EventLog,
        filter: &ActivityFilter,
        lo: usize,
        hi: usize,
        mut visit: impl FnMut(usize),
    ) {
        let Some((source, residual)) = self.plan(log, filter, lo, hi) else { return };
        let mut keep = |pos: usize| {
            if residual.keeps(log, pos) {
                visit(pos);
            }
        };
        match source {
            Source::Range(lo, hi) => (lo..hi).for_each(&mut keep),
            Source::Lists(lists) => lists.iter().flat_map(|l| clip_list(l, lo, hi)).for_each(|p| keep(*p as usize)),
        }
    }
}

/// The bit mask of activity types (bit [`ActivityType::code`]).
pub(super) fn type_mask(types: &[ActivityType]) -> u32 {
    // 32 bits hold every activity type (checked at compile time).
    const _: () = assert!(TYPES <= 32);
    types.iter().fold(0u32, |mask, t| mask | (1 << ActivityType::code(*t)))
}

/// Up to `limit` matching positions, newest first, merged from the source's lists.
fn newest_matching(
    log: &EventLog,
    source: &Source<'_>,
    residual: &Residual,
    lo: usize,
    limit: usize,
    out: &mut Vec<u32>,
) {
    match source {
        Source::Range(lo, hi) => {
            for pos in (*lo..*hi).rev() {
                if out.len() == limit {
                    return;
                }
                if residual.keeps(log, pos) {
                    out.push(pos as u32);
                }
            }
        }
        Source::Lists(lists) if lists.len() <= LINEAR_MERGE_MAX_LISTS => {
            // Each list is consumed from its end; `ends[i]` is how much of list i is left.
            let mut ends: Vec<usize> = lists.iter().map(|l| l.len()).collect();
            while out.len() < limit {
                let mut best: Option<(usize, u32)> = None;
                for (i, (list, end)) in lists.iter().zip(&ends).enumerate() {
                    if let Some(&p) = end.checked_sub(1).and_then(|e| list.get(e))
                        && best.is_none_or(|(_, b)| p > b)
                    {
                        best = Some((i, p));
                    }
                }
                let Some((i, pos)) = best.filter(|(_, p)| *p as usize >= lo) else { return };
                if let Some(end) = ends.get_mut(i) {
                    *end -= 1;
                }
                if residual.keeps(log, pos as usize) {
                    out.push(pos);
                }
            }
        }
        Source::Lists(lists) => {
            let mut heap: BinaryHeap<(u32, usize, usize)> = lists
                .iter()
                .enumerate()
                .filter_map(|(i, l)| l.len().checked_sub(1).and_then(|e| l.get(e).map(|p| (*p, i, e))))
                .collect();
            while out.len() < limit {
                let Some((pos, i, at)) = heap.pop().filter(|(p, _, _)| *p as usize >= lo) else { return };
                if let Some(next) = at.checked_sub(1).and_then(|e| lists.get(i).and_then(|l| l.get(e)).map(|p| (*p, e)))
                {
                    heap.push((next.0, i, next.1));
                }
                if residual.keeps(log, pos as usize) {
                    out.push(pos);
                }
            }
        }
    }
}

/// The part of a sorted position list inside `[lo, hi)`.
pub(super) fn clip_list(list: &[u32], lo: usize, hi: usize) -> &[u32] {
    let start = list.partition_point(|p| (*p as usize) < lo);
    let end = list.partition_point(|p| (*p as usize) < hi);
    list.get(start..end.max(start)).unwrap_or_default()
}

/// The codes of the keys the log knows, sorted.
pub(super) fn known<K: Clone + Eq + std::hash::Hash + AsRef<str>>(dictionary: &Dictionary<K>, keys: &[K]) -> Vec<u32> {
    let mut out: Vec<u32> = keys.iter().filter_map(|k| dictionary.code(k)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

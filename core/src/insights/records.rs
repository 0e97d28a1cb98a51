//! Record insights (R1–R6, O4): daily counts of record events per UTC day × app × record type ×
//! action, kept in a [`RecordAggregate`].
//!
//! The aggregate stores only the cells that exist: a sorted map keyed by the (app, record type)
//! pairs that have counts, each holding blocks of [`BLOCK_DAYS`] consecutive days, allocated only
//! for blocks with a day of data. Its memory follows the non-zero cells — never a dictionary's
//! length times another's, nor the span of days between events — and not the number of events.
//! Aggregates built on disjoint slices of events merge into exactly the aggregate of all of them,
//! and serialise as their non-zero cells (X7).
//!
//! Invariant: the counts of all cells add up to [`RecordAggregate::event_count`] (restoring checks
//! it). So once a sum of event counts fits in a `u64`, no cell and no sum of cells can overflow.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde::{Deserialize, Serialize, Serializer};

use super::partial::{Kind, Reader, Writer, sorted_codes};
use super::vocabulary::ACTIONS;
use super::{DAY_MICROS, InsightsError, MAX_MICROS, checked_micros, day_from_index};
use crate::catalog::AppId;
use crate::insights::{RecordAction, RecordCell, RecordEvent, RecordType};
use crate::limits::{DEDUPE_HORIZON_DAYS, MAX_DICTIONARY_LEN};
use crate::log::Dictionary;

/// The non-zero cells of a [`RecordAggregate`] as columns ([`RecordAggregate::cell_columns`]),
/// ordered by day, app, record type and action like [`RecordAggregate::cells`]; the codes index
/// the dictionaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCellColumns<'a> {
    /// UTC days, as days since 1970-01-01.
    pub days: Vec<i32>,
    /// App codes into `app_dictionary`.
    pub apps: Vec<u32>,
    /// The apps, by code.
    pub app_dictionary: &'a [AppId],
    /// Record-type codes into `record_type_dictionary`.
    pub record_types: Vec<u32>,
    /// The record types, by code.
    pub record_type_dictionary: &'a [RecordType],
    /// Action codes: positions in [`RecordAction::ALL`].
    pub actions: Vec<u8>,
    /// The cells' counts.
    pub counts: Vec<u64>,
}

/// Days per storage block of a series.
pub(super) const BLOCK_DAYS: usize = 16;

/// The largest day index (days since 1970-01-01) of a timestamp the aggregate accepts.
pub(super) const MAX_DAY: i64 = MAX_MICROS / DAY_MICROS;

/// Counts of [`BLOCK_DAYS`] consecutive days, per action.
type Block = [[u64; ACTIONS]; BLOCK_DAYS];

/// One (app, record type) pair's counts: blocks of days, keyed by `day / BLOCK_DAYS`, present only
/// where a day has data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Series {
    blocks: BTreeMap<u32, Box<Block>>,
}

/// A day's block key and position in the block (`None` for days outside 1970..=9999).
fn locate(day: i64) -> Option<(u32, usize)> {
    if !(0..=MAX_DAY).contains(&day) {
        return None;
    }
    let block = u32::try_from(day / BLOCK_DAYS as i64).ok()?;
    let at = usize::try_from(day % BLOCK_DAYS as i64).ok()?;
    Some((block, at))
}

/// `count + added`, or the typed overflow error naming both.
pub(super) fn add_count(count: u64, added: u64) -> Result<u64, InsightsError> {
    count.checked_add(added).ok_or(InsightsError::CountOverflow { count, added })
}

impl Series {
    /// The counts of `day`, per action.
    pub(super) fn get(&self, day: i64) -> [u64; ACTIONS] {
        locate(day).and_then(|(block, at)| self.blocks.get(&block).and_then(|b| b.get(at))).copied().unwrap_or_default()
    }

    /// Takes back one event of `action` on `day`, if there is one; returns whether there was.
    fn take_one(&mut self, day: i64, action: usize) -> bool {
        let Some((block, at)) = locate(day) else { return false };
        let Some(c) = self.blocks.get_mut(&block).and_then(|b| b.get_mut(at)).and_then(|d| d.get_mut(action)) else {
            return false;
        };
        let had = *c > 0;
        *c = c.saturating_sub(1);
        if self.blocks.get(&block).is_some_and(|b| b.iter().flatten().all(|n| *n == 0)) {
            self.blocks.remove(&block);
        }
        had
    }

    /// Adds `n` events of `action` (by code) on `day` (a day inside 1970..=9999).
    pub(super) fn add(&mut self, day: i64, action: usize, n: u64) -> Result<(), InsightsError> {
        let Some((block, at)) = locate(day) else { return Ok(()) };
        let cells = self.blocks.entry(block).or_insert_with(|| Box::new([[0; ACTIONS]; BLOCK_DAYS]));
        if let Some(c) = cells.get_mut(at).and_then(|d| d.get_mut(action)) {
            *c = add_count(*c, n)?;
        }
        Ok(())
    }

    /// Writes the counts of days `first..first + out.len()` into `out`; returns whether any is
    /// non-zero. Reads only the blocks that exist in the range.
    pub(super) fn fill(&self, first: i64, out: &mut [[u64; ACTIONS]]) -> bool {
        out.fill([0; ACTIONS]);
        let last = first.saturating_add(i64::try_from(out.len()).unwrap_or(i64::MAX)).saturating_sub(1);
        let (Some((lo, _)), Some((hi, _))) = (locate(first.clamp(0, MAX_DAY)), locate(last.clamp(0, MAX_DAY))) else {
            return false;
        };
        let mut any = false;
        for (&block, cells) in self.blocks.range(lo..=hi) {
            let start = i64::from(block) * BLOCK_DAYS as i64;
            for (d, counts) in cells.iter().enumerate() {
                let Ok(i) = usize::try_from(start + d as i64 - first) else { continue };
                if let Some(slot) = out.get_mut(i) {
                    *slot = *counts;
                    any |= counts.iter().any(|n| *n > 0);
                }
            }
        }
        any
    }

    /// Every non-zero cell: (day, action code, count), by day then action.
    fn cells(&self) -> impl Iterator<Item = (i64, usize, u64)> + '_ {
        self.blocks.iter().flat_map(|(&block, cells)| {
            cells.iter().enumerate().flat_map(move |(d, counts)| {
                let day = i64::from(block) * BLOCK_DAYS as i64 + d as i64;
                counts.iter().enumerate().filter(|(_, n)| **n > 0).map(move |(action, n)| (day, action, *n))
            })
        })
    }

    /// Adds `other`'s counts (the caller has checked that the totals fit, so no cell overflows).
    fn absorb(&mut self, other: Self) -> Result<(), InsightsError> {
        for (block, cells) in other.blocks {
            match self.blocks.entry(block) {
                Entry::Vacant(slot) => {
                    slot.insert(cells);
                }
                Entry::Occupied(mut slot) => {
                    for (dst, src) in slot.get_mut().iter_mut().flatten().zip(cells.iter().flatten()) {
                        *dst = add_count(*dst, *src)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Daily counts per UTC day × app × record type × action (R1, R2), mergeable and serialisable
/// (X7). Build one with [`RecordAggregate::ingest`] / [`RecordAggregate::ingest_columns`], combine
/// partial ones with [`RecordAggregate::merge`], read it with [`RecordAggregate::insights`].
///
/// Only the cells that exist are stored (see the module documentation). Equality compares the
/// counted cells, not the order in which apps or types were first seen.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "AggregateDto")]
pub struct RecordAggregate {
    /// The apps with counts, in the order first seen.
    pub(super) apps: Dictionary<AppId>,
    /// The record types with counts, in the order first seen.
    pub(super) types: Dictionary<RecordType>,
    /// Per (app code, record-type code) with counts: its days.
    pub(super) series: BTreeMap<(u32, u32), Series>,
    /// Events counted: the sum of all cells.
    pub(super) events: u64,
    /// The deliveries already counted by imports (K3), so that each is counted once.
    pub(crate) dedupe: super::dedupe::DedupeMemory,
}

impl PartialEq for RecordAggregate {
    fn eq(&self, other: &Self) -> bool {
        self.events == other.events && self.cells() == other.cells()
    }
}

impl RecordAggregate {
    /// An empty aggregate.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Events counted so far.
    #[must_use]
    pub fn event_count(&self) -> u64 {
        self.events
    }

    /// Approximate bytes held by the counts: they follow the stored day blocks, never the number
    /// of events, the dictionaries' sizes or the span of days.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let blocks: usize = self.series.values().map(|s| s.blocks.len()).sum();
        // A block, its box pointer and key; a series' map and key.
        blocks * (std::mem::size_of::<Block>() + 16) + self.series.len() * 48
    }

    /// The number of non-zero cells (day × app × record type × action).
    #[must_use]
    pub fn cell_count(&self) -> usize {
        self.series.values().map(|s| s.cells().count()).sum()
    }

    /// The apps with counts, in the order first seen.
    #[must_use]
    pub fn apps(&self) -> &[AppId] {
        self.apps.names()
    }

    /// The series of an (app, record type) pair, created empty if new.
    pub(super) fn series_mut(&mut self, app: &AppId, ty: &RecordType) -> &mut Series {
        let key = (self.apps.intern(app), self.types.intern(ty));
        self.series.entry(key).or_default()
    }

    /// Counts one event.
    ///
    /// # Errors
    /// [`InsightsError::TimestampOutOfRange`], [`InsightsError::EmptyAppId`],
    /// [`InsightsError::CountOverflow`]; nothing is then counted.
    pub fn ingest(&mut self, event: &RecordEvent) -> Result<(), InsightsError> {
        let micros = check_event(event)?;
        // Every cell is at most the total, so once the total fits, the cell does too.
        let events = add_count(self.events, 1)?;
        self.series_mut(&event.app, &event.record_type).add(
            micros / DAY_MICROS,
            usize::from(event.action.code()),
            1,
        )?;
        self.events = events;
        Ok(())
    }

    /// Counts a batch of events, all or nothing: every event is checked before any is counted.
    /// Returns how many were counted.
    ///
    /// # Errors
    /// As [`RecordAggregate::ingest`], for the first refused event; nothing of the batch is then
    /// counted.
    pub fn ingest_all(&mut self, events: &[RecordEvent]) -> Result<usize, InsightsError> {
        for event in events {
            check_event(event)?;
        }
        add_count(self.events, u64::try_from(events.len()).unwrap_or(u64::MAX))?;
        for event in events {
            self.ingest(event)?;
        }
        Ok(events.len())
    }

    /// Counts a batch of events given as columns, all or nothing. Returns the rows counted.
    ///
    /// # Errors
    /// As [`RecordAggregate::from_columns`], and [`InsightsError::CountOverflow`] when the total
    /// would pass 2⁶⁴ − 1; nothing of the batch is then counted.
    pub fn ingest_columns(
        &mut self,
        columns: &crate::insights::RecordEventColumns<'_>,
    ) -> Result<usize, InsightsError> {
        let part = Self::from_columns(columns)?;
        let rows = columns.at_micros.len();
        self.absorb(part)?;
        Ok(rows)
    }

    /// Adds `other`'s counts to this aggregate: merging aggregates of disjoint slices of events
    /// gives exactly the aggregate of all of them (X7).
    ///
    /// # Errors
    /// [`InsightsError::CountOverflow`] when the total would pass 2⁶⁴ − 1; nothing changes then.
    pub fn merge(&mut self, other: &Self) -> Result<(), InsightsError> {
        self.absorb(other.clone())
    }

    /// [`RecordAggregate::merge`] of an aggregate no longer needed (its day blocks move in where
    /// this one has none). The one place two aggregates combine: every check comes before the
    /// first change, so a refused merge changes nothing.
    pub(super) fn absorb(&mut self, other: Self) -> Result<(), InsightsError> {
        // Σ cells = events on both sides: once the totals fit, no cell below can overflow.
        let events = add_count(self.events, other.events)?;
        let Self { apps, types, series, events: _, dedupe } = other;
        for ((app, ty), counts) in series {
            let (Some(app), Some(ty)) = (apps.name(app), types.name(ty)) else { continue };
            let key = (self.apps.intern(app), self.types.intern(ty));
            match self.series.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(counts);
                }
                Entry::Occupied(mut slot) => slot.get_mut().absorb(counts)?,
            }
        }
        self.events = events;
        // A delivery both partials counted is counted once (K3).
        for event in self.dedupe.merge(&dedupe) {
            self.uncount(&event);
        }
        Ok(())
    }

    /// Takes back one count of `event` (a delivery two merged partials both counted).
    fn uncount(&mut self, event: &RecordEvent) {
        let (Some(app), Some(ty)) = (self.apps.code(&event.app), self.types.code(&event.record_type)) else {
            return;
        };
        let day = event.at.timestamp_micros().div_euclid(DAY_MICROS);
        let taken = self.series.get_mut(&(app, ty)).is_some_and(|s| s.take_one(day, usize::from(event.action.code())));
        if taken {
            self.events = self.events.saturating_sub(1);
            if self.series.get(&(app, ty)).is_some_and(|s| s.blocks.is_empty()) {
                self.series.remove(&(app, ty));
            }
        }
    }

    /// Every non-zero cell, ordered by day, app, record type and action.
    #[must_use]
    pub fn cells(&self) -> Vec<RecordCell> {
        let mut out: Vec<RecordCell> = self
            .series
            .iter()
            .filter_map(|(&(a, t), s)| Some((self.apps.name(a)?, self.types.name(t)?, s)))
            .flat_map(|(app, ty, s)| {
                s.cells().map(move |(day, action, count)| RecordCell {
                    day: day_from_index(day),
                    app: app.clone(),
                    record_type: ty.clone(),
                    action: RecordAction::ALL.get(action).copied().unwrap_or(RecordAction::Created),
                    count,
                })
            })
            .collect();
        out.sort();
        out
    }

    /// Every non-zero cell as columns, in the order of [`Self::cells`]: what a host hands on as
    /// a table (e.g. Arrow) without a per-cell string.
    #[must_use]
    pub fn cell_columns(&self) -> RecordCellColumns<'_> {
        let (apps, types) = (self.apps.names(), self.types.names());
        let ranks = |len: usize, less: &dyn Fn(usize, usize) -> std::cmp::Ordering| {
            let mut order: Vec<usize> = (0..len).collect();
            order.sort_by(|&a, &b| less(a, b));
            let mut rank = vec![0u32; len];
            for (position, code) in order.into_iter().enumerate() {
                if let Some(r) = rank.get_mut(code) {
                    *r = u32::try_from(position).unwrap_or(u32::MAX);
                }
            }
            rank
        };
        let app_rank = ranks(apps.len(), &|a, b| apps.get(a).cmp(&apps.get(b)));
        let type_rank = ranks(types.len(), &|a, b| types.get(a).cmp(&types.get(b)));
        let rank_of = |ranks: &[u32], code: u32| ranks.get(code as usize).copied().unwrap_or(u32::MAX);
        // Series in (app name, type name) order, each's cells in day then action order; then a
        // stable sort by day gives the order of `cells()` without comparing whole cells.
        let mut series: Vec<(u32, u32, u32, u32, &Series)> =
            self.series.iter().map(|(&(a, t), s)| (rank_of(&app_rank, a), rank_of(&type_rank, t), a, t, s)).collect();
        series.sort_unstable_by_key(|&(ra, rt, ..)| (ra, rt));
        let cells: Vec<(i64, usize, u64, u32, u32)> = series
            .iter()
            .flat_map(|&(_, _, a, t, s)| s.cells().map(move |(day, action, count)| (day, action, count, a, t)))
            .collect();
        let n = cells.len();
        let mut out = RecordCellColumns {
            days: vec![0; n],
            apps: vec![0; n],
            app_dictionary: apps,
            record_types: vec![0; n],
            record_type_dictionary: types,
            actions: vec![0; n],
            counts: vec![0; n],
        };
        // A stable counting sort by day when the days span little more than the cells, else a
        // stable sort; `slots[i]` is where cell i goes.
        let (first, last) = cells.iter().fold((i64::MAX, i64::MIN), |(lo, hi), c| (lo.min(c.0), hi.max(c.0)));
        let span = usize::try_from(last.saturating_sub(first)).unwrap_or(usize::MAX).saturating_add(1);
        let slots: Vec<usize> = if n > 0 && span <= n.saturating_mul(4).saturating_add(1024) {
            let offset = |day: i64| usize::try_from(day - first).unwrap_or_default();
            let mut starts = vec![0usize; span + 1];
            for c in &cells {
                if let Some(s) = starts.get_mut(offset(c.0) + 1) {
                    *s += 1;
                }
            }
            for i in 1..starts.len() {
                let before = starts.get(i - 1).copied().unwrap_or_default();
                if let Some(s) = starts.get_mut(i) {
                    *s += before;
                }
            }
            cells
                .iter()
                .map(|c| {
                    let slot = starts.get_mut(offset(c.0)).map(|s| {
                        *s += 1;
                        *s - 1
                    });
                    slot.unwrap_or_default()
                })
                .collect()
        } else {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| cells.get(i).map(|c| c.0));
            let mut slots = vec![0; n];
            for (slot, i) in order.into_iter().enumerate() {
                if let Some(s) = slots.get_mut(i) {
                    *s = slot;
                }
            }
            slots
        };
        for ((day, action, count, a, t), slot) in cells.into_iter().zip(slots) {
            // Days are within 0..=MAX_DAY (about 2.9 million): they fit an i32.
            let cell = (
                out.days.get_mut(slot),
                out.apps.get_mut(slot),
                out.record_types.get_mut(slot),
                out.actions.get_mut(slot),
                out.counts.get_mut(slot),
            );
            if let (Some(d), Some(ap), Some(ty), Some(ac), Some(co)) = cell {
                (*d, *ap, *ty, *ac, *co) =
                    (i32::try_from(day).unwrap_or(i32::MAX), a, t, u8::try_from(action).unwrap_or(u8::MAX), count);
            }
        }
        out
    }

    /// Serialises the aggregate as JSON (its non-zero cells), for a host that ships partial
    /// aggregates between workers.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads an aggregate written by [`RecordAggregate::to_json`], re-checking everything it
    /// can: dictionaries (no empty, duplicate or more than [`MAX_DICTIONARY_LEN`] entries), each
    /// cell (dictionary references, action, day in 1970..=9999, a positive count, no cell twice)
    /// and the event count (the sum of the cells).
    ///
    /// # Errors
    /// [`InsightsError::Malformed`] (also for unknown record types),
    /// [`InsightsError::EmptyAppId`], [`InsightsError::DictionaryTooLong`].
    pub fn from_json(text: &str) -> Result<Self, InsightsError> {
        let dto: AggregateDto = serde_json::from_str(text)
            .map_err(|e| InsightsError::Malformed { what: "record aggregate", message: e.to_string() })?;
        Self::try_from(dto)
    }
}

impl RecordAggregate {
    /// The aggregate's compact byte form (X7), to pickle or ship between workers: a versioned
    /// envelope (see the `partial` module) around its dictionaries, non-zero cells and dedupe
    /// memory, canonical — two aggregates holding the same counts and memory write the same bytes,
    /// whatever order their events or merges came in.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Kind::Records);
        w.varint(u64::from(DEDUPE_HORIZON_DAYS));
        w.varint(self.events);
        let mut used = (vec![false; self.apps.len()], vec![false; self.types.len()]);
        for &(a, t) in self.series.keys() {
            used.0.get_mut(a as usize).into_iter().chain(used.1.get_mut(t as usize)).for_each(|u| *u = true);
        }
        let (apps, app_codes) = sorted_codes(self.apps.names(), &used.0);
        let (types, type_codes) = sorted_codes(self.types.names(), &used.1);
        for names in [&apps, &types] {
            w.len(names.len());
            names.iter().for_each(|n| w.str(n));
        }
        let mut cells: Vec<(u32, u32, i64, usize, u64)> = self
            .series
            .iter()
            .flat_map(|(&(a, t), s)| {
                let (a, t) = (app_codes.get(a as usize).copied(), type_codes.get(t as usize).copied());
                s.cells().filter_map(move |(day, action, n)| Some((a?, t?, day, action, n)))
            })
            .collect();
        cells.sort_unstable();
        w.len(cells.len());
        for (a, t, day, action, n) in cells {
            w.varint(a.into());
            w.varint(t.into());
            w.i64(day);
            w.u8(action as u8);
            w.varint(n);
        }
        self.dedupe.write_bytes(&mut w);
        w.finish()
    }

    /// Reads an aggregate written by [`RecordAggregate::to_bytes`]: the envelope is checked
    /// (size, format version, kind, settings, checksum), every length against the bytes that
    /// remain, then the content is re-checked as [`RecordAggregate::from_json`] does.
    ///
    /// # Errors
    /// [`InsightsError::PartialVersion`] for another version of the byte form,
    /// [`InsightsError::IncompatiblePartial`] for another kind or settings,
    /// [`InsightsError::PartialTooLarge`], [`InsightsError::Malformed`] for corrupt or truncated
    /// bytes, and the errors of [`RecordAggregate::from_json`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, InsightsError> {
        let mut r = Reader::open(bytes, Kind::Records, "record aggregate bytes")?;
        r.setting("dedupe horizon days", u64::from(DEDUPE_HORIZON_DAYS))?;
        let events = r.varint()?;
        let apps = r.strings("apps", MAX_DICTIONARY_LEN)?.into_iter().map(AppId).collect();
        let record_types = r
            .strings("record types", MAX_DICTIONARY_LEN)?
            .iter()
            .map(|t| RecordType::parse(t))
            .collect::<Result<_, _>>()?;
        // A cell takes at least 5 bytes: app, record type, day, action and count.
        let n = r.count("cells", 5, usize::MAX)?;
        let mut cells = Vec::with_capacity(n);
        for _ in 0..n {
            let (app, ty, day) = (r.u32()?, r.u32()?, r.i64()?);
            cells.push((day, app, ty, r.u8()?, r.varint()?));
        }
        let dedupe = super::dedupe::DedupeMemory::read_bytes(&mut r)?;
        r.end()?;
        Self::try_from(AggregateDto { version: 1, events, apps, record_types, cells, dedupe })
    }
}

/// A serialised cell: `[day since 1970-01-01, app code, record-type code, action code, count]`.
type CellDto = (i64, u32, u32, u8, u64);

/// The serialised form, as written: dictionaries and non-zero cells (a field added to the
/// aggregate goes here and in [`AggregateDto`]).
#[derive(Serialize)]
struct AggregateOut<'a> {
    version: u32,
    events: u64,
    apps: &'a [AppId],
    record_types: &'a [RecordType],
    cells: Vec<CellDto>,
    #[serde(skip_serializing_if = "super::dedupe::DedupeMemory::is_empty")]
    dedupe: &'a super::dedupe::DedupeMemory,
}

/// The serialised form, as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AggregateDto {
    version: u32,
    events: u64,
    apps: Vec<AppId>,
    record_types: Vec<RecordType>,
    cells: Vec<CellDto>,
    /// The deliveries already counted by imports (re-checked by its own deserialiser).
    #[serde(default)]
    dedupe: super::dedupe::DedupeMemory,
}

impl Serialize for RecordAggregate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let cells = self
            .series
            .iter()
            .flat_map(|(&(a, t), s)| s.cells().map(move |(day, action, n)| (day, a, t, action as u8, n)))
            .collect();
        AggregateOut {
            version: 1,
            events: self.events,
            apps: self.apps.names(),
            record_types: self.types.names(),
            cells,
            dedupe: &self.dedupe,
        }
        .serialize(serializer)
    }
}

impl TryFrom<AggregateDto> for RecordAggregate {
    type Error = InsightsError;
    fn try_from(dto: AggregateDto) -> Result<Self, Self::Error> {
        let bad = |message: String| InsightsError::Malformed { what: "record aggregate", message };
        if dto.version != 1 {
            return Err(bad(format!("unsupported version {}", dto.version)));
        }
        for (column, len) in [("apps", dto.apps.len()), ("record_types", dto.record_types.len())] {
            if len > MAX_DICTIONARY_LEN {
                return Err(InsightsError::DictionaryTooLong { column, len, max: MAX_DICTIONARY_LEN });
            }
        }
        if dto.apps.iter().any(|a| a.as_str().is_empty()) {
            return Err(InsightsError::EmptyAppId);
        }
        let mut seen = Dictionary::default();
        for app in &dto.apps {
            if seen.code(app).is_some() {
                return Err(bad(format!("app {app} appears twice in the dictionary")));
            }
            seen.intern(app);
        }
        let mut seen = Dictionary::default();
        for ty in &dto.record_types {
            if seen.code(ty).is_some() {
                return Err(bad(format!("record type {ty} appears twice in the dictionary")));
            }
            seen.intern(ty);
        }
        let mut sum: u64 = 0;
        for &(day, app, ty, action, n) in &dto.cells {
            if app as usize >= dto.apps.len() || ty as usize >= dto.record_types.len() {
                return Err(bad(format!("cell names app {app} or record type {ty} outside the dictionaries")));
            }
            if usize::from(action) >= ACTIONS {
                return Err(bad(format!("cell has action {action}, expected 0..=3")));
            }
            if !(0..=MAX_DAY).contains(&day) {
                return Err(bad(format!("cell has day {day}, outside 1970-01-01..=9999-12-31")));
            }
            if n == 0 {
                return Err(bad(format!("cell on day {day} has count 0")));
            }
            sum = sum.checked_add(n).ok_or_else(|| bad(format!("cell counts add up past {}", u64::MAX)))?;
        }
        if sum != dto.events {
            return Err(bad(format!("event count {} differs from the sum of the cells {sum}", dto.events)));
        }
        // Intern the entries the cells use, in dictionary order (so that a written aggregate
        // reads back to the same JSON); unused entries are dropped.
        let mut used = (vec![false; dto.apps.len()], vec![false; dto.record_types.len()]);
        for &(_, app, ty, _, _) in &dto.cells {
            if let Some(u) = used.0.get_mut(app as usize) {
                *u = true;
            }
            if let Some(u) = used.1.get_mut(ty as usize) {
                *u = true;
            }
        }
        let mut out = Self::new();
        let apps: Vec<u32> =
            dto.apps.iter().zip(&used.0).map(|(a, u)| if *u { out.apps.intern(a) } else { 0 }).collect();
        let types: Vec<u32> =
            dto.record_types.iter().zip(&used.1).map(|(t, u)| if *u { out.types.intern(t) } else { 0 }).collect();
        for &(day, app, ty, action, n) in &dto.cells {
            let (Some(&a), Some(&t)) = (apps.get(app as usize), types.get(ty as usize)) else { continue };
            let series = out.series.entry((a, t)).or_default();
            if series.get(day).get(usize::from(action)).is_some_and(|c| *c > 0) {
                return Err(bad(format!(
                    "cell (day {day}, app {app}, record type {ty}, action {action}) appears twice"
                )));
            }
            series.add(day, usize::from(action), n)?;
        }
        out.events = dto.events;
        out.dedupe = dto.dedupe;
        Ok(out)
    }
}

/// Checks one event and returns its instant in microseconds since the epoch.
fn check_event(event: &RecordEvent) -> Result<i64, InsightsError> {
    let micros = checked_micros(0, event.at)?;
    if event.app.as_str().is_empty() {
        return Err(InsightsError::EmptyAppId);
    }
    Ok(micros)
}

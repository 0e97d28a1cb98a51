//! Record insights (R1–R6, O4): daily counts of record events per UTC day × app × record type ×
//! action, kept in a [`RecordAggregate`].
//!
//! The aggregate stores only the cells that exist: a sorted map keyed by the (app, record type)
//! pairs that have counts, each holding blocks of 16 (`BLOCK_DAYS`) consecutive days, allocated only
//! for blocks with a day of data. Its memory follows the non-zero cells — never a dictionary's
//! length times another's, nor the span of days between events — and not the number of events.
//! Aggregates built on disjoint slices of events merge into exactly the aggregate of all of them,
//! and serialise as their non-zero cells (X7).
//!
//! Invariant: the counts of all cells add up to [`RecordAggregate::event_count`] (restoring checks
//! it). So once a sum of event counts fits in a `u64`, no cell and no sum of cells can overflow.
//!
//! The aggregate and its ingest, merge and cells are here; a pair's days are stored by
//! `series.rs`, and the aggregate's JSON and byte forms are in `record_forms.rs`.

use std::cmp::Reverse;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BinaryHeap};

use serde::Deserialize;

use super::record_forms::AggregateDto;
use super::series::{BLOCK_DAYS, Block, Series, add_count};
use super::{DAY_MICROS, InsightsError, checked_micros, day_from_index};
use crate::catalog::AppId;
use crate::columns::Dictionary;
use crate::insights::{RecordAction, RecordCell, RecordEvent, RecordType};

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

    /// [`RecordAggregate::merge`] of an aggregate the caller no longer needs: its day blocks move
    /// in where this one has none, rather than being copied (e.g. a batch counted apart with
    /// [`RecordAggregate::from_columns`], then merged under the host's lock).
    ///
    /// # Errors
    /// [`InsightsError::CountOverflow`] when the total would pass 2⁶⁴ − 1; nothing changes then.
    pub fn merge_owned(&mut self, other: Self) -> Result<(), InsightsError> {
        self.absorb(other)
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
        // Series in (app name, type name) order. Their blocks are walked in block order (a heap
        // of each series' next block), and within a block day by day across the series holding
        // it: the cells come out in the order of `cells()` (day, app, type, action), written in
        // place, with no sort of the cells and no copy of them in between.
        let mut series: Vec<(u32, u32, u32, u32, &Series)> =
            self.series.iter().map(|(&(a, t), s)| (rank_of(&app_rank, a), rank_of(&type_rank, t), a, t, s)).collect();
        series.sort_unstable_by_key(|&(ra, rt, ..)| (ra, rt));
        let n: usize = series
            .iter()
            .flat_map(|s| s.4.blocks.values())
            .flat_map(|b| b.iter().flatten())
            .filter(|c| **c > 0)
            .count();
        let mut out = RecordCellColumns {
            days: Vec::with_capacity(n),
            apps: Vec::with_capacity(n),
            app_dictionary: apps,
            record_types: Vec::with_capacity(n),
            record_type_dictionary: types,
            actions: Vec::with_capacity(n),
            counts: Vec::with_capacity(n),
        };
        let mut blocks: Vec<_> = series.iter().map(|s| s.4.blocks.iter()).collect();
        let mut next: BinaryHeap<Reverse<(u32, usize)>> = BinaryHeap::with_capacity(series.len());
        for (i, it) in blocks.iter_mut().enumerate() {
            if let Some((&key, _)) = it.clone().next() {
                next.push(Reverse((key, i)));
            }
        }
        let mut holding: Vec<(usize, &Block)> = Vec::with_capacity(series.len());
        while let Some(&Reverse((key, _))) = next.peek() {
            holding.clear();
            while let Some(Reverse((_, i))) =
                next.peek().is_some_and(|Reverse((k, _))| *k == key).then(|| next.pop()).flatten()
            {
                let Some(it) = blocks.get_mut(i) else { continue };
                if let Some((_, block)) = it.next() {
                    holding.push((i, block));
                }
                if let Some((&after, _)) = it.clone().next() {
                    next.push(Reverse((after, i)));
                }
            }
            holding.sort_unstable_by_key(|&(i, _)| i);
            let first_day = i64::from(key) * BLOCK_DAYS as i64;
            for d in 0..BLOCK_DAYS {
                // Days are within 0..=MAX_DAY (about 2.9 million): they fit an i32.
                let day = i32::try_from(first_day + d as i64).unwrap_or(i32::MAX);
                for &(i, block) in &holding {
                    let (Some(counts), Some(&(_, _, a, t, _))) = (block.get(d), series.get(i)) else { continue };
                    for (action, &count) in counts.iter().enumerate() {
                        if count > 0 {
                            out.days.push(day);
                            out.apps.push(a);
                            out.record_types.push(t);
                            out.actions.push(action as u8);
                            out.counts.push(count);
                        }
                    }
                }
            }
        }
        out
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

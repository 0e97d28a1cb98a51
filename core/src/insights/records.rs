//! Record insights (R1–R6, O4): daily counts of record events per UTC day × app × record type ×
//! action, the 30-day views, and the destructive-change flag (X2).
//!
//! [`RecordAggregate`] is a dense cube per day (apps and record types interned to dense indexes,
//! days relative to the epoch), so its size depends on the days, apps and types seen, never on
//! the number of events. Aggregates built on disjoint slices of events merge into exactly the
//! aggregate of all of them, and serialise as their non-zero cells (X7).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::robust::RobustRule;
use super::{DAY_MICROS, InsightsError, MAX_MICROS, checked_micros, day_from_index, day_index};
use crate::catalog::AppId;

/// What happened to a record (R1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordAction {
    /// A record was created.
    Created,
    /// A record was updated (a property changed).
    Updated,
    /// A record was deleted.
    Deleted,
    /// Records were merged into one.
    Merged,
}

impl RecordAction {
    /// Every action, in declaration order; an action's code in columns is its position here.
    pub const ALL: [Self; 4] = [Self::Created, Self::Updated, Self::Deleted, Self::Merged];

    /// The action's snake-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::Merged => "merged",
        }
    }

    /// The action's code in the `actions` column.
    #[must_use]
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Whether the action destroys records (what the unexpected-behaviour flag watches).
    #[must_use]
    pub fn is_destructive(self) -> bool {
        matches!(self, Self::Deleted | Self::Merged)
    }
}

impl fmt::Display for RecordAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The catalogue of standard record types: (name, object type id, singular as in webhook
/// subscription types).
pub const STANDARD_RECORD_TYPES: [(&str, &str, &str); 13] = [
    ("contacts", "0-1", "contact"),
    ("companies", "0-2", "company"),
    ("deals", "0-3", "deal"),
    ("tickets", "0-5", "ticket"),
    ("products", "0-7", "product"),
    ("line_items", "0-8", "line_item"),
    ("quotes", "0-14", "quote"),
    ("tasks", "0-27", "task"),
    ("notes", "0-46", "note"),
    ("meetings", "0-47", "meeting"),
    ("calls", "0-48", "call"),
    ("emails", "0-49", "email"),
    ("leads", "0-136", "lead"),
];

/// A record type: a standard object of the catalogue ([`STANDARD_RECORD_TYPES`], named in the
/// plural) or a custom object by its type id (`2-<digits>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordType(String);

impl RecordType {
    /// Reads a record type: a catalogue name (plural or singular, any case) or object type id
    /// (`0-1`), or a custom object type id (`2-123456`).
    ///
    /// # Errors
    /// [`InsightsError::UnknownRecordType`] for anything else.
    pub fn parse(text: &str) -> Result<Self, InsightsError> {
        let t = text.trim().to_ascii_lowercase();
        if let Some((name, _, _)) = STANDARD_RECORD_TYPES.iter().find(|(n, id, one)| *n == t || *id == t || *one == t) {
            return Ok(Self((*name).to_owned()));
        }
        match t.strip_prefix("2-") {
            Some(digits) if (1..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Self(t))
            }
            _ => Err(InsightsError::UnknownRecordType(text.to_owned())),
        }
    }

    /// The canonical name: the catalogue's plural, or the custom object type id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a custom object.
    #[must_use]
    pub fn is_custom(&self) -> bool {
        self.0.starts_with("2-")
    }

    /// Standard types in catalogue order, then custom ones by id.
    fn rank(&self) -> (usize, &str) {
        let pos = STANDARD_RECORD_TYPES.iter().position(|(n, _, _)| *n == self.0);
        (pos.unwrap_or(STANDARD_RECORD_TYPES.len()), &self.0)
    }
}

impl TryFrom<String> for RecordType {
    type Error = InsightsError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RecordType> for String {
    fn from(value: RecordType) -> Self {
        value.0
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One record event (R1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEvent {
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// The app that did it.
    pub app: AppId,
    /// The record type.
    pub record_type: RecordType,
    /// What it did.
    pub action: RecordAction,
}

/// Record events as columns of equal length, apps and record types dictionary-encoded.
#[derive(Debug, Clone, Copy)]
pub struct RecordEventColumns<'a> {
    /// Timestamps in microseconds since the Unix epoch (UTC).
    pub at_micros: &'a [i64],
    /// App codes into `app_dictionary`.
    pub apps: &'a [u32],
    /// App ids, indexed by app code.
    pub app_dictionary: &'a [String],
    /// Record-type codes into `record_type_dictionary`.
    pub record_types: &'a [u32],
    /// Record types (as [`RecordType::parse`] reads them), indexed by code.
    pub record_type_dictionary: &'a [String],
    /// Action codes: positions in [`RecordAction::ALL`].
    pub actions: &'a [u8],
}

/// One non-zero cell of an aggregate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordCell {
    /// The UTC day.
    pub day: NaiveDate,
    /// The app.
    pub app: AppId,
    /// The record type.
    pub record_type: RecordType,
    /// The action.
    pub action: RecordAction,
    /// Events counted.
    pub count: u64,
}

const ACTIONS: usize = RecordAction::ALL.len();
/// A bulk ingest counts into a dense window of at most this many cells before spilling it.
const MAX_LOCAL_CELLS: usize = 1 << 23;

/// Batches from this many rows on are counted on several threads.
const PARALLEL_MIN_ROWS: usize = 1 << 20;

/// At most this many counting threads per batch.
const MAX_THREADS: usize = 8;

/// Daily counts per UTC day × app × record type × action (R1, R2), mergeable and serialisable
/// (X7). Build one with [`RecordAggregate::ingest`] / [`RecordAggregate::ingest_columns`], combine
/// partial ones with [`RecordAggregate::merge`], read it with [`RecordAggregate::insights`].
///
/// Equality compares the counted cells, not the order in which apps or types were first seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(into = "AggregateDto", try_from = "AggregateDto")]
pub struct RecordAggregate {
    apps: Vec<AppId>,
    app_ids: HashMap<AppId, u32>,
    types: Vec<RecordType>,
    type_ids: HashMap<RecordType, u32>,
    /// Dense capacity of the per-day blocks (≥ the interned counts).
    app_cap: usize,
    type_cap: usize,
    /// Per day since the epoch: counts at `(app * type_cap + type) * 4 + action`.
    days: BTreeMap<i64, Vec<u64>>,
    events: u64,
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

    /// Bytes held by the counts (independent of the number of events).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.days.values().map(|b| b.capacity() * 8).sum()
    }

    /// The apps seen, in the order first seen.
    #[must_use]
    pub fn apps(&self) -> &[AppId] {
        &self.apps
    }

    fn stride(&self) -> usize {
        self.app_cap * self.type_cap * ACTIONS
    }

    fn intern_app(&mut self, app: &AppId) -> u32 {
        let id = crate::log::intern(&mut self.apps, &mut self.app_ids, app);
        self.fit(self.apps.len(), self.types.len());
        id
    }

    fn intern_type(&mut self, ty: &RecordType) -> u32 {
        let id = crate::log::intern(&mut self.types, &mut self.type_ids, ty);
        self.fit(self.apps.len(), self.types.len());
        id
    }

    /// Grows the dense capacities to hold `apps` × `types`, re-laying out every day block.
    fn fit(&mut self, apps: usize, types: usize) {
        if apps <= self.app_cap && types <= self.type_cap {
            return;
        }
        let (old_apps, old_types) = (self.app_cap, self.type_cap);
        let app_cap = if apps > old_apps { apps.next_power_of_two().max(4) } else { old_apps };
        let type_cap = if types > old_types { types.next_power_of_two().max(4) } else { old_types };
        let stride = app_cap * type_cap * ACTIONS;
        for block in self.days.values_mut() {
            let mut grown = vec![0u64; stride];
            for a in 0..old_apps {
                for t in 0..old_types {
                    let from = (a * old_types + t) * ACTIONS;
                    let to = (a * type_cap + t) * ACTIONS;
                    if let (Some(src), Some(dst)) = (block.get(from..from + ACTIONS), grown.get_mut(to..to + ACTIONS)) {
                        dst.copy_from_slice(src);
                    }
                }
            }
            *block = grown;
        }
        self.app_cap = app_cap;
        self.type_cap = type_cap;
    }

    fn add(&mut self, day: i64, app: u32, ty: u32, action: usize, n: u64) {
        let stride = self.stride();
        let slot = (app as usize * self.type_cap + ty as usize) * ACTIONS + action;
        let block = self.days.entry(day).or_insert_with(|| vec![0; stride]);
        if let Some(c) = block.get_mut(slot) {
            *c = c.saturating_add(n);
        }
    }

    /// Counts one event.
    ///
    /// # Errors
    /// [`InsightsError::TimestampOutOfRange`], [`InsightsError::EmptyAppId`]; nothing is counted.
    pub fn ingest(&mut self, event: &RecordEvent) -> Result<(), InsightsError> {
        let micros = check_event(event)?;
        let app = self.intern_app(&event.app);
        let ty = self.intern_type(&event.record_type);
        self.add(micros.div_euclid(DAY_MICROS), app, ty, usize::from(event.action.code()), 1);
        self.events += 1;
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
        for event in events {
            self.ingest(event)?;
        }
        Ok(events.len())
    }

    /// Counts a batch of events given as columns, all or nothing. Returns the rows counted.
    ///
    /// # Errors
    /// [`InsightsError::ColumnLength`], [`InsightsError::UnknownCode`],
    /// [`InsightsError::TimestampOutOfRange`], [`InsightsError::UnknownRecordType`],
    /// [`InsightsError::EmptyAppId`], [`InsightsError::TooManyRows`]; nothing of the batch is
    /// then counted.
    pub fn ingest_columns(&mut self, columns: &RecordEventColumns<'_>) -> Result<usize, InsightsError> {
        let part = Self::from_columns(columns)?;
        let rows = part.events as usize;
        self.absorb(part);
        Ok(rows)
    }

    /// The aggregate of a batch of columns (see [`RecordAggregate::ingest_columns`]).
    ///
    /// # Errors
    /// As [`RecordAggregate::ingest_columns`].
    pub fn from_columns(columns: &RecordEventColumns<'_>) -> Result<Self, InsightsError> {
        let rows = columns.at_micros.len();
        for (column, len) in [
            ("apps", columns.apps.len()),
            ("record_types", columns.record_types.len()),
            ("actions", columns.actions.len()),
        ] {
            if len != rows {
                return Err(InsightsError::ColumnLength { column, len, expected: rows });
            }
        }
        if u32::try_from(rows).is_err() {
            return Err(InsightsError::TooManyRows(rows));
        }
        let types: Vec<RecordType> =
            columns.record_type_dictionary.iter().map(|t| RecordType::parse(t)).collect::<Result<_, _>>()?;
        if columns.app_dictionary.iter().any(String::is_empty) {
            return Err(InsightsError::EmptyAppId);
        }
        // Counting is memory-bound: on large batches each core counts its own contiguous slice
        // of rows into its own aggregate, and the parts are merged in row order (X7), so the
        // result and the first refused row are those of one sequential pass.
        let threads = if rows >= PARALLEL_MIN_ROWS {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(MAX_THREADS)
        } else {
            1
        };
        let chunk = rows.div_ceil(threads).max(1);
        let ranges: Vec<(usize, usize)> = (0..rows).step_by(chunk).map(|lo| (lo, (lo + chunk).min(rows))).collect();
        let parts: Vec<Result<Self, InsightsError>> = match ranges.as_slice() {
            [] => vec![Self::count_rows(columns, &types, 0, 0)],
            [(lo, hi)] => vec![Self::count_rows(columns, &types, *lo, *hi)],
            _ => std::thread::scope(|scope| {
                let workers: Vec<_> = ranges
                    .iter()
                    .map(|&(lo, hi)| {
                        let types = &types;
                        scope.spawn(move || Self::count_rows(columns, types, lo, hi))
                    })
                    .collect();
                // A worker cannot panic (no indexing, no unwrap); if one did, the panic goes on
                // to the caller exactly as it would have in a single pass.
                workers.into_iter().map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
            }),
        };
        let mut parts = parts.into_iter();
        let mut total = parts.next().unwrap_or_else(|| Ok(Self::new()))?;
        for part in parts {
            total.absorb(part?);
        }
        Ok(total)
    }

    /// Counts rows `lo..hi` of `columns` (already checked for lengths and dictionaries) into a
    /// new aggregate that interns the whole dictionaries, in their order.
    fn count_rows(
        columns: &RecordEventColumns<'_>,
        types: &[RecordType],
        lo: usize,
        hi: usize,
    ) -> Result<Self, InsightsError> {
        let mut part = Self::new();
        let app_map: Vec<u32> = columns.app_dictionary.iter().map(|a| part.intern_app(&AppId(a.clone()))).collect();
        let type_map: Vec<u32> = types.iter().map(|t| part.intern_type(t)).collect();
        let mut window = DenseWindow::new(app_map.len(), type_map.len());
        // Batches usually come in time order: the last row's day tells how far a new window should reach.
        let last_day = columns.at_micros.get(hi.saturating_sub(1)).map_or(0, |at| at / DAY_MICROS);
        let mut from = lo;
        while from < hi {
            match window.count_until_outside(columns, from, hi) {
                Ok(None) => break,
                Ok(Some(row)) => {
                    let day = columns.at_micros.get(row).map_or(0, |at| at / DAY_MICROS);
                    window.make_room(day, last_day, &mut part, &app_map, &type_map);
                    from = row;
                }
                Err(row) => return Err(row_error(columns, row)),
            }
        }
        window.spill(&mut part, &app_map, &type_map);
        part.events = (hi - lo) as u64;
        Ok(part)
    }

    /// Adds `other`'s counts to this aggregate: merging aggregates of disjoint slices of events
    /// gives exactly the aggregate of all of them (X7). Counts saturate at 2⁶⁴ − 1.
    pub fn merge(&mut self, other: &Self) {
        let app_map: Vec<u32> = other.apps.iter().map(|a| self.intern_app(a)).collect();
        let type_map: Vec<u32> = other.types.iter().map(|t| self.intern_type(t)).collect();
        let (stride, type_cap) = (self.stride(), self.type_cap);
        let run = type_map.len() * ACTIONS;
        for (day, block) in &other.days {
            // Only cells of interned apps and types are ever non-zero.
            if block.iter().all(|n| *n == 0) {
                continue;
            }
            let dst = self.days.entry(*day).or_insert_with(|| vec![0; stride]);
            for (a, &to_app) in app_map.iter().enumerate() {
                let from = a * other.type_cap * ACTIONS;
                let src = block.get(from..from + run).unwrap_or_default();
                add_cells(dst, to_app as usize * type_cap, &type_map, src);
            }
        }
        self.events = self.events.saturating_add(other.events);
        self.dedupe.merge(&other.dedupe).iter().for_each(|e| self.uncount(e));
    }

    /// Takes back one count of `event` (a delivery two merged partials both counted).
    fn uncount(&mut self, event: &RecordEvent) {
        let (Some(&app), Some(&ty)) = (self.app_ids.get(&event.app), self.type_ids.get(&event.record_type)) else {
            return;
        };
        let slot = (app as usize * self.type_cap + ty as usize) * ACTIONS + usize::from(event.action.code());
        let day = event.at.timestamp_micros().div_euclid(DAY_MICROS);
        if let Some(c) = self.days.get_mut(&day).and_then(|b| b.get_mut(slot)).filter(|c| **c > 0) {
            *c -= 1;
            self.events = self.events.saturating_sub(1);
        }
    }

    /// [`RecordAggregate::merge`] of an aggregate no longer needed: when both lay out their day
    /// blocks alike (same dictionaries in the same order, e.g. into an empty aggregate, or parts
    /// of one batch), `other`'s blocks for days this one lacks move in instead of being copied.
    fn absorb(&mut self, other: Self) {
        let app_map: Vec<u32> = other.apps.iter().map(|a| self.intern_app(a)).collect();
        let type_map: Vec<u32> = other.types.iter().map(|t| self.intern_type(t)).collect();
        let identity = |map: &[u32]| map.iter().enumerate().all(|(i, &id)| id as usize == i);
        if self.app_cap != other.app_cap
            || self.type_cap != other.type_cap
            || !identity(&app_map)
            || !identity(&type_map)
        {
            self.merge(&other);
            return;
        }
        for (day, block) in other.days {
            match self.days.entry(day) {
                Entry::Vacant(slot) => {
                    if block.iter().any(|n| *n > 0) {
                        slot.insert(block);
                    }
                }
                Entry::Occupied(mut slot) => {
                    for (c, n) in slot.get_mut().iter_mut().zip(block) {
                        *c = c.saturating_add(n);
                    }
                }
            }
        }
        self.events = self.events.saturating_add(other.events);
    }

    /// Every non-zero cell, ordered by day, app, record type and action.
    #[must_use]
    pub fn cells(&self) -> Vec<RecordCell> {
        let mut out = Vec::new();
        for (day, block) in &self.days {
            for (a, app) in self.apps.iter().enumerate() {
                for (t, ty) in self.types.iter().enumerate() {
                    let from = (a * self.type_cap + t) * ACTIONS;
                    for (action, &count) in block.get(from..from + ACTIONS).unwrap_or_default().iter().enumerate() {
                        if count > 0 {
                            out.push(RecordCell {
                                day: day_from_index(*day),
                                app: app.clone(),
                                record_type: ty.clone(),
                                action: RecordAction::ALL.get(action).copied().unwrap_or(RecordAction::Created),
                                count,
                            });
                        }
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Serialises the aggregate as JSON (its non-zero cells), for a host that ships partial
    /// aggregates between workers.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads an aggregate written by [`RecordAggregate::to_json`].
    ///
    /// # Errors
    /// [`InsightsError::Malformed`] (also for negative counts and unknown record types).
    pub fn from_json(text: &str) -> Result<Self, InsightsError> {
        serde_json::from_str(text)
            .map_err(|e| InsightsError::Malformed { what: "record aggregate", message: e.to_string() })
    }

    /// The record insights of a 30-day window (R3–R6, O4) with the destructive-change flags (X2).
    ///
    /// The window ends at `query.as_of`. The current UTC day (that of `now`) is incomplete: unless
    /// `query.include_incomplete_day`, a window that would end on it ends the day before instead
    /// ([`RecordInsights::as_of`] says which day it ended on). Days before the settings' data
    /// floor are unavailable (`None`), not zero.
    ///
    /// # Errors
    /// [`InsightsError::AsOfBeforeFloor`], [`InsightsError::AsOfInFuture`],
    /// [`InsightsError::EmptyWindow`].
    pub fn insights(
        &self,
        settings: &InsightsSettings,
        query: &InsightsQuery,
        now: DateTime<Utc>,
    ) -> Result<RecordInsights, InsightsError> {
        let today = crate::time::utc_day(now);
        if query.as_of > today {
            return Err(InsightsError::AsOfInFuture { as_of: query.as_of, today });
        }
        if settings.window_days == 0 {
            return Err(InsightsError::EmptyWindow(0));
        }
        let includes_today = query.include_incomplete_day && query.as_of == today;
        let end = if query.as_of == today && !query.include_incomplete_day {
            today.pred_opt().unwrap_or(today)
        } else {
            query.as_of
        };
        if end < settings.data_floor {
            return Err(InsightsError::AsOfBeforeFloor { as_of: end, floor: settings.data_floor });
        }
        let end_idx = day_index(end);
        let floor_idx = day_index(settings.data_floor);
        let window: Vec<i64> = (0..i64::from(settings.window_days)).rev().map(|back| end_idx - back).collect();
        let apps: Vec<u32> = match &query.app {
            Some(app) => self.app_ids.get(app).copied().into_iter().collect(),
            None => (0..self.apps.len() as u32).collect(),
        };
        let types: Vec<u32> = match &query.record_type {
            Some(ty) => self.type_ids.get(ty).copied().into_iter().collect(),
            None => (0..self.types.len() as u32).collect(),
        };

        let mut groups: BTreeMap<GroupKey, Vec<u64>> = BTreeMap::new();
        let g = query.group_by;
        if !g.app && !g.record_type {
            // Account or action views list their rows even when empty.
            let actions: &[RecordAction] = if g.action { &RecordAction::ALL } else { &[RecordAction::Created] };
            for action in actions {
                groups.insert(self.key(g, 0, 0, *action), vec![0; window.len()]);
            }
        }
        // One map lookup per day, then plain slice reads.
        let span = Span::new(self, window.first().copied().unwrap_or(end_idx), end_idx);
        for &a in &apps {
            for &t in &types {
                for action in RecordAction::ALL {
                    let series: Vec<u64> =
                        window.iter().map(|day| span.get(self, *day, a, t, usize::from(action.code()))).collect();
                    if series.iter().all(|n| *n == 0) {
                        continue;
                    }
                    let row = groups.entry(self.key(g, a, t, action)).or_insert_with(|| vec![0; window.len()]);
                    row.iter_mut().zip(series).for_each(|(c, n)| *c += n);
                }
            }
        }
        let rows = groups
            .into_iter()
            .map(|(key, counts)| {
                let daily: Vec<Option<u64>> =
                    window.iter().zip(counts).map(|(day, n)| (*day >= floor_idx).then_some(n)).collect();
                InsightRow {
                    app: key.app.map(|a| self.apps.get(a as usize).cloned().unwrap_or_else(|| AppId(String::new()))),
                    record_type: key.record_type.and_then(|(_, t)| self.types.get(t as usize).cloned()),
                    action: key.action,
                    total: daily.iter().flatten().sum(),
                    daily,
                }
            })
            .collect();
        let flags = self.flags(&settings.flag_rule, &apps, &types, &window, floor_idx);
        Ok(RecordInsights {
            as_of: end,
            days: window.iter().map(|d| day_from_index(*d)).collect(),
            floor: settings.data_floor,
            incomplete_day_included: includes_today,
            rows,
            flags,
        })
    }

    fn key(&self, g: Grouping, app: u32, ty: u32, action: RecordAction) -> GroupKey {
        GroupKey {
            app_name: g.app.then(|| self.apps.get(app as usize).map(|a| a.0.clone()).unwrap_or_default()),
            app: g.app.then_some(app),
            record_type: g.record_type.then(|| {
                let rank = self.types.get(ty as usize).map_or((usize::MAX, String::new()), |t| {
                    let (r, name) = t.rank();
                    (r, name.to_owned())
                });
                (rank, ty)
            }),
            action: g.action.then_some(action),
        }
    }

    /// Days in `window` on which an app's deletes or merges of a record type exceed its own
    /// trailing baseline (X2, see [`RobustRule`]); only days on or after the floor, with a
    /// baseline of available days.
    fn flags(
        &self,
        rule: &RobustRule,
        apps: &[u32],
        types: &[u32],
        window: &[i64],
        floor: i64,
    ) -> Vec<UnexpectedBehaviour> {
        let mut out = Vec::new();
        let trailing = i64::from(rule.trailing_days);
        let (Some(&first), Some(&last)) = (window.first(), window.last()) else { return out };
        let span = Span::new(self, first - trailing, last);
        for &a in apps {
            for &t in types {
                for action in RecordAction::ALL.into_iter().filter(|a| a.is_destructive()) {
                    let code = usize::from(action.code());
                    for &day in window.iter().filter(|d| **d >= floor) {
                        let count = span.get(self, day, a, t, code);
                        if count < rule.min_value.max(1) {
                            continue;
                        }
                        let history: Vec<u64> = (day - trailing..day)
                            .filter(|d| *d >= floor)
                            .map(|d| span.get(self, d, a, t, code))
                            .collect();
                        if let Some((median, threshold)) = rule.exceeds(count, &history) {
                            out.push(UnexpectedBehaviour {
                                app: self.apps.get(a as usize).cloned().unwrap_or_else(|| AppId(String::new())),
                                record_type: self
                                    .types
                                    .get(t as usize)
                                    .cloned()
                                    .unwrap_or_else(|| RecordType("contacts".into())),
                                action,
                                day: day_from_index(day),
                                count,
                                baseline_median: median,
                                threshold,
                            });
                        }
                    }
                }
            }
        }
        out.sort_by(|x, y| (x.day, &x.app, &x.record_type, x.action).cmp(&(y.day, &y.app, &y.record_type, y.action)));
        out
    }
}

/// The day blocks of a range of days, looked up once.
struct Span<'a> {
    first: i64,
    blocks: Vec<Option<&'a Vec<u64>>>,
}

impl<'a> Span<'a> {
    fn new(aggregate: &'a RecordAggregate, first: i64, last: i64) -> Self {
        let mut blocks = vec![None; usize::try_from(last - first + 1).unwrap_or(0)];
        for (day, block) in aggregate.days.range(first..=last) {
            if let Some(slot) = blocks.get_mut((day - first) as usize) {
                *slot = Some(block);
            }
        }
        Self { first, blocks }
    }

    fn get(&self, aggregate: &RecordAggregate, day: i64, app: u32, ty: u32, action: usize) -> u64 {
        let slot = (app as usize * aggregate.type_cap + ty as usize) * ACTIONS + action;
        usize::try_from(day - self.first)
            .ok()
            .and_then(|d| self.blocks.get(d).copied().flatten())
            .and_then(|b| b.get(slot))
            .copied()
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    app_name: Option<String>,
    app: Option<u32>,
    record_type: Option<((usize, String), u32)>,
    action: Option<RecordAction>,
}

/// The error for the first invalid row of a batch (the hot loop only reports its position).
fn row_error(columns: &RecordEventColumns<'_>, row: usize) -> InsightsError {
    let code = |column: &'static str, code: u32, size: usize| InsightsError::UnknownCode { row, column, code, size };
    let at = columns.at_micros.get(row).copied().unwrap_or(0);
    let app = columns.apps.get(row).copied().unwrap_or(0);
    let ty = columns.record_types.get(row).copied().unwrap_or(0);
    let action = columns.actions.get(row).copied().unwrap_or(0);
    if !(0..=MAX_MICROS).contains(&at) {
        InsightsError::TimestampOutOfRange { row, micros: at }
    } else if app as usize >= columns.app_dictionary.len() {
        code("apps", app, columns.app_dictionary.len())
    } else if ty as usize >= columns.record_type_dictionary.len() {
        code("record_types", ty, columns.record_type_dictionary.len())
    } else {
        code("actions", u32::from(action), ACTIONS)
    }
}

/// A bulk ingest's dense counting window: a range of days × the batch's dictionaries, counted in
/// `u32` (a batch has fewer than 2³² rows), spilled into the partial aggregate when a row falls
/// outside and the window cannot grow further.
struct DenseWindow {
    first_day: i64,
    days: usize,
    apps: usize,
    types: usize,
    counts: Vec<u32>,
}

impl DenseWindow {
    fn new(apps: usize, types: usize) -> Self {
        Self { first_day: 0, days: 0, apps, types, counts: Vec::new() }
    }

    fn stride(&self) -> usize {
        self.apps * self.types * ACTIONS
    }

    /// The hot loop: counts rows from `from` on while they fall inside the window. Returns the
    /// first row outside it (`Ok(Some)`), or the first invalid row (`Err`).
    fn count_until_outside(
        &mut self,
        columns: &RecordEventColumns<'_>,
        from: usize,
        end: usize,
    ) -> Result<Option<usize>, usize> {
        let (n_apps, n_types) = (self.apps as u32, self.types as u32);
        let (first, days) = (self.first_day, self.days as u64);
        let (stride, type_stride) = (self.stride(), self.types * ACTIONS);
        let counts = self.counts.as_mut_slice();
        let rows = columns
            .at_micros
            .get(from..end)
            .unwrap_or_default()
            .iter()
            .zip(columns.apps.get(from..end).unwrap_or_default())
            .zip(columns.record_types.get(from..end).unwrap_or_default())
            .zip(columns.actions.get(from..end).unwrap_or_default());
        for (i, (((&at, &app), &ty), &action)) in rows.enumerate() {
            // One rarely taken branch for every check; negative times wrap above the maximum.
            if (at as u64 > MAX_MICROS as u64) | (app >= n_apps) | (ty >= n_types) | (usize::from(action) >= ACTIONS) {
                return Err(from + i);
            }
            let day = ((at as u64 / DAY_MICROS as u64) as i64 - first) as u64;
            if day >= days {
                return Ok(Some(from + i));
            }
            let slot = day as usize * stride + app as usize * type_stride + ty as usize * ACTIONS + usize::from(action);
            if let Some(c) = counts.get_mut(slot) {
                *c += 1;
            }
        }
        Ok(None)
    }

    /// Makes `day` fit: grows the window (doubling) while it stays under [`MAX_LOCAL_CELLS`],
    /// otherwise spills it and starts a new one around `day`, reaching `last_day` if it can (the
    /// batch's last day: rows in time order then never leave it).
    fn make_room(&mut self, day: i64, last_day: i64, part: &mut RecordAggregate, app_map: &[u32], type_map: &[u32]) {
        let stride = self.stride().max(1);
        let max_days = (MAX_LOCAL_CELLS / stride).max(1);
        let lo = self.first_day.min(day);
        let hi = (self.first_day + self.days as i64).max(day + 1);
        let span = (hi - lo) as usize;
        if self.days == 0 || span > max_days {
            self.spill(part, app_map, type_map);
            let days = max_days.min(64);
            let reach = last_day - day + 1;
            if (1..=max_days as i64).contains(&reach) {
                // From `day` through `last_day`, the room left over split evenly on both sides.
                let days = days.max(reach as usize);
                self.first_day = day - (days as i64 - reach) / 2;
                self.days = days;
            } else {
                self.first_day = day - (days as i64 - 1) / 2;
                self.days = days;
            }
            self.counts = vec![0; self.days * stride];
            return;
        }
        let days = span.max(self.days * 2).min(max_days);
        // Grow towards the side the new day is on; the old window stays inside the new one.
        let first = if day < self.first_day { hi - days as i64 } else { lo };
        let mut counts = vec![0u32; days * stride];
        let offset = (self.first_day - first) as usize * stride;
        if let Some(dst) = counts.get_mut(offset..offset + self.counts.len()) {
            dst.copy_from_slice(&self.counts);
        }
        self.first_day = first;
        self.days = days;
        self.counts = counts;
    }

    /// Moves the window's counts into `part`, leaving it empty (no days).
    fn spill(&mut self, part: &mut RecordAggregate, app_map: &[u32], type_map: &[u32]) {
        let counts = std::mem::take(&mut self.counts);
        let first_day = self.first_day;
        self.days = 0;
        let stride = self.stride();
        if stride == 0 {
            return;
        }
        let (part_stride, type_cap, run) = (part.stride(), part.type_cap, self.types * ACTIONS);
        for (d, block) in counts.chunks(stride).enumerate() {
            if block.iter().all(|c| *c == 0) {
                continue;
            }
            let dst = part.days.entry(first_day + d as i64).or_insert_with(|| vec![0; part_stride]);
            for (src, &app) in block.chunks(run).zip(app_map) {
                add_cells(dst, app as usize * type_cap, type_map, src);
            }
        }
    }
}

/// Adds one app's counts `src` (its record types in order, [`ACTIONS`] counts each) into the day
/// block `dst`, whose app row starts at cell `row` (= app × type capacity); `type_map` gives each
/// source type's index in that row. Counts saturate at 2⁶⁴ − 1.
fn add_cells<T: Copy + Into<u64>>(dst: &mut [u64], row: usize, type_map: &[u32], src: &[T]) {
    if type_map.iter().enumerate().all(|(i, &t)| t as usize == i) {
        let from = row * ACTIONS;
        for (c, &n) in dst.get_mut(from..from + src.len()).unwrap_or_default().iter_mut().zip(src) {
            *c = c.saturating_add(n.into());
        }
        return;
    }
    for (&ty, counts) in type_map.iter().zip(src.chunks(ACTIONS)) {
        let from = (row + ty as usize) * ACTIONS;
        for (c, &n) in dst.get_mut(from..from + ACTIONS).unwrap_or_default().iter_mut().zip(counts) {
            *c = c.saturating_add(n.into());
        }
    }
}

/// Settings of record insights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightsSettings {
    /// The first day with data (R4); earlier days are unavailable. Default 2025-12-01.
    pub data_floor: NaiveDate,
    /// Days in a view's window (R3). Default 30.
    pub window_days: u32,
    /// The destructive-change rule (X2). Default [`RobustRule::records`].
    pub flag_rule: RobustRule,
}

impl Default for InsightsSettings {
    fn default() -> Self {
        Self {
            data_floor: NaiveDate::from_ymd_opt(2025, 12, 1).unwrap_or(NaiveDate::MIN),
            window_days: 30,
            flag_rule: RobustRule::records(),
        }
    }
}

/// Which dimensions a view keeps apart (the others are summed): all `false` is the account total;
/// `app` alone is the account view by app (R6); with [`InsightsQuery::app`] set, `record_type` and
/// `action` give one app's view (O4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grouping {
    /// One row per app.
    #[serde(default)]
    pub app: bool,
    /// One row per record type.
    #[serde(default)]
    pub record_type: bool,
    /// One row per action.
    #[serde(default)]
    pub action: bool,
}

/// What a record-insights view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightsQuery {
    /// The last day of the window (R5).
    pub as_of: NaiveDate,
    /// Whether a window ending today includes today's incomplete counts.
    #[serde(default)]
    pub include_incomplete_day: bool,
    /// Only this app (O4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AppId>,
    /// Only this record type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_type: Option<RecordType>,
    /// The rows.
    #[serde(default)]
    pub group_by: Grouping,
}

/// One row of a view: the group's values (`None` for a dimension summed over) and its daily
/// counts over the window, `None` on days before the data floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightRow {
    /// The app, when grouped by app.
    pub app: Option<AppId>,
    /// The record type, when grouped by record type.
    pub record_type: Option<RecordType>,
    /// The action, when grouped by action.
    pub action: Option<RecordAction>,
    /// Counts per day of the window, oldest first; `None` = unavailable (before the floor).
    pub daily: Vec<Option<u64>>,
    /// Sum of the available days.
    pub total: u64,
}

/// An app deleting or merging records of a type far beyond its own trailing baseline (X2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnexpectedBehaviour {
    /// The app.
    pub app: AppId,
    /// The record type.
    pub record_type: RecordType,
    /// Deleted or merged.
    pub action: RecordAction,
    /// The UTC day.
    pub day: NaiveDate,
    /// Records on that day.
    pub count: u64,
    /// Median of the trailing baseline days.
    pub baseline_median: f64,
    /// The threshold the count exceeded.
    pub threshold: f64,
}

/// A record-insights view (R1–R6, O4) with its flags (X2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordInsights {
    /// The window's last day.
    pub as_of: NaiveDate,
    /// The window's days, oldest first.
    pub days: Vec<NaiveDate>,
    /// The data floor; days before it are unavailable.
    pub floor: NaiveDate,
    /// Whether the window includes the current, incomplete UTC day.
    pub incomplete_day_included: bool,
    /// The rows: by app name, record type (catalogue order, then custom ids) and action.
    pub rows: Vec<InsightRow>,
    /// Destructive changes far beyond the app's baseline, by day.
    pub flags: Vec<UnexpectedBehaviour>,
}

/// The serialised form: dictionaries and non-zero cells `[day, app, type, action, count]`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AggregateDto {
    version: u32,
    events: u64,
    apps: Vec<AppId>,
    record_types: Vec<RecordType>,
    /// Days since 1970-01-01.
    cells: Vec<(i64, u32, u32, u8, u64)>,
    /// The deliveries already counted by imports.
    #[serde(default, skip_serializing_if = "super::dedupe::DedupeMemory::is_empty")]
    dedupe: super::dedupe::DedupeMemory,
}

impl From<RecordAggregate> for AggregateDto {
    fn from(a: RecordAggregate) -> Self {
        let mut cells = Vec::new();
        for (day, block) in &a.days {
            for app in 0..a.apps.len() {
                for ty in 0..a.types.len() {
                    let from = (app * a.type_cap + ty) * ACTIONS;
                    for (action, &n) in block.get(from..from + ACTIONS).unwrap_or_default().iter().enumerate() {
                        if n > 0 {
                            cells.push((*day, app as u32, ty as u32, action as u8, n));
                        }
                    }
                }
            }
        }
        Self { version: 1, events: a.events, apps: a.apps, record_types: a.types, cells, dedupe: a.dedupe }
    }
}

impl TryFrom<AggregateDto> for RecordAggregate {
    type Error = InsightsError;
    fn try_from(dto: AggregateDto) -> Result<Self, Self::Error> {
        let bad = |message: String| InsightsError::Malformed { what: "record aggregate", message };
        if dto.version != 1 {
            return Err(bad(format!("unsupported version {}", dto.version)));
        }
        let mut out = Self::new();
        if dto.apps.iter().any(|a| a.as_str().is_empty()) {
            return Err(InsightsError::EmptyAppId);
        }
        let apps: Vec<u32> = dto.apps.iter().map(|a| out.intern_app(a)).collect();
        let types: Vec<u32> = dto.record_types.iter().map(|t| out.intern_type(t)).collect();
        let max_day = MAX_MICROS / DAY_MICROS;
        for (day, app, ty, action, n) in dto.cells {
            let (Some(&a), Some(&t)) = (apps.get(app as usize), types.get(ty as usize)) else {
                return Err(bad(format!("cell names app {app} or record type {ty} outside the dictionaries")));
            };
            if usize::from(action) >= ACTIONS || !(0..=max_day).contains(&day) {
                return Err(bad(format!("cell has action {action} or day {day} out of range")));
            }
            out.add(day, a, t, usize::from(action), n);
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

//! Bulk counting of record-event columns (R1) into a [`RecordAggregate`].
//!
//! Two paths, both checking every row and reporting the first bad one:
//!
//! - **dense**, when it pays: rows are counted in `u32` into a window of consecutive days × the
//!   batch's dictionaries (app × record type × action), the hot loop of the usual batch (few apps
//!   and types, in time order). It is taken only when one day of the window is small (at most
//!   [`MAX_DENSE_STRIDE`] cells) and, over the whole batch, the windows allocated add up to at most
//!   [`WINDOW_CELLS_PER_ROW`] cells per row: rows that would need more (days far apart, many
//!   apps and types) go to the sparse path instead.
//! - **sparse**: each row becomes one packed `u64` key (app, type, day, action); keys are sorted
//!   [`SPARSE_CHUNK_ROWS`] at a time and counted by runs. Work is `O(rows log rows)`, memory a
//!   fixed chunk, whatever the dictionaries and the days.
//!
//! Either way, only cells with counts reach the aggregate, and only the apps and record types the
//! rows use are interned.

use super::series::{MAX_DAY, Series};
use super::vocabulary::ACTIONS;
use super::{DAY_MICROS, InsightsError, MAX_MICROS, RecordAggregate, RecordEventColumns, RecordType};
use crate::catalog::AppId;
use crate::columns::check_lengths;
use crate::limits::{MAX_DICTIONARY_LEN, MAX_RECORD_BATCH_ROWS};

/// A dense window holds at most this many cells at a time.
const MAX_LOCAL_CELLS: usize = 1 << 23;

/// The dense path is taken only when one day of the window (apps × types × actions of the
/// batch's dictionaries) has at most this many cells, so that a window holds at least 8 days.
const MAX_DENSE_STRIDE: usize = MAX_LOCAL_CELLS / 8;

/// The dense windows of a batch add up to at most this many cells per row of the batch; past it
/// the remaining rows are counted by the sparse path.
const WINDOW_CELLS_PER_ROW: usize = 64;

/// The sparse path sorts this many rows at a time.
const SPARSE_CHUNK_ROWS: usize = 1 << 16;

/// Batches from this many rows on are counted on several threads.
const PARALLEL_MIN_ROWS: usize = 1 << 20;

/// At most this many counting threads per batch.
const MAX_THREADS: usize = 8;

// A sparse key packs app (20 bits), record type (20 bits), day (22 bits) and action (2 bits).
const APP_SHIFT: u32 = 44;
const TYPE_SHIFT: u32 = 24;
const DAY_SHIFT: u32 = 2;
const _: () = assert!(MAX_DICTIONARY_LEN <= 1 << 20 && MAX_DAY < 1 << 22 && ACTIONS <= 4);

/// No code interned yet.
const UNSET: u32 = u32::MAX;

impl RecordAggregate {
    /// The aggregate of a batch of columns, all or nothing.
    ///
    /// # Errors
    /// [`InsightsError::ColumnLength`], [`InsightsError::TooManyRows`] (more than
    /// [`MAX_RECORD_BATCH_ROWS`] rows),
    /// [`InsightsError::DictionaryTooLong`] (more than [`MAX_DICTIONARY_LEN`] entries),
    /// [`InsightsError::UnknownRecordType`], [`InsightsError::EmptyAppId`] (any dictionary entry),
    /// [`InsightsError::UnknownCode`], [`InsightsError::TimestampOutOfRange`] (the first bad row).
    pub fn from_columns(columns: &RecordEventColumns<'_>) -> Result<Self, InsightsError> {
        Self::from_columns_on(columns, None, MAX_RECORD_BATCH_ROWS)
    }

    /// [`RecordAggregate::from_columns`] counted on `threads` threads (at most 8) whatever the
    /// batch and the machine (`None` chooses as `from_columns` does), refusing batches of more
    /// than `max_rows` rows (at most [`MAX_RECORD_BATCH_ROWS`]). For the core's own tests (a
    /// one-core runner still tests the split and the merge; the row limit is reached without
    /// 2^32 rows).
    ///
    /// # Errors
    /// As [`RecordAggregate::from_columns`].
    #[doc(hidden)]
    pub fn from_columns_on(
        columns: &RecordEventColumns<'_>,
        threads: Option<usize>,
        max_rows: usize,
    ) -> Result<Self, InsightsError> {
        let rows = columns.at_micros.len();
        check_lengths(
            rows,
            &[
                ("apps", columns.apps.len()),
                ("record_types", columns.record_types.len()),
                ("actions", columns.actions.len()),
            ],
        )?;
        if rows > max_rows.min(MAX_RECORD_BATCH_ROWS) {
            return Err(InsightsError::TooManyRows(rows));
        }
        for (column, len) in [
            ("app_dictionary", columns.app_dictionary.len()),
            ("record_type_dictionary", columns.record_type_dictionary.len()),
        ] {
            if len > MAX_DICTIONARY_LEN {
                return Err(InsightsError::DictionaryTooLong { column, len, max: MAX_DICTIONARY_LEN });
            }
        }
        let types: Vec<RecordType> =
            columns.record_type_dictionary.iter().map(|t| RecordType::parse(t)).collect::<Result<_, _>>()?;
        if columns.app_dictionary.iter().any(String::is_empty) {
            return Err(InsightsError::EmptyAppId);
        }
        // Counting is memory-bound: on large batches each core counts its own contiguous slice
        // of rows into its own aggregate, and the parts are merged in row order (X7), so the
        // result and the first refused row are those of one sequential pass.
        let threads = match threads {
            Some(forced) => forced.clamp(1, MAX_THREADS),
            None if rows >= PARALLEL_MIN_ROWS => {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(MAX_THREADS)
            }
            None => 1,
        };
        let chunk = rows.div_ceil(threads).max(1);
        let ranges: Vec<(usize, usize)> = (0..rows).step_by(chunk).map(|lo| (lo, (lo + chunk).min(rows))).collect();
        let parts: Vec<Result<Self, InsightsError>> = match ranges.as_slice() {
            [] => vec![Ok(Self::new())],
            [(lo, hi)] => vec![Part::count(columns, &types, *lo, *hi)],
            _ => std::thread::scope(|scope| {
                let workers: Vec<_> = ranges
                    .iter()
                    .map(|&(lo, hi)| {
                        let types = &types;
                        scope.spawn(move || Part::count(columns, types, lo, hi))
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
            total.absorb(part?)?;
        }
        Ok(total)
    }
}

/// One slice of a batch being counted: its aggregate, and the codes the batch's dictionary
/// entries got in it (interned when first counted).
struct Part<'a> {
    columns: &'a RecordEventColumns<'a>,
    types: &'a [RecordType],
    aggregate: RecordAggregate,
    app_codes: Vec<u32>,
    type_codes: Vec<u32>,
}

impl<'a> Part<'a> {
    /// Counts rows `lo..hi` of `columns` (already checked for lengths and dictionaries).
    fn count(
        columns: &'a RecordEventColumns<'a>,
        types: &'a [RecordType],
        lo: usize,
        hi: usize,
    ) -> Result<RecordAggregate, InsightsError> {
        let mut part = Self {
            columns,
            types,
            aggregate: RecordAggregate::new(),
            app_codes: vec![UNSET; columns.app_dictionary.len()],
            type_codes: vec![UNSET; types.len()],
        };
        let mut from = lo;
        if let Some(mut window) = DenseWindow::plan(columns.app_dictionary.len(), types.len(), hi - lo) {
            // Batches usually come in time order: the last row's day tells how far a window should reach.
            let last_day = columns.at_micros.get(hi.saturating_sub(1)).map_or(0, |at| at / DAY_MICROS);
            while from < hi {
                match window.count_until_outside(columns, from, hi) {
                    Ok(None) => from = hi,
                    Ok(Some(row)) => {
                        from = row;
                        let day = columns.at_micros.get(row).map_or(0, |at| at / DAY_MICROS);
                        if !window.make_room(day, last_day, &mut part)? {
                            break;
                        }
                    }
                    Err(row) => return Err(row_error(columns, row)),
                }
            }
            window.spill(&mut part)?;
        }
        part.count_sparse(from, hi)?;
        part.aggregate.events = (hi - lo) as u64;
        Ok(part.aggregate)
    }

    /// The series of dictionary codes `app` and `ty`, interning them on first use.
    fn series(&mut self, app: usize, ty: usize) -> Option<&mut Series> {
        let a = match *self.app_codes.get(app)? {
            UNSET => {
                let code = self.aggregate.apps.intern(&AppId(self.columns.app_dictionary.get(app)?.clone()));
                *self.app_codes.get_mut(app)? = code;
                code
            }
            code => code,
        };
        let t = match *self.type_codes.get(ty)? {
            UNSET => {
                let code = self.aggregate.types.intern(self.types.get(ty)?);
                *self.type_codes.get_mut(ty)? = code;
                code
            }
            code => code,
        };
        Some(self.aggregate.series.entry((a, t)).or_default())
    }

    /// The sparse path over rows `from..hi`.
    fn count_sparse(&mut self, from: usize, hi: usize) -> Result<(), InsightsError> {
        let columns = self.columns;
        let (n_apps, n_types) = (columns.app_dictionary.len() as u32, self.types.len() as u32);
        let mut keys: Vec<u64> = Vec::with_capacity(hi.saturating_sub(from).min(SPARSE_CHUNK_ROWS));
        let mut lo = from;
        while lo < hi {
            let end = hi.min(lo + SPARSE_CHUNK_ROWS);
            keys.clear();
            for (i, (((&at, &app), &ty), &action)) in rows(columns, lo, end).enumerate() {
                if invalid(at, app, ty, action, n_apps, n_types) {
                    return Err(row_error(columns, lo + i));
                }
                let day = at as u64 / DAY_MICROS as u64;
                keys.push(
                    u64::from(app) << APP_SHIFT | u64::from(ty) << TYPE_SHIFT | day << DAY_SHIFT | u64::from(action),
                );
            }
            keys.sort_unstable();
            for run in keys.chunk_by(|a, b| a == b) {
                let Some(&key) = run.first() else { continue };
                let (app, ty) = ((key >> APP_SHIFT) as usize, (key >> TYPE_SHIFT & 0xf_ffff) as usize);
                let (day, action) = ((key >> DAY_SHIFT & 0x3f_ffff) as i64, (key & 3) as usize);
                if let Some(series) = self.series(app, ty) {
                    series.add(day, action, run.len() as u64)?;
                }
            }
            lo = end;
        }
        Ok(())
    }
}

/// Rows `from..end` of the columns (already checked for equal lengths).
#[inline]
fn rows<'c>(
    columns: &RecordEventColumns<'c>,
    from: usize,
    end: usize,
) -> impl Iterator<Item = (((&'c i64, &'c u32), &'c u32), &'c u8)> {
    columns
        .at_micros
        .get(from..end)
        .unwrap_or_default()
        .iter()
        .zip(columns.apps.get(from..end).unwrap_or_default())
        .zip(columns.record_types.get(from..end).unwrap_or_default())
        .zip(columns.actions.get(from..end).unwrap_or_default())
}

/// Whether a row is invalid: one rarely taken branch for every check (negative times wrap above
/// the maximum). [`row_error`] then says which check failed.
#[inline]
fn invalid(at: i64, app: u32, ty: u32, action: u8, n_apps: u32, n_types: u32) -> bool {
    (at as u64 > MAX_MICROS as u64) | (app >= n_apps) | (ty >= n_types) | (usize::from(action) >= ACTIONS)
}

/// The error for the first invalid row of a batch (the hot loops only report its position).
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

/// The dense path's counting window: a range of days × the batch's dictionaries, counted in
/// `u32` (a batch has fewer than 2³² rows), spilled into the part when a row falls outside and
/// the window cannot grow further.
struct DenseWindow {
    first_day: i64,
    days: usize,
    apps: usize,
    types: usize,
    counts: Vec<u32>,
    /// Cells the batch may still allocate for windows.
    budget: usize,
}

impl DenseWindow {
    /// A window for a batch of `rows` rows, when the dense path pays for it.
    fn plan(apps: usize, types: usize, rows: usize) -> Option<Self> {
        let stride = apps.checked_mul(types)?.checked_mul(ACTIONS)?;
        let budget = rows.saturating_mul(WINDOW_CELLS_PER_ROW);
        (stride > 0 && stride <= MAX_DENSE_STRIDE && stride <= budget).then(|| Self {
            first_day: 0,
            days: 0,
            apps,
            types,
            counts: Vec::new(),
            budget,
        })
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
        for (i, (((&at, &app), &ty), &action)) in rows(columns, from, end).enumerate() {
            if invalid(at, app, ty, action, n_apps, n_types) {
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
    /// batch's last day: rows in time order then never leave it). Returns `false`, the window
    /// unchanged, when the batch's budget of window cells cannot pay for it.
    fn make_room(&mut self, day: i64, last_day: i64, part: &mut Part<'_>) -> Result<bool, InsightsError> {
        let stride = self.stride().max(1);
        let max_days = (MAX_LOCAL_CELLS / stride).max(1);
        let lo = self.first_day.min(day);
        let hi = (self.first_day + self.days as i64).max(day + 1);
        let span = (hi - lo) as usize;
        if self.days > 0 && span <= max_days {
            let days = span.max(self.days * 2).min(max_days).min(self.budget / stride);
            if days < span {
                return Ok(false);
            }
            self.budget -= days * stride;
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
            return Ok(true);
        }
        let reach = last_day - day + 1;
        let mut days = max_days.min(64);
        if (1..=max_days as i64).contains(&reach) {
            days = days.max(reach as usize);
        }
        let days = days.min(self.budget / stride);
        if days == 0 {
            return Ok(false);
        }
        self.spill(part)?;
        self.budget -= days * stride;
        self.first_day = if (1..=days as i64).contains(&reach) {
            // From `day` through `last_day`, the room left over split evenly on both sides.
            day - (days as i64 - reach) / 2
        } else {
            day - (days as i64 - 1) / 2
        };
        self.days = days;
        self.counts = vec![0; days * stride];
        Ok(true)
    }

    /// Moves the window's counts into the part, leaving the window empty (no days). Each
    /// (app, type) pair with counts is looked up once.
    fn spill(&mut self, part: &mut Part<'_>) -> Result<(), InsightsError> {
        let counts = std::mem::take(&mut self.counts);
        let (first_day, days, stride) = (self.first_day, self.days, self.stride());
        self.days = 0;
        for app in 0..self.apps {
            for ty in 0..self.types {
                let cell = (app * self.types + ty) * ACTIONS;
                let mut series = None;
                for d in 0..days {
                    let from = d * stride + cell;
                    let Some(day_counts) = counts.get(from..from + ACTIONS) else { continue };
                    if day_counts.iter().all(|n| *n == 0) {
                        continue;
                    }
                    if series.is_none() {
                        series = part.series(app, ty);
                    }
                    let Some(series) = series.as_deref_mut() else { continue };
                    for (action, &n) in day_counts.iter().enumerate() {
                        if n > 0 {
                            series.add(first_day + d as i64, action, u64::from(n))?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

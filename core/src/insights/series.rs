//! The storage of one (app, record type) pair's daily counts in a [`super::RecordAggregate`]:
//! blocks of [`BLOCK_DAYS`] consecutive days, allocated only for blocks with a day of data.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::vocabulary::ACTIONS;
use super::{DAY_MICROS, InsightsError, MAX_MICROS};

/// Days per storage block of a series.
pub(super) const BLOCK_DAYS: usize = 16;

/// The largest day index (days since 1970-01-01) of a timestamp the aggregate accepts.
pub(super) const MAX_DAY: i64 = MAX_MICROS / DAY_MICROS;

/// Counts of [`BLOCK_DAYS`] consecutive days, per action.
pub(super) type Block = [[u64; ACTIONS]; BLOCK_DAYS];

/// One (app, record type) pair's counts: blocks of days, keyed by `day / BLOCK_DAYS`, present only
/// where a day has data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Series {
    pub(super) blocks: BTreeMap<u32, Box<Block>>,
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
    pub(super) fn take_one(&mut self, day: i64, action: usize) -> bool {
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
    pub(super) fn cells(&self) -> impl Iterator<Item = (i64, usize, u64)> + '_ {
        self.blocks.iter().flat_map(|(&block, cells)| {
            cells.iter().enumerate().flat_map(move |(d, counts)| {
                let day = i64::from(block) * BLOCK_DAYS as i64 + d as i64;
                counts.iter().enumerate().filter(|(_, n)| **n > 0).map(move |(action, n)| (day, action, *n))
            })
        })
    }

    /// Adds `other`'s counts (the caller has checked that the totals fit, so no cell overflows).
    pub(super) fn absorb(&mut self, other: Self) -> Result<(), InsightsError> {
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

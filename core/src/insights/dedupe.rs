//! Exactly-once counting of platform deliveries (K3): the memory of the deliveries a
//! [`super::RecordAggregate`] has already seen.
//!
//! The platform delivers webhooks at least once: it retries a failed delivery
//! (`attemptNumber` above 0) for up to a day, and a journal read twice returns the same entries again. Each delivery
//! has a key (for webhooks: subscription, event id, object and `occurredAt`; for journal entries:
//! their offset); a key already in the memory is a duplicate and counts zero times.
//!
//! **Horizon.** A key is kept while its UTC day is at most [`DEDUPE_HORIZON_DAYS`] days before
//! the day of the newest delivery seen: the *floor* is the start of that day. A delivery older
//! than the floor cannot be told apart from a re-sent one: it is not counted, and the import
//! report lists it as `expired`. The memory holds at most [`MAX_DEDUPE_KEYS`] keys; past it the
//! oldest keys are forgotten and the floor rises above them (so the rule "older than the floor
//! is expired" stays exact). Restoring a memory with more keys is a typed error.
//!
//! **Bytes per key.** A key is a 128-bit fingerprint of its fields (two independent 64-bit FNV-1a
//! hashes) and its time in milliseconds, plus the cell it was counted in (app and record type as
//! indexes into the memory's own dictionaries, and the action): 40 bytes in a B-tree, about 60
//! with the tree's overhead, so at most about 64 MB at the cap; in JSON about 50 characters.
//!
//! **Merge.** Merging two aggregates merges their memories; a key both remembered was counted by
//! both, so it is uncounted once from the merged cells (partials that saw the same delivery count
//! it once). A delivery one partial has already forgotten (older than its floor) cannot be
//! recognised: merge partials within the horizon.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::partial::{Reader, Writer, sorted_codes};
use super::{InsightsError, RecordAction, RecordEvent, RecordType};
use crate::catalog::AppId;
pub use crate::limits::{DEDUPE_HORIZON_DAYS, MAX_DEDUPE_KEYS};

const DAY_MS: i64 = 86_400_000;
/// The latest millisecond accepted (the last of year 9999).
const MAX_MS: i64 = super::MAX_MICROS / 1000;

/// A delivery's identity: its time in milliseconds (a day start for per-day keys) and a 128-bit
/// fingerprint of its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliveryKey {
    at_ms: i64,
    hi: u64,
    lo: u64,
}

impl DeliveryKey {
    /// The key of the fields `parts` (each length-prefixed, so that no two lists of parts give
    /// the same bytes) at `at_ms`.
    #[must_use]
    pub fn new(at_ms: i64, parts: &[&[u8]]) -> Self {
        let hash = |basis: u64| {
            let mut h = basis;
            let mut eat = |b: u8| h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            for part in parts {
                (part.len() as u64).to_le_bytes().into_iter().for_each(&mut eat);
                part.iter().copied().for_each(&mut eat);
            }
            h
        };
        Self { at_ms, hi: hash(0xcbf2_9ce4_8422_2325), lo: hash(0x8422_2325_cbf2_9ce4) }
    }

    /// The same fields counted once per UTC day: the key's time is the start of `at_ms`'s day.
    #[must_use]
    pub fn per_day(at_ms: i64, parts: &[&[u8]]) -> Self {
        Self::new(at_ms.div_euclid(DAY_MS) * DAY_MS, parts)
    }
}

/// What the memory says of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Not seen: count it.
    New,
    /// Seen already (a retry or a re-sent delivery): count it zero times.
    Duplicate,
    /// Older than the floor: it cannot be recognised, and is not counted.
    Expired,
}

/// The cell a remembered delivery was counted in (`None`: counted nowhere).
type Cell = Option<(u32, u32, RecordAction)>;

/// The memory of deliveries seen within the horizon (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "MemoryDto", try_from = "MemoryDto")]
pub struct DedupeMemory {
    newest_ms: Option<i64>,
    floor_ms: i64,
    keys: BTreeMap<(i64, u64, u64), Cell>,
    apps: Vec<AppId>,
    app_ids: HashMap<AppId, u32>,
    types: Vec<RecordType>,
    type_ids: HashMap<RecordType, u32>,
}

impl DedupeMemory {
    /// Keys remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether nothing is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.newest_ms.is_none()
    }

    /// The floor: deliveries before it are expired (`None` before any delivery).
    #[must_use]
    pub fn floor(&self) -> Option<DateTime<Utc>> {
        self.newest_ms.and_then(|_| DateTime::from_timestamp_millis(self.floor_ms))
    }

    /// What the memory says of `key` (the batch's own new keys are the caller's to track).
    #[must_use]
    pub fn seen(&self, key: &DeliveryKey) -> Seen {
        if self.newest_ms.is_some() && key.at_ms < self.floor_ms {
            Seen::Expired
        } else if self.keys.contains_key(&(key.at_ms, key.hi, key.lo)) {
            Seen::Duplicate
        } else {
            Seen::New
        }
    }

    /// Remembers `key`, counted in the cell of `event` (or nowhere), then moves the floor and
    /// forgets what falls below it.
    pub fn remember(&mut self, key: &DeliveryKey, event: Option<&RecordEvent>) {
        let cell = event.map(|e| self.cell(e));
        self.keys.insert((key.at_ms, key.hi, key.lo), cell);
        self.see(key.at_ms);
        self.settle();
    }

    fn cell(&mut self, e: &RecordEvent) -> (u32, u32, RecordAction) {
        let app = crate::columns::intern(&mut self.apps, &mut self.app_ids, &e.app);
        let ty = crate::columns::intern(&mut self.types, &mut self.type_ids, &e.record_type);
        (app, ty, e.action)
    }

    fn see(&mut self, at_ms: i64) {
        let newest = self.newest_ms.map_or(at_ms, |n| n.max(at_ms));
        self.newest_ms = Some(newest);
        let horizon = newest.div_euclid(DAY_MS).saturating_sub(i64::from(DEDUPE_HORIZON_DAYS)).saturating_mul(DAY_MS);
        self.floor_ms = self.floor_ms.max(horizon);
    }

    /// Forgets keys below the floor, then the oldest keys past the cap (raising the floor above
    /// them), and drops dictionary entries no key uses any more.
    fn settle(&mut self) {
        if self.keys.len() > MAX_DEDUPE_KEYS {
            let excess = self.keys.len() - MAX_DEDUPE_KEYS;
            if let Some(&(at, _, _)) = self.keys.keys().nth(excess.saturating_sub(1)) {
                self.floor_ms = self.floor_ms.max(at.saturating_add(1));
            }
        }
        self.keys = self.keys.split_off(&(self.floor_ms, 0, 0));
        if self.apps.len() + self.types.len() > 2 * self.keys.len() + 64 {
            let cells: Vec<_> = self.keys.values().flatten().copied().collect();
            let (apps, types) = (std::mem::take(&mut self.apps), std::mem::take(&mut self.types));
            self.app_ids.clear();
            self.type_ids.clear();
            for ((_, cell), (app, ty, action)) in self.keys.iter_mut().filter(|(_, c)| c.is_some()).zip(cells) {
                *cell = match (apps.get(app as usize), types.get(ty as usize)) {
                    (Some(a), Some(t)) => Some((
                        crate::columns::intern(&mut self.apps, &mut self.app_ids, a),
                        crate::columns::intern(&mut self.types, &mut self.type_ids, t),
                        action,
                    )),
                    _ => None,
                };
            }
        }
    }

    fn event(&self, at_ms: i64, cell: Cell) -> Option<RecordEvent> {
        let (app, ty, action) = cell?;
        Some(RecordEvent {
            at: DateTime::from_timestamp_millis(at_ms)?,
            app: self.apps.get(app as usize)?.clone(),
            record_type: self.types.get(ty as usize)?.clone(),
            action,
        })
    }

    /// Adds `other`'s keys to this memory. Returns the events both had counted (to be uncounted
    /// once from the merged counts).
    pub fn merge(&mut self, other: &Self) -> Vec<RecordEvent> {
        let mut both = Vec::new();
        for (&(at, hi, lo), &cell) in &other.keys {
            let event = other.event(at, cell);
            match self.keys.get(&(at, hi, lo)) {
                Some(_) => both.extend(event),
                None => {
                    let cell = event.as_ref().map(|e| self.cell(e));
                    self.keys.insert((at, hi, lo), cell);
                }
            }
        }
        if let Some(newest) = other.newest_ms {
            self.floor_ms = self.floor_ms.max(other.floor_ms);
            self.see(newest);
        }
        self.settle();
        both
    }
}

impl DedupeMemory {
    /// Writes the memory into a partial's body, canonical: dictionaries sorted and holding only
    /// the entries a key uses, keys in order.
    pub(super) fn write_bytes(&self, w: &mut Writer) {
        match self.newest_ms {
            None => w.u8(0),
            Some(newest) => {
                w.u8(1);
                w.i64(newest);
            }
        }
        w.i64(self.floor_ms);
        let mut used = (vec![false; self.apps.len()], vec![false; self.types.len()]);
        for &(a, t, _) in self.keys.values().flatten() {
            used.0.get_mut(a as usize).into_iter().chain(used.1.get_mut(t as usize)).for_each(|u| *u = true);
        }
        let (apps, app_codes) = sorted_codes(&self.apps, &used.0);
        let (types, type_codes) = sorted_codes(&self.types, &used.1);
        for names in [&apps, &types] {
            w.len(names.len());
            names.iter().for_each(|n| w.str(n));
        }
        w.len(self.keys.len());
        for (&(at, hi, lo), cell) in &self.keys {
            w.i64(at);
            w.fixed(hi);
            w.fixed(lo);
            let cell = cell
                .and_then(|(a, t, action)| Some((*app_codes.get(a as usize)?, *type_codes.get(t as usize)?, action)));
            match cell {
                None => w.u8(0),
                Some((a, t, action)) => {
                    w.u8(1);
                    w.varint(a.into());
                    w.varint(t.into());
                    w.u8(action.code());
                }
            }
        }
    }

    /// Reads a memory written by [`DedupeMemory::write_bytes`], re-checked as a JSON restore is.
    pub(super) fn read_bytes(r: &mut Reader<'_>) -> Result<Self, InsightsError> {
        let newest_ms = match r.u8()? {
            0 => None,
            1 => Some(r.i64()?),
            tag => return Err(r.bad(format!("dedupe newest-time tag {tag} is neither 0 nor 1"))),
        };
        let floor_ms = r.i64()?;
        let apps = r.strings("dedupe apps", crate::limits::MAX_DICTIONARY_LEN)?.into_iter().map(AppId).collect();
        let record_types = r
            .strings("dedupe record types", crate::limits::MAX_DICTIONARY_LEN)?
            .iter()
            .map(|t| RecordType::parse(t))
            .collect::<Result<_, _>>()?;
        // A key takes at least 18 bytes: time, two 8-byte fingerprints and the cell's tag.
        let n = r.count("dedupe keys", 18, MAX_DEDUPE_KEYS)?;
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            let (at, hi, lo) = (r.i64()?, r.fixed()?, r.fixed()?);
            let cell = match r.u8()? {
                0 => None,
                1 => {
                    let (app, ty, code) = (r.u32()?, r.u32()?, r.u8()?);
                    let action = RecordAction::ALL
                        .get(usize::from(code))
                        .copied()
                        .ok_or_else(|| r.bad(format!("dedupe key has action {code}, expected 0..=3")))?;
                    Some((app, ty, action))
                }
                tag => return Err(r.bad(format!("dedupe cell tag {tag} is neither 0 nor 1"))),
            };
            keys.push((at, hi, lo, cell));
        }
        Self::try_from(MemoryDto { newest_ms, floor_ms, apps, record_types, keys })
    }
}

/// The serialised memory: dictionaries and keys `[ms, fingerprint high, low, cell]`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemoryDto {
    newest_ms: Option<i64>,
    floor_ms: i64,
    apps: Vec<AppId>,
    record_types: Vec<RecordType>,
    keys: Vec<(i64, u64, u64, Cell)>,
}

impl From<DedupeMemory> for MemoryDto {
    fn from(m: DedupeMemory) -> Self {
        let keys = m.keys.into_iter().map(|((at, hi, lo), cell)| (at, hi, lo, cell)).collect();
        Self { newest_ms: m.newest_ms, floor_ms: m.floor_ms, apps: m.apps, record_types: m.types, keys }
    }
}

impl TryFrom<MemoryDto> for DedupeMemory {
    type Error = InsightsError;
    fn try_from(dto: MemoryDto) -> Result<Self, Self::Error> {
        let bad = |message: String| InsightsError::Malformed { what: "dedupe memory", message };
        if dto.keys.len() > MAX_DEDUPE_KEYS {
            return Err(bad(format!("{} keys exceed the maximum of {MAX_DEDUPE_KEYS}", dto.keys.len())));
        }
        let mut out = Self::default();
        if let Some(newest) = dto.newest_ms {
            if !(0..=MAX_MS).contains(&newest) {
                return Err(bad(format!("newest time {newest} ms is outside 1970..=9999")));
            }
            out.see(newest);
        } else if !dto.keys.is_empty() || dto.floor_ms != 0 {
            return Err(bad("keys or a floor without a newest time".into()));
        }
        if dto.floor_ms < out.floor_ms || dto.newest_ms.is_some_and(|n| dto.floor_ms > n) {
            return Err(bad(format!("floor {} ms is not within the horizon of the newest time", dto.floor_ms)));
        }
        out.floor_ms = dto.floor_ms;
        if dto.apps.iter().any(|a| a.as_str().is_empty()) {
            return Err(InsightsError::EmptyAppId);
        }
        for app in &dto.apps {
            crate::columns::intern(&mut out.apps, &mut out.app_ids, app);
        }
        for ty in &dto.record_types {
            crate::columns::intern(&mut out.types, &mut out.type_ids, ty);
        }
        if out.apps.len() != dto.apps.len() || out.types.len() != dto.record_types.len() {
            return Err(bad("a dictionary repeats an entry".into()));
        }
        let newest = dto.newest_ms.unwrap_or(0);
        for (at, hi, lo, cell) in dto.keys {
            if at < out.floor_ms || at > newest {
                return Err(bad(format!("key time {at} ms is outside floor..=newest")));
            }
            if let Some((app, ty, _)) = cell
                && (app as usize >= out.apps.len() || ty as usize >= out.types.len())
            {
                return Err(bad(format!("key names app {app} or record type {ty} outside the dictionaries")));
            }
            if out.keys.insert((at, hi, lo), cell).is_some() {
                return Err(bad(format!("key ({at}, {hi}, {lo}) is repeated")));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly on unexpected values")]
    use super::*;

    fn event(at_ms: i64, app: &str) -> RecordEvent {
        RecordEvent {
            at: DateTime::from_timestamp_millis(at_ms).unwrap(),
            app: AppId(app.into()),
            record_type: RecordType::parse("contacts").unwrap(),
            action: RecordAction::Created,
        }
    }

    #[test]
    fn keys_are_kept_for_the_horizon_and_expire_past_it() {
        let mut m = DedupeMemory::default();
        let day0 = 1_772_445_600_000 / DAY_MS * DAY_MS;
        let first = DeliveryKey::new(day0, &[b"1"]);
        m.remember(&first, Some(&event(day0, "a")));
        assert_eq!(m.seen(&first), Seen::Duplicate);
        // Three days later the first day is still inside the horizon …
        m.remember(&DeliveryKey::new(day0 + 3 * DAY_MS, &[b"2"]), None);
        assert_eq!(m.seen(&first), Seen::Duplicate);
        assert_eq!(m.seen(&DeliveryKey::new(day0, &[b"other"])), Seen::New);
        // … four days later it is not: the key is forgotten and older deliveries are expired.
        m.remember(&DeliveryKey::new(day0 + 4 * DAY_MS, &[b"3"]), None);
        assert_eq!(m.seen(&first), Seen::Expired);
        assert_eq!(m.len(), 2);
        assert_eq!(m.floor().unwrap().timestamp_millis(), day0 + DAY_MS);
        let back: DedupeMemory = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn restoring_rechecks_the_keys() {
        let ok = r#"{"newest_ms":86400000,"floor_ms":0,"apps":["a"],"record_types":["contacts"],"keys":[[5,1,2,[0,0,"created"]]]}"#;
        assert_eq!(serde_json::from_str::<DedupeMemory>(ok).unwrap().len(), 1);
        for bad in [
            ok.replace("[0,0,", "[1,0,"),
            ok.replace("[[5,", "[[86400001,"),
            ok.replace(r#""floor_ms":0"#, r#""floor_ms":6"#),
            ok.replace(r#""newest_ms":86400000"#, r#""newest_ms":null"#),
            ok.replace(r#""newest_ms":86400000"#, r#""newest_ms":864000000"#),
            ok.replace(r#"[[5,1,2,[0,0,"created"]]]"#, r#"[[5,1,2,null],[5,1,2,null]]"#),
        ] {
            assert!(serde_json::from_str::<DedupeMemory>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn merging_returns_what_both_counted() {
        let (mut a, mut b) = (DedupeMemory::default(), DedupeMemory::default());
        let shared = DeliveryKey::new(1000, &[b"s"]);
        a.remember(&shared, Some(&event(1000, "x")));
        b.remember(&shared, Some(&event(1000, "x")));
        b.remember(&DeliveryKey::new(2000, &[b"t"]), Some(&event(2000, "y")));
        let both = a.merge(&b);
        assert_eq!(both, vec![event(1000, "x")]);
        assert_eq!(a.len(), 2);
        assert!(a.merge(&b).len() == 2 && a.len() == 2);
    }
}

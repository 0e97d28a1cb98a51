//! A [`RecordAggregate`]'s serialised forms (X7): JSON (its non-zero cells) and the compact
//! byte form, both canonical, and restoring either re-checks everything it can.

use serde::{Deserialize, Serialize, Serializer};

use super::partial::{Kind, Reader, Writer, sorted_codes};
use super::series::MAX_DAY;
use super::vocabulary::ACTIONS;
use super::{InsightsError, RecordAggregate};
use crate::catalog::AppId;
use crate::columns::Dictionary;
use crate::insights::RecordType;
use crate::limits::{DEDUPE_HORIZON_DAYS, MAX_DICTIONARY_LEN};

impl RecordAggregate {
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
pub(super) struct AggregateDto {
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

//! Bulk ingest of log events from columns (L1, C4), for hosts that hold events as arrays
//! (numpy, Arrow, a columnar store) and must not cross the boundary element by element.
//!
//! # What it covers
//! The event kinds that carry no payload: uninstalled, connected, disconnected, reconnected
//! (without a new grant expiry), connection expired and app activity. Kinds with a payload
//! (installs with their scopes, reauthentications, sync settings, errors, update availability) go
//! through [`Engine::append`] or [`Engine::import_ndjson`].
//!
//! # Columns
//! One row per event: id, timestamp in microseconds since the Unix epoch (UTC), activity type as
//! its position in [`ActivityType::ALL`], app and users as dictionary codes. The connection-user
//! and actor columns are optional (absent = every row has none); [`NO_USER`] marks a row without
//! one. Rows are validated exactly like single events and are appended all or nothing.
//!
//! # How it is fast
//! A batch is first checked on its columns, with the engine's rules but on codes: ids strictly
//! increasing past the log's, times in order, every code in its dictionary and known to the
//! directory, and each row's transition folded into a working copy of its connection with the
//! same [`crate::state`] function single events go through. When every row passes, the columns
//! are copied into the log (whose own columns they match) and the working copies replace the
//! connections: no per-row allocation, string or hash. When any row does not pass, or the batch
//! is unusual (ids not increasing), the batch goes the exact way, event by event, which names
//! the first refused row with the same error a single append would give.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use thiserror::Error;

use crate::account::UserId;
use crate::catalog::{App, AppId, AppLevel};
use crate::columns::{ColumnError, check_lengths};
use crate::connection::{Connection, ConnectionKey};
use crate::directory::Directory;
use crate::engine::Engine;
use crate::event::{ActivityType, Event, EventId, EventKind};
use crate::kind::ErrorKind;
use crate::lifecycle::LifecycleError;
use crate::log::{EventLog, EventRef, IdColumn};
use crate::log::{NO_CODE, plain_kind};
use crate::state::State;

/// The user code of a row that has no connection user or no actor: the log's own "no code".
pub const NO_USER: u32 = NO_CODE;

/// The activity types [`Engine::ingest_events`] accepts: those whose events carry no payload.
pub const INGESTIBLE_TYPES: [ActivityType; 6] = [
    ActivityType::Uninstalled,
    ActivityType::Connected,
    ActivityType::Disconnected,
    ActivityType::Reconnected,
    ActivityType::ConnectionExpired,
    ActivityType::AppActivity,
];

/// Log events as columns of equal length, with dictionary-encoded apps and users.
#[derive(Debug, Clone, Copy)]
pub struct EventColumns<'a> {
    /// Event ids, unique within the log.
    pub ids: &'a [u64],
    /// Timestamps in microseconds since the Unix epoch (UTC), non-decreasing.
    pub at_micros: &'a [i64],
    /// Activity types as positions in [`ActivityType::ALL`].
    pub types: &'a [u8],
    /// App codes into `app_dictionary`.
    pub apps: &'a [u32],
    /// App ids, indexed by app code.
    pub app_dictionary: &'a [String],
    /// Connection-user codes into `user_dictionary` ([`NO_USER`] for none), for user-level apps.
    pub users: Option<&'a [u32]>,
    /// Actor codes into `user_dictionary` ([`NO_USER`] for system events).
    pub actors: Option<&'a [u32]>,
    /// User ids, indexed by user code.
    pub user_dictionary: &'a [String],
}

/// Errors of a columnar ingest. On any of them nothing was appended.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IngestError {
    /// A column's length differs from the id column's.
    #[error(transparent)]
    ColumnLength(#[from] ColumnError),
    /// A code points past its dictionary.
    #[error("row {row}: {column} code {code} is outside its dictionary of {size} entries")]
    UnknownCode {
        /// The row.
        row: usize,
        /// The column.
        column: &'static str,
        /// The code.
        code: u32,
        /// The dictionary's size.
        size: usize,
    },
    /// An activity-type code names no type, or a type whose events carry a payload.
    #[error("row {row}: activity type code {code} is not one of {}", ingestible_codes())]
    UnsupportedType {
        /// The row.
        row: usize,
        /// The code.
        code: u8,
    },
    /// A timestamp is outside the representable range.
    #[error("row {row}: timestamp {micros} µs since the epoch is out of range")]
    TimestampOutOfRange {
        /// The row.
        row: usize,
        /// The timestamp.
        micros: i64,
    },
    /// The engine refused the event of this row.
    #[error("row {row}: {source}")]
    Rejected {
        /// The row.
        row: usize,
        /// Why.
        source: LifecycleError,
    },
}

impl IngestError {
    /// The error's kind: that of the refused event, otherwise invalid input.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Rejected { source, .. } => source.kind(),
            Self::ColumnLength(_)
            | Self::UnknownCode { .. }
            | Self::UnsupportedType { .. }
            | Self::TimestampOutOfRange { .. } => ErrorKind::InvalidInput,
        }
    }
}

fn ingestible_codes() -> String {
    let names: Vec<String> = INGESTIBLE_TYPES.iter().map(|t| format!("{} ({})", type_code(*t), t.as_str())).collect();
    names.join(", ")
}

/// The code of an activity type in the `types` column: its position in [`ActivityType::ALL`].
#[must_use]
pub fn type_code(activity_type: ActivityType) -> u8 {
    activity_type.code()
}

fn lookup<'d, T>(dictionary: &'d [T], row: usize, column: &'static str, code: u32) -> Result<&'d T, IngestError> {
    usize::try_from(code).ok().and_then(|c| dictionary.get(c)).ok_or(IngestError::UnknownCode {
        row,
        column,
        code,
        size: dictionary.len(),
    })
}

fn optional_user<'d>(
    codes: Option<&[u32]>,
    users: &'d [UserId],
    row: usize,
    column: &'static str,
) -> Result<Option<&'d UserId>, IngestError> {
    match codes.and_then(|c| c.get(row)).copied() {
        None | Some(NO_USER) => Ok(None),
        Some(code) => lookup(users, row, column, code).map(Some),
    }
}

/// A batch whose column lengths are checked, with its dictionaries as ids: it decodes rows one
/// at a time, borrowing (built once per dictionary entry; events clone them).
struct Decoder<'c> {
    columns: &'c EventColumns<'c>,
    apps: Vec<AppId>,
    users: Vec<UserId>,
}

impl<'c> Decoder<'c> {
    fn new(columns: &'c EventColumns<'c>) -> Result<Self, IngestError> {
        let c = columns;
        let n = c.ids.len();
        check_lengths(n, &[("at", c.at_micros.len()), ("type", c.types.len()), ("app", c.apps.len())])?;
        let optional = [("user", c.users), ("actor", c.actors)];
        let present: Vec<(&'static str, usize)> =
            optional.iter().filter_map(|(name, column)| column.map(|c| (*name, c.len()))).collect();
        check_lengths(n, &present)?;
        Ok(Self {
            columns,
            apps: c.app_dictionary.iter().map(|a| AppId(a.clone())).collect(),
            users: c.user_dictionary.iter().map(|u| UserId(u.clone())).collect(),
        })
    }

    /// Every row as an event, in order, or the error of a row that cannot be one.
    fn rows(&self) -> impl Iterator<Item = Result<EventRef<'_>, IngestError>> + '_ {
        let c = self.columns;
        let rows = c.ids.iter().zip(c.at_micros).zip(c.types).zip(c.apps).enumerate();
        rows.map(move |(row, (((&id, &micros), &code), &app))| {
            let kind = ActivityType::ALL
                .get(usize::from(code))
                .copied()
                .and_then(plain_kind)
                .ok_or(IngestError::UnsupportedType { row, code })?;
            let at = DateTime::<Utc>::from_timestamp_micros(micros)
                .ok_or(IngestError::TimestampOutOfRange { row, micros })?;
            Ok(EventRef {
                id: EventId(id),
                at,
                app: lookup(&self.apps, row, "app", app)?,
                user: optional_user(c.users, &self.users, row, "user")?,
                actor: optional_user(c.actors, &self.users, row, "actor")?,
                kind,
            })
        })
    }
}

impl EventColumns<'_> {
    /// The rows as events, checking lengths, codes and timestamps; the engine is not consulted.
    ///
    /// # Errors
    /// Any [`IngestError`] but [`IngestError::Rejected`].
    pub fn to_events(&self) -> Result<Vec<Event>, IngestError> {
        Decoder::new(self)?.rows().map(|row| row.map(|e| e.to_event())).collect()
    }
}

impl Engine {
    /// Appends the events held in `columns`, all or nothing, validating each like
    /// [`Engine::append`]. Returns how many were appended.
    ///
    /// # Errors
    /// An [`IngestError`]; the engine is then unchanged.
    pub fn ingest_events(&mut self, columns: &EventColumns<'_>) -> Result<usize, IngestError> {
        self.ingest_events_traced(columns, Threads::Auto).0
    }

    /// [`Engine::ingest_events`] with the threads chosen by the caller, telling which way the
    /// batch went. For the core's own tests (a one-core runner still tests the two-thread path).
    #[doc(hidden)]
    pub fn ingest_events_traced(
        &mut self,
        columns: &EventColumns<'_>,
        threads: Threads,
    ) -> (Result<usize, IngestError>, IngestPath) {
        if let Some(count) = self.ingest_checked_columns(columns, threads) {
            return (Ok(count), IngestPath::Columns);
        }
        (self.ingest_exact(columns), IngestPath::Exact)
    }

    /// The exact way: every row is decoded first (a row that cannot be an event is refused
    /// wherever it is, as [`EventColumns::to_events`] refuses it), then the rows are decoded
    /// again and appended one by one with [`Engine::append_all`]: the first refused row, a row
    /// past the log's limit included ([`LifecycleError::LogFull`]), rolls the batch back. No event
    /// per row is held, so a batch the log cannot hold costs no more memory than the log's room.
    fn ingest_exact(&mut self, columns: &EventColumns<'_>) -> Result<usize, IngestError> {
        let decoder = Decoder::new(columns)?;
        decoder.rows().try_for_each(|row| row.map(drop))?;
        // Every row decoded above: none is skipped here.
        let events = decoder.rows().filter_map(Result::ok).map(|e| e.to_event());
        self.append_all(events).map_err(|(row, source)| IngestError::Rejected { row, source })
    }

    /// The column-wise way (see the module docs): `Some(count)` when every row passed and the
    /// batch was appended, `None` (engine untouched) when the exact way must decide.
    ///
    /// Large batches are folded on this thread while another copies the columns into the log
    /// and checks their order; a refusal from either rolls the log back.
    fn ingest_checked_columns(&mut self, c: &EventColumns<'_>, threads: Threads) -> Option<usize> {
        let n = c.ids.len();
        let same_len = |len: usize| len == n;
        if !(same_len(c.at_micros.len())
            && same_len(c.types.len())
            && same_len(c.apps.len())
            && c.users.is_none_or(|u| same_len(u.len()))
            && c.actors.is_none_or(|a| same_len(a.len())))
        {
            return None;
        }
        let (&first_id, &last_id) = (c.ids.first()?, c.ids.last()?);
        let (&first_at, &last_at) = (c.at_micros.first()?, c.at_micros.last()?);
        let Self { directory, events, state, next_id, .. } = self;
        events.next_position(n).ok()?;
        // What joins the batch to the log: ids past every logged id (the batch's own order is
        // checked with the copy), times from the newest on and within range at both ends (in
        // order, the ends bound the rest).
        let first_ns = first_at.checked_mul(1000)?;
        last_at.checked_mul(1000)?;
        // Ids past the limit go the exact way, which refuses them as a single append would.
        if !(events.ids_sorted() && events.ids.last().is_none_or(|l| first_id > l))
            || last_id > crate::limits::MAX_EVENT_ID
            || events.at.last().is_some_and(|&newest| first_ns < newest)
        {
            return None;
        }
        let check = BatchCheck::new(directory, state, c);
        let mark = events.mark();
        let codes = check.intern(events);
        let parallel = match threads {
            Threads::Auto => n >= PARALLEL_MIN_ROWS && std::thread::available_parallelism().is_ok_and(|p| p.get() > 1),
            Threads::One => false,
            Threads::Two => true,
        };
        let EventLog { ids, at, kind, app, user, actor, .. } = events;
        let mut keyed = |c: &EventColumns<'_>| append_keys(ids, at, app, user, c, &codes);
        let mut rest = |c: &EventColumns<'_>| append_kinds_and_actors(kind, actor, c, &codes.users);
        let (working, in_order) = if parallel {
            // The fold is the longer task: the other thread copies every column.
            std::thread::scope(|scope| {
                let copy = scope.spawn(|| {
                    let in_order = keyed(c);
                    if in_order {
                        rest(c);
                    }
                    in_order
                });
                let working = check.fold_all(state, c);
                (working, copy.join().unwrap_or(false))
            })
        } else {
            let working = check.fold_all(state, c);
            let in_order = working.is_some() && keyed(c);
            if in_order {
                rest(c);
            }
            (working, in_order)
        };
        let Some(working) = working.filter(|_| in_order) else {
            events.rollback(mark);
            return None;
        };
        for connection in working {
            if let Some(slot) = state.connection_mut(&connection.key.app, connection.key.user.as_ref()) {
                *slot = connection;
            }
        }
        *next_id = (*next_id).max(last_id.saturating_add(1)); // last_id <= MAX_EVENT_ID
        Some(n)
    }
}

/// Which way [`Engine::ingest_events_traced`] took a batch.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestPath {
    /// Checked and appended column by column.
    Columns,
    /// Turned into events and appended one by one (the column check could not decide).
    Exact,
}

/// The threads [`Engine::ingest_events_traced`] checks a batch on.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// Two for large batches on a machine with more than one core, else one.
    Auto,
    /// One, whatever the batch.
    One,
    /// Two, whatever the batch and the machine.
    Two,
}

/// Batches from this many rows on are folded and copied on two threads.
const PARALLEL_MIN_ROWS: usize = 1 << 16;

/// The log's codes for the batch's dictionary codes.
struct Codes {
    apps: Vec<u32>,
    users: Vec<u32>,
}

/// Copies a batch's ids, times, apps and connection users into the log's columns, recoded;
/// `false` when its ids are not strictly increasing or its times not in order (the caller then
/// rolls the log back).
fn append_keys(
    ids: &mut IdColumn,
    at: &mut Vec<i64>,
    app: &mut Vec<u32>,
    user: &mut Vec<u32>,
    c: &EventColumns<'_>,
    codes: &Codes,
) -> bool {
    let in_order = c.ids.windows(2).all(|w| matches!(w, [a, b] if a < b))
        && c.at_micros.windows(2).all(|w| matches!(w, [a, b] if a <= b));
    if !in_order {
        return false;
    }
    let start = ids.len();
    ids.extend(c.ids);
    // In range: the batch's first and last times were checked and it is in order.
    at.extend(c.at_micros.iter().map(|m| m.saturating_mul(1000)));
    app.extend(c.apps.iter().map(|&a| recode(a, &codes.apps)));
    if let Some(users) = c.users {
        user.resize(start, NO_CODE);
        user.extend(users.iter().map(|&u| recode(u, &codes.users)));
    }
    true
}

/// Copies a batch's kinds and actors into the log's columns, recoded.
fn append_kinds_and_actors(kind: &mut Vec<u8>, actor: &mut Vec<u32>, c: &EventColumns<'_>, users: &[u32]) {
    // Every row's type is payload-free (or the fold refuses the batch), so its code is the
    // stored kind as is.
    kind.extend_from_slice(c.types);
    match c.actors {
        Some(actors) => actor.extend(actors.iter().map(|&u| recode(u, users))),
        None => actor.resize(actor.len() + c.ids.len(), NO_CODE),
    }
}

/// The log's code for a batch code; [`NO_USER`] and unknown codes are past every dictionary,
/// so they become [`NO_CODE`].
fn recode(code: u32, map: &[u32]) -> u32 {
    map.get(code as usize).copied().unwrap_or(NO_CODE)
}

/// A dictionary app the batch may name, as the engine knows it.
struct BatchApp<'e> {
    id: AppId,
    /// The entry in force (its latest version), for the transition's checks.
    app: &'e App,
    user_level: bool,
    /// The working-copy slot of its connection, for apps without connection users.
    slot: u32,
}

/// The state of a column-wise check: what each dictionary code means, and the connections the
/// rows touched, folded so far.
struct BatchCheck<'e> {
    apps: Vec<Option<BatchApp<'e>>>,
    /// Dictionary users the directory knows.
    users: Vec<Option<UserId>>,
    /// The working copy of each touched connection.
    working: Vec<Connection>,
    /// Working-copy slot per (app code, user code), for user-level apps.
    user_slot: HashMap<(u32, u32), u32>,
    /// Working-copy slot per connection.
    slots: HashMap<ConnectionKey, u32>,
}

impl<'e> BatchCheck<'e> {
    fn new(directory: &'e Directory, state: &'e State, c: &EventColumns<'_>) -> Self {
        let apps = c
            .app_dictionary
            .iter()
            .map(|a| {
                let id = AppId(a.clone());
                directory.app(&id).map(|app| {
                    let app = state.current_app(app);
                    BatchApp { id, app, user_level: app.level == AppLevel::UserLevel, slot: NO_CODE }
                })
            })
            .collect();
        let users =
            c.user_dictionary.iter().map(|u| UserId(u.clone())).map(|u| directory.user(&u).map(|_| u)).collect();
        Self { apps, users, working: Vec::new(), user_slot: HashMap::new(), slots: HashMap::new() }
    }

    /// Gives the known dictionary entries their codes in the log.
    fn intern(&self, log: &mut EventLog) -> Codes {
        Codes {
            apps: self.apps.iter().map(|a| a.as_ref().map_or(NO_CODE, |a| log.apps.intern(&a.id))).collect(),
            users: self.users.iter().map(|u| u.as_ref().map_or(NO_CODE, |u| log.users.intern(u))).collect(),
        }
    }

    /// Folds every row; the touched connections as they end, or `None` when a row would be
    /// refused (the exact way then names the error).
    fn fold_all(mut self, state: &State, c: &EventColumns<'_>) -> Option<Vec<Connection>> {
        // Per-row lookups are table reads: the kind of each type code, whether each user code
        // is known.
        let kinds: [Option<&'static EventKind>; 256] =
            std::array::from_fn(|code| ActivityType::ALL.get(code).copied().and_then(plain_kind));
        let known: Vec<bool> = self.users.iter().map(Option::is_some).collect();
        let known_user = |code: u32| known.get(code as usize).copied().unwrap_or(false);
        let mut clock = UtcMicros::default();
        let mut users = c.users.map(|u| u.iter().copied());
        let mut actors = c.actors.map(|a| a.iter().copied());
        for ((&ty, &app_code), &micros) in c.types.iter().zip(c.apps).zip(c.at_micros) {
            let user = users.as_mut().map_or(Some(NO_USER), Iterator::next)?;
            let actor = actors.as_mut().map_or(Some(NO_USER), Iterator::next)?;
            let kind = kinds.get(usize::from(ty)).copied().flatten()?;
            if actor != NO_USER && !known_user(actor) {
                return None;
            }
            let Some(Some(lane)) = self.apps.get(app_code as usize) else { return None };
            let (app, user_level, slot) = (lane.app, lane.user_level, lane.slot);
            let slot = match (user_level, user) {
                (false, NO_USER) if slot != NO_CODE => slot,
                (false, NO_USER) => self.open(state, app_code, NO_USER)?,
                (true, user) if user != NO_USER && known_user(user) => match self.user_slot.get(&(app_code, user)) {
                    Some(slot) => *slot,
                    None => self.open(state, app_code, user)?,
                },
                _ => return None,
            };
            let connection = self.working.get_mut(slot as usize)?;
            if !connection.is_installed() {
                return None;
            }
            crate::state::change(connection, app, kind, clock.at(micros)?).ok()?;
        }
        Some(self.working)
    }

    /// Takes a working copy of the installed connection of (`app`, `user`) and gives its slot.
    fn open(&mut self, state: &State, app: u32, user: u32) -> Option<u32> {
        let user_id = if user == NO_USER { None } else { self.users.get(user as usize)?.clone() };
        let lane = self.apps.get_mut(app as usize)?.as_mut()?;
        let key = ConnectionKey { app: lane.id.clone(), user: user_id };
        // A dictionary may name one app or user twice: both codes share one working copy.
        let slot = match self.slots.get(&key) {
            Some(slot) => *slot,
            None => {
                let connection = state.connection(&key).filter(|c| c.is_installed())?.clone();
                let slot = u32::try_from(self.working.len()).ok()?;
                self.working.push(connection);
                self.slots.insert(key, slot);
                slot
            }
        };
        if user == NO_USER {
            lane.slot = slot;
        } else {
            self.user_slot.insert((app, user), slot);
        }
        Some(slot)
    }
}

/// Microseconds since the epoch to UTC times, remembering the last day so that rows of the same
/// day skip the calendar arithmetic.
#[derive(Default)]
struct UtcMicros {
    /// The day's first microsecond and its date.
    day: Option<(i64, NaiveDate)>,
}

impl UtcMicros {
    const DAY: i64 = 86_400_000_000;

    fn at(&mut self, micros: i64) -> Option<DateTime<Utc>> {
        let (start, date) = match self.day {
            Some((start, date)) if micros.checked_sub(start).is_some_and(|d| (0..Self::DAY).contains(&d)) => {
                (start, date)
            }
            _ => {
                let start = micros.div_euclid(Self::DAY).checked_mul(Self::DAY)?;
                let date = DateTime::from_timestamp(start / 1_000_000, 0)?.date_naive();
                self.day = Some((start, date));
                (start, date)
            }
        };
        let within = u64::try_from(micros.checked_sub(start)?).ok()?;
        let secs = u32::try_from(within / 1_000_000).ok()?;
        let nanos = u32::try_from(within % 1_000_000).ok()? * 1000;
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)?;
        Some(NaiveDateTime::new(date, time).and_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Account, User};
    use crate::catalog::{App, AppLevel, Distribution};
    use crate::command::{Actor, Command};
    use crate::directory::Directory;
    use chrono::TimeZone;

    #[test]
    fn an_activity_type_code_is_its_position_in_all() {
        for (i, ty) in ActivityType::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(ty.code()), i);
            assert_eq!(type_code(ty), ty.code());
        }
    }

    #[test]
    fn the_ingestible_types_are_the_log_kinds_without_payload() {
        let plain: Vec<ActivityType> = ActivityType::ALL.into_iter().filter(|t| plain_kind(*t).is_some()).collect();
        assert_eq!(plain, INGESTIBLE_TYPES);
    }

    fn engine() -> Engine {
        let account = Account {
            id: "1".into(),
            name: "Acme".into(),
            default_language: "en".into(),
            time_zone: "UTC".into(),
            subscriptions: Default::default(),
            api_limit_increases: 0,
        };
        let mut directory = Directory::new(account).unwrap();
        for id in ["admin", "ann"] {
            directory
                .add_user(User {
                    id: id.into(),
                    name: id.into(),
                    email: format!("{id}@acme.test"),
                    active: true,
                    super_admin: true,
                    permissions: Default::default(),
                    platform_user_id: None,
                })
                .unwrap();
        }
        for (id, level) in [("crm-sync", AppLevel::AccountLevel), ("mail", AppLevel::UserLevel)] {
            directory
                .add_app(App {
                    id: id.into(),
                    name: id.into(),
                    provider: "p".into(),
                    built_by_vendor_platform: false,
                    distribution: Distribution::Marketplace,
                    level,
                    reports_status: true,
                    scopes: vec![],
                    features: vec![],
                    workflow_actions: vec![],
                    post_uninstall_steps: vec![],
                })
                .unwrap();
        }
        let mut engine = Engine::new(directory);
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        for (actor, app) in [("admin", "crm-sync"), ("ann", "mail"), ("admin", "mail")] {
            let command = Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None };
            let _ = engine.execute(&Actor::User(actor.into()), command, t0);
        }
        engine
    }

    /// The fold records exactly what [`EventKind::recorded_state`] says, for every kind, from
    /// every recorded state (notify's evaluation relies on it instead of folding).
    #[test]
    fn the_fold_records_what_each_kind_says() {
        use crate::event::{ConnectionErrorInfo, Event, EventId, EventKind};
        let t0 = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        let error = ConnectionErrorInfo { code: "E".into(), message: "m".into(), resolution_steps: vec![] };
        let kinds = [
            EventKind::Installed { scopes: Default::default(), expires_at: None },
            EventKind::Reinstalled { scopes: Default::default(), expires_at: None },
            EventKind::Uninstalled,
            EventKind::Connected,
            EventKind::Disconnected,
            EventKind::Reconnected { expires_at: None },
            EventKind::Reauthenticated { scopes: Default::default(), expires_at: None, dropped: Default::default() },
            EventKind::SyncSettingChanged { setting: "s".into(), on: true },
            EventKind::ConnectionExpired,
            EventKind::ConnectionError(error),
            EventKind::AppActivity,
            EventKind::UpdateAvailability { available: true },
        ];
        let mut checked = 0;
        for before in
            [EventKind::Connected, EventKind::Disconnected, EventKind::ConnectionExpired, EventKind::Uninstalled]
        {
            for kind in &kinds {
                let mut e = engine();
                let event = |id, at, kind: &EventKind| Event {
                    id: EventId(id),
                    at,
                    app: "crm-sync".into(),
                    user: None,
                    actor: None,
                    kind: kind.clone(),
                };
                let _ = e.append(event(100, t0, &before));
                let key = crate::connection::ConnectionKey { app: "crm-sync".into(), user: None };
                let was = e.state().connection(&key).map(|c| c.health.recorded_state());
                if e.append(event(101, t0 + chrono::Duration::hours(1), kind)).is_ok() {
                    let now = e.state().connection(&key).map(|c| c.health.recorded_state());
                    assert_eq!(now, kind.recorded_state().or(was), "{kind:?} after {before:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked >= 25, "only {checked} transitions were accepted");
    }

    fn dictionary(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn columns_agree_with_appending_one_by_one() {
        let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap().timestamp_micros();
        let ids = [10, 11, 12, 13, 14];
        let at: Vec<i64> = (0..5).map(|i| base + i * 1_000_000).collect();
        let types = [
            type_code(ActivityType::AppActivity),
            type_code(ActivityType::Disconnected),
            type_code(ActivityType::Reconnected),
            type_code(ActivityType::AppActivity),
            type_code(ActivityType::Uninstalled),
        ];
        let apps = [0, 0, 0, 1, 1];
        let users = [NO_USER, NO_USER, NO_USER, 1, 0];
        let actors = [NO_USER, 0, 0, NO_USER, 0];
        let columns = EventColumns {
            ids: &ids,
            at_micros: &at,
            types: &types,
            apps: &apps,
            app_dictionary: &dictionary(&["crm-sync", "mail"]),
            users: Some(&users),
            actors: Some(&actors),
            user_dictionary: &dictionary(&["admin", "ann"]),
        };
        let mut bulk = engine();
        assert_eq!(bulk.ingest_events(&columns), Ok(5));
        let mut single = engine();
        for event in columns.to_events().unwrap() {
            single.append(event).unwrap();
        }
        assert_eq!(bulk.events(), single.events());
        assert_eq!(bulk.state(), single.state());
        assert_eq!(bulk.events().last().map(|e| e.user.cloned()), Some(Some(UserId::from("admin"))));
    }

    #[test]
    fn day_cached_conversion_agrees_with_chrono() {
        let mut clock = UtcMicros::default();
        let day = UtcMicros::DAY;
        let samples = [0, 1, -1, day - 1, day, -day, -day - 1, 1_780_000_000_123_456, -5_000_000_000_000_001];
        for micros in samples.iter().chain(samples.iter().rev()) {
            assert_eq!(clock.at(*micros), DateTime::<Utc>::from_timestamp_micros(*micros), "{micros}");
        }
    }

    #[test]
    fn batches_the_column_check_passes_on_equal_the_exact_way() {
        // A valid batch whose ids are not increasing goes the exact way; an increasing one the
        // column-wise way; both must leave the same log and state.
        let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap().timestamp_micros();
        let activity = type_code(ActivityType::AppActivity);
        let disconnected = type_code(ActivityType::Disconnected);
        let apps = dictionary(&["mail", "crm-sync", "unused-entry"]);
        let users = dictionary(&["ann", "admin", "nobody"]);
        let run = |ids: &[u64]| {
            let columns = EventColumns {
                ids,
                at_micros: &[base, base, base + 5, base + 9],
                types: &[activity, disconnected, activity, disconnected],
                apps: &[1, 1, 0, 0],
                app_dictionary: &apps,
                users: Some(&[NO_USER, NO_USER, 0, 1]),
                actors: Some(&[NO_USER, 1, NO_USER, 1]),
                user_dictionary: &users,
            };
            let mut engine = engine();
            assert_eq!(engine.ingest_events(&columns), Ok(4));
            engine
        };
        let fast = run(&[100, 101, 102, 103]);
        let exact = run(&[103, 102, 101, 100]);
        assert_eq!(fast.state(), exact.state());
        let ids = |e: &Engine| e.events().iter().map(|e| e.id.0).collect::<Vec<_>>();
        assert_eq!(ids(&fast)[3..], [100, 101, 102, 103]);
        assert_eq!(ids(&exact)[3..], [103, 102, 101, 100]);
        let without_ids =
            |e: &Engine| e.events().iter().map(|e| (e.at, e.kind.clone(), e.app.clone())).collect::<Vec<_>>();
        assert_eq!(without_ids(&fast), without_ids(&exact));
        assert!(fast.events().contains_id(EventId(103)) && !fast.events().contains_id(EventId(104)));
        assert!(exact.events().contains_id(EventId(103)) && exact.events().contains_id(EventId(1)));
        assert_eq!(fast.events().max_id(), Some(EventId(103)));
    }

    #[test]
    fn a_refused_row_leaves_the_engine_unchanged() {
        let base = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap().timestamp_micros();
        let mut engine = engine();
        let before = (engine.events().to_vec(), engine.state().clone());
        let disconnected = type_code(ActivityType::Disconnected);
        let apps = dictionary(&["crm-sync"]);
        let columns = EventColumns {
            ids: &[20, 21],
            at_micros: &[base, base],
            types: &[disconnected, disconnected],
            apps: &[0, 0],
            app_dictionary: &apps,
            users: None,
            actors: None,
            user_dictionary: &[],
        };
        let err = engine.ingest_events(&columns).unwrap_err();
        assert!(matches!(err, IngestError::Rejected { row: 1, source: LifecycleError::AlreadyInState { .. } }));
        assert_eq!(err.kind(), ErrorKind::InvalidState);
        assert_eq!((engine.events().to_vec(), engine.state().clone()), before);
    }

    #[test]
    fn malformed_columns_are_refused_before_touching_the_engine() {
        let apps = dictionary(&["crm-sync"]);
        let installed = type_code(ActivityType::Installed);
        let activity = type_code(ActivityType::AppActivity);
        let base = EventColumns {
            ids: &[1],
            at_micros: &[0],
            types: &[activity],
            apps: &[0],
            app_dictionary: &apps,
            users: None,
            actors: None,
            user_dictionary: &[],
        };
        let cases = [
            (EventColumns { at_micros: &[], ..base }, "column at has 0 rows, expected 1"),
            (EventColumns { apps: &[3], ..base }, "row 0: app code 3 is outside its dictionary of 1 entries"),
            (EventColumns { actors: Some(&[0]), ..base }, "row 0: actor code 0 is outside its dictionary of 0 entries"),
            (
                EventColumns { at_micros: &[i64::MAX], ..base },
                "row 0: timestamp 9223372036854775807 µs since the epoch is out of range",
            ),
        ];
        for (columns, message) in cases {
            let err = columns.to_events().unwrap_err();
            assert_eq!(err.to_string(), message);
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        }
        let err = EventColumns { types: &[installed], ..base }.to_events().unwrap_err();
        assert!(err.to_string().starts_with("row 0: activity type code 0 is not one of 2 (uninstalled), "));
    }
}

//! Real payloads (K1–K3): what the platform's public API emits, turned into the library's inputs.
//!
//! - K1 [`usage_snapshots_from_daily_usage`]: `GET /account-info/v3/api-usage/daily/private-apps`
//!   (`{results: [ApiUsage]}`) → [`UsageSnapshot`]s (one per result whose fetch succeeded).
//! - K2 [`import_security_activity`] / [`import_audit_logs`]: `GET /account-info/v3/activity/security`
//!   items (`HydratedCriticalAction`: `INSTALL_INTEGRATION`, `UNINSTALL_INTEGRATION`) and
//!   `GET /account-info/v3/activity/audit-logs` items (`PublicApiUserActionEvent` of an app
//!   category) → log [`Event`]s appended to an [`Engine`]: actors resolved against its directory
//!   (by [`crate::User::platform_user_id`], else by e-mail), user-level apps' events naming the
//!   connection user, and what the log already holds skipped, so that importing overlapping
//!   histories is idempotent. [`events_from_security_activity`] / [`events_from_audit_logs`] only
//!   read the items.
//! - K3 [`ingest_webhooks`] / [`ingest_journal`]: a webhook POST body (array of events with
//!   `subscriptionType` such as `contact.creation`, `deal.deletion`, `company.propertyChange`,
//!   `contact.merge`, `object.creation` + `objectTypeId`) or webhooks-journal entries (`action`:
//!   `CREATE`, `UPDATE`, `DELETE`, `MERGE`) → counts in a [`RecordAggregate`], each delivery
//!   exactly once. [`record_events_from_webhooks`] / [`record_events_from_journal`] only read one
//!   payload (duplicates within it removed).
//!
//! **Attribution (K3).** A webhook's `appId` is the app that *subscribed*, not the one that made
//! the change. A change is an app's activity only when `changeSource` is `INTEGRATION`: it belongs
//! to the app whose id is in `sourceId` (digits). Any other source (a person in `CRM_UI`, an
//! `IMPORT`, `WORKFLOWS`, `API` keys, …) is nobody's app activity: it is counted in
//! [`ImportReport::by_source`] only. Journal entries follow the same rule.
//!
//! **Records updated.** An app's update of a record counts once per record per UTC day: several
//! `propertyChange` events (or journal `UPDATE`s) of one record by one app on one day are one
//! update; the others are reported in [`ImportReport::repeat_updates`]. Creations, deletions and
//! merges count per event.
//!
//! **Exactly once.** Deliveries are at least once (`attemptNumber` > 0 are retries, for up to a
//! day). The aggregate remembers each delivery's key — webhooks: subscription, event id, object
//! and `occurredAt`; journal entries: their `offset` (else action, object type, object and time)
//! — for the horizon described in [`crate::insights::dedupe`]; a key seen again counts zero times
//! ([`ImportReport::duplicates`]); a delivery older than the horizon is not counted
//! ([`ImportReport::expired`]).
//!
//! Items of a type the library does not model are not dropped silently: they are counted per
//! type in [`ImportReport::unsupported`]. A malformed payload or item is a typed error naming the
//! item, and nothing of the payload is returned or applied.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::account::UserId;
use crate::catalog::{AppId, AppLevel};
use crate::connection::ConnectionKey;
use crate::engine::Engine;
use crate::event::{ActivityType, Event, EventId, EventKind};
use crate::insights::dedupe::{DedupeMemory, DeliveryKey, Seen};
use crate::insights::{InsightsError, RecordAction, RecordAggregate, RecordEvent, RecordType, UsageSnapshot};
use crate::kind::ErrorKind;
use crate::lifecycle::LifecycleError;
use crate::limits::MIN_PLATFORM_MILLIS;

/// Errors reading a platform payload. On any of them nothing of the payload is returned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The payload is not JSON of the expected overall shape.
    #[error("malformed {payload} payload: {message}")]
    Malformed {
        /// Which payload.
        payload: &'static str,
        /// What is wrong.
        message: String,
    },
    /// One item lacks a field or has one of the wrong type.
    #[error("{payload} item {index}: {message}")]
    MalformedItem {
        /// Which payload.
        payload: &'static str,
        /// The item's position.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// One item carries a value the library refuses (negative count, time out of range, unknown
    /// record type).
    #[error("{payload} item {index}: {source}")]
    InvalidItem {
        /// Which payload.
        payload: &'static str,
        /// The item's position.
        index: usize,
        /// Why.
        source: InsightsError,
    },
    /// An epoch-millisecond time is before [`MIN_PLATFORM_MILLIS`] (2001-09-09): it is almost
    /// surely in seconds.
    #[error("{payload} item {index}: {field} {millis} is before 2001-09-09 in epoch milliseconds (seconds given?)")]
    TimeInSeconds {
        /// Which payload.
        payload: &'static str,
        /// The item's position.
        index: usize,
        /// The field.
        field: String,
        /// The value read.
        millis: i64,
    },
    /// A `changeSource` the library does not know.
    #[error("{payload} item {index}: unknown changeSource {change_source:?}")]
    UnknownChangeSource {
        /// Which payload.
        payload: &'static str,
        /// The item's position.
        index: usize,
        /// The value read.
        change_source: String,
    },
    /// A change made by an integration whose `sourceId` is not an app id (digits).
    #[error("{payload} item {index}: sourceId {source_id:?} of an INTEGRATION change is not a number")]
    SourceIdNotANumber {
        /// Which payload.
        payload: &'static str,
        /// The item's position.
        index: usize,
        /// The value read.
        source_id: String,
    },
    /// A negative `attemptNumber`.
    #[error("{payload} item {index}: attemptNumber {attempt} is negative")]
    NegativeAttempt {
        /// Which payload.
        payload: &'static str,
        /// The item's position.
        index: usize,
        /// The value read.
        attempt: i64,
    },
    /// A security or audit item names no actor (neither `userId` nor `actingUser`).
    #[error("{payload} item {index}: neither userId nor actingUser names the actor")]
    NoActor {
        /// Which payload.
        payload: &'static str,
        /// The item's position.
        index: usize,
    },
}

impl ImportError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Malformed { .. }
            | Self::MalformedItem { .. }
            | Self::InvalidItem { .. }
            | Self::TimeInSeconds { .. }
            | Self::UnknownChangeSource { .. }
            | Self::SourceIdNotANumber { .. }
            | Self::NegativeAttempt { .. }
            | Self::NoActor { .. } => ErrorKind::InvalidInput,
        }
    }
}

/// What an import read, and what it did not use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Items read.
    pub read: usize,
    /// Items turned into library inputs.
    pub imported: usize,
    /// Items not used, counted per type (e.g. `contact.restore`, `LOGIN_SUCCESS`,
    /// `fetch status FAILURE`, `PROPERTY_MAPPINGS/UPDATE`).
    pub unsupported: BTreeMap<String, usize>,
    /// Record changes (K3) per `changeSource` (`INTEGRATION`, `CRM_UI`, `IMPORT`, …; `NONE` when
    /// absent), each delivery once: only `INTEGRATION` changes are apps' activity.
    #[serde(default)]
    pub by_source: BTreeMap<String, usize>,
    /// Deliveries already seen (retries, re-sent batches, a journal read twice): counted zero
    /// times.
    #[serde(default)]
    pub duplicates: usize,
    /// Updates of a record the same app had already updated that UTC day: not counted again.
    #[serde(default)]
    pub repeat_updates: usize,
    /// Deliveries older than the aggregate's dedupe horizon: they cannot be told from re-sent
    /// ones and are not counted.
    #[serde(default)]
    pub expired: usize,
    /// Actors (K2) the directory does not know, by platform user id (else e-mail): their events
    /// are imported without an actor (or skipped, for user-level apps, whose connection they name).
    #[serde(default)]
    pub unresolved_actors: BTreeMap<String, usize>,
    /// Items read but not applied (K2), per reason: `already in the log`, `already installed`,
    /// `not installed`, `older than the log`, `unknown app`, …
    #[serde(default)]
    pub skipped: BTreeMap<String, usize>,
}

/// The items an import produced, with its report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Imported<T> {
    /// The items, in the order they should be applied.
    pub items: Vec<T>,
    /// What was read and what was not used.
    pub report: ImportReport,
}

impl<T> Imported<T> {
    fn new() -> Self {
        Self { items: Vec::new(), report: ImportReport::default() }
    }

    fn keep(&mut self, item: T) {
        self.report.read += 1;
        self.report.imported += 1;
        self.items.push(item);
    }

    fn skip(&mut self, kind: String) {
        self.report.read += 1;
        *self.report.unsupported.entry(kind).or_insert(0) += 1;
    }
}

/// Reads one item's fields, naming the payload and item in every error.
struct Item<'a> {
    payload: &'static str,
    index: usize,
    value: &'a Value,
}

impl<'a> Item<'a> {
    fn malformed(&self, message: impl Into<String>) -> ImportError {
        ImportError::MalformedItem { payload: self.payload, index: self.index, message: message.into() }
    }

    fn invalid(&self, source: InsightsError) -> ImportError {
        ImportError::InvalidItem { payload: self.payload, index: self.index, source }
    }

    fn field(&self, name: &str) -> Option<&'a Value> {
        self.value.get(name).filter(|v| !v.is_null())
    }

    fn str(&self, name: &str) -> Result<&'a str, ImportError> {
        self.field(name).and_then(Value::as_str).ok_or_else(|| self.malformed(format!("{name} must be a string")))
    }

    /// A string or an integer field, as text (ids come either way).
    fn id(&self, name: &str) -> Result<String, ImportError> {
        match self.field(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
            _ => Err(self.malformed(format!("{name} must be a non-empty string or an integer"))),
        }
    }

    fn int(&self, name: &str) -> Result<i64, ImportError> {
        self.field(name).and_then(Value::as_i64).ok_or_else(|| self.malformed(format!("{name} must be an integer")))
    }

    /// An instant given as ISO-8601 text or epoch milliseconds, within 1970..=9999 (and, in
    /// milliseconds, from [`MIN_PLATFORM_MILLIS`] on).
    fn instant(&self, name: &str) -> Result<DateTime<Utc>, ImportError> {
        let at = match self.field(name) {
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| self.malformed(format!("{name} {s:?} is not an ISO-8601 instant: {e}")))?,
            Some(Value::Number(n)) => {
                let ms = n.as_i64().ok_or_else(|| self.malformed(format!("{name} must be epoch milliseconds")))?;
                DateTime::from_timestamp_millis(ms).ok_or_else(|| {
                    self.invalid(InsightsError::TimestampOutOfRange {
                        row: self.index,
                        micros: ms.saturating_mul(1000),
                    })
                })?
            }
            _ => return Err(self.malformed(format!("{name} must be an instant"))),
        };
        crate::insights::checked_micros(self.index, at).map_err(|e| self.invalid(e))?;
        if let Some(millis) = self.field(name).and_then(Value::as_i64).filter(|ms| *ms < MIN_PLATFORM_MILLIS) {
            return Err(ImportError::TimeInSeconds {
                payload: self.payload,
                index: self.index,
                field: name.to_owned(),
                millis,
            });
        }
        Ok(at)
    }
}

/// The items of a payload: a top-level array, or the array under `results`.
fn items<'a>(payload: &'static str, root: &'a Value) -> Result<impl Iterator<Item = Item<'a>>, ImportError> {
    let list = match root {
        Value::Array(list) => list,
        Value::Object(map) => map.get("results").and_then(Value::as_array).ok_or_else(|| ImportError::Malformed {
            payload,
            message: "expected an array or an object with a results array".into(),
        })?,
        _ => return Err(ImportError::Malformed { payload, message: "expected an array or an object".into() }),
    };
    Ok(list.iter().enumerate().map(move |(index, value)| Item { payload, index, value }))
}

fn parse(payload: &'static str, json: &str) -> Result<Value, ImportError> {
    serde_json::from_str(json).map_err(|e| ImportError::Malformed { payload, message: e.to_string() })
}

/// K1: the daily API-usage response → one snapshot per result whose `fetchStatus` is `SUCCESS`
/// or `CACHED`, keeping what the platform reported: the usage `name` stands for the app,
/// `currentUsage` is the running total at `collectedAt`, `usageLimit` the daily limit in force and
/// `resetsAt` (optional) when it resets; the report then shows them beside what the account's
/// tier implies ([`crate::UsageReport::limit_differs`]).
///
/// A result whose status is `FAILURE`, `NOTFOUND` or `TIMEOUT` carries no reading: it is skipped
/// (never read as zero calls) and counted in the report as `fetch status <STATUS>`.
///
/// # Errors
/// [`ImportError`] naming the item's index, and nothing of the payload is returned: malformed
/// JSON; a missing `name`, `fetchStatus`, `currentUsage`, `usageLimit` or `collectedAt`; a status
/// outside the platform's enumeration; a usage or limit that is not an integer, negative or above
/// [`crate::limits::MAX_DAILY_CALLS`]; a time out of range, or an epoch number below
/// [`MIN_PLATFORM_MILLIS`] (seconds given for milliseconds, [`ImportError::TimeInSeconds`]).
pub fn usage_snapshots_from_daily_usage(json: &str) -> Result<Imported<UsageSnapshot>, ImportError> {
    const PAYLOAD: &str = "daily api usage";
    let root = parse(PAYLOAD, json)?;
    let mut out = Imported::new();
    for item in items(PAYLOAD, &root)? {
        match item.str("fetchStatus")? {
            "SUCCESS" | "CACHED" => {}
            status @ ("FAILURE" | "NOTFOUND" | "TIMEOUT") => {
                out.skip(format!("fetch status {status}"));
                continue;
            }
            status => {
                return Err(item.malformed(format!(
                    "fetchStatus {status:?} is not one of CACHED, FAILURE, NOTFOUND, SUCCESS, TIMEOUT"
                )));
            }
        }
        let name = item.str("name")?;
        if name.is_empty() {
            return Err(item.invalid(InsightsError::EmptyAppId));
        }
        let snapshot = UsageSnapshot {
            app: AppId(name.to_owned()),
            calls_today: usage_count(&item, "currentUsage", "calls today")?,
            usage_limit: Some(usage_count(&item, "usageLimit", "usage limit")?),
            at: item.instant("collectedAt")?,
            resets_at: item.field("resetsAt").map(|_| item.instant("resetsAt")).transpose()?,
        };
        out.keep(snapshot);
    }
    Ok(out)
}

/// A K1 count: an integer in `0..=MAX_DAILY_CALLS`.
fn usage_count(item: &Item<'_>, name: &str, what: &'static str) -> Result<u64, ImportError> {
    let value = item.int(name)?;
    let count =
        u64::try_from(value).map_err(|_| item.invalid(InsightsError::NegativeCount { row: item.index, value }))?;
    if count > crate::limits::MAX_DAILY_CALLS {
        let max = crate::limits::MAX_DAILY_CALLS;
        return Err(item.invalid(InsightsError::CountTooLarge { row: item.index, what, value: count, max }));
    }
    Ok(count)
}

/// A stable event id from the platform's id: the number itself when it is one, otherwise a
/// 63-bit FNV-1a hash of the text (so that importing the same item twice yields the same id,
/// which the engine then recognises as already in the log).
fn event_id(text: &str) -> EventId {
    text.parse::<u64>().map(EventId).unwrap_or_else(|_| {
        let hash =
            text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        EventId(hash >> 1)
    })
}

/// Who acted on a security or audit item: the platform's numeric user id and/or e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlatformActor {
    id: Option<String>,
    email: Option<String>,
}

impl PlatformActor {
    /// How the report names an actor the directory does not know.
    fn label(&self) -> String {
        match (&self.id, &self.email) {
            (Some(id), Some(email)) => format!("{id} <{email}>"),
            (Some(id), None) => id.clone(),
            (None, Some(email)) => email.clone(),
            (None, None) => String::new(),
        }
    }

    /// The directory's user for this actor: by platform user id, else by e-mail (any case).
    fn resolve(&self, directory: &crate::directory::Directory) -> Option<UserId> {
        let users = || directory.users();
        self.id
            .as_ref()
            .and_then(|id| users().find(|u| u.platform_user_id.as_ref() == Some(id)))
            .or_else(|| {
                let email = self.email.as_ref()?;
                users().find(|u| u.email.eq_ignore_ascii_case(email))
            })
            .map(|u| u.id.clone())
    }
}

/// The K2 events of a payload, each with its platform actor, oldest first.
struct ActivityItems {
    events: Vec<(Event, PlatformActor)>,
    report: ImportReport,
}

impl ActivityItems {
    fn keep(&mut self, event: Event, actor: PlatformActor) {
        self.report.read += 1;
        self.report.imported += 1;
        self.events.push((event, actor));
    }

    fn skip(&mut self, kind: String) {
        self.report.read += 1;
        *self.report.unsupported.entry(kind).or_insert(0) += 1;
    }

    /// Oldest first (the API lists newest first).
    fn sorted(mut self) -> Self {
        self.events.sort_by_key(|(e, _)| (e.at, e.id));
        self
    }

    /// The events alone, the actor as the platform names it (user id, else e-mail), installs
    /// after an uninstall of the same app in the payload named reinstalls.
    fn into_imported(self) -> Imported<Event> {
        let mut uninstalled = HashSet::new();
        let items = self
            .events
            .into_iter()
            .map(|(mut event, actor)| {
                event.actor = actor.id.or(actor.email).map(UserId);
                match &event.kind {
                    EventKind::Uninstalled => {
                        uninstalled.insert(event.app.clone());
                    }
                    EventKind::Installed { scopes, expires_at } if uninstalled.contains(&event.app) => {
                        event.kind = EventKind::Reinstalled { scopes: scopes.clone(), expires_at: *expires_at };
                    }
                    _ => {}
                }
                event
            })
            .collect();
        Imported { items, report: self.report }
    }

    /// Appends the events to `engine`, one by one: actors resolved against its directory,
    /// user-level apps' events naming the actor's connection, installs after an uninstall named
    /// reinstalls; an event the engine refuses (already in the log, already installed, older
    /// than the log, …) is skipped and reported.
    fn append_to(self, engine: &mut Engine) -> ImportReport {
        let mut report = self.report;
        report.imported = 0;
        let skip = |report: &mut ImportReport, reason: &str| *report.skipped.entry(reason.to_owned()).or_insert(0) += 1;
        for (mut event, actor) in self.events {
            if engine.events().contains_id(event.id) {
                // The same item read again is logged at its own time, app and kind; an id the log
                // holds for another event (e.g. one of the engine's own commands) is no proof the
                // item was imported, and is reported apart.
                skip(
                    &mut report,
                    if already_logged(engine, &event) { "already in the log" } else { "id taken by another event" },
                );
                continue;
            }
            let resolved = actor.resolve(engine.directory());
            if resolved.is_none() {
                *report.unresolved_actors.entry(actor.label()).or_insert(0) += 1;
            }
            let Some(app) = engine.directory().app(&event.app) else {
                skip(&mut report, "unknown app");
                continue;
            };
            if app.level == AppLevel::UserLevel {
                if resolved.is_none() {
                    skip(&mut report, "user-level app with an unknown actor");
                    continue;
                }
                event.user.clone_from(&resolved);
            }
            event.actor = resolved;
            let key = ConnectionKey { app: event.app.clone(), user: event.user.clone() };
            if let EventKind::Installed { scopes, expires_at } = &event.kind
                && engine.state().connection(&key).is_some_and(|c| !c.is_installed())
            {
                event.kind = EventKind::Reinstalled { scopes: scopes.clone(), expires_at: *expires_at };
            }
            match engine.append(event) {
                Ok(()) => report.imported += 1,
                Err(e) => skip(&mut report, skip_reason(&e)),
            }
        }
        report
    }
}

/// Whether `event` (whose id the log holds) is logged as itself: same id, time, app and kind of
/// activity (an install logged as a reinstall counts as the same). Only the events logged at its
/// instant are read.
fn already_logged(engine: &Engine, event: &Event) -> bool {
    let kind = |t: ActivityType| if t == ActivityType::Reinstalled { ActivityType::Installed } else { t };
    let log = engine.events();
    log.range(log.count_before(event.at)..log.count_up_to(event.at)).any(|e| {
        e.id == event.id && *e.app == event.app && kind(e.kind.activity_type()) == kind(event.kind.activity_type())
    })
}

/// Why the engine refused an imported event, as the report names it.
fn skip_reason(e: &LifecycleError) -> &'static str {
    match e {
        LifecycleError::DuplicateEventId(_) => "already in the log",
        LifecycleError::AlreadyInstalled { .. } => "already installed",
        LifecycleError::NotInstalled { .. } => "not installed",
        LifecycleError::AlreadyInState { .. } => "already in that state",
        LifecycleError::OutOfOrder { .. } => "older than the log",
        LifecycleError::UnknownUser(_) => "unknown user",
        LifecycleError::EventIdTooLarge(_) => "id past the limit",
        _ => "refused by the engine",
    }
}

/// The actor of a security item: `userId` and/or `actingUser` (an e-mail).
fn security_actor(item: &Item<'_>) -> Result<PlatformActor, ImportError> {
    let id = item.field("userId").map(|_| item.id("userId")).transpose()?;
    let email = item.field("actingUser").map(|_| item.str("actingUser").map(str::to_owned)).transpose()?;
    if id.is_none() && email.is_none() {
        return Err(ImportError::NoActor { payload: item.payload, index: item.index });
    }
    Ok(PlatformActor { id, email })
}

fn security_items(json: &str) -> Result<ActivityItems, ImportError> {
    const PAYLOAD: &str = "security activity";
    let root = parse(PAYLOAD, json)?;
    let mut out = ActivityItems { events: Vec::new(), report: ImportReport::default() };
    for item in items(PAYLOAD, &root)? {
        let kind = match item.str("type")? {
            "INSTALL_INTEGRATION" => EventKind::Installed { scopes: Default::default(), expires_at: None },
            "UNINSTALL_INTEGRATION" => EventKind::Uninstalled,
            other => {
                out.skip(other.to_owned());
                continue;
            }
        };
        let actor = security_actor(&item)?;
        let event = Event {
            id: event_id(&item.id("id")?),
            at: item.instant("createdAt")?,
            app: AppId(item.id("objectId")?),
            user: None,
            actor: None,
            kind,
        };
        out.keep(event, actor);
    }
    Ok(out.sorted())
}

/// The audit-log categories about apps (compared whole, any case): any other category — e.g.
/// `PROPERTY_MAPPINGS`, whose name merely contains "APP" — is not an app event.
const APP_CATEGORIES: [&str; 8] = [
    "INTEGRATIONS",
    "INTEGRATION",
    "CONNECTED_APPS",
    "CONNECTED_APP",
    "APPS",
    "APP",
    "APP_MARKETPLACE",
    "MARKETPLACE_APPS",
];

/// The event kind of an audit-log action about an app (present or past tense).
fn audit_kind(action: &str) -> Option<EventKind> {
    Some(match action.to_ascii_uppercase().as_str() {
        "INSTALL" | "INSTALLED" | "INSTALL_INTEGRATION" => {
            EventKind::Installed { scopes: Default::default(), expires_at: None }
        }
        "UNINSTALL" | "UNINSTALLED" | "UNINSTALL_INTEGRATION" => EventKind::Uninstalled,
        "CONNECT" | "CONNECTED" => EventKind::Connected,
        "DISCONNECT" | "DISCONNECTED" => EventKind::Disconnected,
        "RECONNECT" | "RECONNECTED" => EventKind::Reconnected { expires_at: None },
        _ => return None,
    })
}

fn audit_items(json: &str) -> Result<ActivityItems, ImportError> {
    const PAYLOAD: &str = "audit log";
    let root = parse(PAYLOAD, json)?;
    let mut out = ActivityItems { events: Vec::new(), report: ImportReport::default() };
    for item in items(PAYLOAD, &root)? {
        let category = item.str("category")?;
        let action = item.str("action")?;
        let about_apps = APP_CATEGORIES.iter().any(|c| c.eq_ignore_ascii_case(category));
        let Some(kind) = audit_kind(action).filter(|_| about_apps) else {
            out.skip(format!("{category}/{action}"));
            continue;
        };
        let acting = item.field("actingUser").map(|value| Item { payload: PAYLOAD, index: item.index, value });
        let actor = match acting {
            Some(a) => PlatformActor {
                id: a.field("userId").map(|_| a.id("userId")).transpose()?,
                email: a.field("userEmail").map(|_| a.str("userEmail").map(str::to_owned)).transpose()?,
            },
            None => PlatformActor { id: None, email: None },
        };
        if actor.id.is_none() && actor.email.is_none() {
            return Err(ImportError::NoActor { payload: PAYLOAD, index: item.index });
        }
        let event = Event {
            id: event_id(&item.id("id")?),
            at: item.instant("occurredAt")?,
            app: AppId(item.id("targetObjectId")?),
            user: None,
            actor: None,
            kind,
        };
        out.keep(event, actor);
    }
    Ok(out.sorted())
}

/// K2: security-activity items (`HydratedCriticalAction`) → log events, oldest first.
/// `INSTALL_INTEGRATION` becomes an install and `UNINSTALL_INTEGRATION` an uninstall of the app
/// named by `objectId`, acted by `userId` (else the `actingUser` e-mail); other types are counted
/// in the report. Installs carry no scopes (the item does not list them). To append them to an
/// engine, prefer [`import_security_activity`], which resolves actors and skips what the log
/// already holds.
///
/// # Errors
/// [`ImportError`]: malformed JSON or item, an item with no actor, time out of range.
pub fn events_from_security_activity(json: &str) -> Result<Imported<Event>, ImportError> {
    Ok(security_items(json)?.into_imported())
}

/// K2: audit-log items (`PublicApiUserActionEvent`) → log events, for the items about apps: a
/// `category` about apps (compared whole, any case: `INTEGRATIONS`, `INTEGRATION`,
/// `CONNECTED_APPS`, `CONNECTED_APP`, `APPS`, `APP`, `APP_MARKETPLACE`, `MARKETPLACE_APPS`)
/// with an `action` of `INSTALL`, `UNINSTALL`, `CONNECT`, `DISCONNECT` or `RECONNECT`
/// (past-tense forms too), the app named by `targetObjectId` and the actor by `actingUser`.
/// Other items (e.g. a `PROPERTY_MAPPINGS` category) are counted in the report as `category/action`.
///
/// # Errors
/// [`ImportError`]: malformed JSON or item, an item with no actor, time out of range.
pub fn events_from_audit_logs(json: &str) -> Result<Imported<Event>, ImportError> {
    Ok(audit_items(json)?.into_imported())
}

/// K2: appends security-activity items to `engine` (see [`events_from_security_activity`] for
/// what is read). Actors are resolved against the directory by
/// [`crate::User::platform_user_id`], else by e-mail (any case); an actor it does not know is
/// reported in [`ImportReport::unresolved_actors`] and the event imported without an actor —
/// except for a user-level app, whose connection the actor names: that event is skipped. Events
/// the engine refuses (already in the log, already installed, not installed, older than the
/// log's newest event, unknown app) are skipped and counted in [`ImportReport::skipped`], so
/// importing the same or an overlapping history again changes nothing.
///
/// # Errors
/// [`ImportError`] for a malformed payload or item; the engine is then unchanged.
pub fn import_security_activity(engine: &mut Engine, json: &str) -> Result<ImportReport, ImportError> {
    Ok(security_items(json)?.append_to(engine))
}

/// K2: appends audit-log items about apps to `engine`, as [`import_security_activity`] does.
///
/// # Errors
/// [`ImportError`] for a malformed payload or item; the engine is then unchanged.
pub fn import_audit_logs(engine: &mut Engine, json: &str) -> Result<ImportReport, ImportError> {
    Ok(audit_items(json)?.append_to(engine))
}

/// The `changeSource` values of the platform's record changes. Only `INTEGRATION` is an app's.
const CHANGE_SOURCES: [&str; 30] = [
    "INTEGRATION",
    "CRM_UI",
    "CRM_UI_BULK_ACTION",
    "API",
    "IMPORT",
    "WORKFLOWS",
    "AUTOMATION_PLATFORM",
    "MERGE_CONTACTS",
    "MERGE_COMPANIES",
    "MERGE_OBJECTS",
    "BATCH_UPDATE",
    "CALCULATED",
    "FORM",
    "EMAIL",
    "EMAIL_INTEGRATION",
    "SALES",
    "SEQUENCES",
    "CONVERSATIONS",
    "BOT",
    "ADS",
    "ANALYTICS",
    "MOBILE_IOS",
    "MOBILE_ANDROID",
    "EXTENSION",
    "MIGRATION",
    "SALESFORCE",
    "AI_GROUP",
    "DATA_QUALITY",
    "PRESENTATIONS",
    "SOCIAL",
];

/// One record change read from a payload, with its delivery keys.
struct Delivery {
    at_ms: i64,
    /// What identifies this delivery across retries.
    retry: DeliveryKey,
    /// For an app's update: the record × app × UTC day it counts once in.
    per_day: Option<DeliveryKey>,
    /// The `changeSource` (or `NONE`).
    source: String,
    /// The app's record event, when the change is an app's.
    event: Option<RecordEvent>,
}

/// Who made a change: its `changeSource`, and the app when that is `INTEGRATION`.
fn attribution(item: &Item<'_>) -> Result<(String, Option<AppId>), ImportError> {
    let Some(source) = item.field("changeSource") else {
        return Ok(("NONE".to_owned(), None));
    };
    let source = source.as_str().ok_or_else(|| item.malformed("changeSource must be a string"))?;
    if !CHANGE_SOURCES.contains(&source) {
        return Err(ImportError::UnknownChangeSource {
            payload: item.payload,
            index: item.index,
            change_source: source.to_owned(),
        });
    }
    if source != "INTEGRATION" {
        return Ok((source.to_owned(), None));
    }
    let source_id = item.id("sourceId")?;
    if !source_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ImportError::SourceIdNotANumber { payload: item.payload, index: item.index, source_id });
    }
    Ok((source.to_owned(), Some(AppId(source_id))))
}

/// The delivery of one record change: its time, attribution and keys (`retry_parts` identify the
/// delivery; the object id names the record).
fn delivery(
    item: &Item<'_>,
    record_type: RecordType,
    action: RecordAction,
    object: &str,
    retry_parts: &[&[u8]],
) -> Result<Delivery, ImportError> {
    let at = item.instant("occurredAt")?;
    let at_ms = at.timestamp_millis();
    let (source, app) = attribution(item)?;
    let per_day = match (&app, action) {
        (Some(app), RecordAction::Updated) => Some(DeliveryKey::per_day(
            at_ms,
            &[b"updated", app.as_str().as_bytes(), record_type.as_str().as_bytes(), object.as_bytes()],
        )),
        _ => None,
    };
    let event = app.map(|app| RecordEvent { at, app, record_type, action });
    Ok(Delivery { at_ms, retry: DeliveryKey::new(at_ms, retry_parts), per_day, source, event })
}

/// The action of a webhook subscription type's verb, if it is one of the record actions.
fn webhook_action(verb: &str) -> Option<RecordAction> {
    match verb {
        "creation" => Some(RecordAction::Created),
        "propertyChange" => Some(RecordAction::Updated),
        "deletion" => Some(RecordAction::Deleted),
        "merge" => Some(RecordAction::Merged),
        _ => None,
    }
}

fn webhook_deliveries(json: &str) -> Result<(Vec<Delivery>, ImportReport), ImportError> {
    const PAYLOAD: &str = "webhook batch";
    let root = parse(PAYLOAD, json)?;
    if !root.is_array() {
        return Err(ImportError::Malformed {
            payload: PAYLOAD,
            message: "a webhook body is an array of events".into(),
        });
    }
    let (mut out, mut report) = (Vec::new(), ImportReport::default());
    for item in items(PAYLOAD, &root)? {
        report.read += 1;
        let subscription = item.str("subscriptionType")?;
        let Some((object, verb)) = subscription.split_once('.') else {
            return Err(item.malformed(format!("subscriptionType {subscription:?} is not <object>.<verb>")));
        };
        if let Some(attempt) = item.field("attemptNumber").map(|_| item.int("attemptNumber")).transpose()?
            && attempt < 0
        {
            return Err(ImportError::NegativeAttempt { payload: PAYLOAD, index: item.index, attempt });
        }
        let Some(action) = webhook_action(verb) else {
            item.instant("occurredAt")?;
            *report.unsupported.entry(subscription.to_owned()).or_insert(0) += 1;
            continue;
        };
        let type_text = if object == "object" { item.str("objectTypeId")? } else { object };
        let record_type = RecordType::parse(type_text).map_err(|e| item.invalid(e))?;
        let (object_id, event_id, subscription_id) =
            (item.id("objectId")?, item.id("eventId")?, item.id("subscriptionId")?);
        let parts: [&[u8]; 4] = [b"webhook", subscription_id.as_bytes(), event_id.as_bytes(), object_id.as_bytes()];
        out.push(delivery(&item, record_type, action, &object_id, &parts)?);
    }
    Ok((out, report))
}

fn journal_deliveries(json: &str) -> Result<(Vec<Delivery>, ImportReport), ImportError> {
    const PAYLOAD: &str = "webhooks journal";
    let root = parse(PAYLOAD, json)?;
    let (mut out, mut report) = (Vec::new(), ImportReport::default());
    for item in items(PAYLOAD, &root)? {
        report.read += 1;
        let action = match item.str("action")? {
            "CREATE" => RecordAction::Created,
            "UPDATE" => RecordAction::Updated,
            "DELETE" => RecordAction::Deleted,
            "MERGE" => RecordAction::Merged,
            other => {
                *report.unsupported.entry(other.to_owned()).or_insert(0) += 1;
                continue;
            }
        };
        let type_text = item.str("objectTypeId")?;
        let record_type = RecordType::parse(type_text).map_err(|e| item.invalid(e))?;
        let object_id = item.id("objectId")?;
        let offset = item.field("offset").map(|_| item.str("offset")).transpose()?;
        let time = item.field("occurredAt").map(Value::to_string).unwrap_or_default();
        let d = match offset {
            Some(offset) => delivery(&item, record_type, action, &object_id, &[b"journal", offset.as_bytes()])?,
            None => {
                let parts: [&[u8]; 5] = [
                    b"journal entry",
                    action.as_str().as_bytes(),
                    type_text.as_bytes(),
                    object_id.as_bytes(),
                    time.as_bytes(),
                ];
                delivery(&item, record_type, action, &object_id, &parts)?
            }
        };
        out.push(d);
    }
    Ok((out, report))
}

/// What admitting a payload's deliveries against a memory decided.
struct Admitted {
    /// The record events to count.
    events: Vec<RecordEvent>,
    /// The keys to remember once they are counted, with the event each was counted as.
    remember: Vec<(DeliveryKey, Option<RecordEvent>)>,
}

/// Decides, oldest first, which deliveries count: not seen by `memory` nor earlier in the
/// payload, within the horizon, and for an app's update, its first of the record that day.
fn admit(memory: &DedupeMemory, mut deliveries: Vec<Delivery>, report: &mut ImportReport) -> Admitted {
    deliveries.sort_by_key(|d| d.at_ms);
    let mut batch = HashSet::new();
    let mut out = Admitted { events: Vec::new(), remember: Vec::new() };
    for d in deliveries {
        let seen = if batch.contains(&d.retry) { Seen::Duplicate } else { memory.seen(&d.retry) };
        match seen {
            Seen::Expired => report.expired += 1,
            Seen::Duplicate => report.duplicates += 1,
            Seen::New => {
                batch.insert(d.retry);
                *report.by_source.entry(d.source).or_insert(0) += 1;
                let Some(event) = d.event else {
                    out.remember.push((d.retry, None));
                    continue;
                };
                match d.per_day {
                    Some(day) if batch.contains(&day) || memory.seen(&day) == Seen::Duplicate => {
                        report.repeat_updates += 1;
                        out.remember.push((d.retry, None));
                        continue;
                    }
                    Some(day) => {
                        batch.insert(day);
                        out.remember.push((d.retry, None));
                        out.remember.push((day, Some(event.clone())));
                    }
                    None => out.remember.push((d.retry, Some(event.clone()))),
                }
                out.events.push(event);
            }
        }
    }
    report.imported = out.events.len();
    out
}

/// Counts admitted deliveries into `aggregate` and remembers their keys, all or nothing.
fn count(
    payload: &'static str,
    aggregate: &mut RecordAggregate,
    (deliveries, mut report): (Vec<Delivery>, ImportReport),
) -> Result<ImportReport, ImportError> {
    let admitted = admit(&aggregate.dedupe, deliveries, &mut report);
    // Every event was checked while reading, so this cannot refuse; if it did, nothing changed.
    aggregate.ingest_all(&admitted.events).map_err(|source| ImportError::InvalidItem { payload, index: 0, source })?;
    for (key, event) in &admitted.remember {
        aggregate.dedupe.remember(key, event.as_ref());
    }
    Ok(report)
}

/// Reads one payload alone: its deliveries admitted against an empty memory.
fn read_alone((deliveries, mut report): (Vec<Delivery>, ImportReport)) -> Imported<RecordEvent> {
    let admitted = admit(&DedupeMemory::default(), deliveries, &mut report);
    Imported { items: admitted.events, report }
}

/// K3: a webhook POST body (an array of events) → the apps' record events in it, oldest first.
/// `subscriptionType` is `<object>.<verb>`: the object is a standard one (`contact`, `company`,
/// `deal`, `ticket`, …) or `object` with the type in `objectTypeId`; the verbs `creation`,
/// `propertyChange`, `deletion` and `merge` are record actions, others (`restore`,
/// `associationChange`, `privacyDeletion`, …) are counted in the report. Attribution, updates and
/// duplicates are as the module documentation says; duplicates are only those within this body
/// — use [`ingest_webhooks`] to count across batches exactly once.
///
/// # Errors
/// [`ImportError`]: malformed JSON or event (missing `occurredAt`, `objectId`, `eventId`,
/// `subscriptionId` or `subscriptionType`), time out of range or in seconds, unknown record type,
/// unknown `changeSource`, an `INTEGRATION` change whose `sourceId` is not a number, a negative
/// `attemptNumber`.
pub fn record_events_from_webhooks(json: &str) -> Result<Imported<RecordEvent>, ImportError> {
    Ok(read_alone(webhook_deliveries(json)?))
}

/// K3: counts a webhook POST body into `aggregate`, each delivery exactly once across every
/// batch it has counted (its dedupe memory is part of its snapshot and of merges).
///
/// # Errors
/// As [`record_events_from_webhooks`]; the aggregate is then unchanged.
pub fn ingest_webhooks(aggregate: &mut RecordAggregate, json: &str) -> Result<ImportReport, ImportError> {
    count("webhook batch", aggregate, webhook_deliveries(json)?)
}

/// K3: webhooks-journal entries (an array, or `{results: [...]}`) → the apps' record events in
/// them, oldest first. Each entry has `action` (`CREATE`, `UPDATE`, `DELETE`, `MERGE` are record
/// actions; `RESTORE`, `ASSOCIATION_ADDED`, `APP_INSTALL`, … are counted in the report),
/// `objectTypeId` (e.g. `0-1`, `2-123456`), `objectId`, `occurredAt` (ISO-8601 or epoch
/// milliseconds), and `changeSource` / `sourceId` as webhooks have. The journal is read by the
/// subscribing app: an entry's `appId` is never the acting app.
///
/// # Errors
/// [`ImportError`]: malformed JSON or entry, time out of range or in seconds, unknown record
/// type, unknown `changeSource`, an `INTEGRATION` change whose `sourceId` is not a number.
pub fn record_events_from_journal(json: &str) -> Result<Imported<RecordEvent>, ImportError> {
    Ok(read_alone(journal_deliveries(json)?))
}

/// K3: counts webhooks-journal entries into `aggregate`, each exactly once (a journal read twice
/// counts once).
///
/// # Errors
/// As [`record_events_from_journal`]; the aggregate is then unchanged.
pub fn ingest_journal(aggregate: &mut RecordAggregate, json: &str) -> Result<ImportReport, ImportError> {
    count("webhooks journal", aggregate, journal_deliveries(json)?)
}

//! Real payloads (K1–K3): what the platform's public API emits, turned into the library's inputs.
//!
//! - K1 [`usage_snapshots_from_daily_usage`]: `GET /account-info/v3/api-usage/daily/private-apps`
//!   (`{results: [ApiUsage]}`) → [`UsageSnapshot`]s (one per result whose fetch succeeded).
//! - K2 [`events_from_security_activity`]: `GET /account-info/v3/activity/security` items
//!   (`HydratedCriticalAction`: `INSTALL_INTEGRATION`, `UNINSTALL_INTEGRATION`) and
//!   [`events_from_audit_logs`]: `GET /account-info/v3/activity/audit-logs` items
//!   (`PublicApiUserActionEvent`) → log [`Event`]s, oldest first, ready for
//!   [`crate::Engine::append_all`].
//! - K3 [`record_events_from_webhooks`]: a webhook POST body (array of events with
//!   `subscriptionType` such as `contact.creation`, `deal.deletion`, `company.propertyChange`,
//!   `contact.merge`, `object.creation` + `objectTypeId`) and [`record_events_from_journal`]:
//!   webhooks-journal entries (`action`: `CREATE`, `UPDATE`, `DELETE`, `MERGE`) → [`RecordEvent`]s.
//!
//! Items of a type the library does not model are not dropped silently: they are counted per
//! type in [`ImportReport::unsupported`]. A malformed payload or item is a typed error naming the
//! item, and nothing of the payload is returned.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::account::UserId;
use crate::catalog::AppId;
use crate::error::ErrorKind;
use crate::event::{Event, EventId, EventKind};
use crate::insights::{InsightsError, RecordAction, RecordEvent, RecordType, UsageSnapshot};

/// Errors reading a platform payload. On any of them nothing of the payload is returned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
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
}

impl ImportError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Malformed { .. } | Self::MalformedItem { .. } | Self::InvalidItem { .. } => ErrorKind::InvalidInput,
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
    /// `fetch status FAILURE`).
    pub unsupported: BTreeMap<String, usize>,
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

    /// An instant given as ISO-8601 text or epoch milliseconds, within 1970..=9999.
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
/// [`crate::limits::MAX_DAILY_CALLS`]; a time out of range, or an epoch number that reads as
/// seconds (before 1973 as milliseconds) where epoch milliseconds are expected.
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
            at: usage_instant(&item, "collectedAt")?,
            resets_at: item.field("resetsAt").map(|_| usage_instant(&item, "resetsAt")).transpose()?,
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

/// A K1 instant: ISO-8601, or epoch milliseconds; an epoch number below 10^11 (before 1973-03-03
/// as milliseconds, but a date up to 5138 as seconds) is refused as seconds.
fn usage_instant(item: &Item<'_>, name: &str) -> Result<DateTime<Utc>, ImportError> {
    const SECONDS_BELOW: i64 = 100_000_000_000;
    if let Some(value) = item.field(name).and_then(Value::as_i64).filter(|v| (0..SECONDS_BELOW).contains(v)) {
        return Err(item.malformed(format!("{name} {value} looks like epoch seconds; expected epoch milliseconds")));
    }
    item.instant(name)
}

/// A stable event id from the platform's id: the number itself when it is one, otherwise a
/// 63-bit FNV-1a hash of the text (so that importing the same item twice yields the same id,
/// which the engine then refuses as a duplicate).
fn event_id(text: &str) -> EventId {
    text.parse::<u64>().map(EventId).unwrap_or_else(|_| {
        let hash =
            text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        EventId(hash >> 1)
    })
}

/// Sorts events oldest first (the API lists newest first) and names installs that follow an
/// uninstall of the same app in the batch as reinstalls.
fn in_log_order(mut out: Imported<Event>) -> Imported<Event> {
    out.items.sort_by_key(|e| (e.at, e.id));
    let mut uninstalled = std::collections::HashSet::new();
    for event in &mut out.items {
        match &event.kind {
            EventKind::Uninstalled => {
                uninstalled.insert(event.app.clone());
            }
            EventKind::Installed { scopes, expires_at } if uninstalled.contains(&event.app) => {
                event.kind = EventKind::Reinstalled { scopes: scopes.clone(), expires_at: *expires_at };
            }
            _ => {}
        }
    }
    out
}

/// K2: security-activity items (`HydratedCriticalAction`) → log events. `INSTALL_INTEGRATION`
/// becomes an install and `UNINSTALL_INTEGRATION` an uninstall of the app named by `objectId`,
/// acted by `userId`; other types are counted in the report. Installs carry no scopes (the
/// item does not list them).
///
/// # Errors
/// [`ImportError`]: malformed JSON or item, time out of range.
pub fn events_from_security_activity(json: &str) -> Result<Imported<Event>, ImportError> {
    const PAYLOAD: &str = "security activity";
    let root = parse(PAYLOAD, json)?;
    let mut out = Imported::new();
    for item in items(PAYLOAD, &root)? {
        let kind = match item.str("type")? {
            "INSTALL_INTEGRATION" => EventKind::Installed { scopes: Default::default(), expires_at: None },
            "UNINSTALL_INTEGRATION" => EventKind::Uninstalled,
            other => {
                out.skip(other.to_owned());
                continue;
            }
        };
        out.keep(Event {
            id: event_id(&item.id("id")?),
            at: item.instant("createdAt")?,
            app: AppId(item.id("objectId")?),
            user: None,
            actor: Some(UserId(item.id("userId")?)),
            kind,
        });
    }
    Ok(in_log_order(out))
}

/// K2: audit-log items (`PublicApiUserActionEvent`) → log events, for the items about apps: a
/// `category` naming integrations or apps (e.g. `INTEGRATIONS`, `CONNECTED_APPS`) with an
/// `action` of `INSTALL`, `UNINSTALL`, `CONNECT`, `DISCONNECT` or `RECONNECT` (past-tense forms
/// too), the app named by `targetObjectId` and the actor by `actingUser.userId`. Other items are
/// counted in the report as `category/action`.
///
/// # Errors
/// [`ImportError`]: malformed JSON or item, time out of range.
pub fn events_from_audit_logs(json: &str) -> Result<Imported<Event>, ImportError> {
    const PAYLOAD: &str = "audit log";
    let root = parse(PAYLOAD, json)?;
    let mut out = Imported::new();
    for item in items(PAYLOAD, &root)? {
        let category = item.str("category")?;
        let action = item.str("action")?;
        let about_apps = ["INTEGRATION", "APP"].iter().any(|w| category.to_ascii_uppercase().contains(w));
        let kind = match action.to_ascii_uppercase().trim_end_matches("ED").trim_end_matches('E') {
            "INSTALL" | "INSTALL_INTEGRATION" if about_apps => {
                EventKind::Installed { scopes: Default::default(), expires_at: None }
            }
            "UNINSTALL" | "UNINSTALL_INTEGRATION" if about_apps => EventKind::Uninstalled,
            "CONNECT" if about_apps => EventKind::Connected,
            "DISCONNECT" if about_apps => EventKind::Disconnected,
            "RECONNECT" if about_apps => EventKind::Reconnected { expires_at: None },
            _ => {
                out.skip(format!("{category}/{action}"));
                continue;
            }
        };
        let acting = item.field("actingUser").map(|value| Item { payload: PAYLOAD, index: item.index, value });
        let actor = acting.ok_or_else(|| item.malformed("actingUser must be an object"))?.id("userId")?;
        out.keep(Event {
            id: event_id(&item.id("id")?),
            at: item.instant("occurredAt")?,
            app: AppId(item.id("targetObjectId")?),
            user: None,
            actor: Some(UserId(actor)),
            kind,
        });
    }
    Ok(in_log_order(out))
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

/// K3: a webhook POST body (an array of events) → record events. `subscriptionType` is
/// `<object>.<verb>`: the object is a standard one (`contact`, `company`, `deal`, `ticket`, …) or
/// `object` with the type in `objectTypeId`; the verbs `creation`, `propertyChange`, `deletion`
/// and `merge` are record actions, others (`restore`, `associationChange`, `privacyDeletion`, …)
/// are counted in the report. `appId` is the app; `occurredAt` is epoch milliseconds.
///
/// # Errors
/// [`ImportError`]: malformed JSON or event, time out of range, unknown record type.
pub fn record_events_from_webhooks(json: &str) -> Result<Imported<RecordEvent>, ImportError> {
    const PAYLOAD: &str = "webhook batch";
    let root = parse(PAYLOAD, json)?;
    if !root.is_array() {
        return Err(ImportError::Malformed {
            payload: PAYLOAD,
            message: "a webhook body is an array of events".into(),
        });
    }
    let mut out = Imported::new();
    for item in items(PAYLOAD, &root)? {
        let subscription = item.str("subscriptionType")?;
        let Some((object, verb)) = subscription.split_once('.') else {
            return Err(item.malformed(format!("subscriptionType {subscription:?} is not <object>.<verb>")));
        };
        let Some(action) = webhook_action(verb) else {
            out.skip(subscription.to_owned());
            continue;
        };
        let type_text = if object == "object" { item.str("objectTypeId")? } else { object };
        let record_type = RecordType::parse(type_text).map_err(|e| item.invalid(e))?;
        out.keep(RecordEvent { at: item.instant("occurredAt")?, app: AppId(item.id("appId")?), record_type, action });
    }
    Ok(out)
}

/// K3: webhooks-journal entries (an array, or `{results: [...]}`) → record events. Each entry has
/// `action` (`CREATE`, `UPDATE`, `DELETE`, `MERGE` are record actions; `RESTORE`,
/// `ASSOCIATION_ADDED`, `APP_INSTALL`, … are counted in the report), `objectTypeId` (e.g. `0-1`,
/// `2-123456`) and `occurredAt` (ISO-8601 or epoch milliseconds); the app is the entry's `appId`
/// when present, else `app` (a journal is read by one app).
///
/// # Errors
/// [`ImportError`]: malformed JSON or entry, time out of range, unknown record type.
pub fn record_events_from_journal(json: &str, app: &AppId) -> Result<Imported<RecordEvent>, ImportError> {
    const PAYLOAD: &str = "webhooks journal";
    let root = parse(PAYLOAD, json)?;
    let mut out = Imported::new();
    for item in items(PAYLOAD, &root)? {
        let action = match item.str("action")? {
            "CREATE" => RecordAction::Created,
            "UPDATE" => RecordAction::Updated,
            "DELETE" => RecordAction::Deleted,
            "MERGE" => RecordAction::Merged,
            other => {
                out.skip(other.to_owned());
                continue;
            }
        };
        let record_type = RecordType::parse(item.str("objectTypeId")?).map_err(|e| item.invalid(e))?;
        let app = match item.field("appId") {
            Some(_) => AppId(item.id("appId")?),
            None => app.clone(),
        };
        out.keep(RecordEvent { at: item.instant("occurredAt")?, app, record_type, action });
    }
    Ok(out)
}

//! The vocabulary of record insights (R1): actions, record types, events, columns and cells.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::InsightsError;
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
    pub(super) fn rank(&self) -> (usize, &str) {
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

impl AsRef<str> for RecordType {
    fn as_ref(&self) -> &str {
        &self.0
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

/// The number of actions (cells per day × app × record type).
pub(super) const ACTIONS: usize = RecordAction::ALL.len();

//! JSON snapshots of the whole engine and NDJSON event streams.
//!
//! A snapshot holds the directory, the log and the notification state (rules and delivery log,
//! kept by [`crate::AccountEngine`]); the state is rebuilt by folding the log, so an
//! imported snapshot is validated exactly like live commands. Export → import → export is
//! byte-identical.
//!
//! A snapshot carries the log's hash chain (X8): its head and a checkpoint per block of 1,024
//! events, as hex. Importing recomputes the chain from the events before anything else and
//! refuses a snapshot whose chain does not match, naming the first block where it breaks (see
//! [`crate::chain`]); a snapshot written before X8, without a chain, restores with its chain
//! computed.
//!
//! This module holds the format; restoring, which answers with the crate-wide
//! [`Error`](crate::Error), is [`crate::AccountEngine::from_json`] (and [`Engine::from_json`]) in
//! the top layer.

use serde::{Deserialize, Serialize};

use crate::account::{Account, Team, User};
use crate::catalog::App;
use crate::engine::Engine;
use crate::event::Event;
use crate::kind::ErrorKind;
use crate::notify::Notifications;

/// The snapshot format version this library writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The snapshot document; `E` is the log: borrowed when written, owned events when read.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SnapshotDoc<E> {
    pub(crate) version: u32,
    pub(crate) account: Account,
    pub(crate) users: Vec<User>,
    pub(crate) teams: Vec<Team>,
    pub(crate) apps: Vec<App>,
    pub(crate) events: E,
    /// The log's hash chain (X8); absent in snapshots written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) chain: Option<crate::chain::ChainDoc>,
    /// The notification rules' change log (N3); absent when there never was a rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) notification_rules: Vec<crate::notify::RuleEvent>,
    /// What notifications were already delivered (N4); absent when empty.
    #[serde(default, skip_serializing_if = "crate::notify::DeliveryLog::is_empty")]
    pub(crate) deliveries: crate::notify::DeliveryLog,
    /// Governance settings (G2); absent when they are the defaults.
    #[serde(default, skip_serializing_if = "crate::governance::GovernanceSettings::is_default")]
    pub(crate) governance_settings: crate::governance::GovernanceSettings,
    /// The governance policies' change log (G4); absent when there never was a policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) governance_policies: Vec<crate::governance::GovernancePolicyEvent>,
}

/// Errors reading or writing snapshots and NDJSON event streams.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The text is not valid JSON of the expected shape (also: bad timestamps, unknown enum values).
    #[error("malformed json{}: {message}", line.map(|l| format!(" at line {l}")).unwrap_or_default())]
    Json {
        /// 1-based line of an NDJSON stream, when reading one.
        line: Option<usize>,
        /// What the parser reported.
        message: String,
    },
    /// The snapshot's format version is not one this library reads.
    #[error("unsupported snapshot version {0}")]
    UnsupportedVersion(u32),
}

impl SnapshotError {
    /// The error's kind: always [`ErrorKind::InvalidInput`].
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Json { .. } | Self::UnsupportedVersion(_) => ErrorKind::InvalidInput,
        }
    }
}

fn json_error(line: Option<usize>, e: &serde_json::Error) -> SnapshotError {
    SnapshotError::Json { line, message: e.to_string() }
}

/// The snapshot of `engine` with `notifications` and the governance policies (G4), as
/// pretty-printed JSON.
///
/// # Errors
/// [`SnapshotError::Json`] if serialisation fails (it does not for valid engines).
pub(crate) fn write(
    engine: &Engine,
    notifications: &Notifications,
    governance_policies: &crate::governance::GovernancePolicies,
) -> Result<String, SnapshotError> {
    let d = engine.directory();
    let doc = SnapshotDoc {
        version: SNAPSHOT_VERSION,
        account: d.account().clone(),
        users: d.users().cloned().collect(),
        teams: d.teams().cloned().collect(),
        apps: d.apps().cloned().collect(),
        events: engine.events(),
        chain: Some(engine.events().chain_doc()),
        notification_rules: notifications.rules().events().to_vec(),
        deliveries: notifications.deliveries().clone(),
        governance_settings: engine.governance_settings,
        governance_policies: governance_policies.events().to_vec(),
    };
    serde_json::to_string_pretty(&doc).map_err(|e| json_error(None, &e))
}

/// Parses a snapshot document and checks its version; the caller validates the contents
/// ([`crate::AccountEngine::from_json`]).
///
/// # Errors
/// [`SnapshotError`] for malformed JSON, unknown fields or enum values, bad timestamps or an
/// unsupported version.
pub(crate) fn parse(text: &str) -> Result<SnapshotDoc<Vec<Event>>, SnapshotError> {
    let doc: SnapshotDoc<Vec<Event>> = serde_json::from_str(text).map_err(|e| json_error(None, &e))?;
    if doc.version != SNAPSHOT_VERSION {
        return Err(SnapshotError::UnsupportedVersion(doc.version));
    }
    Ok(doc)
}

impl Engine {
    /// The engine (directory and log) as pretty-printed JSON: the snapshot format of
    /// [`crate::AccountEngine::to_json`], without notification state (an engine holds none).
    ///
    /// # Errors
    /// [`SnapshotError::Json`] if serialisation fails (it does not for valid engines).
    pub fn to_json(&self) -> Result<String, SnapshotError> {
        write(self, &Notifications::default(), &crate::governance::GovernancePolicies::default())
    }
}

/// Events as NDJSON: one compact JSON object per line, each line ending in `\n`.
///
/// # Errors
/// [`SnapshotError::Json`] if serialisation fails (it does not for valid events).
pub fn events_to_ndjson<E: Serialize>(events: impl IntoIterator<Item = E>) -> Result<String, SnapshotError> {
    let events = events.into_iter();
    let mut out = String::with_capacity(events.size_hint().0 * 128);
    for (i, event) in events.enumerate() {
        out.push_str(&serde_json::to_string(&event).map_err(|e| json_error(Some(i + 1), &e))?);
        out.push('\n');
    }
    Ok(out)
}

/// Parses NDJSON events; blank lines are skipped.
///
/// # Errors
/// [`SnapshotError::Json`] naming the first bad line.
pub fn events_from_ndjson(text: &str) -> Result<Vec<Event>, SnapshotError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| serde_json::from_str(line).map_err(|e| json_error(Some(i + 1), &e)))
        .collect()
}

//! JSON snapshots of the whole engine and NDJSON event streams.
//!
//! A snapshot holds the directory and the log; the state is rebuilt by folding the log, so an
//! imported snapshot is validated exactly like live commands. Export → import → export is
//! byte-identical.
//!
//! A snapshot carries the log's hash chain (X8): its head and a checkpoint per block of 1,024
//! events, as hex. Importing recomputes the chain from the events before anything else and
//! refuses a snapshot whose chain does not match, naming the first block where it breaks (see
//! [`crate::chain`]); a snapshot written before X8, without a chain, restores with its chain
//! computed.

use serde::{Deserialize, Serialize};

use crate::account::{Account, Team, User};
use crate::catalog::App;
use crate::engine::Engine;
use crate::error::{Error, SnapshotError};
use crate::event::Event;
use crate::state::Directory;

/// The snapshot format version this library writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The snapshot document; `E` is the log: borrowed when written, owned events when read.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotDoc<E> {
    version: u32,
    account: Account,
    users: Vec<User>,
    teams: Vec<Team>,
    apps: Vec<App>,
    events: E,
    /// The log's hash chain (X8); absent in snapshots written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain: Option<crate::chain::ChainDoc>,
    /// The notification rules' change log (N3); absent when there never was a rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notification_rules: Vec<crate::notify::RuleEvent>,
    /// What notifications were already delivered (N4); absent when empty.
    #[serde(default, skip_serializing_if = "crate::notify::DeliveryLog::is_empty")]
    deliveries: crate::notify::DeliveryLog,
    /// The governance policies' change log (G4); absent when there never was a policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    governance_policies: Vec<crate::governance::GovernancePolicyEvent>,
}

fn json_error(line: Option<usize>, e: &serde_json::Error) -> SnapshotError {
    SnapshotError::Json { line, message: e.to_string() }
}

impl Engine {
    /// The whole engine (directory and log) as pretty-printed JSON.
    ///
    /// # Errors
    /// [`SnapshotError::Json`] if serialisation fails (it does not for valid engines).
    pub fn to_json(&self) -> Result<String, SnapshotError> {
        let d = self.directory();
        let doc = SnapshotDoc {
            version: SNAPSHOT_VERSION,
            account: d.account().clone(),
            users: d.users().cloned().collect(),
            teams: d.teams().cloned().collect(),
            apps: d.apps().cloned().collect(),
            events: self.events(),
            chain: Some(self.events().chain_doc()),
            notification_rules: self.notification_rules().events().to_vec(),
            deliveries: self.delivery_log().clone(),
            governance_policies: self.governance_policies().events().to_vec(),
        };
        serde_json::to_string_pretty(&doc).map_err(|e| json_error(None, &e))
    }

    /// Rebuilds an engine from [`Engine::to_json`]'s output, validating every entry and event.
    /// Timestamps may carry any UTC offset; they are normalised to UTC.
    ///
    /// # Errors
    /// [`SnapshotError`] for malformed JSON, unknown fields or enum values, bad timestamps or an
    /// unsupported version; [`crate::ChainError`] for a hash chain that does not match the
    /// events; [`crate::DirectoryError`] or [`crate::LifecycleError`] for invalid contents;
    /// [`crate::NotifyError`] for a rule log that does not fold or a delivery log the engine could
    /// not have written ([`crate::notify::DeliveryLog::restore`]: the derived parts are recomputed
    /// from the events); [`crate::governance::GovernancePolicyError`] for a governance-policy log
    /// that does not fold (a policy the engine would refuse).
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let doc: SnapshotDoc<Vec<Event>> = serde_json::from_str(text).map_err(|e| json_error(None, &e))?;
        if doc.version != SNAPSHOT_VERSION {
            return Err(SnapshotError::UnsupportedVersion(doc.version).into());
        }
        let chain = doc.chain.as_ref().map(|chain| crate::chain::check_snapshot(&doc.events, chain)).transpose()?;
        let mut directory = Directory::new(doc.account)?;
        for user in doc.users {
            directory.add_user(user)?;
        }
        for team in doc.teams {
            directory.add_team(team)?;
        }
        for app in doc.apps {
            directory.add_app(app)?;
        }
        let mut engine = Self::new(directory);
        engine.append_all(doc.events).map_err(|(_, e)| e)?;
        if let Some(chain) = chain {
            engine.events.adopt_chain(chain);
        }
        engine.notifications = crate::notify::Notifications::restore(
            engine.directory(),
            engine.events(),
            doc.notification_rules,
            doc.deliveries,
        )?;
        engine.governance_policies =
            crate::governance::GovernancePolicies::from_events(engine.directory(), doc.governance_policies)?;
        Ok(engine)
    }

    /// Appends events read from NDJSON, all or nothing.
    ///
    /// # Errors
    /// As [`events_from_ndjson`] and [`Engine::append_all`].
    pub fn import_ndjson(&mut self, text: &str) -> Result<usize, Error> {
        let events = events_from_ndjson(text)?;
        self.append_all(events).map_err(|(_, e)| e.into())
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

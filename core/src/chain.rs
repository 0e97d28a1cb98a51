//! The tamper-evident log (X8): a SHA-256 hash chain over every event.
//!
//! # The chain
//! ```text
//! h_0 = SHA-256("connected-apps/x8/v1")            (the 20 ASCII bytes of CHAIN_SCHEME)
//! h_i = SHA-256(h_{i-1} || canonical(e_i))          (32 bytes, then the event's encoding)
//! ```
//! The *head* is `h_n` for a log of `n` events. The log does not keep a hash per event: it
//! keeps a *checkpoint* per sealed block of [`CHAIN_BLOCK`] events, checkpoint `k` being
//! `h_{(k+1)·1024}` (the chain after the events at positions `k·1024` to `k·1024 + 1023`),
//! which costs 32 bytes per 1,024 events. Checkpoints are computed when first needed (the head,
//! [`Engine::verify`](crate::Engine::verify), a snapshot) and kept; appending never hashes, and a refused batch drops
//! the checkpoints of the events it rolled back.
//!
//! # Canonical encoding of an event
//! Binary, little-endian, length-prefixed, fields in this order:
//!
//! | field | encoding |
//! |---|---|
//! | id | `u64` |
//! | at | `i64`: nanoseconds since 1970-01-01T00:00:00Z |
//! | app | `str` |
//! | connection user | `opt<str>` |
//! | actor | `opt<str>` |
//! | kind | `u8`: the activity type's position in [`crate::ActivityType::ALL`] (0 installed … 12 app_version_changed) |
//! | payload | by kind, below |
//!
//! where `u8`, `u32`, `u64`, `i64` are fixed-width little-endian; `str` is the UTF-8 byte
//! length as `u64`, then the bytes; `bool` is one byte, 0 or 1; `opt<T>` is the byte 0 when
//! absent, else the byte 1 then `T`; `list<T>` is the count as `u64`, then each item; `time`
//! is `i64` seconds since the epoch then `u32` nanoseconds within the second (up to
//! 1,999,999,999 in a leap second). Enumerations inside payloads are written as `str`, spelled
//! as in JSON. Payloads by kind:
//!
//! | kind (code) | payload |
//! |---|---|
//! | installed (0), reinstalled (1) | `list<str>` scopes in ascending byte order, `opt<time>` expires_at |
//! | reauthenticated (6) | as installed, then, only when it drops scopes (X6), `list<str>` dropped in ascending byte order |
//! | uninstalled (2), connected (3), disconnected (4), connection_expired (8), app_activity (10) | nothing |
//! | reconnected (5) | `opt<time>` expires_at |
//! | sync_setting_changed (7) | `str` setting, `bool` on |
//! | connection_error (9) | `str` code, `str` message, `list<str>` resolution_steps |
//! | update_availability (11) | `bool` available |
//! | app_version_changed (12) | `str` version, `list<scope>` scopes, `list<feature>` features |
//!
//! with `scope` = `str` name, `str` requirement (`required`, `conditionally_required`,
//! `optional`), `opt<tier>` requires; `feature` = `str` name, `list<str>` scopes, `opt<tier>`
//! requires; `tier` = `str` hub, `str` tier (e.g. `sales`, `professional`).
//!
//! # In snapshots
//! A snapshot carries the chain as `"chain": {"scheme", "block", "head", "checkpoints"}`, hashes
//! as 64 lowercase hex digits. Restoring recomputes the chain from the snapshot's events before
//! anything else and refuses a snapshot whose checkpoints or head differ, naming where
//! ([`ChainError`]); a snapshot without a chain (written before X8) restores, its chain computed.
//!
//! # Where a break is named
//! A break is detected per block: [`ChainError::Broken`] names the first block whose recomputed
//! hash differs from what is held, with the ids and positions of its first and last events —
//! the altered, dropped, added or moved event is within that range (for the last, partial block
//! it is the head that differs). [`ChainError::Truncated`] says the chain goes on past the last
//! event held: events are missing at the end.

use std::fmt;
use std::ops::Range;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::account::HubTier;
use crate::catalog::{Feature, ScopeDecl};
use crate::event::{Event, EventId, EventKind};
use crate::kind::ErrorKind;
use crate::log::{EventLog, EventRef};

/// The chain's scheme: its seed `h_0` is the SHA-256 of these bytes.
pub const CHAIN_SCHEME: &str = "connected-apps/x8/v1";

pub use crate::limits::CHAIN_BLOCK;

/// A hash of the chain (SHA-256), written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    /// The seed `h_0`: the hash of [`CHAIN_SCHEME`], and the head of an empty log.
    #[must_use]
    pub fn genesis() -> Self {
        Self(Sha256::digest(CHAIN_SCHEME.as_bytes()).into())
    }

    /// The hash as 64 lowercase hex digits.
    #[must_use]
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// A hash from 64 lowercase hex digits.
    #[must_use]
    pub fn from_hex(text: &str) -> Option<Self> {
        let digits = text.as_bytes();
        if digits.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let [high, low] = pair else { return None };
            *byte = hex_digit(*high)? << 4 | hex_digit(*low)?;
        }
        Some(Self(bytes))
    }

    /// `h_i` from `h_{i-1}` (self) and the canonical encoding of `e_i`.
    fn next(&self, encoded: &[u8]) -> Self {
        Self(Sha256::new().chain_update(self.0).chain_update(encoded).finalize().into())
    }
}

fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({self})")
    }
}

impl Serialize for ChainHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ChainHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_hex(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid chain hash {text:?}: expected 64 lowercase hex digits"))
        })
    }
}

/// A break in the chain, or a chain this library does not read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The recomputed chain differs from the held one first in this block: the altered,
    /// dropped, added or moved event is among its events.
    #[error("event chain breaks in block {block}, events {first} to {last} (positions {start} to {end})")]
    Broken {
        /// The block (positions `block·1024` on).
        block: usize,
        /// Id of the block's first event.
        first: EventId,
        /// Id of the block's last event.
        last: EventId,
        /// Position of the block's first event in the log.
        start: usize,
        /// Position of the block's last event in the log.
        end: usize,
    },
    /// The held chain goes on past the last event: events are missing at the end.
    #[error("event chain goes on past the {len} events held{}: events are missing at the end", last_id(*last))]
    Truncated {
        /// Events held.
        len: usize,
        /// The last event's id.
        last: Option<EventId>,
    },
    /// The snapshot's chain uses another scheme.
    #[error("unknown event chain scheme {0:?}, expected \"connected-apps/x8/v1\"")]
    UnknownScheme(String),
    /// The snapshot's chain has another block size.
    #[error("event chain block of {0} events is not supported, expected 1024")]
    UnsupportedBlock(u64),
}

fn last_id(last: Option<EventId>) -> String {
    last.map(|id| format!(" (the last is event {id})")).unwrap_or_default()
}

impl ChainError {
    /// The error's kind: a break is an invalid state; an unknown scheme or block, invalid input.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Broken { .. } | Self::Truncated { .. } => ErrorKind::InvalidState,
            Self::UnknownScheme(_) | Self::UnsupportedBlock(_) => ErrorKind::InvalidInput,
        }
    }
}

/// The chain as a snapshot carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChainDoc {
    scheme: String,
    block: u64,
    head: ChainHash,
    checkpoints: Vec<ChainHash>,
}

/// What the log holds of its chain: the sealed blocks' checkpoints, and the head when known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sealed {
    checkpoints: Vec<ChainHash>,
    /// The head and the log length it is for.
    head: Option<(usize, ChainHash)>,
}

/// The log's [`Sealed`] chain behind a lock, so that reads (`&self`) can seal blocks lazily.
#[derive(Debug, Default)]
pub(crate) struct ChainCache(Mutex<Sealed>);

impl Clone for ChainCache {
    fn clone(&self) -> Self {
        Self(Mutex::new(self.lock().clone()))
    }
}

impl ChainCache {
    /// The sealed chain; a panic while it was held left only whole checkpoints, so a poisoned
    /// lock is taken as is.
    fn lock(&self) -> MutexGuard<'_, Sealed> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get_mut(&mut self) -> &mut Sealed {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets what was sealed past the first `len` events (after a rollback).
    pub(crate) fn truncate(&mut self, len: usize) {
        let sealed = self.get_mut();
        sealed.checkpoints.truncate(len / CHAIN_BLOCK);
        if sealed.head.is_some_and(|(at, _)| at > len) {
            sealed.head = None;
        }
    }

    /// Heap bytes of the checkpoints (capacity).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.lock().checkpoints.capacity() * std::mem::size_of::<ChainHash>()
    }
}

/// Writes the canonical encoding (see the [module docs](self)) into a buffer.
struct Canonical<'b>(&'b mut Vec<u8>);

impl Canonical<'_> {
    fn u8(&mut self, value: u8) {
        self.0.push(value);
    }

    fn u64(&mut self, value: u64) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn bool(&mut self, value: bool) {
        self.u8(u8::from(value));
    }

    fn str(&mut self, value: &str) {
        self.u64(value.len() as u64);
        self.0.extend_from_slice(value.as_bytes());
    }

    fn opt<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match value {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                write(self, v);
            }
        }
    }

    fn list<T>(&mut self, items: impl ExactSizeIterator<Item = T>, mut write: impl FnMut(&mut Self, T)) {
        self.u64(items.len() as u64);
        for item in items {
            write(self, item);
        }
    }

    fn strs<S: AsRef<str>>(&mut self, items: impl ExactSizeIterator<Item = S>) {
        self.list(items, |c, s| c.str(s.as_ref()));
    }

    fn time(&mut self, at: &DateTime<Utc>) {
        self.0.extend_from_slice(&at.timestamp().to_le_bytes());
        self.0.extend_from_slice(&at.timestamp_subsec_nanos().to_le_bytes());
    }

    fn tier(&mut self, tier: Option<&HubTier>) {
        self.opt(tier, |c, t| {
            c.str(&enum_name(&t.hub));
            c.str(&enum_name(&t.tier));
        });
    }

    fn event(&mut self, event: &EventRef<'_>, at_nanos: i64) {
        self.u64(event.id.0);
        self.0.extend_from_slice(&at_nanos.to_le_bytes());
        self.str(event.app.as_ref());
        self.opt(event.user, |c, u| c.str(u.as_ref()));
        self.opt(event.actor, |c, u| c.str(u.as_ref()));
        self.u8(event.kind.activity_type().code());
        self.payload(event.kind);
    }

    fn payload(&mut self, kind: &EventKind) {
        match kind {
            EventKind::Installed { scopes, expires_at } | EventKind::Reinstalled { scopes, expires_at } => {
                self.strs(scopes.iter());
                self.opt(expires_at.as_ref(), Self::time);
            }
            EventKind::Reauthenticated { scopes, expires_at, dropped } => {
                self.strs(scopes.iter());
                self.opt(expires_at.as_ref(), Self::time);
                // Written only when non-empty, so every event logged before X6 keeps its hash;
                // the payload ends the event's encoding, so the optional tail is unambiguous.
                if !dropped.is_empty() {
                    self.strs(dropped.iter());
                }
            }
            EventKind::Uninstalled
            | EventKind::Connected
            | EventKind::Disconnected
            | EventKind::ConnectionExpired
            | EventKind::AppActivity => {}
            EventKind::Reconnected { expires_at } => self.opt(expires_at.as_ref(), Self::time),
            EventKind::SyncSettingChanged { setting, on } => {
                self.str(setting);
                self.bool(*on);
            }
            EventKind::ConnectionError(error) => {
                self.str(&error.code);
                self.str(&error.message);
                self.strs(error.resolution_steps.iter());
            }
            EventKind::UpdateAvailability { available } => self.bool(*available),
            EventKind::AppVersionChanged { version, scopes, features } => {
                self.str(version);
                self.list(scopes.iter(), Self::scope);
                self.list(features.iter(), Self::feature);
            }
            EventKind::PolicyChanged { level, approval } => {
                match level {
                    crate::governance::model::PolicyLevel::Account => self.u8(0),
                    crate::governance::model::PolicyLevel::Team(t) => {
                        self.u8(1);
                        self.str(t.as_ref());
                    }
                    crate::governance::model::PolicyLevel::User(u) => {
                        self.u8(2);
                        self.str(u.as_ref());
                    }
                }
                self.opt(approval.as_ref(), |c, a| c.str(a.as_str()));
            }
            EventKind::ScopesTurnedOff { scopes } => self.strs(scopes.iter()),
            EventKind::AccessRequested { requester, scopes, reason, expires_at } => {
                self.str(requester.as_ref());
                self.strs(scopes.iter());
                self.str(reason);
                self.time(expires_at);
            }
            EventKind::AccessApproved { requester, grant } => {
                self.str(requester.as_ref());
                self.str(&enum_name(grant));
            }
            EventKind::AccessDenied { requester, reason } => {
                self.str(requester.as_ref());
                self.str(reason);
            }
            EventKind::ConnectionRevoked { reason } => self.str(reason),
        }
    }

    fn scope(&mut self, scope: &ScopeDecl) {
        self.str(&scope.name);
        self.str(&enum_name(&scope.requirement));
        self.tier(scope.requires.as_ref());
    }

    fn feature(&mut self, feature: &Feature) {
        self.str(&feature.name);
        self.strs(feature.scopes.iter());
        self.tier(feature.requires.as_ref());
    }
}

/// A unit enum value's JSON spelling.
fn enum_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// The canonical encoding of an event whose time is `at_nanos` (see the [module docs](self)).
#[must_use]
pub fn canonical(event: &EventRef<'_>, at_nanos: i64) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64);
    Canonical(&mut buf).event(event, at_nanos);
    buf
}

/// Folds events into the chain, reusing one buffer.
struct Chainer {
    hash: ChainHash,
    buf: Vec<u8>,
}

impl Chainer {
    fn from(hash: ChainHash) -> Self {
        Self { hash, buf: Vec::with_capacity(128) }
    }

    fn push(&mut self, event: &EventRef<'_>, at_nanos: i64) {
        self.buf.clear();
        Canonical(&mut self.buf).event(event, at_nanos);
        self.hash = self.hash.next(&self.buf);
    }
}

/// The whole chain of `len` events given by position, computed afresh.
fn compute<'a>(len: usize, event: impl Fn(usize) -> Option<(EventRef<'a>, i64)>) -> Sealed {
    let mut chainer = Chainer::from(ChainHash::genesis());
    let mut checkpoints = Vec::with_capacity(len / CHAIN_BLOCK);
    for position in 0..len {
        if let Some((e, at)) = event(position) {
            chainer.push(&e, at);
        }
        if (position + 1).is_multiple_of(CHAIN_BLOCK) {
            checkpoints.push(chainer.hash);
        }
    }
    Sealed { checkpoints, head: Some((len, chainer.hash)) }
}

/// The positions of block `block` in a log of `len` events, if it has any.
fn block_range(block: usize, len: usize) -> Option<Range<usize>> {
    let start = block.checked_mul(CHAIN_BLOCK)?;
    let end = start.saturating_add(CHAIN_BLOCK).min(len);
    (start < end).then_some(start..end)
}

/// The first place where `held` differs from `fresh` (the chain of `len` events whose ids
/// `id_at` gives). With `complete`, `held` must have every checkpoint; without, it may hold
/// only the first ones and no head.
fn first_break(
    fresh: &Sealed,
    held: &Sealed,
    complete: bool,
    len: usize,
    id_at: impl Fn(usize) -> Option<EventId>,
) -> Result<(), ChainError> {
    let broken = |block: usize| match block_range(block, len) {
        Some(range) => {
            let end = range.end.saturating_sub(1);
            match (id_at(range.start), id_at(end)) {
                (Some(first), Some(last)) => ChainError::Broken { block, first, last, start: range.start, end },
                _ => ChainError::Truncated { len, last: len.checked_sub(1).and_then(&id_at) },
            }
        }
        None => ChainError::Truncated { len, last: len.checked_sub(1).and_then(&id_at) },
    };
    let blocks = if complete { fresh.checkpoints.len().max(held.checkpoints.len()) } else { held.checkpoints.len() };
    if let Some(block) = (0..blocks).find(|&k| fresh.checkpoints.get(k) != held.checkpoints.get(k)) {
        return Err(broken(block));
    }
    let head = |s: &Sealed| s.head.filter(|(at, _)| *at == len).map(|(_, h)| h);
    if (complete || head(held).is_some()) && head(fresh) != head(held) {
        return Err(broken(len / CHAIN_BLOCK));
    }
    Ok(())
}

impl EventLog {
    /// The event at `position` with its time in nanoseconds, as the chain encodes it.
    fn chained(&self, position: usize) -> Option<(EventRef<'_>, i64)> {
        Some((self.get(position)?, *self.at.get(position)?))
    }

    /// Seals every complete block not yet sealed and returns the head.
    fn seal(&self, sealed: &mut Sealed) -> ChainHash {
        let len = self.len();
        if let Some((_, head)) = sealed.head.filter(|(at, _)| *at == len) {
            return head;
        }
        let mut chainer = Chainer::from(sealed.checkpoints.last().copied().unwrap_or_else(ChainHash::genesis));
        let mut position = sealed.checkpoints.len().saturating_mul(CHAIN_BLOCK);
        sealed.checkpoints.reserve_exact((len / CHAIN_BLOCK).saturating_sub(sealed.checkpoints.len()));
        for (e, at) in (position..len).filter_map(|p| self.chained(p)) {
            chainer.push(&e, at);
            position += 1;
            if position.is_multiple_of(CHAIN_BLOCK) {
                sealed.checkpoints.push(chainer.hash);
            }
        }
        sealed.head = Some((len, chainer.hash));
        chainer.hash
    }

    /// The chain's head `h_n` over every event (see [`crate::chain`]). The blocks not yet
    /// sealed are sealed now and kept.
    #[must_use]
    pub fn chain_head(&self) -> ChainHash {
        self.seal(&mut self.chain.lock())
    }

    /// Recomputes the chain from the events and compares it with the checkpoints and head held;
    /// returns the head. Blocks not sealed before are sealed now.
    ///
    /// # Errors
    /// [`ChainError::Broken`] naming the first block that differs (its first and last event ids
    /// and positions), or [`ChainError::Truncated`]; what is held is then kept as evidence.
    pub fn verify_chain(&self) -> Result<ChainHash, ChainError> {
        let mut held = self.chain.lock();
        let fresh = compute(self.len(), |p| self.chained(p));
        first_break(&fresh, &held, false, self.len(), |p| self.ids.get(p).map(EventId))?;
        *held = fresh;
        Ok(self.seal(&mut held))
    }

    /// The chain as a snapshot carries it, sealing what is not yet sealed.
    pub(crate) fn chain_doc(&self) -> ChainDoc {
        let mut sealed = self.chain.lock();
        let head = self.seal(&mut sealed);
        ChainDoc {
            scheme: CHAIN_SCHEME.to_owned(),
            block: CHAIN_BLOCK as u64,
            head,
            checkpoints: sealed.checkpoints.clone(),
        }
    }

    /// Takes `sealed`, checked against these very events, as the log's chain.
    pub(crate) fn adopt_chain(&mut self, sealed: Sealed) {
        *self.chain.get_mut() = sealed;
    }
}

/// Checks a snapshot's chain document: its scheme and block.
///
/// # Errors
/// [`ChainError`] for a chain of another scheme or block.
pub(crate) fn check_snapshot_doc(doc: &ChainDoc) -> Result<(), ChainError> {
    if doc.scheme != CHAIN_SCHEME {
        return Err(ChainError::UnknownScheme(doc.scheme.clone()));
    }
    if doc.block != CHAIN_BLOCK as u64 {
        return Err(ChainError::UnsupportedBlock(doc.block));
    }
    Ok(())
}

/// Checks a snapshot's chain against its events (each within the log's time range, see
/// [`check_snapshot_doc`] and [`crate::snapshot`]), before they are replayed: the chain they
/// give, to adopt once they are logged.
///
/// # Errors
/// [`ChainError`] where the chain breaks.
pub(crate) fn check_snapshot_events(events: &[Event], doc: &ChainDoc) -> Result<Sealed, ChainError> {
    let fresh = compute(events.len(), |p| {
        let event = events.get(p)?;
        Some((EventRef::from(event), event.at.timestamp_nanos_opt()?))
    });
    let held = Sealed { checkpoints: doc.checkpoints.clone(), head: Some((events.len(), doc.head)) };
    first_break(&fresh, &held, true, events.len(), |p| events.get(p).map(|e| e.id))?;
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::UserId;
    use crate::catalog::AppId;
    use chrono::TimeZone;

    fn event(id: u64, kind: EventKind) -> Event {
        Event {
            id: EventId(id),
            at: Utc.timestamp_opt(1_780_000_000 + id as i64, 5).unwrap(),
            app: AppId::from("app"),
            user: id.is_multiple_of(3).then(|| UserId::from("ann")),
            actor: id.is_multiple_of(2).then(|| UserId::from("bob")),
            kind,
        }
    }

    fn log(n: u64) -> EventLog {
        EventLog::from_events((1..=n).map(|i| event(i, EventKind::AppActivity))).unwrap()
    }

    #[test]
    fn the_encoding_is_the_documented_one() {
        let e = Event {
            id: EventId(7),
            at: Utc.timestamp_opt(1, 2).unwrap(),
            app: AppId::from("ab"),
            user: None,
            actor: Some(UserId::from("u")),
            kind: EventKind::SyncSettingChanged { setting: "s".into(), on: true },
        };
        let mut expected = vec![7, 0, 0, 0, 0, 0, 0, 0];
        expected.extend(1_000_000_002i64.to_le_bytes());
        expected.extend([2, 0, 0, 0, 0, 0, 0, 0, b'a', b'b']);
        expected.push(0);
        expected.extend([1, 1, 0, 0, 0, 0, 0, 0, 0, b'u']);
        expected.push(7);
        expected.extend([1, 0, 0, 0, 0, 0, 0, 0, b's', 1]);
        assert_eq!(canonical(&EventRef::from(&e), 1_000_000_002), expected);
    }

    #[test]
    fn the_seed_is_the_hash_of_the_scheme_and_hex_round_trips() {
        let seed = ChainHash::genesis();
        assert_eq!(seed.to_hex().len(), 64);
        assert_eq!(ChainHash::from_hex(&seed.to_hex()), Some(seed));
        assert_eq!(ChainHash::from_hex(&seed.to_hex().to_uppercase()), None);
        assert_eq!(ChainHash::from_hex(&seed.to_hex()[1..]), None);
        assert_eq!(log(0).chain_head(), seed);
    }

    #[test]
    fn checkpoints_are_sealed_lazily_and_rollback_drops_stale_ones() {
        let mut log = log(2 * CHAIN_BLOCK as u64 + 10);
        assert_eq!(*log.chain.lock(), Sealed::default(), "nothing hashed on append");
        let head = log.chain_head();
        assert_eq!(log.chain.lock().checkpoints.len(), 2);
        let mark = log.mark();
        for i in 0..CHAIN_BLOCK as u64 {
            log.push(event(3_000 + i, EventKind::AppActivity)).unwrap();
        }
        assert_ne!(log.chain_head(), head);
        assert_eq!(log.chain.lock().checkpoints.len(), 3);
        log.rollback(mark);
        assert_eq!(log.chain.lock().checkpoints.len(), 2);
        assert_eq!(log.chain_head(), head);
        assert_eq!(log.verify_chain(), Ok(head));
    }

    #[test]
    fn a_column_altered_after_sealing_is_named_by_its_block() {
        let log = log(3 * CHAIN_BLOCK as u64 + 5);
        let head = log.verify_chain().unwrap();
        let mut tampered = log.clone();
        // The event at position 1500 (id 1501) is in block 1: ids 1025 to 2048.
        *tampered.at.get_mut(1_500).unwrap() += 1;
        assert_eq!(
            tampered.verify_chain(),
            Err(ChainError::Broken { block: 1, first: EventId(1_025), last: EventId(2_048), start: 1_024, end: 2_047 })
        );
        let mut tail = log.clone();
        *tail.at.get_mut(3 * CHAIN_BLOCK + 4).unwrap() += 1;
        let err = tail.verify_chain().unwrap_err();
        assert_eq!(err.to_string(), "event chain breaks in block 3, events 3073 to 3077 (positions 3072 to 3076)");
        assert_eq!(err.kind(), ErrorKind::InvalidState);
        assert_eq!(log.verify_chain(), Ok(head));
    }
}

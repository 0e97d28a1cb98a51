//! The byte form of partial aggregates (X7): a compact, versioned envelope that a host pickles or
//! ships between the workers of a distributed engine.
//!
//! ```text
//! magic "CApt" | format version (u8) | kind (u8) | settings | body | checksum (8 bytes)
//! ```
//!
//! Integers are LEB128 varints (signed ones zigzag-encoded), strings a varint length and UTF-8
//! bytes, fingerprints 8 bytes little-endian. The checksum is the first 8 bytes of the SHA-256 of
//! everything before it, so corrupt bytes are refused rather than read as other counts.
//!
//! **Canonical.** The writer sorts every dictionary and every list, so two partials holding the
//! same state write the same bytes whatever order their events came in (a merge of partials in
//! any order writes the bytes of one pass over all the events, dedupe memory included).
//!
//! **Bounded on read.** The input is at most [`MAX_PARTIAL_BYTES`]; every length field is checked
//! against the bytes that remain (each item takes at least one byte per field) and against its own
//! limit before anything is allocated from it, and the decoded value goes through the same
//! re-checks as a JSON restore. On any error nothing is returned, so nothing is merged.
//!
//! **Settings.** A partial names the settings its counts depend on (for record aggregates the
//! dedupe horizon, [`crate::limits::DEDUPE_HORIZON_DAYS`]); a partial written with other settings
//! is refused with [`InsightsError::IncompatiblePartial`], as is a partial of another kind.

use sha2::{Digest, Sha256};

use super::InsightsError;
use crate::limits::MAX_PARTIAL_BYTES;

/// The first bytes of every partial.
const MAGIC: &[u8; 4] = b"CApt";

/// The version of the byte form this library writes and reads.
pub const PARTIAL_FORMAT_VERSION: u8 = 1;

const CHECKSUM_BYTES: usize = 8;
const HEADER_BYTES: usize = MAGIC.len() + 2;

/// What a partial holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A [`super::RecordAggregate`].
    Records = 1,
    /// A [`super::UsageHistory`].
    Usage = 2,
}

impl Kind {
    fn name(code: u8) -> String {
        match code {
            1 => "record aggregate".into(),
            2 => "usage history".into(),
            other => format!("unknown kind {other}"),
        }
    }
}

/// Writes a partial: the header, then the caller's settings and body, then [`Writer::finish`].
pub(super) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub(super) fn new(kind: Kind) -> Self {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(MAGIC);
        out.push(PARTIAL_FORMAT_VERSION);
        out.push(kind as u8);
        Self { out }
    }

    pub(super) fn u8(&mut self, value: u8) {
        self.out.push(value);
    }

    pub(super) fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.out.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.out.push(value as u8);
    }

    /// A `usize` as a varint (lengths and codes).
    pub(super) fn len(&mut self, value: usize) {
        self.varint(u64::try_from(value).unwrap_or(u64::MAX));
    }

    pub(super) fn i64(&mut self, value: i64) {
        self.varint(((value << 1) ^ (value >> 63)) as u64);
    }

    pub(super) fn fixed(&mut self, value: u64) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    pub(super) fn str(&mut self, value: &str) {
        self.len(value.len());
        self.out.extend_from_slice(value.as_bytes());
    }

    /// The bytes, checksum appended.
    pub(super) fn finish(mut self) -> Vec<u8> {
        let digest = Sha256::digest(&self.out);
        self.out.extend(digest.iter().take(CHECKSUM_BYTES));
        self.out
    }
}

/// Reads a partial's body, every read bounded by the bytes that remain.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Checks the envelope (size, magic, version, kind, checksum) and returns a reader of what
    /// follows the header, checksum excluded.
    pub(super) fn open(bytes: &'a [u8], kind: Kind, what: &'static str) -> Result<Self, InsightsError> {
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if len > MAX_PARTIAL_BYTES {
            return Err(InsightsError::PartialTooLarge { len, max: MAX_PARTIAL_BYTES });
        }
        let bad = |message: String| InsightsError::Malformed { what, message };
        if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
            return Err(bad("not a connected-apps partial (the bytes do not start with CApt)".into()));
        }
        let version = bytes.get(MAGIC.len()).copied().ok_or_else(|| bad("no format version".into()))?;
        if version != PARTIAL_FORMAT_VERSION {
            return Err(InsightsError::PartialVersion { got: version, expected: PARTIAL_FORMAT_VERSION });
        }
        let code = bytes.get(MAGIC.len() + 1).copied().ok_or_else(|| bad("no kind".into()))?;
        if code != kind as u8 {
            return Err(InsightsError::IncompatiblePartial {
                setting: "kind",
                got: Kind::name(code),
                expected: Kind::name(kind as u8),
            });
        }
        let body_end = bytes
            .len()
            .checked_sub(CHECKSUM_BYTES)
            .filter(|end| *end >= HEADER_BYTES)
            .ok_or_else(|| bad(format!("{} bytes are too few for a partial", bytes.len())))?;
        let (signed, checksum) = (bytes.get(..body_end).unwrap_or_default(), bytes.get(body_end..).unwrap_or_default());
        if Sha256::digest(signed).get(..CHECKSUM_BYTES) != Some(checksum) {
            return Err(bad("checksum mismatch: the bytes are corrupt".into()));
        }
        Ok(Self { bytes: signed.get(HEADER_BYTES..).unwrap_or_default(), what })
    }

    /// The error for malformed content.
    pub(super) fn bad(&self, message: String) -> InsightsError {
        InsightsError::Malformed { what: self.what, message }
    }

    pub(super) fn u8(&mut self) -> Result<u8, InsightsError> {
        let (&first, rest) = self.bytes.split_first().ok_or_else(|| self.bad("unexpected end of bytes".into()))?;
        self.bytes = rest;
        Ok(first)
    }

    pub(super) fn varint(&mut self) -> Result<u64, InsightsError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(self.bad("varint overflows 64 bits".into()));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.bad("varint longer than 10 bytes".into()))
    }

    /// A varint that must fit a `u32` (dictionary codes).
    pub(super) fn u32(&mut self) -> Result<u32, InsightsError> {
        let value = self.varint()?;
        u32::try_from(value).map_err(|_| self.bad(format!("code {value} exceeds 4294967295")))
    }

    pub(super) fn i64(&mut self) -> Result<i64, InsightsError> {
        let raw = self.varint()?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    pub(super) fn fixed(&mut self) -> Result<u64, InsightsError> {
        let (head, rest) = self.bytes.split_at_checked(8).ok_or_else(|| self.bad("unexpected end of bytes".into()))?;
        let mut word = [0u8; 8];
        word.copy_from_slice(head);
        self.bytes = rest;
        Ok(u64::from_le_bytes(word))
    }

    /// A count of items that take at least `min_item_bytes` each, at most `max`: checked against
    /// the bytes that remain before the caller allocates anything for them.
    pub(super) fn count(
        &mut self,
        field: &'static str,
        min_item_bytes: usize,
        max: usize,
    ) -> Result<usize, InsightsError> {
        let raw = self.varint()?;
        let count = usize::try_from(raw).unwrap_or(usize::MAX);
        if count > max {
            return Err(self.bad(format!("{field} count {raw} exceeds the maximum of {max}")));
        }
        if count.saturating_mul(min_item_bytes.max(1)) > self.bytes.len() {
            return Err(
                self.bad(format!("{field} count {raw} exceeds what the {} remaining bytes hold", self.bytes.len()))
            );
        }
        Ok(count)
    }

    pub(super) fn string(&mut self) -> Result<String, InsightsError> {
        let len = self.count("string byte", 1, usize::MAX)?;
        let (head, rest) =
            self.bytes.split_at_checked(len).ok_or_else(|| self.bad("unexpected end of bytes".into()))?;
        self.bytes = rest;
        String::from_utf8(head.to_vec()).map_err(|e| self.bad(format!("string is not utf-8: {e}")))
    }

    /// A list of strings (a dictionary) of at most `max` entries.
    pub(super) fn strings(&mut self, field: &'static str, max: usize) -> Result<Vec<String>, InsightsError> {
        let n = self.count(field, 1, max)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.string()?);
        }
        Ok(out)
    }

    /// Checks a setting against this library's value.
    pub(super) fn setting(&mut self, setting: &'static str, expected: u64) -> Result<(), InsightsError> {
        let got = self.varint()?;
        if got != expected {
            return Err(InsightsError::IncompatiblePartial {
                setting,
                got: got.to_string(),
                expected: expected.to_string(),
            });
        }
        Ok(())
    }

    /// Refuses bytes left after the body.
    pub(super) fn end(self) -> Result<(), InsightsError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(self.bad(format!("{} bytes follow the body", self.bytes.len())))
        }
    }
}

/// Sorts `names` and returns, per old code, the new code (for canonical dictionaries).
pub(super) fn sorted_codes<'a, K: AsRef<str>>(names: &'a [K], used: &[bool]) -> (Vec<&'a str>, Vec<u32>) {
    let mut sorted: Vec<&str> =
        names.iter().zip(used).filter(|(_, u)| **u).map(|(n, _)| n.as_ref()).collect::<Vec<_>>();
    sorted.sort_unstable();
    let codes = names
        .iter()
        .map(|n| sorted.binary_search(&n.as_ref()).ok().and_then(|i| u32::try_from(i).ok()).unwrap_or(u32::MAX))
        .collect();
    (sorted, codes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly on unexpected values")]
    use super::*;

    fn reader(body: &[u8]) -> Reader<'_> {
        Reader { bytes: body, what: "test" }
    }

    #[test]
    fn varints_round_trip_at_their_bounds_and_refuse_past_them() {
        for value in [0, 1, 127, 128, 16_383, 16_384, u64::from(u32::MAX), u64::MAX] {
            let mut w = Writer::new(Kind::Usage);
            w.varint(value);
            let body = &w.out[HEADER_BYTES..];
            assert_eq!(reader(body).varint().unwrap(), value);
        }
        for value in [0, -1, 1, i64::MIN, i64::MAX] {
            let mut w = Writer::new(Kind::Usage);
            w.i64(value);
            assert_eq!(reader(&w.out[HEADER_BYTES..]).i64().unwrap(), value);
        }
        // u64::MAX is nine 0xff then 0x01; 0x02 in the tenth byte passes 64 bits.
        let mut over = vec![0xff; 9];
        over.push(0x02);
        assert!(reader(&over).varint().is_err());
        assert!(reader(&[0x80; 11]).varint().is_err());
        assert!(reader(&[0x80]).varint().is_err());
    }

    #[test]
    fn a_count_is_checked_against_the_remaining_bytes_before_any_allocation() {
        // 3 items of at least 2 bytes need 6 bytes: 6 remaining is enough, 5 is not.
        assert_eq!(reader(&[3, 0, 0, 0, 0, 0, 0]).count("item", 2, 10).unwrap(), 3);
        assert!(reader(&[3, 0, 0, 0, 0, 0]).count("item", 2, 10).is_err());
        // A huge count in a few bytes is refused, not allocated.
        let err = reader(&[0xff, 0xff, 0xff, 0xff, 0x0f]).strings("apps", usize::MAX).unwrap_err();
        assert!(err.to_string().contains("apps count 4294967295 exceeds what the 0 remaining bytes hold"), "{err}");
        // The field's own maximum: at it accepted, past it refused.
        assert_eq!(reader(&[2, 0, 0]).count("item", 1, 2).unwrap(), 2);
        assert!(reader(&[3, 0, 0, 0]).count("item", 1, 2).unwrap_err().to_string().contains("maximum of 2"));
    }
}

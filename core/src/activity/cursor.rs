//! The keyset cursor of a page (L3): where the page stopped, tied to its filter, as
//! checksummed hex text.

use super::ActivityError;
use crate::event::EventId;
use crate::hash::Fnv;

const CURSOR_VERSION: u8 = 1;

/// The keyset position a page stopped at, tied to its filter: (position, id, time) of the last
/// event returned and the filter's fingerprint, plus a checksum, as 96 hex digits.
pub(super) struct Cursor {
    pub(super) position: u32,
    pub(super) id: EventId,
    pub(super) secs: i64,
    pub(super) nanos: u32,
    pub(super) filter: u64,
}

impl Cursor {
    const LEN: usize = 1 + 4 + 8 + 8 + 4 + 8 + 8;

    fn body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(Self::LEN);
        b.push(CURSOR_VERSION);
        b.extend_from_slice(&self.position.to_le_bytes());
        b.extend_from_slice(&self.id.0.to_le_bytes());
        b.extend_from_slice(&self.secs.to_le_bytes());
        b.extend_from_slice(&self.nanos.to_le_bytes());
        b.extend_from_slice(&self.filter.to_le_bytes());
        b
    }

    pub(super) fn encode(&self) -> String {
        let mut bytes = self.body();
        let mut h = Fnv::default();
        h.bytes(&bytes);
        bytes.extend_from_slice(&h.finish().to_le_bytes());
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            text.push(char::from(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0')));
            text.push(char::from(HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0')));
        }
        text
    }

    pub(super) fn decode(text: &str) -> Result<Self, ActivityError> {
        let bad = || ActivityError::MalformedCursor(text.to_owned());
        if text.len() != Self::LEN * 2 || !text.is_ascii() {
            return Err(bad());
        }
        let bytes: Vec<u8> = (0..Self::LEN)
            .map(|i| text.get(i * 2..i * 2 + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        let mut r = Reader(&bytes);
        let version = r.take::<1>().ok_or_else(bad)?;
        let position = u32::from_le_bytes(r.take().ok_or_else(bad)?);
        let id = EventId(u64::from_le_bytes(r.take().ok_or_else(bad)?));
        let secs = i64::from_le_bytes(r.take().ok_or_else(bad)?);
        let nanos = u32::from_le_bytes(r.take().ok_or_else(bad)?);
        let filter = u64::from_le_bytes(r.take().ok_or_else(bad)?);
        let sum = u64::from_le_bytes(r.take().ok_or_else(bad)?);
        let cursor = Self { position, id, secs, nanos, filter };
        let mut h = Fnv::default();
        h.bytes(&cursor.body());
        if version != [CURSOR_VERSION] || h.finish() != sum {
            return Err(bad());
        }
        Ok(cursor)
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
}

//! The crate's non-cryptographic hashes (a leaf: it imports nothing of the crate). SHA-256, the
//! hash chain's (X8), stays in [`crate::chain`].
//!
//! - [`Fnv`]: a *stable* hash (64-bit FNV-1a) for values that outlive the process — activity
//!   filter fingerprints and cursor checksums, log fingerprints. Its output must never change.
//! - [`FastHasher`] / [`FastMap`]: the one fast hasher for the crate's private maps, whose keys
//!   come from the directory and the log, not from an adversary.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// 64-bit FNV-1a: a stable, dependency-free hash for filter fingerprints and cursor checksums.
/// It detects accidents and casual edits; it is not a secret-keyed signature.
pub(crate) struct Fnv(pub(crate) u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

/// A fast, non-cryptographic hasher (Fx-style) for the evaluator's private maps: their keys
/// come from the directory and the log, not from an adversary.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

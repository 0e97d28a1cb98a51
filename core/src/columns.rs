//! Columns (a leaf): what the columnar parts of the core share — dense codes for ids
//! (`Dictionary`, private to the crate), the code of "no entry" (`NO_CODE`, private too), and
//! the one check that a batch's columns have equal lengths ([`check_lengths`], refusing with
//! [`ColumnError`], which the ingest and insights errors wrap).

use std::collections::HashMap;
use std::hash::Hash;

use thiserror::Error;

use crate::kind::ErrorKind;

/// The code of "no user" in the user and actor columns (and of no entry in other code
/// columns); [`crate::ingest::NO_USER`] is this code.
pub(crate) const NO_CODE: u32 = u32::MAX;

/// A column whose length differs from the batch's first column.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("column {column} has {len} rows, expected {expected}")]
#[non_exhaustive]
pub struct ColumnError {
    /// The column.
    pub column: &'static str,
    /// Its length.
    pub len: usize,
    /// The expected length: the first column's.
    pub expected: usize,
}

impl ColumnError {
    /// The error's kind: invalid input.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

/// Checks that every `(name, length)` of `columns` has `expected` rows; the first that does not
/// is refused.
///
/// # Errors
/// [`ColumnError`] naming the first column of another length.
pub fn check_lengths(expected: usize, columns: &[(&'static str, usize)]) -> Result<(), ColumnError> {
    match columns.iter().find(|(_, len)| *len != expected) {
        Some(&(column, len)) => Err(ColumnError { column, len, expected }),
        None => Ok(()),
    }
}

/// Ids given dense codes in order of first use.
#[derive(Debug, Clone)]
pub(crate) struct Dictionary<K> {
    names: Vec<K>,
    codes: HashMap<K, u32>,
    /// A fingerprint of the entries up to each one, in code order, so that users of the codes
    /// (an activity index) can tell two dictionaries with other codes apart in O(1).
    prints: Vec<u64>,
}

impl<K> Default for Dictionary<K> {
    fn default() -> Self {
        Self { names: Vec::new(), codes: HashMap::new(), prints: Vec::new() }
    }
}

impl<K: Clone + Eq + Hash + AsRef<str>> Dictionary<K> {
    /// The code of `key`, giving it the next one when it is new.
    pub(crate) fn intern(&mut self, key: &K) -> u32 {
        if let Some(code) = self.codes.get(key) {
            return *code;
        }
        let mut print = crate::hash::Fnv(self.fingerprint());
        print.bytes(key.as_ref().as_bytes());
        print.u64(u64::MAX);
        self.prints.push(print.finish());
        intern(&mut self.names, &mut self.codes, key)
    }

    /// The fingerprint of the whole dictionary.
    pub(crate) fn fingerprint(&self) -> u64 {
        self.fingerprint_of(self.names.len()).unwrap_or_default()
    }

    /// The fingerprint of the first `len` entries, if there are that many.
    pub(crate) fn fingerprint_of(&self, len: usize) -> Option<u64> {
        match len.checked_sub(1) {
            None => Some(crate::hash::Fnv::default().finish()),
            Some(last) => self.prints.get(last).copied(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn code(&self, key: &K) -> Option<u32> {
        self.codes.get(key).copied()
    }

    pub(crate) fn name(&self, code: u32) -> Option<&K> {
        self.names.get(code as usize)
    }

    pub(crate) fn names(&self) -> &[K] {
        &self.names
    }

    /// Forgets the entries from `len` on.
    pub(crate) fn truncate(&mut self, len: usize) {
        for name in self.names.drain(len.min(self.names.len())..) {
            self.codes.remove(&name);
        }
        self.prints.truncate(len);
    }
}

/// The dense code of `key` in `names`/`codes`, giving it the next one when it is new.
pub(crate) fn intern<K: Clone + Eq + Hash>(names: &mut Vec<K>, codes: &mut HashMap<K, u32>, key: &K) -> u32 {
    if let Some(code) = codes.get(key) {
        return *code;
    }
    let code = u32::try_from(names.len()).unwrap_or(NO_CODE);
    names.push(key.clone());
    codes.insert(key.clone(), code);
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_lengths_names_the_first_column_of_another_length() {
        assert_eq!(check_lengths(3, &[("apps", 3), ("types", 3)]), Ok(()));
        assert_eq!(check_lengths(0, &[]), Ok(()));
        let err = check_lengths(3, &[("apps", 3), ("types", 2), ("actions", 4)]);
        assert_eq!(err, Err(ColumnError { column: "types", len: 2, expected: 3 }));
        assert_eq!(err.map_err(|e| e.to_string()), Err("column types has 2 rows, expected 3".to_string()));
        assert_eq!(check_lengths(3, &[("apps", 4)]).map_err(|e| e.kind()), Err(ErrorKind::InvalidInput));
    }
}

//! Host numpy arrays in, of whatever dtype the documented API takes (issue 14), never copied
//! first. An array already of the target dtype is read in place: its slice is taken last, after
//! its dtype, shape and layout are checked again (Python code run by another argument's checks
//! could have changed them), and read while the call holds the GIL, so no Python code runs in
//! between. Any other array is cast, or dictionary-encoded, from the host's array in one pass
//! (each value read once, and what is kept is what was checked); strings are hashed once per row,
//! on every core. Code that released the GIL before the call (a numpy loop in another thread) can
//! still write an array's values meanwhile: every value is checked as it is read, so that gives
//! counts of some of the old and new values, never a read outside the array. No `astype`, no
//! `np.unique` in Python.
//!
//! Refused, with the argument named: anything but a numpy array (`TypeError`), a masked array,
//! a dtype the column cannot take or a non-native byte order (`TypeError`), more or fewer than
//! one dimension, a non-contiguous array, integers outside the target's range, `NaT`
//! (`InvalidInputError`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use connected_apps::ErrorKind;
use numpy::{
    Element, PyArray1, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::kind_error;

fn invalid(message: String) -> PyErr {
    kind_error(ErrorKind::InvalidInput, message)
}

/// The array, checked to be a one-dimensional, C-contiguous numpy array that is not masked.
fn array<'a, 'py>(obj: &'a Bound<'py, PyAny>, name: &str) -> PyResult<&'a Bound<'py, PyUntypedArray>> {
    let Ok(array) = obj.cast::<PyUntypedArray>() else {
        let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(PyTypeError::new_err(format!("{name} must be a numpy array, got {type_name}")));
    };
    if obj.hasattr("mask")? && obj.getattr("mask").is_ok_and(|m| !m.is_none()) {
        return Err(PyTypeError::new_err(format!("{name} is a masked array: fill or drop its masked values first")));
    }
    if array.ndim() != 1 {
        return Err(invalid(format!("{name} must be one-dimensional, got {} dimensions", array.ndim())));
    }
    if !array.is_c_contiguous() {
        return Err(invalid(format!("{name} must be C-contiguous: pass numpy.ascontiguousarray({name})")));
    }
    let dtype = array.dtype();
    if dtype.is_native_byteorder() == Some(false) {
        return Err(PyTypeError::new_err(format!(
            "{name} must be in native byte order, got dtype {}",
            dtype.getattr("str")?
        )));
    }
    Ok(array)
}

/// A column's values: the host's own array when it already has the target dtype, read in place,
/// or a converted copy.
pub enum Values<'py, T: Element> {
    /// The host's array (exactly the target dtype, contiguous, aligned), not yet borrowed: see
    /// [`Values::read`].
    InPlace(Bound<'py, PyArray1<T>>),
    /// Converted (cast, scaled or encoded) into memory only this call can reach.
    Owned(Vec<T>),
}

impl<'py, T: Element> Values<'py, T> {
    /// A reader of the values: for an array read in place, numpy's borrow of it. Take readers
    /// only after every Python call of the conversion, and drop them before the GIL is
    /// released: no Python code may run while one is held.
    pub fn read(&self) -> Read<'_, 'py, T> {
        match self {
            Self::InPlace(array) => Read::Borrowed(array.readonly()),
            Self::Owned(values) => Read::Owned(values),
        }
    }

    /// Whether these are the host's array, read in place (then only with the GIL held).
    pub fn in_place(&self) -> bool {
        matches!(self, Self::InPlace(_))
    }
}

/// The values of a [`Values`], ready to read.
pub enum Read<'a, 'py, T: Element> {
    /// numpy's borrow of the host's array.
    Borrowed(PyReadonlyArray1<'py, T>),
    /// Our own converted values.
    Owned(&'a [T]),
}

impl<T: Element> Read<'_, '_, T> {
    /// The values; a borrowed array's dtype, shape and layout are checked again first (see
    /// [`crate::convert::values_now`]).
    pub fn as_slice(&self) -> PyResult<&[T]> {
        match self {
            Self::Borrowed(array) => crate::convert::values_now(array),
            Self::Owned(values) => Ok(values),
        }
    }
}

/// `f` on the values of a contiguous array of exactly `S` (checked by the caller), read in place
/// with the GIL held (no Python code can change them meanwhile): each value is read once, into
/// what `f` makes of it. No copy of the host's array is made first.
fn with_values<S: Element, R>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&[S]) -> PyResult<R>) -> PyResult<R> {
    let obj = crate::convert::aligned(obj)?;
    let readonly = obj.cast::<PyArray1<S>>()?.readonly();
    f(readonly.as_slice().map_err(|e| PyTypeError::new_err(e.to_string()))?)
}

/// `values` as `T`, each exactly (no wrap-around), in one pass that converts every value and
/// notes whether all fit (no early exit, so it vectorises): each value of the host's array is
/// read once, and what is kept is what was checked. Only the error's wording reads again.
fn cast<S, T>(values: &[S], name: &str) -> PyResult<Vec<T>>
where
    S: Copy + std::fmt::Display,
    T: Copy + TryFrom<S> + Into<i128> + Bounded,
{
    let mut all_fit = true;
    let out: Vec<T> = values
        .iter()
        .map(|&v| {
            let converted = T::try_from(v);
            all_fit &= converted.is_ok();
            converted.unwrap_or(T::MIN)
        })
        .collect();
    if !all_fit {
        let bad = values.iter().find(|&&v| T::try_from(v).is_err()).map(ToString::to_string);
        let (min, max) = (T::MIN.into(), T::MAX.into());
        return Err(invalid(format!("{name} value {} is outside {min}..={max}", bad.unwrap_or_default())));
    }
    Ok(out)
}

/// The range of an integer type.
pub trait Bounded: Sized {
    /// The smallest value.
    const MIN: Self;
    /// The largest value.
    const MAX: Self;
}

macro_rules! bounded {
    ($($t:ty),*) => {$(impl Bounded for $t { const MIN: Self = <$t>::MIN; const MAX: Self = <$t>::MAX; })*};
}
bounded!(u8, u32, i64);

/// An integer column of any integer dtype as `T`: read in place when it already is `T`, else
/// cast (checked) from the host's array, read once.
pub fn integers<'py, T>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Values<'py, T>>
where
    T: Element + Copy + Send + TryFrom<i128> + Into<i128> + Bounded,
    T: TryFrom<i8>
        + TryFrom<i16>
        + TryFrom<i32>
        + TryFrom<i64>
        + TryFrom<u8>
        + TryFrom<u16>
        + TryFrom<u32>
        + TryFrom<u64>,
{
    let py = obj.py();
    let dtype = array(obj, name)?.dtype();
    if dtype.is_equiv_to(&numpy::dtype::<T>(py)) {
        return Ok(Values::InPlace(crate::convert::aligned(obj)?.cast_into::<PyArray1<T>>()?));
    }
    macro_rules! from {
        ($($s:ty),*) => {$(
            if dtype.is_equiv_to(&numpy::dtype::<$s>(py)) {
                return with_values::<$s, _>(obj, |values| cast::<$s, T>(values, name)).map(Values::Owned);
            }
        )*};
    }
    from!(i8, i16, i32, i64, u8, u16, u32, u64);
    Err(PyTypeError::new_err(format!("{name} must hold integers, got dtype {}", dtype.getattr("str")?)))
}

/// µs since the epoch from `datetime64` of a fixed unit (D down to ns) or integers already in µs
/// (read in place when int64).
pub fn micros<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Values<'py, i64>> {
    let dtype = array(obj, name)?.dtype();
    if dtype.kind() != b'M' {
        return integers::<i64>(obj, name);
    }
    let text: String = dtype.getattr("str")?.extract()?;
    let unit = text.split_once('[').map(|(_, u)| u.trim_end_matches(']')).unwrap_or_default();
    // µs per unit, or units per µs (negative).
    let scale: i64 = match unit {
        "D" => 86_400_000_000,
        "h" => 3_600_000_000,
        "m" => 60_000_000,
        "s" => 1_000_000,
        "ms" => 1_000,
        "us" => 1,
        "ns" => -1_000,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "{name} must be datetime64 of a unit from D to ns, got dtype {text}"
            )));
        }
    };
    with_values::<i64, _>(&obj.call_method1("view", ("i8",))?, |raw| {
        let mut out = Vec::with_capacity(raw.len());
        for (row, &v) in raw.iter().enumerate() {
            out.push(match v {
                i64::MIN => return Err(invalid(format!("{name} holds NaT at row {row}"))),
                v if scale < 0 => v.div_euclid(-scale),
                v => {
                    v.checked_mul(scale).ok_or_else(|| invalid(format!("{name} value at row {row} is out of range")))?
                }
            });
        }
        Ok(out)
    })
    .map(Values::Owned)
}

/// A column of strings (numpy `str_` or object array of `str`) as codes into a dictionary of
/// its distinct values, in order of first appearance.
pub fn encoded(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<(Vec<u32>, Vec<String>)> {
    let dtype = array(obj, name)?.dtype();
    match dtype.kind() {
        b'U' => {
            // Read once, with the GIL held (no copy of the characters): each row is hashed once.
            let width = dtype.itemsize() / 4;
            let len = obj.len()?;
            if width == 0 {
                return encode_ucs4(&[], 0, len, name);
            }
            let view = crate::convert::aligned(&obj.call_method1("view", ("u4",))?)?;
            let chars = view.cast::<PyArray1<u32>>()?.readonly();
            encode_ucs4(chars.as_slice().map_err(|e| PyTypeError::new_err(e.to_string()))?, width, len, name)
        }
        b'O' => {
            let mut codes = Vec::with_capacity(obj.len()?);
            let mut seen: HashMap<String, u32, BuildHasherDefault<Words>> = HashMap::default();
            let mut names = Vec::new();
            for (row, item) in obj.try_iter()?.enumerate() {
                let item = item?;
                let Ok(text) = item.cast::<PyString>() else {
                    return Err(PyTypeError::new_err(format!("{name} must hold strings, got a non-str at row {row}")));
                };
                let text = text.to_cow()?;
                let text: &str = &text;
                let code = match seen.get(text) {
                    Some(&code) => code,
                    None => {
                        let code =
                            u32::try_from(names.len()).map_err(|_| invalid(format!("{name}: too many values")))?;
                        seen.insert(text.to_owned(), code);
                        names.push(text.to_owned());
                        code
                    }
                };
                codes.push(code);
            }
            Ok((codes, names))
        }
        _ => Err(PyTypeError::new_err(format!(
            "{name} must hold strings (or codes, with its dictionary), got dtype {}",
            dtype.getattr("str")?
        ))),
    }
}

/// A fast, non-keyed hash for the strings of one call (their values come from the caller, who
/// gains nothing by colliding them but a slower call of their own): eight bytes at a time, or
/// the one word a [`Row`] hashes itself to.
#[derive(Default)]
struct Words(u64);

impl Words {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Words {
    fn finish(&self) -> u64 {
        // The table reads the top bits: fold the low ones in.
        (self.0 ^ (self.0 >> 29)).wrapping_mul(0x9e_37_79_b9_7f_4a_7c_15)
    }

    fn write(&mut self, bytes: &[u8]) {
        let words = bytes.chunks_exact(8);
        let rest = words.remainder();
        for word in words {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            self.mix(u64::from_le_bytes(w));
        }
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            if let Some(head) = w.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            self.mix(u64::from_le_bytes(w));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }
}

/// One fixed-width UCS4 row as a hash key: hashed two characters at a time, each pair multiplied
/// apart from the running hash (the multiplies do not wait on each other), and compared inline
/// (a row is a few characters: a call to `memcmp` costs more than the comparison).
#[derive(Clone, Copy)]
struct Row<'a>(&'a [u32]);

impl PartialEq for Row<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(other.0).all(|(a, b)| a == b)
    }
}

impl Eq for Row<'_> {}

impl std::hash::Hash for Row<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut h = self.0.len() as u64;
        for pair in self.0.chunks(2) {
            let (lo, hi) = (pair.first().copied().unwrap_or(0), pair.get(1).copied().unwrap_or(0));
            let word = u64::from(lo) | u64::from(hi) << 32;
            h = h.rotate_left(23) ^ word.wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        state.write_u64(h);
    }
}

/// Rows from which encoding is split over the cores.
const PARALLEL_MIN_ROWS: usize = 1 << 16;

/// One contiguous part of a string column, encoded: each row's code in the part, and each
/// distinct value (as read when first seen, with its row), in order of first appearance.
struct EncodedPart {
    codes: Vec<u32>,
    firsts: Vec<(usize, Vec<u32>)>,
}

/// Encodes rows `from..` of `rows` (each row the fixed-width UCS4 value, NUL-padded: equal
/// strings have equal rows, so rows are compared whole).
fn encode_part<'a>(rows: impl Iterator<Item = &'a [u32]>, from: usize, name: &str) -> PyResult<EncodedPart> {
    let mut seen: HashMap<Row<'_>, u32, BuildHasherDefault<Words>> = HashMap::default();
    let mut part = EncodedPart { codes: Vec::with_capacity(rows.size_hint().0), firsts: Vec::new() };
    for (i, row) in rows.enumerate() {
        let code = match seen.get(&Row(row)) {
            Some(&code) => code,
            None => {
                let code = u32::try_from(part.firsts.len()).map_err(|_| invalid(format!("{name}: too many values")))?;
                seen.insert(Row(row), code);
                part.firsts.push((from + i, row.to_vec()));
                code
            }
        };
        part.codes.push(code);
    }
    Ok(part)
}

/// Dictionary-encodes `len` fixed-width UCS4 strings of `width` characters (NUL-padded), in
/// order of first appearance. Large columns are split into one contiguous part per core (each
/// encoded apart, then the later parts' codes renumbered into the first's dictionary).
fn encode_ucs4(chars: &[u32], width: usize, len: usize, name: &str) -> PyResult<(Vec<u32>, Vec<String>)> {
    if width == 0 {
        return Ok((vec![0; len], if len > 0 { vec![String::new()] } else { Vec::new() }));
    }
    let row = |i: usize| chars.get(i * width..(i + 1) * width).unwrap_or_default();
    let threads = if len >= PARALLEL_MIN_ROWS {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8)
    } else {
        1
    };
    let chunk = len.div_ceil(threads).max(1);
    let parts: Vec<PyResult<EncodedPart>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..len)
            .step_by(chunk)
            .map(|lo| {
                let hi = (lo + chunk).min(len);
                scope.spawn(move || encode_part((lo..hi).map(row), lo, name))
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let parts = parts.into_iter().collect::<PyResult<Vec<EncodedPart>>>()?;
    // Each value as the part that first saw it read it: the host's characters are read once.
    let mut codes = Vec::with_capacity(len);
    let mut firsts: Vec<(usize, &[u32])> = Vec::new();
    let mut global: HashMap<Row<'_>, u32, BuildHasherDefault<Words>> = HashMap::default();
    for part in &parts {
        let mut renumbered = Vec::with_capacity(part.firsts.len());
        for (first, text) in &part.firsts {
            let code = match global.get(&Row(text)) {
                Some(&code) => code,
                None => {
                    let code = u32::try_from(firsts.len()).map_err(|_| invalid(format!("{name}: too many values")))?;
                    global.insert(Row(text), code);
                    firsts.push((*first, text));
                    code
                }
            };
            renumbered.push(code);
        }
        codes.extend(part.codes.iter().map(|&c| renumbered.get(c as usize).copied().unwrap_or(c)));
    }
    // The dictionary in order of first appearance: its first invalid value is the column's.
    let names = firsts
        .iter()
        .map(|&(first, text)| {
            let trimmed = text.get(..text.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1)).unwrap_or_default();
            trimmed
                .iter()
                .map(|&c| char::from_u32(c))
                .collect::<Option<String>>()
                .ok_or_else(|| invalid(format!("{name} holds an invalid character at row {first}")))
        })
        .collect::<PyResult<Vec<String>>>()?;
    Ok((codes, names))
}

/// Codes with their dictionary, or strings encoded here.
pub fn codes<'py>(
    obj: &Bound<'py, PyAny>,
    dictionary: Option<Vec<String>>,
    name: &str,
) -> PyResult<(Values<'py, u32>, Vec<String>)> {
    match dictionary {
        Some(dictionary) => Ok((integers::<u32>(obj, name)?, dictionary)),
        None => encoded(obj, name).map(|(codes, names)| (Values::Owned(codes), names)),
    }
}

//! Host numpy arrays in, of whatever dtype the documented API takes (issue 14). An array already
//! of the target dtype is read in place, with the GIL held throughout, so no Python code can
//! change it while it is validated and counted (no copy at all). Any other array is copied once,
//! as it is, while the GIL is held, then cast or dictionary-encoded in Rust with the GIL released
//! (strings are read once, with the GIL held, each row hashed once into its code). No `astype`,
//! no `np.unique` in Python.
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
    /// The host's array (exactly the target dtype, contiguous): read it **only while holding the
    /// GIL**, so that no Python code can change it meanwhile.
    InPlace(PyReadonlyArray1<'py, T>),
    /// Converted (cast, scaled or encoded) into memory only this call can reach.
    Owned(Vec<T>),
}

impl<T: Element> Values<'_, T> {
    /// The values.
    pub fn as_slice(&self) -> PyResult<&[T]> {
        match self {
            Self::InPlace(array) => array.as_slice().map_err(|e| PyTypeError::new_err(e.to_string())),
            Self::Owned(values) => Ok(values),
        }
    }

    /// Whether these are the host's array, read in place (then only with the GIL held).
    pub fn in_place(&self) -> bool {
        matches!(self, Self::InPlace(_))
    }
}

/// A private copy of a contiguous array of exactly `S` (checked by the caller).
fn copy<S: Element + Copy>(obj: &Bound<'_, PyAny>) -> PyResult<Vec<S>> {
    let typed = obj.cast::<PyArray1<S>>()?;
    let readonly = typed.readonly();
    Ok(readonly.as_slice().map_err(|e| PyTypeError::new_err(e.to_string()))?.to_vec())
}

/// `values` as `T`, each exactly (no wrap-around), with the GIL released.
fn cast<S, T>(py: Python<'_>, values: Vec<S>, name: &str) -> PyResult<Vec<T>>
where
    S: Copy + Send + Sync + Into<i128> + std::fmt::Display,
    T: Send + TryFrom<i128> + Into<i128> + Bounded,
{
    py.detach(|| {
        values
            .iter()
            .map(|&v| {
                T::try_from(v.into())
                    .map_err(|_| invalid(format!("{name} value {v} is outside {}..={}", T::MIN.into(), T::MAX.into())))
            })
            .collect()
    })
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
/// copied as it is and cast (checked) without the GIL.
pub fn integers<'py, T>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Values<'py, T>>
where
    T: Element + Copy + Send + TryFrom<i128> + Into<i128> + Bounded,
{
    let py = obj.py();
    let dtype = array(obj, name)?.dtype();
    if dtype.is_equiv_to(&numpy::dtype::<T>(py)) {
        return Ok(Values::InPlace(obj.cast::<PyArray1<T>>()?.readonly()));
    }
    macro_rules! from {
        ($($s:ty),*) => {$(
            if dtype.is_equiv_to(&numpy::dtype::<$s>(py)) {
                return cast::<$s, T>(py, copy::<$s>(obj)?, name).map(Values::Owned);
            }
        )*};
    }
    from!(i8, i16, i32, i64, u8, u16, u32, u64);
    Err(PyTypeError::new_err(format!("{name} must hold integers, got dtype {}", dtype.getattr("str")?)))
}

/// µs since the epoch from `datetime64` of a fixed unit (D down to ns) or integers already in µs
/// (read in place when int64).
pub fn micros<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Values<'py, i64>> {
    let py = obj.py();
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
    let raw = copy::<i64>(&obj.call_method1("view", ("i8",))?)?;
    py.detach(|| -> PyResult<Vec<i64>> {
        raw.into_iter()
            .enumerate()
            .map(|(row, v)| match v {
                i64::MIN => Err(invalid(format!("{name} holds NaT at row {row}"))),
                v if scale < 0 => Ok(v.div_euclid(-scale)),
                v => v.checked_mul(scale).ok_or_else(|| invalid(format!("{name} value at row {row} is out of range"))),
            })
            .collect()
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
            let view = obj.call_method1("view", ("u4",))?;
            let chars = view.cast::<PyArray1<u32>>()?.readonly();
            encode_ucs4(chars.as_slice().map_err(|e| PyTypeError::new_err(e.to_string()))?, width, len, name)
        }
        b'O' => {
            let mut codes = Vec::with_capacity(obj.len()?);
            let mut seen: HashMap<String, u32> = HashMap::new();
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
/// gains nothing by colliding them but a slower call of their own).
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            if let Some(w) = word.get_mut(..chunk.len()) {
                w.copy_from_slice(chunk);
            }
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

/// Dictionary-encodes `len` fixed-width UCS4 strings of `width` characters (NUL-padded).
fn encode_ucs4(chars: &[u32], width: usize, len: usize, name: &str) -> PyResult<(Vec<u32>, Vec<String>)> {
    let mut seen: HashMap<&[u32], u32, BuildHasherDefault<Fx>> = HashMap::default();
    let mut names = Vec::new();
    let mut codes = Vec::with_capacity(len);
    let rows: Box<dyn Iterator<Item = &[u32]>> =
        if width == 0 { Box::new(std::iter::repeat_n(&[][..], len)) } else { Box::new(chars.chunks(width)) };
    for (row, text) in rows.enumerate() {
        let trimmed = text.get(..text.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1)).unwrap_or_default();
        let code = match seen.get(trimmed) {
            Some(&code) => code,
            None => {
                let decoded: Option<String> = trimmed.iter().map(|&c| char::from_u32(c)).collect();
                let decoded =
                    decoded.ok_or_else(|| invalid(format!("{name} holds an invalid character at row {row}")))?;
                let code = u32::try_from(names.len()).map_err(|_| invalid(format!("{name}: too many values")))?;
                seen.insert(trimmed, code);
                names.push(decoded);
                code
            }
        };
        codes.push(code);
    }
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

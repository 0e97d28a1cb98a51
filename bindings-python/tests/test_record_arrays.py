"""`ingest_record_arrays` (issue 14): exact dtypes cross as they are, other dtypes are cast and
strings dictionary-encoded in Rust, and every wrong dtype, layout or dimension is a typed error
naming the argument that counts nothing."""

from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np
import pytest

import connected_apps as ca

APPS = ["zoom", "asana", "slack"]
TYPES = ["deals", "contacts", "2-123"]
START_US = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z


def exact(n: int = 1_000) -> Dict[str, Any]:
    """Columns of the exact dtypes, with their dictionaries."""
    rng = np.random.default_rng(5)
    return {
        "at": START_US + rng.integers(0, 9 * 86_400_000_000, n, dtype=np.int64),
        "apps": rng.integers(0, len(APPS), n).astype(np.uint32),
        "record_types": rng.integers(0, len(TYPES), n).astype(np.uint32),
        "actions": rng.integers(0, 4, n).astype(np.uint8),
        "app_dictionary": APPS,
        "record_type_dictionary": TYPES,
    }


def cells_of(**columns: Any) -> list:
    cube = ca.RecordAggregate()
    count = ca.ingest_record_arrays(cube, **columns)
    assert count == len(columns["actions"])
    return cube.cells()


def test_every_accepted_form_counts_the_same_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    cols = exact()
    expected = cells_of(**cols)
    assert sum(c["count"] for c in expected) == 1_000
    # No np.unique in Python any more: strings are encoded in Rust.
    monkeypatch.setattr(np, "unique", lambda *a, **k: pytest.fail("np.unique called"))
    names = {
        "apps": np.array(APPS)[cols["apps"]],
        "record_types": np.array(TYPES)[cols["record_types"]],
    }
    assert names["apps"].dtype.kind == "U"
    strings = dict(cols, **names, app_dictionary=None, record_type_dictionary=None)
    assert cells_of(**strings) == expected
    objects = dict(strings, apps=names["apps"].astype(object), record_types=list(names["record_types"]))
    assert cells_of(**objects) == expected
    casts = dict(
        cols,
        at=(cols["at"] * 1_000).astype("datetime64[ns]"),
        apps=cols["apps"].astype(np.int64),
        record_types=cols["record_types"].astype(np.uint8),
        actions=cols["actions"].astype(np.int32),
    )
    assert cells_of(**casts) == expected
    assert cells_of(**dict(cols, at=cols["at"].astype("datetime64[us]"))) == expected
    seconds = dict(cols, at=(cols["at"] // 1_000_000).astype("datetime64[s]"))
    assert sum(c["count"] for c in cells_of(**seconds)) == 1_000
    # pandas categoricals: their codes and categories cross as they are (categories in another
    # order than the dictionary's, some unused).
    import pandas as pd

    categorical = dict(
        strings,
        apps=pd.Categorical(names["apps"], categories=["unused", *reversed(APPS)]),
        record_types=pd.Series(names["record_types"], dtype="category"),
    )
    assert cells_of(**categorical) == expected


def test_a_missing_value_in_a_categorical_is_refused_naming_the_argument() -> None:
    import pandas as pd

    cols = exact(10)
    names = np.array(APPS, dtype=object)[cols["apps"]]
    names[3] = None
    cube = ca.RecordAggregate()
    with pytest.raises(ca.InvalidInputError, match=r"apps value -1 is outside 0..=4294967295"):
        ca.ingest_record_arrays(cube, **dict(cols, apps=pd.Categorical(names), app_dictionary=None))
    assert cube.event_count == 0


BAD: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {
    "at float": lambda c: dict(c, at=c["at"].astype(np.float64)),
    "at strided": lambda c: dict(c, at=np.repeat(c["at"], 2)[::2]),
    "at 2-d": lambda c: dict(c, at=c["at"].reshape(-1, 1)),
    "at NaT": lambda c: dict(c, at=np.where(np.arange(len(c["at"])) == 7, np.datetime64("NaT"), c["at"].astype("datetime64[us]"))),
    "at months": lambda c: dict(c, at=np.zeros(len(c["at"]), dtype="datetime64[M]")),
    "at big-endian": lambda c: dict(c, at=c["at"].astype(">i8")),
    "apps float codes": lambda c: dict(c, apps=c["apps"].astype(np.float32)),
    "apps negative codes": lambda c: dict(c, apps=c["apps"].astype(np.int64) - 1),
    "apps codes without dictionary": lambda c: dict(c, app_dictionary=None),
    "apps reversed": lambda c: dict(c, apps=c["apps"][::-1]),
    "apps bytes": lambda c: dict(c, apps=np.array(APPS, dtype="S")[c["apps"]], app_dictionary=None),
    "apps None in objects": lambda c: dict(c, apps=np.array([None] * len(c["apps"]), dtype=object), app_dictionary=None),
    "record_types strings with dictionary": lambda c: dict(c, record_types=np.array(TYPES)[c["record_types"]]),
    "record_types 2-d": lambda c: dict(c, record_types=np.stack([c["record_types"], c["record_types"]])),
    "actions bool": lambda c: dict(c, actions=c["actions"] > 1),
    "actions past uint8": lambda c: dict(c, actions=np.concatenate([c["actions"][:-1], [256]]).astype(np.int64)),
    "actions masked": lambda c: dict(c, actions=np.ma.masked_array(c["actions"], mask=c["actions"] > 2)),
    "actions 0-d": lambda c: dict(c, actions=np.uint8(1)),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_wrong_dtype_layout_or_dimension_names_the_argument_and_counts_nothing(case: str) -> None:
    cube = ca.RecordAggregate()
    ca.ingest_record_arrays(cube, **exact(10))
    before = cube.to_json()
    argument = case.split()[0]
    with pytest.raises((TypeError, ca.InvalidInputError)) as raised:
        ca.ingest_record_arrays(cube, **BAD[case](exact()))
    assert argument in str(raised.value) or (argument == "apps" and "app" in str(raised.value))
    assert cube.to_json() == before and cube.event_count == 10


def test_the_errors_are_the_documented_types() -> None:
    cols = exact(10)
    with pytest.raises(TypeError, match="at must hold integers, got dtype <f8"):
        ca.ingest_record_arrays(ca.RecordAggregate(), **dict(cols, at=cols["at"].astype(np.float64)))
    with pytest.raises(ca.InvalidInputError, match=r"at must be C-contiguous"):
        ca.ingest_record_arrays(ca.RecordAggregate(), **dict(cols, at=np.repeat(cols["at"], 2)[::2]))
    with pytest.raises(ca.InvalidInputError, match="actions must be one-dimensional, got 2 dimensions"):
        ca.ingest_record_arrays(ca.RecordAggregate(), **dict(cols, actions=cols["actions"].reshape(2, 5)))
    with pytest.raises(ca.InvalidInputError, match=r"actions value 256 is outside 0..=255"):
        ca.ingest_record_arrays(ca.RecordAggregate(), **dict(cols, actions=np.full(10, 256)))
    with pytest.raises(ca.InvalidInputError, match="at holds NaT at row 0"):
        ca.ingest_record_arrays(ca.RecordAggregate(), **dict(cols, at=np.full(10, np.datetime64("NaT"), dtype="M8[us]")))
    # Just inside the bounds: code 4294967295 is a valid u32 (the dictionary then refuses it).
    inside = dict(cols, apps=np.full(10, 2**32 - 1, dtype=np.int64))
    with pytest.raises(ca.InvalidInputError, match="app"):
        ca.ingest_record_arrays(ca.RecordAggregate(), **inside)
    with pytest.raises(ca.InvalidInputError, match=r"apps value 4294967296 is outside 0..=4294967295"):
        ca.ingest_record_arrays(ca.RecordAggregate(), **dict(cols, apps=np.full(10, 2**32, dtype=np.int64)))


def unaligned(values: np.ndarray) -> np.ndarray:
    """The same values in memory at an odd address (numpy flags it not aligned)."""
    raw = np.zeros(values.nbytes + 1, dtype=np.uint8)
    raw[1:] = np.frombuffer(values.tobytes(), dtype=np.uint8)
    out = np.frombuffer(raw.data, dtype=values.dtype, count=len(values), offset=1)
    assert not out.flags.aligned and np.array_equal(out, values)
    return out


def test_unaligned_arrays_of_the_exact_dtypes_are_read_as_the_aligned_ones() -> None:
    cols = exact()
    expected = cells_of(**cols)
    odd = dict(cols, at=unaligned(cols["at"]), apps=unaligned(cols["apps"]), record_types=unaligned(cols["record_types"]))
    assert cells_of(**odd) == expected
    cube = ca.RecordAggregate()
    cube.ingest_columns(odd["at"], odd["apps"], APPS, odd["record_types"], TYPES, odd["actions"])
    assert cube.cells() == expected
    casts = dict(cols, at=unaligned(cols["at"].astype("datetime64[us]").astype("datetime64[ns]")),
                 apps=unaligned(cols["apps"].astype(np.int64)))
    assert cells_of(**casts) == expected
    names = np.array(APPS)[cols["apps"]]
    assert cells_of(**dict(cols, apps=unaligned(names), app_dictionary=None)) == expected

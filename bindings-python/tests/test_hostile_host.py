"""A hostile host (issue 11): the module must never crash, corrupt or mislead it.

Each refusal raises the module's typed exception (or ``TypeError`` for a wrong Python type) and
leaves ``engine.to_json()`` byte-identical; every batch that is accepted is exactly what was
validated, however another thread changes the host's buffers meanwhile.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import numpy as np
import pytest

import connected_apps as ca

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
T0_US = int((T0 - datetime(1970, 1, 1, tzinfo=timezone.utc)) / timedelta(microseconds=1))
# "ghost" is in the directory but never installed: activity of it is refused (InvalidStateError).
APPS = ["live", "ghost"]
ROWS = 1_000
ACTIVITY = ca.ActivityType.APP_ACTIVITY.code


def engine_with_live_app() -> ca.Engine:
    apps = [ca.App(a, a, "p", level="account_level", distribution="marketplace") for a in APPS]
    users = [ca.User("admin", "Ada", "ada@x.test", super_admin=True)]
    engine = ca.Engine(ca.Account("1", "Acme"), users=users, apps=apps)
    engine.install("admin", "live", T0)
    return engine


def batch(first_id: int, first_us: int) -> dict:
    return {
        "ids": np.arange(first_id, first_id + ROWS, dtype=np.uint64),
        "at_us": np.arange(first_us, first_us + ROWS, dtype=np.int64),
        "types": np.full(ROWS, ACTIVITY, dtype=np.uint8),
        "apps": np.zeros(ROWS, dtype=np.uint32),
    }


def ingest(engine: ca.Engine, cols: dict) -> int:
    return engine.ingest_columns(cols["ids"], cols["at_us"], cols["types"], cols["apps"], APPS)


class Flipper:
    """Flips `array` between `a` and `b` in another thread until stopped."""

    def __init__(self, array: Any, a: Any, b: Any) -> None:
        self.stop = threading.Event()
        self.flips = 0

        def run() -> None:
            while not self.stop.is_set():
                array[:] = b
                array[:] = a
                self.flips += 1
                time.sleep(0)  # hand the GIL over: flip between any two steps of an ingest

        self.thread = threading.Thread(target=run)

    def __enter__(self) -> "Flipper":
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop.set()
        self.thread.join()


# --- 1. borrowed buffers are frozen before they are validated ---------------------------------


def test_a_column_flipped_by_another_thread_never_commits_rows_that_were_not_validated() -> None:
    engine = engine_with_live_app()
    start = engine.event_count
    cols = batch(1_000, T0_US + 1)
    accepted = refused = 0
    with Flipper(cols["apps"], 0, 1) as flipper:
        for attempt in range(100):
            # Fresh ids and times each attempt; the apps column is the one being flipped.
            cols["ids"][:] = np.arange(ROWS, dtype=np.uint64) + 1_000 + attempt * ROWS
            cols["at_us"][:] = np.arange(ROWS, dtype=np.int64) + T0_US + 1 + attempt * ROWS
            try:
                assert ingest(engine, cols) == ROWS
                accepted += 1
            except ca.InvalidStateError as e:
                assert "ghost" in str(e)
                refused += 1
    assert flipper.flips > 0 and accepted + refused == 100
    facets = engine.activity_facets(apps=["ghost"])
    assert facets.total == 0  # no row of the uninstalled app was ever committed
    assert engine.event_count == start + accepted * ROWS
    assert engine.activity_facets(apps=["live"], types=["app_activity"]).total == accepted * ROWS
    restored = ca.Engine.from_json(engine.to_json())
    assert restored.event_count == engine.event_count


def test_record_and_usage_columns_flipped_meanwhile_are_counted_as_validated() -> None:
    cube = ca.RecordAggregate()
    at_us = np.full(ROWS, T0_US, dtype=np.int64)
    apps = np.zeros(ROWS, dtype=np.uint32)
    record_types = np.zeros(ROWS, dtype=np.uint32)
    actions = np.full(ROWS, ca.RecordAction.CREATED.code, dtype=np.uint8)
    accepted = 0
    with Flipper(actions, ca.RecordAction.CREATED.code, 9):
        for _ in range(100):
            try:
                cube.ingest_columns(at_us, apps, ["live"], record_types, ["contacts"], actions)
                accepted += 1
            except ca.InvalidInputError:
                pass
    assert cube.event_count == accepted * ROWS
    # Only the batches read whole were counted, each with its rows' one action.
    assert {c["action"] for c in cube.cells()} == ({"created"} if accepted else set())
    assert ca.RecordAggregate.from_json(cube.to_json()).cells() == cube.cells()

    history = ca.UsageHistory()
    calls = np.full(1, 10, dtype=np.int64)
    accepted = 0
    with Flipper(calls, 10, -5):
        for i in range(300):
            try:
                at = np.array([T0_US + i * 60_000_000], dtype=np.int64)
                history.ingest_columns(at, np.zeros(1, dtype=np.uint32), ["live"], calls)
                accepted += 1
            except ca.InvalidInputError:
                pass
    readings = history.snapshots("live")
    assert len(readings) == accepted and all(r["calls_today"] == 10 for r in readings)


# --- 2. a second thread waits for a change, never gets a borrow error --------------------------


def run_together(writer: Callable[[], None], reader: Callable[[], Any], reads: int = 300) -> list:
    """Runs `writer` in a thread while this thread calls `reader` `reads` times."""
    errors: list = []

    def write() -> None:
        try:
            writer()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    thread = threading.Thread(target=write)
    thread.start()
    seen = [reader() for _ in range(reads)]
    thread.join()
    assert errors == []
    return seen


def test_readers_during_an_ingest_see_the_state_before_or_after_it() -> None:
    engine = engine_with_live_app()
    start = engine.event_count

    def writer() -> None:
        for i in range(20):
            ingest(engine, batch(1_000 + i * ROWS, T0_US + 1 + i * ROWS))

    def reader() -> int:
        count = engine.event_count
        assert engine.activity(page_size=1) is not None and engine.state() is not None
        return count

    counts = run_together(writer, reader)
    assert all((c - start) % ROWS == 0 for c in counts)  # never part of a batch
    assert counts == sorted(counts)
    assert engine.event_count == start + 20 * ROWS


def test_cube_and_history_are_shared_between_threads_without_borrow_errors() -> None:
    cube = ca.RecordAggregate()
    at_us = np.full(ROWS, T0_US, dtype=np.int64)
    zeros = np.zeros(ROWS, dtype=np.uint32)
    actions = np.zeros(ROWS, dtype=np.uint8)

    def fill_cube() -> None:
        for _ in range(30):
            cube.ingest_columns(at_us, zeros, ["live"], zeros, ["contacts"], actions)

    counts = run_together(fill_cube, lambda: cube.event_count)
    assert all(c % ROWS == 0 for c in counts) and cube.event_count == 30 * ROWS
    cube.merge(cube)  # into itself: doubles, does not wait on itself
    assert cube.event_count == 60 * ROWS

    history = ca.UsageHistory()

    def fill_history() -> None:
        for i in range(300):
            history.record("live", T0 + timedelta(minutes=i), i)

    seen = run_together(fill_history, lambda: len(history.snapshots("live")))
    assert seen == sorted(seen) and len(history.snapshots("live")) == 300


# --- 3. wrong integers and datetimes are the module's errors, naming the argument --------------


NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)
ACCOUNT = ca.Account("1", "Acme", subscriptions={"sales": "professional"})


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda e: e.activity(page_size=-1), "page_size"),
        (lambda e: e.activity(page_size=2**64), "page_size"),
        (lambda e: e.activity(page_size=-(2**200)), "page_size"),
        (lambda e: ca.RecordAggregate().insights(NOW, date(2026, 3, 9), window_days=-1), "window_days"),
        (lambda e: ca.RecordAggregate().insights(NOW, date(2026, 3, 9), window_days=2**32), "window_days"),
        (lambda e: ca.UsageHistory().report(ACCOUNT, NOW, window_days=-1), "window_days"),
        (lambda e: ca.UsageHistory().record("live", NOW, -1), "calls_today"),
        (lambda e: e.append(ca.Event(2**64, NOW, "live", "app_activity")), "id"),
        (lambda e: ca.Event(-1, NOW, "live", "app_activity"), "id"),
        (lambda e: ca.Account("2", "B", api_limit_increases=256), "api_limit_increases"),
        (lambda e: ca.Marketplace([]).search(limit=-1), "limit"),
        (lambda e: ca.Marketplace([]).search(offset=2**64), "offset"),
        (lambda e: ca.LearningLibrary([]).for_insights("en", limit=-1), "limit"),
    ],
)
def test_out_of_range_integers_raise_invalid_input_naming_the_argument(call: Callable, name: str) -> None:
    engine = engine_with_live_app()
    before = engine.to_json()
    with pytest.raises(ca.InvalidInputError, match=f"^{name} must be an integer in ") as raised:
        call(engine)
    assert isinstance(raised.value, ca.ConnectedAppsError) and not isinstance(raised.value, OverflowError)
    assert engine.to_json() == before


def test_integers_just_inside_the_range_are_accepted_and_wrong_types_are_type_errors() -> None:
    assert ca.Event(2**64 - 1, NOW, "live", "app_activity").id == 2**64 - 1
    assert ca.Event(np.uint64(7), NOW, "live", "app_activity").id == 7  # numpy integers too
    assert ca.Account("2", "B", api_limit_increases=255).api_limit_increases == 255
    engine = engine_with_live_app()
    assert len(engine.activity(page_size=ca.MAX_PAGE_SIZE)) == engine.event_count
    before = engine.to_json()
    for bad in ("5", 5.0, True, None):
        with pytest.raises(TypeError, match="page_size must be an int"):
            engine.activity(page_size=bad)  # type: ignore[arg-type]
    assert engine.to_json() == before


def test_a_datetime_whose_utc_conversion_leaves_pythons_range_is_invalid_input() -> None:
    engine = engine_with_live_app()
    before = engine.to_json()
    earliest = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    latest = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1)))
    for instant in (earliest, latest):
        with pytest.raises(ca.InvalidInputError, match="outside the range of datetimes in UTC"):
            engine.report_activity("live", instant)
        with pytest.raises(ca.InvalidInputError, match="outside the range of datetimes in UTC"):
            engine.execute(None, {"command": "report_activity", "app": "live", "user": None}, instant)
    assert engine.to_json() == before
    # Just inside: the same wall time in UTC converts (and is then refused by the log's own range).
    with pytest.raises(ca.InvalidInputError, match="outside the log's range"):
        engine.report_activity("live", datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))))
    assert engine.to_json() == before


def test_a_null_in_an_arrow_column_is_invalid_input_naming_the_column() -> None:
    pa = pytest.importorskip("pyarrow")
    engine = engine_with_live_app()
    before = engine.to_json()
    good = {
        "id": pa.array([500, 501], type=pa.uint64()),
        "at": pa.array([T0_US + 1, T0_US + 2], type=pa.timestamp("us", tz="UTC")),
        "type": pa.array(["app_activity", "app_activity"]),
        "app": pa.array(["live", "live"]),
    }
    for column, values, error, message in [
        ("type", pa.array(["app_activity", None]), ca.InvalidInputError, "column type is null at row 1"),
        ("app", pa.array([None, "live"]), ca.InvalidInputError, "column app is null at row 0"),
        ("id", pa.array([500, None], type=pa.uint64()), ca.InvalidInputError, "column id is null at row 1"),
        ("at", pa.array([None, T0_US], type=pa.timestamp("us")), ca.InvalidInputError, "column at is null"),
        ("id", pa.array([-1, 501]), ca.InvalidInputError, "column id: "),
        ("at", pa.array([T0_US * 1000 + 1, T0_US * 1000 + 2], type=pa.timestamp("ns")), ca.InvalidInputError,
         "column at: "),
        ("id", pa.array(["a", "b"]), ca.InvalidInputError, "column id: "),
        ("at", pa.array([True, False]), TypeError, "column at of type bool cannot be read"),
    ]:
        with pytest.raises(error, match=message):
            ca.ingest_arrow(engine, pa.table(dict(good, **{column: values})))
        assert engine.to_json() == before
    with pytest.raises(ca.InvalidInputError, match="column app is missing"):
        ca.ingest_arrow(engine, pa.table({k: v for k, v in good.items() if k != "app"}))
    assert engine.to_json() == before
    assert ca.ingest_arrow(engine, pa.table(good)) == 2


# --- 4. execute refuses fields the command does not have ----------------------------------------


def test_execute_refuses_an_unknown_field_and_accepts_every_known_one() -> None:
    engine = engine_with_live_app()
    before = engine.to_json()
    with pytest.raises(ca.InvalidInputError, match="unknown field `usr`"):
        engine.execute("admin", {"command": "disconnect", "app": "live", "usr": "admin"}, NOW)
    error = {"code": "E1", "message": "down", "resolution_steps": [], "severity": "high"}
    with pytest.raises(ca.InvalidInputError, match="unknown field `severity`"):
        engine.execute(None, {"command": "report_error", "app": "live", "error": error}, NOW)
    assert engine.to_json() == before
    command = {"command": "disconnect", "app": "live", "user": None}
    assert isinstance(engine.execute("admin", command, NOW), ca.Applied)
    # Without the unknown field the same command reaches the engine's own rules ("live" does not
    # report its status, so a reported error is refused for what it is, not for its shape).
    del error["severity"]
    with pytest.raises(ca.InvalidInputError, match="does not report status"):
        engine.execute(None, {"command": "report_error", "app": "live", "error": error}, NOW)


# --- 5. numpy columns of the wrong kind are typed errors naming the argument --------------------


def as_big_endian(a: Any) -> Any:
    return a.astype(a.dtype.newbyteorder(">"))


@pytest.mark.parametrize(
    ("column", "make", "error", "message"),
    [
        ("ids", lambda a: a.astype(np.int64), TypeError, "ids must have dtype uint64 in native byte order, got <i8"),
        ("ids", as_big_endian, TypeError, "ids must have dtype uint64 in native byte order, got >u8"),
        ("at_us", lambda a: a.astype(np.float64), TypeError, "at_us must have dtype int64"),
        ("types", lambda a: a.astype(np.uint16), TypeError, "types must have dtype uint8"),
        ("apps", lambda a: a.astype(np.int32), TypeError, "apps must have dtype uint32"),
        ("apps", lambda a: a.tolist(), TypeError, "apps must be a numpy array of uint32, got list"),
        ("ids", lambda a: a.reshape(2, 1), ca.InvalidInputError, "ids must be one-dimensional, got 2 dimensions"),
        ("ids", lambda a: a[0], TypeError, "ids must be a numpy array"),  # a numpy scalar
        ("ids", lambda a: np.array(a[0]), ca.InvalidInputError, "ids must be one-dimensional, got 0 dimensions"),
        ("types", lambda a: np.ma.masked_array(a, mask=[False, True]), TypeError, "types is a masked array"),
        ("users", lambda a: np.zeros(2, dtype=np.int64), TypeError, "users must have dtype uint32"),
    ],
)
def test_wrong_numpy_columns_are_refused_naming_them(column: str, make: Callable, error: type, message: str) -> None:
    engine = engine_with_live_app()
    before = engine.to_json()
    cols = dict(batch(500, T0_US + 1), users=None)
    cols = {k: (v[:2] if isinstance(v, np.ndarray) else v) for k, v in cols.items()}
    cols[column] = make(cols["apps"] if column == "users" else cols[column])
    with pytest.raises(error, match=message):
        engine.ingest_columns(cols["ids"], cols["at_us"], cols["types"], cols["apps"], APPS, users=cols["users"])
    assert engine.to_json() == before


def test_strided_reversed_and_unaligned_columns_are_read_exactly() -> None:
    engine = engine_with_live_app()
    start = engine.event_count
    ids = np.arange(500, 510, dtype=np.uint64)
    at = np.arange(T0_US + 1, T0_US + 21, dtype=np.int64)[::2]  # every other: strided
    raw = np.zeros(10 * 4 + 1, dtype=np.uint8)
    apps = np.frombuffer(raw.data, dtype=np.uint32, count=10, offset=1)  # unaligned
    assert not apps.flags.aligned and not at.flags.contiguous
    types = np.full(10, ACTIVITY, dtype=np.uint8)
    assert engine.ingest_columns(ids[::-1][::-1], at, types, apps, APPS) == 10
    events = engine.events()[start:]
    assert [e.id for e in events] == list(range(500, 510))
    assert [e.at for e in events] == [T0 + timedelta(microseconds=1 + 2 * i) for i in range(10)]
    assert {e.app for e in events} == {"live"}


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"ids": [-1, 501]}, ca.InvalidInputError, "ids value -1 is outside 0..=18446744073709551615"),
        ({"ids": [2**64, 501]}, ca.InvalidInputError, "ids value 18446744073709551616 is outside"),
        ({"ids": [500.0, 501.0]}, TypeError, "ids must hold integers, got dtype float64"),
        ({"ids": [500, None]}, TypeError, "ids must hold integers"),
        ({"types": [256, 256]}, ca.InvalidInputError, "types value 256 is outside 0..=255"),
        ({"types": np.array([-1, -1], dtype=np.int8)}, ca.InvalidInputError, "types value -1 is outside"),
        ({"apps": [0, -1], "app_dictionary": APPS}, ca.InvalidInputError, "apps value -1 is outside"),
        ({"users": [0, 2**32], "user_dictionary": ["admin"]}, ca.InvalidInputError, "users value 4294967296"),
        ({"at": np.array(["NaT", "2026-01-02"], dtype="datetime64[us]")}, ca.InvalidInputError,
         "at holds NaT at row 0"),
    ],
)
def test_ingest_arrays_never_wraps_or_truncates(change: dict, error: type, message: str) -> None:
    engine = engine_with_live_app()
    before = engine.to_json()
    args: dict = {
        "ids": [500, 501],
        "at": np.array(["2026-01-02", "2026-01-03"], dtype="datetime64[us]"),
        "types": [ACTIVITY, ACTIVITY],
        "apps": ["live", "live"],
    }
    args.update(change)
    with pytest.raises(error, match=message):
        ca.ingest_arrays(engine, **args)
    assert engine.to_json() == before
    # Just inside the ranges: accepted.
    assert ca.ingest_arrays(engine, [ca.MAX_EVENT_ID - 1, ca.MAX_EVENT_ID], args["at"] if "at" not in change else
                            np.array(["2026-01-02", "2026-01-03"], dtype="datetime64[us]"),
                            np.array([ACTIVITY, ACTIVITY], dtype=np.int64), ["live", "live"]) == 2


def test_an_array_whose_dtype_is_changed_by_another_argument_s_check_is_refused_not_overread() -> None:
    """Another argument's checks run Python code (here a `mask` property), which reassigns the
    dtype of an array already checked: its length in elements doubles. The engine checks again
    right before it reads, and refuses; nothing is counted."""
    n = 1_000
    at_us = np.full(n, T0_US, dtype=np.int64)

    class Sneaky(np.ndarray):
        @property
        def mask(self) -> None:
            at_us.dtype = np.int32  # type: ignore[misc]
            return None

    apps = np.zeros(n, dtype=np.uint32).view(Sneaky)
    cube = ca.RecordAggregate()
    with pytest.raises(ca.InvalidInputError, match="changed its dtype, shape or layout"):
        ca.ingest_record_arrays(cube, at_us, apps, np.zeros(n, dtype=np.uint32), np.zeros(n, dtype=np.uint8),
                                app_dictionary=["live"], record_type_dictionary=["contacts"])
    assert cube.event_count == 0 and at_us.dtype == np.int32 and len(at_us) == 2 * n

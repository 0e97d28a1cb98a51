"""What a Python user runs, ours beside a peer, measured honestly (issues 5 and 14; not tests).

Build the release module first, then run:

    RELEASE=1 scripts/test-python.sh -k zzz_build_only   # builds the release module into .venv
    .venv/bin/python benches/python/peers.py [--rows 10000000] [--repeat 3] [--tasks A1,A2,A3,A4]

Every row times the same work on both sides: ours includes reading the result out into Python
(an Arrow table pyarrow or polars holds) and building any index it needs there and then; the
peer's includes its fetch. Before a row prints, its outputs are compared and must be equal. Each
figure is the median of `--repeat` runs; `setup` (not timed) builds the inputs both sides start
from. A4 times 2,000 calls per run on both sides and divides (one call takes microseconds); A2 and
A3 (tens of milliseconds) take the median of at least 11 runs a side. Rows
(and the goal each is held to, printed beside the ratio):

    A1 10M log rows → polars DataFrame (ours: engine.activity_table())   vs memcpy of the same bytes   ≤ 2×
    A2 ca.ingest_record_arrays (documented API) on exact-dtype arrays     vs cube.ingest_columns        ≤ 1.2×
    A3 record ingest + full read-out as Arrow                             vs DuckDB group-by + fetch    ≥ 5× faster
    A4 a page of 100 events as one Arrow batch read by pyarrow.record_batch vs SQLite (app, ts) index + fetchall  ≥ 10× faster

A2s is A2 with strings and datetime64[ns] (encoded and cast in Rust), A2c with pandas categoricals
(their codes widened in Rust), both for information. A1 and A4
run on a `--rows`-event activity log (200 apps, 1,000 users, about 11 days); A2 and A3 on
`--rows` record events (200 apps, 10 record types, 4 actions, 60 days).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import polars as pl
import pyarrow as pa

import connected_apps as ca

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
N_APPS = 200
N_USERS = 1_000
DAY_US = 86_400_000_000
RECORD_TYPES = ["contacts", "companies", "deals", "tickets", "products", "line_items", "quotes", "calls", "emails",
                "meetings"]
# Every connection walks this cycle, so every generated row is a valid transition.
CYCLE = [
    ca.ActivityType.APP_ACTIVITY,
    ca.ActivityType.DISCONNECTED,
    ca.ActivityType.RECONNECTED,
    ca.ActivityType.APP_ACTIVITY,
    ca.ActivityType.CONNECTION_EXPIRED,
    ca.ActivityType.CONNECTED,
]
PAGE_APP = 7
PAGE_TYPES = [ca.ActivityType.DISCONNECTED, ca.ActivityType.RECONNECTED]


# ---------------------------------------------------------------------------------------------
# Data


def log_columns(rows: int) -> Dict[str, Any]:
    """`rows` synthetic log events as columns: account-level apps, app activity and health
    changes, some by users, in time order."""
    rng = np.random.default_rng(7)
    i = np.arange(rows, dtype=np.int64)
    cycle = np.array([t.code for t in CYCLE], dtype=np.uint8)
    types = cycle[(i // N_APPS) % len(CYCLE)]
    by_user = np.isin(types, [ca.ActivityType.DISCONNECTED.code, ca.ActivityType.RECONNECTED.code])
    start = int(T0.timestamp() * 1_000_000) + 1_000_000
    return {
        "ids": (i + 1_000).astype(np.uint64),
        "at_us": start + i * 100_000,  # ten events per second of log time: 10M rows span ~11.6 days
        "types": types,
        "apps": (i % N_APPS).astype(np.uint32),
        "app_dictionary": [f"app-{a:03d}" for a in range(N_APPS)],
        "actors": np.where(by_user, rng.integers(0, N_USERS, rows), ca.NO_USER).astype(np.uint32),
        "user_dictionary": [f"user-{u:04d}" for u in range(N_USERS)],
    }


def logged_engine(cols: Dict[str, Any]) -> ca.Engine:
    users = [ca.User(f"user-{u:04d}", f"User {u}", f"u{u}@acme.test", super_admin=u == 0) for u in range(N_USERS)]
    apps = [ca.App(f"app-{a:03d}", f"App {a}", "p", level="account_level", distribution="marketplace")
            for a in range(N_APPS)]
    engine = ca.Engine(ca.Account("1", "Acme"), users=users, apps=apps)
    for a in range(N_APPS):
        engine.install("user-0000", f"app-{a:03d}", T0)
    engine.ingest_columns(cols["ids"], cols["at_us"], cols["types"], cols["apps"], cols["app_dictionary"],
                          actors=cols["actors"], user_dictionary=cols["user_dictionary"])
    return engine


def record_columns(rows: int) -> Dict[str, Any]:
    rng = np.random.default_rng(11)
    start = int(T0.timestamp() * 1_000_000)
    return {
        "at": np.sort(start + rng.integers(0, 60 * DAY_US, rows)),
        "apps": rng.integers(0, N_APPS, rows).astype(np.uint32),
        "app_dictionary": [f"app-{a:03d}" for a in range(N_APPS)],
        "record_types": rng.integers(0, len(RECORD_TYPES), rows).astype(np.uint32),
        "record_type_dictionary": RECORD_TYPES,
        "actions": rng.integers(0, 4, rows).astype(np.uint8),
    }


def ingest_exact(cube: ca.RecordAggregate, c: Dict[str, Any]) -> int:
    return cube.ingest_columns(c["at"], c["apps"], c["app_dictionary"], c["record_types"],
                               c["record_type_dictionary"], c["actions"])


def cells_frame(table: Any) -> pl.DataFrame:
    """Cells as (day as days since the epoch, app, record_type, action, count), sorted."""
    frame = pl.DataFrame(table).with_columns(pl.col(pl.Categorical).cast(pl.String))
    if frame.schema["day"] == pl.Date:
        frame = frame.with_columns(pl.col("day").cast(pl.Int32))
    return frame.select(pl.col("day").cast(pl.Int64), "app", "record_type", "action",
                        pl.col("count").cast(pl.UInt64)).sort(["day", "app", "record_type", "action"])


# ---------------------------------------------------------------------------------------------
# Rows: each returns (ours, peer), each a (setup, run) pair, and a check of the two outputs.

Side = Tuple[Callable[[], Any], Callable[[Any], Any]]


def a1(rows: int) -> Tuple[Side, Side, Callable[[Any, Any], None]]:
    cols = log_columns(rows)
    engine = logged_engine(cols)
    nbytes = pa.table(engine.activity_table()).nbytes
    source = np.random.default_rng(1).integers(0, 255, nbytes, dtype=np.uint8)

    def check(frame: pl.DataFrame, copied: np.ndarray) -> None:
        assert copied.nbytes == nbytes and np.array_equal(copied[:4096], source[:4096])
        logged = frame.height - rows  # the installs come first
        assert logged == N_APPS
        tail = frame.slice(N_APPS)
        assert np.array_equal(tail["id"].to_numpy(), cols["ids"])
        assert np.array_equal(tail["at"].dt.epoch("us").to_numpy(), cols["at_us"])
        app_codes = tail["app"].cast(pl.String).str.slice(4).cast(pl.UInt32).to_numpy()
        assert np.array_equal(app_codes, cols["apps"])
        assert tail["actor"].null_count() == int((cols["actors"] == ca.NO_USER).sum())

    return ((lambda: engine), lambda e: pl.DataFrame(e.activity_table())), ((lambda: source), np.copy), check


def a2(rows: int, strings: bool = False, categorical: bool = False) -> Tuple[Side, Side, Callable[[Any, Any], None]]:
    c = record_columns(rows)
    documented = dict(c)
    if categorical:
        import pandas as pd

        documented.update(
            apps=pd.Categorical.from_codes(c["apps"].astype(np.int16), c["app_dictionary"]),
            record_types=pd.Categorical.from_codes(c["record_types"].astype(np.int8), RECORD_TYPES),
            app_dictionary=None,
            record_type_dictionary=None,
        )
    if strings:
        documented.update(
            at=(c["at"] * 1_000).astype("datetime64[ns]"),
            apps=np.array(c["app_dictionary"])[c["apps"]],
            record_types=np.array(RECORD_TYPES)[c["record_types"]],
            app_dictionary=None,
            record_type_dictionary=None,
        )

    def ours(cube: ca.RecordAggregate) -> ca.RecordAggregate:
        ca.ingest_record_arrays(cube, documented["at"], documented["apps"], documented["record_types"],
                                documented["actions"], app_dictionary=documented["app_dictionary"],
                                record_type_dictionary=documented["record_type_dictionary"])
        return cube

    def exact(cube: ca.RecordAggregate) -> ca.RecordAggregate:
        ingest_exact(cube, c)
        return cube

    def check(a: ca.RecordAggregate, b: ca.RecordAggregate) -> None:
        assert a.event_count == b.event_count == rows
        assert cells_frame(a.cells_table()).equals(cells_frame(b.cells_table()))

    return (ca.RecordAggregate, ours), (ca.RecordAggregate, exact), check


def a3(rows: int) -> Tuple[Side, Side, Callable[[Any, Any], None]]:
    import duckdb

    c = record_columns(rows)
    records = pa.table({"at_us": c["at"], "apps": c["apps"], "record_types": c["record_types"],
                        "actions": c["actions"]})
    apps, actions = pa.array(c["app_dictionary"]), pa.array([a.value for a in ca.RecordAction])

    def ours(cube: ca.RecordAggregate) -> pa.Table:
        ingest_exact(cube, c)
        return pa.table(cube.cells_table())

    def setup_duckdb() -> Any:
        con = duckdb.connect()
        con.register("records", records)
        return con

    def theirs(con: Any) -> pa.Table:
        return con.sql(f"SELECT at_us // {DAY_US} AS day, apps, record_types, actions, count(*) AS n "
                       "FROM records GROUP BY ALL").to_arrow_table()

    def check(ours_table: pa.Table, theirs_table: Any) -> None:
        theirs_table = pa.table(theirs_table)
        peer = pl.DataFrame({
            "day": theirs_table.column("day").to_numpy(),
            "app": apps.take(theirs_table.column("apps")).to_numpy(zero_copy_only=False),
            "record_type": np.array(RECORD_TYPES)[theirs_table.column("record_types").to_numpy()],
            "action": actions.take(theirs_table.column("actions")).to_numpy(zero_copy_only=False),
            "count": theirs_table.column("n").to_numpy().astype(np.uint64),
        }).with_columns(pl.col("day").cast(pl.Int64)).sort(["day", "app", "record_type", "action"])
        assert cells_frame(ours_table).equals(peer)

    return (ca.RecordAggregate, ours), (setup_duckdb, theirs), check


def a4(rows: int) -> Tuple[Side, Side, Callable[[Any, Any], None]]:
    cols = log_columns(rows)
    since_us = int(cols["at_us"][-1]) - 7 * DAY_US
    since = datetime.fromtimestamp(since_us / 1_000_000, tz=timezone.utc)
    app = cols["app_dictionary"][PAGE_APP]
    engine = logged_engine(cols)
    query = {"apps": [app], "types": PAGE_TYPES, "since": since, "page_size": 100}
    started = time.perf_counter()
    engine.activity_batch(**query)  # builds the index, as SQLite's CREATE INDEX below
    ours_index = time.perf_counter() - started
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE log (id INTEGER, ts INTEGER, type INTEGER, app INTEGER, actor INTEGER)")
    db.executemany("INSERT INTO log VALUES (?, ?, ?, ?, ?)", zip(
        cols["ids"].tolist(), cols["at_us"].tolist(), cols["types"].tolist(), cols["apps"].tolist(),
        cols["actors"].tolist()))
    started = time.perf_counter()
    db.execute("CREATE INDEX by_app_ts ON log (app, ts)")
    print(f"   A4 index build: ours {ours_index * 1_000:.0f} ms, SQLite {(time.perf_counter() - started) * 1_000:.0f} ms"
          " (not in the row)", flush=True)
    codes = ", ".join(str(t.code) for t in PAGE_TYPES)
    matching = ((cols["apps"] == PAGE_APP) & np.isin(cols["types"], [t.code for t in PAGE_TYPES])
                & (cols["at_us"] >= since_us)).sum()
    sql = (f"SELECT id, ts, type, app, actor FROM log WHERE app = {PAGE_APP} AND type IN ({codes}) AND ts >= ? "
           "ORDER BY ts DESC LIMIT 100")

    def ours(e: ca.Engine) -> pa.RecordBatch:
        page, _ = e.activity_batch(**query)
        return pa.record_batch(page)

    def check(ours_batch: pa.RecordBatch, theirs_rows: List[tuple]) -> None:
        assert ours_batch.num_rows == len(theirs_rows) == min(100, int(matching))
        assert ours_batch.column("id").to_pylist() == [r[0] for r in theirs_rows]
        assert ours_batch.column("at").cast(pa.int64()).to_pylist() == [r[1] for r in theirs_rows]
        names = [t.value for t in ca.ActivityType]
        assert ours_batch.column("type").to_pylist() == [names[r[2]] for r in theirs_rows]
        assert ours_batch.column("app").to_pylist() == [cols["app_dictionary"][r[3]] for r in theirs_rows]
        assert ours_batch.column("actor").to_pylist() == [
            None if r[4] == ca.NO_USER else cols["user_dictionary"][r[4]] for r in theirs_rows]

    return (lambda: engine, ours), (lambda: db, lambda d: d.execute(sql, (since_us,)).fetchall()), check


# name, description, peer name, row, goal: (kind, ratio) where ratio = ours / peer time
ROWS: List[Tuple[str, str, str, Callable[..., Any], Tuple[str, float]]] = [
    ("A1", "10M log rows -> polars DataFrame", "memcpy", a1, ("<=", 2.0)),
    ("A2", "ingest_record_arrays vs exact-dtype ingest_columns", "exact", a2, ("<=", 1.2)),
    ("A2s", "ingest_record_arrays, strings + datetime64[ns]", "exact", lambda r: a2(r, strings=True), ("info", 0)),
    ("A2c", "ingest_record_arrays, pandas categoricals", "exact", lambda r: a2(r, categorical=True), ("info", 0)),
    ("A3", "record ingest + read-out as Arrow", "duckdb", a3, (">=", 5.0)),
    ("A4", "page of 100 events as one Arrow batch", "sqlite", a4, (">=", 10.0)),
]


# Rows timed per call over many calls (a page takes microseconds).
CALLS_PER_RUN = {"A4": 2_000}
# Rows of tens of milliseconds, whose single runs the machine's noise (page faults, scheduling)
# moves by as much as the goal's margin: at least this many runs, each side, for the median.
MIN_RUNS = {"A2": 11, "A2s": 5, "A2c": 11, "A3": 11}


def median_seconds(side: Side, repeat: int, calls: int = 1) -> Tuple[float, Any]:
    """The median over `repeat` runs of the time of one call; with `calls` > 1 (rows that take
    microseconds, where one call is below the clock's noise) each run times `calls` calls in a
    row on one state and divides, the same for both sides."""
    setup, run = side
    times, out = [], None
    for _ in range(repeat):
        state = setup()
        start = time.perf_counter()
        for _ in range(calls):
            out = run(state)
        times.append((time.perf_counter() - start) / calls)
        del state
    return statistics.median(times), out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", default=",".join(r[0] for r in ROWS), help="comma-separated subset, e.g. A1,A4")
    args = parser.parse_args(argv)
    wanted = args.tasks.split(",")
    print(f"rows={args.rows:_} repeat={args.repeat}", flush=True)
    failed = False
    for name, what, peer, row, (kind, goal) in ROWS:
        if name not in wanted:
            continue
        ours_side, peer_side, check = row(args.rows)
        # One untimed run each, outputs compared, before any figure.
        check(ours_side[1](ours_side[0]()), peer_side[1](peer_side[0]()))
        calls, runs = CALLS_PER_RUN.get(name, 1), max(args.repeat, MIN_RUNS.get(name, 0))
        ours_s, ours_out = median_seconds(ours_side, runs, calls)
        peer_s, peer_out = median_seconds(peer_side, runs, calls)
        check(ours_out, peer_out)
        ratio = ours_s / peer_s
        if kind == "<=":
            verdict = f"ours/{peer}={ratio:.2f}x (goal <= {goal}x) {'ok' if ratio <= goal else 'MISSED'}"
            failed |= ratio > goal
        elif kind == ">=":
            speedup = 1 / ratio
            verdict = f"{peer}/ours={speedup:.1f}x faster (goal >= {goal}x) {'ok' if speedup >= goal else 'MISSED'}"
            failed |= speedup < goal
        else:
            verdict = f"ours/{peer}={ratio:.2f}x"
        print(f"{name:<4} ours_ms={ours_s * 1_000:.3f} {peer}_ms={peer_s * 1_000:.3f} {verdict}   # {what}",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks of the Python module against numpy, polars and DuckDB (issue 5; not part of tests).

Run after `scripts/test-python.sh` has built the module into .venv:

    .venv/bin/python benches/python/peers.py [--rows 10000000] [--repeat 5]

Each task prints one line, ours beside the peers, the median of `--repeat` runs:

    P1 ours_ms=… duckdb_ms=… polars_ms=… numpy_ms=…   daily counts per (day, app, record type, action)
    P2 ours_ms=… duckdb_ms=… polars_ms=… numpy_ms=…   filter (one app ∧ two types ∧ last 7 days) + newest 100
    P3 ours_eps=… duckdb_eps=… polars_eps=… numpy_eps=…   bulk ingest of log events, events/s

P1 and P2 run on record events and need the insights engine (R1–R6); until its Python API lands
they print `pending`. To add them, write `p1_*`/`p2_*` functions beside `p3_*` and list them in
TASKS: every task is a `(name, unit, {peer: setup -> run})` entry, timed the same way.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

import connected_apps as ca

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
N_APPS = 200
N_USERS = 1_000
# Every connection walks this cycle, so every generated row is a valid transition.
CYCLE = [
    ca.ActivityType.APP_ACTIVITY,
    ca.ActivityType.DISCONNECTED,
    ca.ActivityType.RECONNECTED,
    ca.ActivityType.APP_ACTIVITY,
    ca.ActivityType.CONNECTION_EXPIRED,
    ca.ActivityType.CONNECTED,
]


# ---------------------------------------------------------------------------------------------
# Data


def log_columns(rows: int) -> Dict[str, Any]:
    """`rows` synthetic log events as columns: account-level apps, app activity and health
    changes, some by users, in time order."""
    rng = np.random.default_rng(7)
    i = np.arange(rows, dtype=np.int64)
    app = (i % N_APPS).astype(np.uint32)
    step = i // N_APPS
    cycle = np.array([t.code for t in CYCLE], dtype=np.uint8)
    types = cycle[step % len(CYCLE)]
    by_user = np.isin(types, [ca.ActivityType.DISCONNECTED.code, ca.ActivityType.RECONNECTED.code])
    actors = np.where(by_user, rng.integers(0, N_USERS, rows), ca.NO_USER).astype(np.uint32)
    start = int(T0.timestamp() * 1_000_000) + 1_000_000
    return {
        "ids": (i + 1_000).astype(np.uint64),
        "at_us": start + i * 10,  # 100k events per second of log time
        "types": types,
        "apps": app,
        "app_dictionary": [f"app-{a:03d}" for a in range(N_APPS)],
        "actors": actors,
        "user_dictionary": [f"user-{u:04d}" for u in range(N_USERS)],
    }


def fresh_engine() -> ca.Engine:
    users = [ca.User(f"user-{u:04d}", f"User {u}", f"u{u}@acme.test", super_admin=u == 0) for u in range(N_USERS)]
    apps = [ca.App(f"app-{a:03d}", f"App {a}", "p", level="account_level", distribution="marketplace")
            for a in range(N_APPS)]
    engine = ca.Engine(ca.Account("1", "Acme"), users=users, apps=apps)
    for a in range(N_APPS):
        engine.install("user-0000", f"app-{a:03d}", T0)
    return engine


# ---------------------------------------------------------------------------------------------
# P3: bulk ingest throughput. Every peer takes the same numpy columns and ends with the rows
# loaded in its own store; ours also validates each row against the connection's state.


def p3_ours(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    def setup() -> Any:
        return fresh_engine()

    def run(engine: Any) -> None:
        engine.ingest_columns(cols["ids"], cols["at_us"], cols["types"], cols["apps"], cols["app_dictionary"],
                              actors=cols["actors"], user_dictionary=cols["user_dictionary"])

    return setup, run


def p3_duckdb(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    import duckdb
    import pyarrow as pa

    table = pa.table({k: cols[k] for k in ("ids", "at_us", "types", "apps", "actors")})

    def setup() -> Any:
        return duckdb.connect()

    def run(con: Any) -> None:
        con.register("incoming", table)
        con.execute("CREATE TABLE log AS SELECT * FROM incoming")

    return setup, run


def p3_polars(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    import polars as pl

    def run(_: Any) -> None:
        frame = pl.DataFrame({k: cols[k] for k in ("ids", "at_us", "types", "apps", "actors")})
        frame = frame.rechunk()

    return (lambda: None), run


def p3_numpy(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    dtype = np.dtype([("id", "u8"), ("at_us", "i8"), ("type", "u1"), ("app", "u4"), ("actor", "u4")])

    def run(_: Any) -> None:
        log = np.empty(len(cols["ids"]), dtype=dtype)
        log["id"], log["at_us"], log["type"] = cols["ids"], cols["at_us"], cols["types"]
        log["app"], log["actor"] = cols["apps"], cols["actors"]

    return (lambda: None), run


# ---------------------------------------------------------------------------------------------

Peer = Callable[[Dict[str, Any]], Tuple[Callable[[], Any], Callable[[Any], None]]]
PEERS = ("ours", "duckdb", "polars", "numpy")
TASKS: List[Tuple[str, str, Optional[Dict[str, Peer]]]] = [
    ("P1", "ms", None),  # pending: needs the insights engine's Python API
    ("P2", "ms", None),  # pending: needs the insights engine's Python API
    ("P3", "eps", {"ours": p3_ours, "duckdb": p3_duckdb, "polars": p3_polars, "numpy": p3_numpy}),
]


def median_seconds(setup: Callable[[], Any], run: Callable[[Any], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        state = setup()
        start = time.perf_counter()
        run(state)
        times.append(time.perf_counter() - start)
        del state
    return statistics.median(times)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    cols = log_columns(args.rows)
    for name, unit, peers in TASKS:
        if peers is None:
            print(f"{name} pending (needs the insights engine)")
            continue
        figures = []
        for peer in PEERS:
            seconds = median_seconds(*peers[peer](cols), repeat=args.repeat)
            value = args.rows / seconds if unit == "eps" else seconds * 1_000
            figures.append(f"{peer}_{unit}={value:,.0f}".replace(",", "_"))
        print(name, " ".join(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks of the Python module against numpy, polars and DuckDB (issue 5; not part of tests).

Run after `RELEASE=1 scripts/test-python.sh` has built the release module into .venv:

    .venv/bin/python benches/python/peers.py [--rows 10000000] [--repeat 5]

Each task prints one line, ours beside the peers, the median of `--repeat` runs:

    P1 ours_ms=… duckdb_ms=… polars_ms=… numpy_ms=…   daily counts per (day, app, record type, action)
    P2 ours_ms=… duckdb_ms=… polars_ms=… numpy_ms=…   filter (one app ∧ two types ∧ last 7 days) + newest 100
    P3 ours_eps=… duckdb_eps=… polars_eps=… numpy_eps=…   bulk ingest of log events, events/s

P1 runs on `--rows` synthetic record events (200 apps, 10 record types, 4 actions, 60 days); P2 and
P3 on a `--rows`-entry activity log (200 apps, 1,000 users, about 11 days). Every task is a
`(name, unit, {peer: columns -> (setup, run)})` entry in TASKS, timed the same way: only `run` is
timed, `setup` builds what the peer needs beforehand (e.g. our engine and its index for P2).
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
        "at_us": start + i * 100_000,  # ten events per second of log time: 10M rows span ~11.6 days
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
# P1: daily counts per (day, app, record type, action) from numpy record-event columns.

DAY_US = 86_400_000_000
N_RECORD_TYPES = 10


def record_columns(rows: int) -> Dict[str, Any]:
    rng = np.random.default_rng(11)
    start = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp() * 1_000_000)
    return {
        "at_us": np.sort(start + rng.integers(0, 60 * DAY_US, rows)),
        "apps": rng.integers(0, N_APPS, rows).astype(np.uint32),
        "app_dictionary": [f"app-{a:03d}" for a in range(N_APPS)],
        "record_types": rng.integers(0, N_RECORD_TYPES, rows).astype(np.uint32),
        "record_type_dictionary": ["contacts", "companies", "deals", "tickets", "products", "line_items",
                                   "quotes", "calls", "emails", "meetings"],
        "actions": rng.integers(0, 4, rows).astype(np.uint8),
    }


def p1_ours(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    def run(cube: Any) -> None:
        cube.ingest_columns(cols["at_us"], cols["apps"], cols["app_dictionary"], cols["record_types"],
                            cols["record_type_dictionary"], cols["actions"])

    return ca.RecordAggregate, run


def p1_duckdb(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    import duckdb
    import pyarrow as pa

    table = pa.table({k: cols[k] for k in ("at_us", "apps", "record_types", "actions")})

    def setup() -> Any:
        con = duckdb.connect()
        con.register("records", table)
        return con

    def run(con: Any) -> None:
        con.execute(f"SELECT at_us // {DAY_US} AS day, apps, record_types, actions, count(*) FROM records "
                    "GROUP BY ALL").fetchall()

    return setup, run


def p1_polars(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    import polars as pl

    frame = pl.DataFrame({k: cols[k] for k in ("at_us", "apps", "record_types", "actions")})

    def run(_: Any) -> None:
        frame.group_by([pl.col("at_us") // DAY_US, "apps", "record_types", "actions"]).len()

    return (lambda: None), run


def p1_numpy(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    def run(_: Any) -> None:
        day = cols["at_us"] // DAY_US
        day = day - day.min()
        key = ((day * N_APPS + cols["apps"]) * N_RECORD_TYPES + cols["record_types"]) * 4 + cols["actions"]
        counts = np.bincount(key)
        np.flatnonzero(counts)

    return (lambda: None), run


# ---------------------------------------------------------------------------------------------
# P2: filter (one app, two activity types, last 7 days) and the newest 100, on the log.

P2_APP = 7
P2_TYPES = [ca.ActivityType.DISCONNECTED, ca.ActivityType.RECONNECTED]


def p2_since_us(cols: Dict[str, Any]) -> int:
    return int(cols["at_us"][-1]) - 7 * DAY_US


def p2_ours(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    built: Dict[str, Any] = {}
    since = datetime.fromtimestamp(p2_since_us(cols) / 1_000_000, tz=timezone.utc)
    query = {"apps": [cols["app_dictionary"][P2_APP]], "types": P2_TYPES, "since": since, "page_size": 100}

    def setup() -> Any:
        if "engine" not in built:  # ingest and index once, outside the timing
            engine = fresh_engine()
            p3_ours(cols)[1](engine)
            engine.activity(**query)
            built["engine"] = engine
        return built["engine"]

    def run(engine: Any) -> None:
        assert len(engine.activity(**query)) == 100

    return setup, run


def p2_duckdb(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    import duckdb
    import pyarrow as pa

    table = pa.table({k: cols[k] for k in ("ids", "at_us", "types", "apps", "actors")})
    codes = ", ".join(str(t.code) for t in P2_TYPES)

    def setup() -> Any:
        con = duckdb.connect()
        con.register("incoming", table)
        con.execute("CREATE TABLE log AS SELECT * FROM incoming")
        return con

    def run(con: Any) -> None:
        con.execute(f"SELECT * FROM log WHERE apps = {P2_APP} AND types IN ({codes}) AND at_us >= "
                    f"{p2_since_us(cols)} ORDER BY at_us DESC LIMIT 100").fetchall()

    return setup, run


def p2_polars(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    import polars as pl

    frame = pl.DataFrame({k: cols[k] for k in ("ids", "at_us", "types", "apps", "actors")})
    codes = [t.code for t in P2_TYPES]

    def run(_: Any) -> None:
        frame.filter((pl.col("apps") == P2_APP) & pl.col("types").is_in(codes)
                     & (pl.col("at_us") >= p2_since_us(cols))).sort("at_us", descending=True).head(100)

    return (lambda: None), run


def p2_numpy(cols: Dict[str, Any]) -> Tuple[Callable[[], Any], Callable[[Any], None]]:
    codes = [t.code for t in P2_TYPES]

    def run(_: Any) -> None:
        # The log is in time order: the newest matches are the last ones.
        mask = (cols["apps"] == P2_APP) & np.isin(cols["types"], codes) & (cols["at_us"] >= p2_since_us(cols))
        newest = np.flatnonzero(mask)[-100:][::-1]
        cols["ids"][newest]

    return (lambda: None), run


# ---------------------------------------------------------------------------------------------

Peer = Callable[[Dict[str, Any]], Tuple[Callable[[], Any], Callable[[Any], None]]]
PEERS = ("ours", "duckdb", "polars", "numpy")
TASKS: List[Tuple[str, str, str, Dict[str, Peer]]] = [
    ("P1", "ms", "records", {"ours": p1_ours, "duckdb": p1_duckdb, "polars": p1_polars, "numpy": p1_numpy}),
    ("P2", "ms", "log", {"ours": p2_ours, "duckdb": p2_duckdb, "polars": p2_polars, "numpy": p2_numpy}),
    ("P3", "eps", "log", {"ours": p3_ours, "duckdb": p3_duckdb, "polars": p3_polars, "numpy": p3_numpy}),
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
    parser.add_argument("--tasks", default="P1,P2,P3", help="comma-separated subset, e.g. P1,P3")
    args = parser.parse_args(argv)
    data = {"records": lambda: record_columns(args.rows), "log": lambda: log_columns(args.rows)}
    for name, unit, kind, peers in TASKS:
        if name not in args.tasks.split(","):
            continue
        cols = data[kind]()
        figures = []
        for peer in PEERS:
            seconds = median_seconds(*peers[peer](cols), repeat=args.repeat)
            value = args.rows / seconds if unit == "eps" else seconds * 1_000
            text = f"{value:,.0f}".replace(",", "_") if unit == "eps" else f"{value:.3f}"
            figures.append(f"{peer}_{unit}={text}")
        print(name, " ".join(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

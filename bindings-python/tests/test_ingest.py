"""Bulk ingest of log events from numpy arrays and pyarrow tables.

The columnar path must give exactly what appending the same events one by one gives.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

import connected_apps as ca

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
ACCOUNT_APPS = [f"app-{i:02d}" for i in range(20)]
USERS = ["admin"] + [f"user-{i}" for i in range(5)]
# Each connection walks this cycle, so every row is a valid transition.
CYCLE = [
    ca.ActivityType.APP_ACTIVITY,
    ca.ActivityType.DISCONNECTED,
    ca.ActivityType.RECONNECTED,
    ca.ActivityType.APP_ACTIVITY,
    ca.ActivityType.CONNECTION_EXPIRED,
    ca.ActivityType.CONNECTED,
]


def fresh_engine() -> ca.Engine:
    apps = [ca.App(a, a, "p", level="account_level", distribution="marketplace") for a in ACCOUNT_APPS]
    apps.append(ca.App("mail", "Mail", "p", level="user_level", distribution="marketplace"))
    users = [ca.User(u, u, f"{u}@x.test", super_admin=(u == "admin")) for u in USERS]
    engine = ca.Engine(ca.Account("1", "Acme"), users=users, apps=apps)
    for app in ACCOUNT_APPS:
        engine.install("admin", app, T0)
    return engine


def user_level_engine() -> ca.Engine:
    engine = fresh_engine()
    for user in USERS[1:]:
        # Each user's own mail connection, installed by them (appended: they lack the permission).
        engine.append(ca.Event(100 + USERS.index(user), T0, "mail", "installed", user=user, actor=user,
                               details={"scopes": []}))
    return engine


# Connections: the account-level apps, then the users' mail connections.
CONNECTIONS = [(a, None) for a in ACCOUNT_APPS] + [("mail", u) for u in USERS[1:]]


def synthetic(n: int) -> dict:
    """n rows over every connection, each connection walking CYCLE."""
    i = np.arange(n, dtype=np.int64)
    c = i % len(CONNECTIONS)
    step = i // len(CONNECTIONS)
    cycle_codes = np.array([t.code for t in CYCLE], dtype=np.uint8)
    types = cycle_codes[step % len(CYCLE)]
    app_dictionary = ACCOUNT_APPS + ["mail"]
    apps = np.where(c < len(ACCOUNT_APPS), c, len(ACCOUNT_APPS)).astype(np.uint32)
    user_dictionary = USERS
    users = np.where(c < len(ACCOUNT_APPS), ca.NO_USER, c - len(ACCOUNT_APPS) + 1).astype(np.uint32)
    by_admin = np.isin(types, [ca.ActivityType.DISCONNECTED.code, ca.ActivityType.RECONNECTED.code])
    actors = np.where(by_admin, 0, ca.NO_USER).astype(np.uint32)
    start = int((T0 - datetime(1970, 1, 1, tzinfo=timezone.utc)) / timedelta(microseconds=1)) + 1_000_000
    return {
        "ids": (np.arange(n) + 1_000).astype(np.uint64),
        "at": (start + i * 1_000).astype("datetime64[us]"),
        "types": types,
        "apps": apps,
        "app_dictionary": app_dictionary,
        "users": users,
        "actors": actors,
        "user_dictionary": user_dictionary,
    }


def ingest(engine: ca.Engine, cols: dict) -> int:
    return ca.ingest_arrays(
        engine,
        cols["ids"],
        cols["at"],
        cols["types"],
        cols["apps"],
        app_dictionary=cols["app_dictionary"],
        users=cols["users"],
        actors=cols["actors"],
        user_dictionary=cols["user_dictionary"],
    )


def one_by_one(engine: ca.Engine, cols: dict) -> None:
    types = list(ca.ActivityType)
    at = cols["at"].astype(datetime)  # naive UTC datetimes from numpy
    apps, users, actors = cols["app_dictionary"], cols["user_dictionary"], cols["user_dictionary"]
    for row in range(len(cols["ids"])):
        user = cols["users"][row]
        actor = cols["actors"][row]
        engine.append(
            ca.Event(
                int(cols["ids"][row]),
                at[row].replace(tzinfo=timezone.utc),
                apps[cols["apps"][row]],
                types[cols["types"][row]],
                user=None if user == ca.NO_USER else users[user],
                actor=None if actor == ca.NO_USER else actors[actor],
            )
        )


def test_a_million_rows_through_buffers_agree_with_one_by_one() -> None:
    cols = synthetic(1_000_000)
    bulk = user_level_engine()
    assert ingest(bulk, cols) == 1_000_000
    single = user_level_engine()
    one_by_one(single, cols)
    assert bulk.event_count == single.event_count == 1_000_000 + len(ACCOUNT_APPS) + len(USERS) - 1
    assert bulk.state() == single.state()
    assert bulk.events_to_ndjson() == single.events_to_ndjson()


def test_arrow_table_agrees_with_arrays() -> None:
    pa = pytest.importorskip("pyarrow")
    cols = synthetic(10_000)
    names = np.array([t.value for t in ca.ActivityType])
    user_names = np.array(USERS + [None], dtype=object)
    table = pa.table(
        {
            "id": cols["ids"],
            "at": pa.array(cols["at"], type=pa.timestamp("us", tz="UTC")),
            "type": pa.array(names[cols["types"]]).dictionary_encode(),
            "app": np.array(cols["app_dictionary"])[cols["apps"]],
            "user": pa.array(user_names[np.minimum(cols["users"], len(USERS))]),
            "actor": pa.array(user_names[np.minimum(cols["actors"], len(USERS))]),
        }
    )
    from_arrow = user_level_engine()
    assert ca.ingest_arrow(from_arrow, table) == 10_000
    from_arrays = user_level_engine()
    ingest(from_arrays, cols)
    assert from_arrow.events_to_ndjson() == from_arrays.events_to_ndjson()


def test_ids_as_strings_are_encoded_for_you() -> None:
    engine = user_level_engine()
    n = engine.event_count
    count = ca.ingest_arrays(
        engine,
        [500, 501],
        np.array(["2026-02-01T00:00:00", "2026-02-01T00:00:01"], dtype="datetime64[s]"),
        [ca.ActivityType.APP_ACTIVITY.code, ca.ActivityType.DISCONNECTED.code],
        ["mail", "app-03"],
        users=["user-2", None],
        actors=[None, "admin"],
    )
    assert count == 2 and engine.event_count == n + 2
    last = engine.events()[-1]
    assert (last.app, last.user, last.actor, last.type) == ("app-03", None, "admin", ca.ActivityType.DISCONNECTED)
    assert engine.events()[-2].user == "user-2"


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"apps": np.array([0, 99], dtype=np.uint32)}, ca.InvalidInputError, "row 1: app code 99 is outside"),
        ({"types": np.array([0, 0], dtype=np.uint8)}, ca.InvalidInputError, "row 0: activity type code 0 is not one of"),
        ({"at": np.array([0], dtype=np.int64)}, ca.InvalidInputError, "column at has 1 rows, expected 2"),
        (
            {"types": np.full(2, ca.ActivityType.DISCONNECTED.code, dtype=np.uint8)},
            ca.InvalidStateError,
            "row 1: app .* is already disconnected",
        ),
        ({"ids": np.array([500, 500], dtype=np.uint64)}, ca.ConflictError, "row 1: duplicate event id 500"),
    ],
)
def test_refused_columns_raise_and_change_nothing(change: dict, error: type, message: str) -> None:
    engine = user_level_engine()
    before = engine.to_json()
    start = int((T0 - datetime(1970, 1, 1, tzinfo=timezone.utc)) / timedelta(microseconds=1))
    cols = {
        "ids": np.array([500, 501], dtype=np.uint64),
        "at": np.array([start, start + 1], dtype=np.int64),
        "types": np.full(2, ca.ActivityType.APP_ACTIVITY.code, dtype=np.uint8),
        "apps": np.zeros(2, dtype=np.uint32),
    }
    cols.update(change)
    with pytest.raises(error, match=message):
        engine.ingest_columns(cols["ids"], cols["at"], cols["types"], cols["apps"], ACCOUNT_APPS)
    assert engine.to_json() == before


def test_wrong_dtypes_are_refused_by_the_native_call() -> None:
    engine = user_level_engine()
    with pytest.raises(TypeError):
        engine.ingest_columns(np.zeros(1, dtype=np.int32), np.zeros(1, dtype=np.int64),  # type: ignore[arg-type]
                              np.zeros(1, dtype=np.uint8), np.zeros(1, dtype=np.uint32), ["app-00"])


def test_ingestible_types() -> None:
    assert ca.INGESTIBLE_TYPES == ["uninstalled", "connected", "disconnected", "reconnected",
                                   "connection_expired", "app_activity"]


def test_a_refused_row_deep_in_a_large_batch_is_named_and_nothing_is_appended() -> None:
    cols = synthetic(200_000)
    # A row past 150,000 that repeats its connection's previous disconnect: a second disconnect in
    # a row is impossible for every app (a repeated status report is not, for an app that does not
    # report status: it records nothing).
    disconnected = ca.ActivityType.DISCONNECTED.code
    bad = next(r for r in range(150_001, 200_000) if cols["types"][r - len(CONNECTIONS)] == disconnected)
    cols["types"] = cols["types"].copy()
    cols["types"][bad] = disconnected
    engine = user_level_engine()
    before = engine.events_to_ndjson()
    with pytest.raises(ca.ConnectedAppsError, match=f"row {bad}: "):
        ingest(engine, cols)
    assert engine.events_to_ndjson() == before
    # Ids that do not increase take the event-by-event way and give the same result.
    good = synthetic(50_000)
    shuffled = dict(good, ids=good["ids"][::-1].copy())
    a, b = user_level_engine(), user_level_engine()
    assert ingest(a, good) == ingest(b, shuffled) == 50_000
    assert a.state() == b.state()


def test_times_outside_the_logs_range_are_refused() -> None:
    engine = fresh_engine()
    count = engine.event_count
    late = datetime(2300, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(ca.InvalidInputError, match="outside the log's range"):
        engine.append(ca.Event(9_999, late, ACCOUNT_APPS[0], "app_activity"))
    with pytest.raises(ca.InvalidInputError, match="outside the log's range"):
        engine.disconnect("admin", ACCOUNT_APPS[0], late)
    assert engine.event_count == count

"""Tables out as Arrow (issue 14): every table crosses through ``__arrow_c_stream__`` and polars,
pyarrow, DuckDB and pandas (through pyarrow) read it as it is; no filter match gives an empty
table with the full schema; a stream released half-read leaves everything usable."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Dict, List

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import connected_apps as ca
from conftest import T0, at
from test_activity import busy

UTC = timezone.utc


def activity_rows(engine: ca.Engine, **filters: Any) -> List[Dict[str, Any]]:
    """The events `iter_activity` gives, oldest first, in the table's row shape."""
    events = list(ca.iter_activity(engine, **filters))[::-1]
    return [
        {"id": e.id, "at": e.at, "type": e.type.value, "app": e.app, "user": e.user, "actor": e.actor}
        for e in events
    ]


def record_cube() -> ca.RecordAggregate:
    cube = ca.RecordAggregate()
    # Apps and types first seen out of name order: the table follows `cells()` all the same.
    cube.ingest(datetime(2026, 3, 2, 10, tzinfo=UTC), "zoom", "deals", ca.RecordAction.DELETED)
    cube.ingest(datetime(2026, 3, 1, 10, tzinfo=UTC), "asana", "contacts", ca.RecordAction.CREATED)
    cube.ingest(datetime(2026, 3, 1, 11, tzinfo=UTC), "asana", "contacts", ca.RecordAction.CREATED)
    cube.ingest(datetime(2026, 3, 1, 12, tzinfo=UTC), "zoom", "2-123", ca.RecordAction.MERGED)
    return cube


def usage_history() -> ca.UsageHistory:
    history = ca.UsageHistory()
    history.record("zoom", at(1), 40)
    history.record("asana", at(0), 7, usage_limit=500, resets_at=at(15))
    history.record("zoom", at(0), 10)
    return history


# Each table by name: how to get it from a fresh fixture, and the rows it must hold.
TABLES: Dict[str, Callable[[ca.Engine], Any]] = {
    "activity": lambda engine: busy(engine).activity_table(),
    "activity_batch": lambda engine: busy(engine).activity_batch(page_size=4)[0],
    "records": lambda engine: record_cube().cells_table(),
    "usage": lambda engine: usage_history().table(),
    "connections": lambda engine: busy(engine).connections_table(at(10)),
}


def expected_rows(name: str, engine: ca.Engine) -> List[Dict[str, Any]]:
    if name == "activity":
        return activity_rows(busy(engine))
    if name == "activity_batch":
        return activity_rows(busy(engine))[::-1][:4]
    if name == "records":
        return [dict(c, day=date.fromisoformat(c["day"])) for c in record_cube().cells()]
    if name == "usage":
        return [
            {"app": "asana", "at": at(0), "calls_today": 7, "usage_limit": 500, "resets_at": at(15)},
            {"app": "zoom", "at": at(0), "calls_today": 10, "usage_limit": None, "resets_at": None},
            {"app": "zoom", "at": at(1), "calls_today": 40, "usage_limit": None, "resets_at": None},
        ]
    busy(engine)
    state = engine.state()
    return [
        {"app": c.app, "user": c.user, "state": engine.connection_state(c.app, at(10), user=c.user).value}
        for c in state.connections()
    ]


def pyarrow_rows(table: Any, columns: List[str]) -> List[Dict[str, Any]]:
    return [{k: row[k] for k in columns} for row in pa.table(table).to_pylist()]


@pytest.mark.parametrize("name", sorted(TABLES))
def test_pyarrow_polars_duckdb_and_pandas_read_every_table(engine: ca.Engine, name: str) -> None:
    from conftest import build_engine

    tbl = TABLES[name](engine)
    expected = expected_rows(name, build_engine())
    assert expected, "the fixture must give rows"
    columns = list(expected[0])
    assert hasattr(tbl, "__arrow_c_stream__")
    assert len(tbl) == len(expected)
    # pyarrow: the rows as Python values.
    assert pyarrow_rows(tbl, columns) == expected
    # polars: the same values (strings from the dictionaries, times in UTC).
    frame = pl.DataFrame(tbl)
    assert frame.height == len(expected)
    polars_rows = frame.select(columns).to_dicts()
    assert polars_rows == expected
    # DuckDB reads the object by its variable name.
    duck = duckdb.sql(f"select count(*) as n, {columns[0]} from tbl group by all order by all").fetchall()
    assert sum(n for n, _ in duck) == len(expected)
    first_values = sorted({str(row[columns[0]]) for row in expected})
    assert sorted(str(v) for _, v in duck) == first_values
    # pandas through pyarrow.
    pandas = pa.table(tbl).to_pandas()
    assert isinstance(pandas, pd.DataFrame) and len(pandas) == len(expected)
    assert [str(v) for v in pandas[columns[0]]] == [str(r[columns[0]]) for r in expected]
    # The table can be read again: each export is its own stream.
    assert pa.table(tbl).num_rows == len(expected)
    # A page is one batch: also read as one (`__arrow_c_array__`), the cheapest way in.
    if name == "activity_batch":
        batch = pa.record_batch(tbl)
        assert [{k: row[k] for k in columns} for row in batch.to_pylist()] == expected
        assert tbl.num_rows == batch.num_rows and tbl.column_names == batch.schema.names


def test_a_page_is_one_batch_of_plain_strings_with_the_table_s_values(engine: ca.Engine) -> None:
    busy(engine)
    page, cursor = engine.activity_batch(page_size=4)
    assert cursor is not None
    assert repr(page) == "ArrowBatch(num_rows=4, columns=['id', 'at', 'type', 'app', 'user', 'actor'])"
    batch = pa.record_batch(page)
    # Small pages carry plain strings (dictionaries cost a reader more than they save there);
    # the whole log's table carries dictionaries. Cast, the two schemas agree.
    table = pa.table(engine.activity_table())
    assert batch.schema.field("app").type == pa.string() and pa.types.is_dictionary(table.schema.field("app").type)
    assert batch.schema.field("user").nullable and not batch.schema.field("app").nullable
    as_plain = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type,
                                   f.nullable) for f in table.schema])
    assert batch.schema == as_plain
    assert batch.to_pylist() == table.to_pylist()[::-1][:4]


def test_the_activity_table_takes_the_activity_filters(engine: ca.Engine) -> None:
    busy(engine)
    table = engine.activity_table(apps=["salesforce"], types=[ca.ActivityType.DISCONNECTED, "reconnected"])
    assert pa.table(table).column("type").to_pylist() == ["disconnected", "reconnected"]
    assert pa.table(engine.activity_table(users=["ann"])).column("id").to_pylist() == [2, 4]
    assert pa.table(engine.activity_table(since=at(2), until=at(4))).column("id").to_pylist() == [3, 4]
    # The user-level install by Ann: her connection's user; system events have no actor.
    rows = {r["id"]: r for r in pa.table(engine.activity_table()).to_pylist()}
    assert (rows[2]["user"], rows[2]["actor"]) == ("ann", "ann")
    assert (rows[5]["user"], rows[5]["actor"], rows[1]["user"]) == (None, None, None)
    assert pa.table(engine.activity_table()).schema.field("at").type == pa.timestamp("us", tz="UTC")


def test_activity_batches_page_with_the_cursor_like_activity(engine: ca.Engine) -> None:
    busy(engine)
    first, cursor = engine.activity_batch(page_size=4)
    assert pa.table(first).column("id").to_pylist() == [6, 5, 4, 3]
    assert cursor == engine.activity(page_size=4).next_cursor
    second, last = engine.activity_batch(page_size=4, cursor=cursor)
    assert (pa.table(second).column("id").to_pylist(), last) == ([2, 1], None)
    assert len(pa.table(first).to_batches()) == 1, "a page crosses as one batch"
    with pytest.raises(ca.InvalidInputError):
        engine.activity_batch(page_size=ca.MAX_PAGE_SIZE + 1)
    with pytest.raises(ca.InvalidInputError):
        engine.activity_batch(cursor="not-a-cursor")


# (a table that matches nothing, the same table with rows)
EMPTY_AND_FULL = {
    "activity, unknown app": (lambda e: busy(e).activity_table(apps=["no-such-app"]), "activity"),
    "activity, after the last event": (lambda e: busy(e).activity_table(since=at(100)), "activity"),
    "activity batch, unknown user": (lambda e: busy(e).activity_batch(users=["nobody"])[0], "activity_batch"),
    "records, none": (lambda e: ca.RecordAggregate().cells_table(), "records"),
    "usage, none": (lambda e: ca.UsageHistory().table(), "usage"),
    "connections, none": (lambda e: e.connections_table(T0), "connections"),
}


@pytest.mark.parametrize("case", sorted(EMPTY_AND_FULL))
def test_nothing_matching_gives_an_empty_table_with_the_full_schema(engine: ca.Engine, case: str) -> None:
    from conftest import build_engine

    make_empty, full = EMPTY_AND_FULL[case]
    empty = make_empty(engine)
    arrow = pa.table(empty)
    assert arrow.num_rows == 0
    assert arrow.schema == pa.table(TABLES[full](build_engine())).schema
    assert pl.DataFrame(empty).columns == arrow.column_names
    assert duckdb.sql("select count(*) from empty").fetchall() == [(0,)]
    assert pa.table(empty).to_pandas().columns.tolist() == arrow.column_names


def test_a_stream_released_half_read_leaves_everything_usable(engine: ca.Engine) -> None:
    busy(engine)
    table = engine.activity_table()
    reader = pa.RecordBatchReader.from_stream(table)
    first = reader.read_next_batch()
    assert first.num_rows == 6
    del reader, first  # released before the end of the stream
    # The table, the engine and its index are all as they were.
    assert pa.table(table).column("id").to_pylist() == [1, 2, 3, 4, 5, 6]
    engine.report_activity("slack", at(7))
    assert pa.table(engine.activity_table()).column("id").to_pylist() == [1, 2, 3, 4, 5, 6, 7]
    assert [e.id for e in engine.activity(page_size=2).events] == [7, 6]
    # A capsule taken and never read.
    capsule = table.__arrow_c_stream__()
    del capsule
    assert pl.DataFrame(table).height == 6

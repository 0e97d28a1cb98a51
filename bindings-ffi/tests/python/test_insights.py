"""Record insights through the UniFFI bindings: aggregate, merge, flags, bounds."""

from datetime import date, datetime, timedelta, timezone

import pytest

import connected_apps_ffi as ca
from conftest import E, micros


def test_record_insights_aggregate_merge_and_flags():
    day0 = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    aggregate = ca.RecordAggregate()
    aggregate.ingest(ca.RecordEvent(at=day0, app="salesforce", record_type="contact", action=ca.RecordAction.CREATED))
    assert aggregate.cells() == [
        ca.RecordCell(day="2026-03-01", app="salesforce", record_type="contacts", action=ca.RecordAction.CREATED, count=1)
    ]
    # A second node counts other events as columns; the partial aggregates merge (X7).
    deleted = ca.record_action_code(ca.RecordAction.DELETED)
    part = ca.RecordAggregate.from_columns(ca.RecordEventColumns(
        at_micros=[micros(day0 + timedelta(days=1))] * 2, apps=[0, 0], app_dictionary=["salesforce"],
        record_types=[0, 0], record_type_dictionary=["deals"], actions=bytes([deleted, deleted]),
    ))
    aggregate.merge(part)
    assert aggregate.event_count() == 3 and aggregate.apps() == ["salesforce"]
    copy = ca.RecordAggregate.from_json(aggregate.to_json())
    assert copy.cells() == aggregate.cells()
    settings = ca.default_insights_settings()
    assert settings.window_days == 30 and settings.data_floor == "2025-12-01"
    query = ca.InsightsQuery(as_of="2026-03-02", include_incomplete_day=False, app=None, record_type=None,
                             group_by=ca.Grouping(app=True, record_type=False, action=False))
    view = aggregate.insights(settings, query, datetime(2026, 3, 5, tzinfo=timezone.utc))
    assert view.days[-1] == "2026-03-02" and len(view.days) == 30
    [row] = view.rows
    assert row.app == "salesforce" and row.total == 3 and row.daily[-2:] == [1, 2]
    assert ca.record_action_is_destructive(ca.RecordAction.MERGED) and ca.record_type_is_custom("2-123")
    with pytest.raises(E.InvalidInput, match="after today"):
        aggregate.insights(settings, query, datetime(2026, 3, 1, tzinfo=timezone.utc))
    with pytest.raises(E.InvalidInput, match="unknown record type|record type"):
        aggregate.ingest(ca.RecordEvent(at=day0, app="salesforce", record_type="widgets", action=ca.RecordAction.CREATED))
    with pytest.raises(E.InvalidInput, match="is not an iso 8601 date"):
        aggregate.insights(settings, ca.InsightsQuery(as_of="March 2", include_incomplete_day=False, app=None,
                                                      record_type=None, group_by=query.group_by), day0)
    assert aggregate.event_count() == 3


def test_record_insights_bounds_window_dictionaries_and_counts():
    aggregate = ca.RecordAggregate()
    aggregate.ingest(ca.RecordEvent(at=datetime(2026, 3, 1, 10, tzinfo=timezone.utc), app="zapier",
                                    record_type="deals", action=ca.RecordAction.DELETED))
    before = aggregate.to_json()
    settings = ca.default_insights_settings()
    query = ca.InsightsQuery(as_of="2026-03-02", include_incomplete_day=False, app=None, record_type=None,
                             group_by=ca.Grouping(app=False, record_type=False, action=False))
    now = datetime(2026, 3, 5, tzinfo=timezone.utc)
    settings.window_days = 3660
    view = aggregate.insights(settings, query, now)
    assert len(view.days) == 3660 and view.rows[0].total == 1
    for days in (3661, 2**32 - 1):
        settings.window_days = days
        with pytest.raises(E.InvalidInput, match=f"window of {days} days exceeds the maximum of 3660"):
            aggregate.insights(settings, query, now)
    # R4: a window wholly before the floor is all unavailable, not an error.
    settings.window_days = 30
    query.as_of = "2025-11-20"
    early = aggregate.insights(settings, query, now)
    assert early.rows[0].daily == [None] * 30 and early.rows[0].total == 0
    # One row, dictionaries of 100,000 apps and record types: one cell.
    wide = ca.RecordAggregate.from_columns(ca.RecordEventColumns(
        at_micros=[micros(datetime(2026, 3, 1, 12, tzinfo=timezone.utc))], apps=[99_999],
        app_dictionary=[f"app-{i}" for i in range(100_000)], record_types=[5],
        record_type_dictionary=[f"2-{i + 1}" for i in range(100_000)], actions=bytes([1]),
    ))
    assert wide.cell_count() == 1 and wide.event_count() == 1
    assert wide.cells() == [ca.RecordCell(day="2026-03-01", app="app-99999", record_type="2-6",
                                          action=ca.RecordAction.UPDATED, count=1)]
    with pytest.raises(E.InvalidInput, match="app_dictionary has 1048577 entries"):
        aggregate.ingest_columns(ca.RecordEventColumns(
            at_micros=[0], apps=[0], app_dictionary=["a"] * 1_048_577, record_types=[0],
            record_type_dictionary=["deals"], actions=bytes([0]),
        ))
    # Counts never wrap: a merge past 2^64 - 1 is refused and changes nothing.
    half = 2**63
    text = '{"version":1,"events":%d,"apps":["a"],"record_types":["contacts"],"cells":[[20500,0,0,2,%d]]}' % (half, half)
    big = ca.RecordAggregate.from_json(text)
    with pytest.raises(E.InvalidInput, match="count 9223372036854775808 plus 9223372036854775808 exceeds"):
        big.merge(ca.RecordAggregate.from_json(text))
    assert big.to_json() == text
    assert aggregate.to_json() == before


def test_partials_ship_as_bytes_and_merge_in_any_order():
    day0 = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)

    def part(apps, actions):
        return ca.RecordAggregate.from_columns(ca.RecordEventColumns(
            at_micros=[micros(day0 + timedelta(hours=5 * i)) for i in range(len(actions))], apps=apps,
            app_dictionary=["salesforce", "zapier"], record_types=[0] * len(actions),
            record_type_dictionary=["deals"], actions=bytes(actions),
        ))

    a, b = part([0, 1, 1], [0, 1, 2]), part([1, 0], [3, 0])
    data = a.to_bytes()
    assert data[:4] == b"CApt" and data[4] == 1
    ab = ca.RecordAggregate.from_bytes(data)
    ab.merge(b)
    ba = ca.RecordAggregate.from_bytes(b.to_bytes())
    ba.merge(a)
    assert ab.to_bytes() == ba.to_bytes() and ab.event_count() == 5 and ab.cells() == ba.cells()
    before = ab.to_bytes()
    with pytest.raises(E.InvalidInput, match="partial format version 2 is not supported, expected 1"):
        ca.RecordAggregate.from_bytes(data[:4] + bytes([2]) + data[5:])
    with pytest.raises(E.InvalidInput, match="checksum mismatch"):
        ca.RecordAggregate.from_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(E.InvalidInput, match="partial kind is usage history, expected record aggregate"):
        ca.RecordAggregate.from_bytes(ca.UsageHistory().to_bytes())
    assert ab.to_bytes() == before


def cell_rows(c):
    """The rows of a RecordCellColumnsView, codes looked up in its dictionaries."""
    assert len({len(c.days), len(c.apps), len(c.record_types), len(c.actions), len(c.counts)}) == 1
    assert isinstance(c.actions, bytes)
    return [
        ca.RecordCell(day=(date(1970, 1, 1) + timedelta(days=d)).isoformat(), app=c.app_dictionary[a],
                      record_type=c.record_type_dictionary[t], action=c.action_dictionary[k], count=n)
        for d, a, t, k, n in zip(c.days, c.apps, c.record_types, c.actions, c.counts)
    ]


def test_cell_columns_equal_the_cells_in_order():
    day0 = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    actions = [0, 2, 2, 3, 1, 0, 2]
    aggregate = ca.RecordAggregate.from_columns(ca.RecordEventColumns(
        at_micros=[micros(day0 + timedelta(hours=9 * i)) for i in range(len(actions))],
        apps=[1, 0, 0, 1, 1, 0, 1], app_dictionary=["zapier", "salesforce"],
        record_types=[0, 1, 1, 0, 1, 0, 0], record_type_dictionary=["deals", "contacts"], actions=bytes(actions),
    ))
    columns = aggregate.cell_columns()
    cells = aggregate.cells()
    assert len(cells) == 7 and cell_rows(columns) == cells
    assert columns.app_dictionary == ["zapier", "salesforce"] and columns.record_type_dictionary == ["deals", "contacts"]
    assert [ca.record_action_code(a) for a in columns.action_dictionary] == [0, 1, 2, 3]
    assert sum(columns.counts) == aggregate.event_count() == 7
    assert columns.days[0] == (date(2026, 3, 1) - date(1970, 1, 1)).days
    # A merge adds to the cells; the columns follow.
    aggregate.merge(ca.RecordAggregate.from_json(aggregate.to_json()))
    assert cell_rows(aggregate.cell_columns()) == aggregate.cells() and sum(aggregate.cell_columns().counts) == 14
    # Nothing counted: empty columns, the actions still listed.
    empty = ca.RecordAggregate().cell_columns()
    assert cell_rows(empty) == [] and empty.actions == b"" and empty.app_dictionary == []
    assert len(empty.action_dictionary) == 4

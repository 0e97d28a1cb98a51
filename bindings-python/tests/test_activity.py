"""Activity-log queries (L2–L4): filters, newest-first pages with a cursor, facets."""

from __future__ import annotations

import pytest

import connected_apps as ca
from conftest import at


def busy(engine: ca.Engine) -> ca.Engine:
    engine.install("admin", "salesforce", at(0))
    engine.install("ann", "gmail", at(1))
    engine.install("admin", "slack", at(2))
    engine.disconnect("ann", "salesforce", at(3))
    engine.report_activity("slack", at(4))
    engine.reconnect("admin", "salesforce", at(5))
    return engine


def test_pages_newest_first_with_a_cursor(engine: ca.Engine) -> None:
    busy(engine)
    first = engine.activity(page_size=4)
    assert [e.id for e in first.events] == [6, 5, 4, 3] and len(first) == 4
    assert first.next_cursor is not None
    # New events do not disturb the next page (L3).
    engine.report_activity("slack", at(6))
    second = engine.activity(page_size=4, cursor=first.next_cursor)
    assert [e.id for e in second.events] == [2, 1] and second.next_cursor is None
    assert [e.id for e in ca.iter_activity(engine, page_size=2)] == [7, 6, 5, 4, 3, 2, 1]


def test_filters_combine_with_and(engine: ca.Engine) -> None:
    busy(engine)
    page = engine.activity(apps=["salesforce"], types=[ca.ActivityType.DISCONNECTED, "reconnected"])
    assert [e.type for e in page.events] == [ca.ActivityType.RECONNECTED, ca.ActivityType.DISCONNECTED]
    assert [e.id for e in engine.activity(users=["ann"]).events] == [4, 2]
    assert [e.id for e in engine.activity(since=at(2), until=at(4)).events] == [4, 3]


def test_facets(engine: ca.Engine) -> None:
    busy(engine)
    facets = engine.activity_facets()
    assert (facets.total, facets.system) == (6, 1)
    assert facets.by_type[0] == (ca.ActivityType.INSTALLED, 3)
    assert facets.by_user == [("admin", 3), ("ann", 2)]
    assert dict(facets.by_app) == {"salesforce": 3, "gmail": 1, "slack": 2}
    assert engine.activity_facets(apps=["gmail"]).total == 1
    assert facets.to_dict()["total"] == 6


def test_each_facet_counts_with_every_filter_but_its_own(engine: ca.Engine) -> None:
    busy(engine)
    facets = engine.activity_facets(users=["ann"], types=["installed"])
    assert facets.total == 1
    # Users: installed events by anyone (the user filter left out); no system install.
    assert facets.by_user == [("admin", 2), ("ann", 1)] and facets.system == 0
    # Types: Ann's events of every type (the type filter left out).
    assert dict(facets.by_type) == {ca.ActivityType.INSTALLED: 1, ca.ActivityType.DISCONNECTED: 1}
    assert dict(facets.by_app) == {"gmail": 1}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (lambda e: e.activity(page_size=0), "page size must be between 1 and 1000, got 0"),
        (lambda e: e.activity(cursor="nonsense"), "malformed or tampered cursor"),
        (lambda e: e.activity(since=at(3), until=at(1)), "time range is inverted"),
        (lambda e: e.activity_facets(since=at(3), until=at(1)), "time range is inverted"),
    ],
)
def test_bad_queries_raise_invalid_input(engine, query, message) -> None:  # type: ignore[no-untyped-def]
    busy(engine)
    with pytest.raises(ca.InvalidInputError, match=message):
        query(engine)


def test_a_cursor_of_another_query_is_refused(engine: ca.Engine) -> None:
    busy(engine)
    cursor = engine.activity(page_size=1).next_cursor
    with pytest.raises(ca.InvalidInputError, match="belongs to another query"):
        engine.activity(page_size=1, cursor=cursor, apps=["slack"])


# --- one account engine (issue 13): the core's index syncs itself -------------------------------


def long_salesforce_log(engine: ca.Engine, n: int) -> ca.Engine:
    """`busy`, then `n` app-activity events of Salesforce, alternately by Ann and the system."""
    import numpy as np

    busy(engine)
    ca.ingest_arrays(
        engine,
        ids=np.arange(100, 100 + n, dtype=np.uint64),
        at=np.datetime64("2026-03-02T15:00") + np.arange(n).astype("timedelta64[s]"),
        types=np.full(n, ca.ActivityType.APP_ACTIVITY.code, dtype=np.uint8),
        apps=["salesforce"] * n,
        actors=["ann" if i % 2 == 0 else None for i in range(n)],
    )
    return engine


def test_the_app_log_spans_index_pages_and_matches_its_columns(engine: ca.Engine) -> None:
    # 1,001 ingested events + 3 Salesforce events of `busy`: more than one index page (1,000).
    long_salesforce_log(engine, 1001)
    log = engine.app_log("salesforce")
    assert len(log) == 1004
    assert [e.id for e in log[:2]] == [1100, 1099] and [e.id for e in log[-3:]] == [6, 4, 1]
    assert [e.id for e in log] == [e.id for e in ca.iter_activity(engine, apps=["salesforce"], page_size=1000)]
    columns = engine.app_log_columns("salesforce")
    assert list(columns["id"]) == [e.id for e in log]
    # Ann's first event is the newest (id 1100: i = 1000 is even); admin appears last.
    assert columns["actor_dictionary"] == ["ann", "admin"]
    assert list(columns["actor"][:3]) == [0, ca.NO_USER, 0] and list(columns["actor"][-3:]) == [1, 0, 1]
    ann = engine.app_log("salesforce", users=["ann"], types=["app_activity"])
    assert len(ann) == 501 and all(e.actor == "ann" for e in ann)


def test_queries_follow_changes_and_restores(engine: ca.Engine) -> None:
    busy(engine)
    assert engine.activity_facets().total == 6
    engine.report_activity("slack", at(6))
    # The next query sees the new event without any call to sync.
    assert [e.id for e in engine.activity(page_size=2).events] == [7, 6]
    assert engine.activity_facets(apps=["slack"]).total == 3
    restored = ca.Engine.from_json(engine.to_json())
    assert restored.to_json() == engine.to_json()
    assert [e.id for e in restored.activity().events] == [e.id for e in engine.activity().events]
    assert restored.app_log_columns("slack")["id"].tolist() == [7, 5, 3]


def test_concurrent_queries_while_events_arrive(engine: ca.Engine) -> None:
    import threading

    busy(engine)
    errors: list[BaseException] = []
    totals: list[int] = []

    def read() -> None:
        try:
            for _ in range(200):
                facets = engine.activity_facets()
                page = engine.activity(page_size=1)
                assert facets.total >= 6 and page.events[0].id >= 6
                totals.append(facets.total)
        except BaseException as e:  # noqa: BLE001 — reported by the main thread
            errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for r in readers:
        r.start()
    for i in range(100):
        engine.report_activity("slack", at(6 + i / 100))
    for r in readers:
        r.join()
    assert errors == []
    assert engine.activity_facets().total == 106 and len(totals) == 600

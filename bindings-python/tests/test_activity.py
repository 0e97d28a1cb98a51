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

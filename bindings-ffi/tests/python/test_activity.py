"""The activity log through the UniFFI bindings: pages, cursors and facets."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, MIA, at, install, micros


def test_activity_log_pages_cursors_and_facets(engine):
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="gmail", user="mia"), at(3))
    everything = ca.ActivityFilter(types=[], users=[], apps=[], since=None, until=None)
    first = engine.activity(everything, None, 3)
    assert [e.id for e in first.events] == [4, 3, 2]
    # New events arrive: the cursor still continues exactly where the first page stopped.
    engine.execute(MIA, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=None), at(4))
    second = engine.activity(everything, first.next_cursor, 3)
    assert [e.id for e in second.events] == [1] and second.next_cursor is None
    by_mia = ca.ActivityFilter(types=[], users=["mia"], apps=["salesforce"], since=at(2), until=at(5))
    assert [e.id for e in engine.activity(by_mia, None, 10).events] == [5, 3]
    facets = engine.activity_facets(everything)
    assert facets.total == 5 and facets.system == 1
    assert facets.by_user == [ca.UserCount(value="mia", count=3), ca.UserCount(value="admin", count=1)]
    assert facets.by_app == [ca.AppCount(value="salesforce", count=3), ca.AppCount(value="gmail", count=2)]
    assert ca.TypeCount(value=ca.ActivityType.INSTALLED, count=2) in facets.by_type
    # Each menu counts with every filter but its own (L4).
    mia_on_salesforce = ca.ActivityFilter(types=[], users=["mia"], apps=["salesforce"], since=None, until=None)
    narrowed = engine.activity_facets(mia_on_salesforce)
    assert narrowed.total == 2
    assert narrowed.by_user == [ca.UserCount(value="mia", count=2), ca.UserCount(value="admin", count=1)]
    assert narrowed.system == 0
    assert narrowed.by_app == [ca.AppCount(value="salesforce", count=2), ca.AppCount(value="gmail", count=1)]
    by_type = {c.value: c.count for c in narrowed.by_type}
    assert by_type == {ca.ActivityType.DISCONNECTED: 1, ca.ActivityType.RECONNECTED: 1}
    with pytest.raises(E.InvalidInput, match="page size must be between 1 and 1000, got 0"):
        engine.activity(everything, None, 0)
    assert ca.max_activity_page_size() == 1000
    with pytest.raises(E.InvalidInput, match="malformed or tampered cursor"):
        engine.activity(everything, "not-a-cursor", 3)
    with pytest.raises(E.InvalidInput, match="belongs to another query"):
        engine.activity(by_mia, first.next_cursor, 3)
    inverted = ca.ActivityFilter(types=[], users=[], apps=[], since=at(5), until=at(1))
    with pytest.raises(E.InvalidInput, match="time range is inverted"):
        engine.activity_facets(inverted)


# ------------------------------------------------------------------ columns (issue 14)

EVERYTHING = ca.ActivityFilter(types=[], users=[], apps=[], since=None, until=None)


def busy(engine):
    """Five events: two installs, a disconnect, app activity (system), a reconnect."""
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="gmail", user="mia"), at(3))
    engine.execute(MIA, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=None), at(4))
    return engine


def decoded(c):
    """The rows of a LogColumnsView, codes looked up in its dictionaries."""
    assert len({len(c.ids), len(c.at_micros), len(c.types), len(c.apps), len(c.users), len(c.actors)}) == 1
    assert isinstance(c.types, bytes)

    def name(code):
        return None if code == ca.no_user_code() else c.user_dictionary[code]

    return [
        (i, t, c.type_dictionary[k], c.app_dictionary[a], name(u), name(x))
        for i, t, k, a, u, x in zip(c.ids, c.at_micros, c.types, c.apps, c.users, c.actors)
    ]


def rows(events):
    """The same rows read from events."""
    return [
        (e.id, micros(e.at), ca.ActivityType[type(e.kind).__name__.split(".")[-1]], e.app, e.user, e.actor)
        for e in events
    ]


def test_activity_columns_equal_the_events_and_pages(engine):
    busy(engine)
    everything = engine.activity_columns(EVERYTHING)
    assert decoded(everything) == rows(engine.events())  # oldest first
    assert [ca.activity_type_code(t) for t in everything.type_dictionary] == list(range(len(ca.ActivityType)))
    assert everything.type_dictionary[everything.types[0]] == ca.ActivityType.INSTALLED
    assert everything.app_dictionary == ["salesforce", "gmail"]
    assert everything.users[0] == ca.no_user_code() == 2**32 - 1  # account-level: no user
    by_mia = ca.ActivityFilter(types=[], users=["mia"], apps=[], since=at(1), until=at(5))
    newest_first = engine.activity(by_mia, None, 1000).events
    assert [e.id for e in newest_first] == [5, 3, 2]
    assert decoded(engine.activity_columns(by_mia)) == rows(newest_first[::-1])
    # Pages of columns are the pages of events, with the same cursors.
    cursor, pages = None, 0
    while True:
        page = engine.activity(EVERYTHING, cursor, 2)
        columns = engine.activity_page_columns(EVERYTHING, cursor, 2)
        assert decoded(columns.columns) == rows(page.events)
        assert columns.next_cursor == page.next_cursor
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    # The largest page is accepted whole.
    assert decoded(engine.activity_page_columns(EVERYTHING, None, 1000).columns) == rows(engine.events()[::-1])


def test_activity_columns_of_nothing_keep_the_dictionaries(engine):
    assert decoded(engine.activity_columns(EVERYTHING)) == []
    empty = engine.activity_page_columns(EVERYTHING, None, 10)
    assert decoded(empty.columns) == [] and empty.next_cursor is None
    assert empty.columns.app_dictionary == [] and len(empty.columns.type_dictionary) == len(ca.ActivityType)
    busy(engine)
    for nobody in (
        ca.ActivityFilter(types=[], users=["nobody"], apps=[], since=None, until=None),
        ca.ActivityFilter(types=[ca.ActivityType.UNINSTALLED], users=[], apps=[], since=None, until=None),
    ):
        columns = engine.activity_columns(nobody)
        assert decoded(columns) == [] and columns.ids == [] and columns.types == b""
        assert columns.app_dictionary == ["salesforce", "gmail"]
        assert set(columns.user_dictionary) == {"admin", "mia"}
        page = engine.activity_page_columns(nobody, None, 5)
        assert decoded(page.columns) == [] and page.next_cursor is None
        assert page.columns.app_dictionary == ["salesforce", "gmail"]


def test_activity_columns_refuse_bad_page_sizes_cursors_and_ranges(engine):
    busy(engine)
    before = engine.events()
    first = engine.activity_page_columns(EVERYTHING, None, 2)
    for size in (0, 1001):
        with pytest.raises(E.InvalidInput, match=f"page size must be between 1 and 1000, got {size}"):
            engine.activity_page_columns(EVERYTHING, None, size)
    with pytest.raises(E.InvalidInput, match="malformed or tampered cursor"):
        engine.activity_page_columns(EVERYTHING, "not-a-cursor", 2)
    by_mia = ca.ActivityFilter(types=[], users=["mia"], apps=[], since=None, until=None)
    with pytest.raises(E.InvalidInput, match="belongs to another query"):
        engine.activity_page_columns(by_mia, first.next_cursor, 2)
    inverted = ca.ActivityFilter(types=[], users=[], apps=[], since=at(5), until=at(1))
    with pytest.raises(E.InvalidInput, match="time range is inverted"):
        engine.activity_columns(inverted)
    with pytest.raises(E.InvalidInput, match="time range is inverted"):
        engine.activity_page_columns(inverted, None, 2)
    # Nothing changed: the log, and the cursor still continues where it stopped.
    assert engine.events() == before
    assert decoded(engine.activity_page_columns(EVERYTHING, first.next_cursor, 2).columns) == rows(before[::-1][2:4])

"""The activity log through the UniFFI bindings: pages, cursors and facets."""

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, MIA, at, install


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

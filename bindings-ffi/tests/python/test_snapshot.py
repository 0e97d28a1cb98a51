"""History, JSON snapshots, the hash chain and NDJSON through the UniFFI bindings."""

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest

import connected_apps_ffi as ca
from conftest import ADMIN, E, MIA, at, build_engine, install


def test_state_as_of_an_instant(engine):
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(ADMIN, ca.Command.DISCONNECT(app="salesforce", user=None), at(10))
    assert engine.connection_state_as_of("salesforce", None, at(-1)) is None
    assert engine.connection_state_as_of("salesforce", None, at(5)) == ca.ConnectionState.CONNECTED
    assert engine.connection_state_as_of("salesforce", None, at(10)) == ca.ConnectionState.DISCONNECTED
    assert [c.health for c in engine.connections_as_of(at(5))] == [ca.Health.CONNECTED()]
    assert engine.connections_as_of(at(-1)) == []


def test_json_snapshot_round_trip(engine):
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    text = engine.to_json()
    copy = ca.AccountEngine.from_json(text)
    assert copy.to_json() == text
    assert copy.events() == engine.events()
    assert copy.connection_state("salesforce", None, at(2)) == ca.ConnectionState.DISCONNECTED
    with pytest.raises(E.InvalidInput, match="malformed json"):
        ca.AccountEngine.from_json("{")
    with pytest.raises(E.InvalidInput, match="unsupported snapshot version 99"):
        ca.AccountEngine.from_json(text.replace('"version": 1', '"version": 99', 1))


def test_verify_the_hash_chain_and_refuse_a_tampered_snapshot(engine):
    empty = engine.verify()
    assert empty == hashlib.sha256(b"connected-apps/x8/v1").hexdigest()
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    head = engine.verify()
    assert head == engine.chain_head() != empty
    text = engine.to_json()
    assert json.loads(text)["chain"] == {"scheme": "connected-apps/x8/v1", "block": 1024, "head": head, "checkpoints": []}
    tampered = json.loads(text)
    tampered["events"][1]["actor"] = "admin"
    with pytest.raises(E.InvalidState, match=r"event chain breaks in block 0, events 1 to 2 \(positions 0 to 1\)"):
        ca.AccountEngine.from_json(json.dumps(tampered))
    assert ca.AccountEngine.from_json(text).verify() == head


def test_ndjson_events_in_and_out(engine):
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    ndjson = engine.export_ndjson()
    assert ndjson.count("\n") == 2
    events = ca.events_from_ndjson(ndjson)
    assert events == engine.events()
    assert ca.events_to_ndjson(events) == ndjson

    replica = build_engine()
    assert replica.import_ndjson(ndjson) == 2
    assert replica.events() == engine.events()
    # All or nothing: the second import is refused whole (duplicate ids) and changes nothing.
    with pytest.raises(E.Conflict, match="duplicate event id 1"):
        replica.import_ndjson(ndjson)
    assert len(replica.events()) == 2
    with pytest.raises(E.InvalidInput, match="malformed json at line 2"):
        ca.events_from_ndjson(ndjson.splitlines()[0] + "\n{nope}\n")


def test_append_and_append_all(engine):
    install(engine, ADMIN, "salesforce", at(0))
    event = ca.Event(id=10, at=at(1), app="salesforce", user=None, actor="mia", kind=ca.EventKind.DISCONNECTED())
    engine.append(event)
    assert engine.events()[-1] == event
    with pytest.raises(E.Conflict, match="duplicate event id 10"):
        engine.append(event)
    older = ca.Event(id=11, at=at(0) - timedelta(seconds=1), app="salesforce", user=None, actor=None,
                     kind=ca.EventKind.CONNECTED())
    with pytest.raises(E.InvalidInput, match="older than the newest"):
        engine.append(older)
    too_late = ca.Event(id=14, at=datetime(2300, 1, 1, tzinfo=timezone.utc), app="salesforce", user=None, actor=None,
                        kind=ca.EventKind.CONNECTED())
    with pytest.raises(E.InvalidInput, match="outside the log's range"):
        engine.append(too_late)
    batch = [
        ca.Event(id=12, at=at(2), app="salesforce", user=None, actor="mia",
                 kind=ca.EventKind.RECONNECTED(expires_at=None)),
        ca.Event(id=13, at=at(3), app="salesforce", user=None, actor="mia",
                 kind=ca.EventKind.RECONNECTED(expires_at=None)),
    ]
    with pytest.raises(E.InvalidState, match="already connected"):
        engine.append_all(batch)
    assert len(engine.events()) == 2
    assert engine.append_all(batch[:1]) == 1
    # The next command's id follows the highest appended one.
    outcome = engine.execute(ADMIN, ca.Command.DISCONNECT(app="salesforce", user=None), at(4))
    assert outcome == ca.Outcome.APPLIED(event=13)

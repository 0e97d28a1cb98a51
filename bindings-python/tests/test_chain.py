"""The tamper-evident log (X8): `verify`, the chain's head, and snapshots whose chain no longer
matches their events. The chain is also recomputed here from the documented canonical encoding,
with nothing but hashlib, as another implementation would verify a snapshot."""

from __future__ import annotations

import hashlib
import json
import struct
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import connected_apps as ca
from conftest import at

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "data" / "sample_account.json"
TYPES = [
    "installed",
    "reinstalled",
    "uninstalled",
    "connected",
    "disconnected",
    "reconnected",
    "reauthenticated",
    "sync_setting_changed",
    "connection_expired",
    "connection_error",
    "app_activity",
    "update_availability",
    "app_version_changed",
    "policy_changed",
    "scopes_turned_off",
    "access_requested",
    "access_approved",
    "access_denied",
    "connection_revoked",
]


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def text(value: str) -> bytes:
    raw = value.encode()
    return u64(len(raw)) + raw


def opt(value: Any, write: Callable[[Any], bytes]) -> bytes:
    return b"\x00" if value is None else b"\x01" + write(value)


def strs(values: list[str]) -> bytes:
    return u64(len(values)) + b"".join(text(v) for v in values)


def boolean(value: bool) -> bytes:
    return b"\x01" if value else b"\x00"


def seconds_and_nanos(stamp: str) -> tuple[int, int]:
    """RFC 3339 in UTC ('Z'), fraction up to nanoseconds, as the engine writes it."""
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    seconds = int(datetime.fromisoformat(whole).replace(tzinfo=timezone.utc).timestamp())
    return seconds, int(fraction.ljust(9, "0")) if fraction else 0


def time(stamp: str) -> bytes:
    seconds, nanos = seconds_and_nanos(stamp)
    return struct.pack("<qI", seconds, nanos)


def tier(requires: Optional[dict[str, str]]) -> bytes:
    return opt(requires, lambda r: text(r["hub"]) + text(r["tier"]))


def payload(kind: dict[str, Any]) -> bytes:
    kind_type = kind["type"]
    if kind_type in ("installed", "reinstalled", "reauthenticated"):
        scopes = sorted(kind["scopes"], key=lambda s: s.encode())
        dropped = sorted(kind.get("dropped", []), key=lambda s: s.encode())
        # X6: a reauthentication's dropped scopes are written only when there are some.
        return strs(scopes) + opt(kind.get("expires_at"), time) + (strs(dropped) if dropped else b"")
    if kind_type == "reconnected":
        return opt(kind.get("expires_at"), time)
    if kind_type == "sync_setting_changed":
        return text(kind["setting"]) + boolean(kind["on"])
    if kind_type == "connection_error":
        return text(kind["code"]) + text(kind["message"]) + strs(kind.get("resolution_steps", []))
    if kind_type == "update_availability":
        return boolean(kind["available"])
    if kind_type == "app_version_changed":
        scopes = [text(s["name"]) + text(s["requirement"]) + tier(s.get("requires")) for s in kind["scopes"]]
        features = kind.get("features", [])
        written = [text(f["name"]) + strs(f["scopes"]) + tier(f.get("requires")) for f in features]
        return text(kind["version"]) + u64(len(scopes)) + b"".join(scopes) + u64(len(written)) + b"".join(written)
    if kind_type == "policy_changed":
        level = kind["level"]
        if level == "account":
            who = b"\x00"
        elif "team" in level:
            who = b"\x01" + text(level["team"])
        else:
            who = b"\x02" + text(level["user"])
        return who + opt(kind.get("approval"), text)
    if kind_type == "scopes_turned_off":
        return strs(sorted(kind["scopes"], key=lambda s: s.encode()))
    if kind_type == "access_requested":
        scopes = sorted(kind["scopes"], key=lambda s: s.encode())
        return text(kind["requester"]) + strs(scopes) + text(kind.get("reason", "")) + time(kind["expires_at"])
    if kind_type == "access_approved":
        return text(kind["requester"]) + text(kind["grant"])
    if kind_type == "access_denied":
        return text(kind["requester"]) + text(kind.get("reason", ""))
    if kind_type == "connection_revoked":
        return text(kind.get("reason", ""))
    return b""


def canonical(event: dict[str, Any]) -> bytes:
    seconds, nanos = seconds_and_nanos(event["at"])
    return (
        u64(event["id"])
        + struct.pack("<q", seconds * 1_000_000_000 + nanos)
        + text(event["app"])
        + opt(event.get("user"), text)
        + opt(event.get("actor"), text)
        + bytes([TYPES.index(event["kind"]["type"])])
        + payload(event["kind"])
    )


def chain(events: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The head and the checkpoints (one per 1,024 events) of the documented chain."""
    head = hashlib.sha256(b"connected-apps/x8/v1").digest()
    checkpoints = []
    for position, event in enumerate(events, start=1):
        head = hashlib.sha256(head + canonical(event)).digest()
        if position % 1024 == 0:
            checkpoints.append(head.hex())
    return head.hex(), checkpoints


def test_the_sample_snapshot_chain_is_the_documented_one() -> None:
    sample = SAMPLE.read_text(encoding="utf-8")
    doc = json.loads(sample)
    head, checkpoints = chain(doc["events"])
    assert doc["chain"] == {"scheme": "connected-apps/x8/v1", "block": 1024, "head": head, "checkpoints": checkpoints}
    engine = ca.Engine.from_json(sample)
    assert engine.verify() == head == engine.chain_head()


def test_verify_follows_every_kind_of_event(engine: ca.Engine) -> None:
    empty_head = engine.verify()
    assert empty_head == hashlib.sha256(b"connected-apps/x8/v1").hexdigest()
    engine.install("admin", "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.read"])
    engine.install("ann", "gmail", at(1), expires_at=at(48))
    engine.set_sync_setting("admin", "salesforce", "deals", False, at(2))
    engine.report_error("salesforce", at(3), code="E1", message="boom", resolution_steps=["retry"])
    engine.reauthenticate("admin", "salesforce", at(4), scopes=["crm.objects.deals.read"])
    engine.reauthenticate("admin", "salesforce", at(4), scopes=[], dropped=["crm.objects.deals.read"])
    engine.report_update_availability("salesforce", True, at(5))
    engine.disconnect("admin", "salesforce", at(6))
    engine.reconnect("admin", "salesforce", at(7), expires_at=at(100))
    head = engine.verify()
    assert head == engine.chain_head() != empty_head
    snapshot = json.loads(engine.to_json())
    assert chain(snapshot["events"]) == (head, [])
    assert snapshot["chain"]["head"] == head


def test_a_tampered_snapshot_is_refused_naming_where_and_an_old_one_restores(engine: ca.Engine) -> None:
    engine.install("admin", "salesforce", at(0))
    engine.install("ann", "gmail", at(1))
    engine.set_sync_setting("admin", "salesforce", "deals", False, at(2))
    text = engine.to_json()
    doc = json.loads(text)
    doc["events"][1]["actor"] = "admin"
    with pytest.raises(ca.InvalidStateError, match=r"event chain breaks in block 0, events 1 to 3 \(positions 0 to 2\)"):
        ca.Engine.from_json(json.dumps(doc))
    dropped = json.loads(text)
    del dropped["events"][2]
    with pytest.raises(ca.InvalidStateError, match="event chain breaks in block 0, events 1 to 2"):
        ca.Engine.from_json(json.dumps(dropped))
    scheme = json.loads(text)
    scheme["chain"]["scheme"] = "other/v1"
    with pytest.raises(ca.InvalidInputError, match='unknown event chain scheme "other/v1"'):
        ca.Engine.from_json(json.dumps(scheme))
    old = json.loads(text)
    del old["chain"]
    restored = ca.Engine.from_json(json.dumps(old, indent=2))
    assert restored.verify() == engine.verify()
    assert restored.to_json() == text

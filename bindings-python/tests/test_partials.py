"""Partials for distributed engines (X7, issue 16): RecordAggregate and UsageHistory pickle through
their compact, versioned byte form, and merge in any order to the result of one pass."""

from __future__ import annotations

import copy
import hashlib
import pickle
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

import connected_apps as ca

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)
WEBHOOK = (
    '[{"eventId": 1, "subscriptionId": 9, "objectId": 5, "occurredAt": 1772445600000,'
    ' "subscriptionType": "contact.creation", "changeSource": "INTEGRATION", "sourceId": "54321"},'
    ' {"eventId": 2, "subscriptionId": 9, "objectId": 6, "occurredAt": 1772449200000,'
    ' "subscriptionType": "deal.deletion", "changeSource": "INTEGRATION", "sourceId": "54321"}]'
)


def cube(seed: int, n: int = 5_000) -> ca.RecordAggregate:
    rng = np.random.default_rng(seed)
    out = ca.RecordAggregate()
    out.ingest_columns(
        1_772_409_600_000_000 + rng.integers(0, 9 * 86_400_000_000, n, dtype=np.int64),
        rng.integers(0, 3, n, dtype=np.uint32),
        ["salesforce", "zapier", "slack"],
        rng.integers(0, 2, n, dtype=np.uint32),
        ["contacts", "2-123"],
        rng.integers(0, 4, n, dtype=np.uint8),
    )
    return out


def history() -> ca.UsageHistory:
    h = ca.UsageHistory()
    for minute, calls in [(0, 1_000), (30, 1_900), (90, 4_200)]:
        h.record("crm-sync", NOW - timedelta(minutes=minute), calls, usage_limit=250_000, resets_at=NOW + timedelta(hours=9))
    h.record("billing", NOW, 12)
    return h


def resigned(data: bytes) -> bytes:
    """`data` with its checksum (the first 8 bytes of SHA-256 of the rest) recomputed."""
    body = data[:-8]
    return body + hashlib.sha256(body).digest()[:8]


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL, 5])
def test_a_record_aggregate_pickles_to_an_equal_one_dedupe_memory_included(protocol: int) -> None:
    original = cube(1)
    original.import_webhooks(WEBHOOK)
    back = pickle.loads(pickle.dumps(original, protocol=protocol))
    assert isinstance(back, ca.RecordAggregate) and back is not original
    assert back.to_bytes() == original.to_bytes()
    assert back.cells() == original.cells() and back.event_count == 5_002
    # The memory came along: the same webhook body again is all duplicates.
    assert back.import_webhooks(WEBHOOK)["duplicates"] == 2 and back.event_count == 5_002
    assert copy.deepcopy(original).to_bytes() == original.to_bytes()
    assert len(original.to_bytes()) * 2 < len(original.to_json())


def test_a_usage_history_pickles_and_merges_in_any_order() -> None:
    h = history()
    back = pickle.loads(pickle.dumps(h, protocol=5))
    assert back.to_bytes() == h.to_bytes() and back.to_json() == h.to_json()
    assert ca.UsageHistory.from_bytes(h.to_bytes()).snapshots("crm-sync") == h.snapshots("crm-sync")
    other = ca.UsageHistory()
    other.record("crm-sync", NOW - timedelta(minutes=30), 1_850)  # smaller reading at the same instant
    other.record("zapier", NOW, 77)
    ab, ba = ca.UsageHistory.from_bytes(h.to_bytes()), ca.UsageHistory.from_bytes(other.to_bytes())
    ab.merge(other)
    ba.merge(h)
    assert ab.to_bytes() == ba.to_bytes()
    assert [s["calls_today"] for s in ab.snapshots("crm-sync")] == [4_200, 1_900, 1_000]
    ab.merge(ab)  # itself: the union is what it was
    assert ab.to_bytes() == ba.to_bytes()


def test_record_partials_merge_in_any_order_to_one_pass() -> None:
    parts = [cube(seed) for seed in (1, 2, 3)]
    one_pass = ca.RecordAggregate()
    for seed in (1, 2, 3):
        one_pass.merge(cube(seed))
    left = pickle.loads(pickle.dumps(parts[2], protocol=5))
    left.merge(parts[1])
    left.merge(parts[0])
    right = ca.RecordAggregate.from_bytes(parts[0].to_bytes())
    tail = ca.RecordAggregate.from_bytes(parts[1].to_bytes())
    tail.merge(parts[2])
    right.merge(tail)
    assert left.to_bytes() == right.to_bytes() == one_pass.to_bytes()
    assert left.event_count == 15_000


def test_a_version_mismatched_or_corrupt_partial_raises_and_nothing_is_merged() -> None:
    target = cube(4)
    before = target.to_bytes()
    data = cube(5).to_bytes()
    newer = data[:4] + bytes([data[4] + 1]) + data[5:]
    with pytest.raises(ca.InvalidInputError, match="partial format version 2 is not supported, expected 1"):
        ca.RecordAggregate.from_bytes(newer)
    # A pickle whose state is of another version fails to unpickle: there is nothing to merge.
    tampered = pickle.dumps(cube(5), protocol=5).replace(data, newer)
    with pytest.raises(ca.InvalidInputError, match="partial format version"):
        target.merge(pickle.loads(tampered))
    corrupt = bytearray(data)
    corrupt[12] ^= 0xFF
    with pytest.raises(ca.InvalidInputError, match="checksum mismatch"):
        ca.RecordAggregate.from_bytes(bytes(corrupt))
    with pytest.raises(ca.InvalidInputError, match="not a connected-apps partial"):
        ca.RecordAggregate.from_bytes(b"")
    with pytest.raises(ca.InvalidInputError, match="partial kind is usage history, expected record aggregate"):
        ca.RecordAggregate.from_bytes(history().to_bytes())
    # Another dedupe horizon (the byte after the kind): built with other settings, refused.
    other_settings = resigned(data[:6] + bytes([data[6] + 1]) + data[7:])
    with pytest.raises(ca.InvalidInputError, match="partial dedupe horizon days is 4, expected 3"):
        ca.RecordAggregate.from_bytes(other_settings)
    # __setstate__ with bad bytes leaves the object as it was.
    with pytest.raises(ca.InvalidInputError):
        target.__setstate__(newer)
    assert target.to_bytes() == before
    with pytest.raises(ca.InvalidInputError, match="partial kind is record aggregate"):
        ca.UsageHistory.from_bytes(data)
    with pytest.raises(TypeError):
        ca.RecordAggregate.from_bytes("not bytes")  # type: ignore[arg-type]

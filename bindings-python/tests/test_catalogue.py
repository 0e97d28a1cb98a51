"""The catalogue of bad inputs (core/tests/data/bad_inputs.json), run through the Python module.

Each case must raise the exception class of its kind, and the engine must serialise to the same
bytes before and after. The Rust tests and the UniFFI hosts run the same file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest

import connected_apps as ca

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "core/tests/data"))

from catalogue import CASES, SAMPLE_TEXT, case_ids, patched_sample, restore_text, when  # noqa: E402

KINDS: dict[str, type[ca.ConnectedAppsError]] = {
    "not_found": ca.NotFoundError,
    "permission_denied": ca.PermissionDeniedError,
    "conflict": ca.ConflictError,
    "invalid_state": ca.InvalidStateError,
    "invalid_input": ca.InvalidInputError,
}


def activity_filter(spec: dict[str, Any] | None) -> dict[str, Any]:
    spec = dict(spec or {})
    for bound in ("since", "until"):
        if bound in spec:
            spec[bound] = when(spec[bound])
    return spec


def run_activity(engine: ca.Engine, case: dict[str, Any]) -> None:
    cursor = case.get("cursor")
    if "cursor_from" in case:
        cursor = engine.activity(**activity_filter(case["cursor_from"]), page_size=1).next_cursor
    engine.activity(**activity_filter(case.get("filter")), cursor=cursor, page_size=case["page_size"])


OPERATIONS: dict[str, Callable[[ca.Engine, dict[str, Any]], Any]] = {
    "execute": lambda e, c: e.execute(c["actor"], c["command"], when(c["now"])),
    "import_ndjson": lambda e, c: e.import_ndjson(c["text"]),
    "restore": lambda e, c: ca.Engine.from_json(patched_sample(c["patch"])),
    "restore_text": lambda e, c: ca.Engine.from_json(restore_text(c)),
    "activity": run_activity,
    "facets": lambda e, c: e.activity_facets(**activity_filter(c.get("filter"))),
    "add_user": lambda e, c: e.add_user(c["user"]),
    "add_team": lambda e, c: e.add_team(c["team"]),
    "add_app": lambda e, c: e.add_app(c["app"]),
    "set_account": lambda e, c: e.set_account(c["account"]),
    "set_user_active": lambda e, c: e.set_user_active(c["user"], c["active"]),
    "create_rule": lambda e, c: e.create_rule(c["actor"], c["rule"], when(c["now"])),
    "dry_run": lambda e, c: e.dry_run_notifications(c["rules"], when(c["from"]), when(c["to"])),
    "record_deliveries": lambda e, c: e.record_deliveries(c["deliveries"], when(c["now"])),
}


def test_the_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_bad_input(case: dict[str, Any]) -> None:
    engine = ca.Engine.from_json(SAMPLE_TEXT)
    before = engine.to_json()
    with pytest.raises(KINDS[case["kind"]]):
        OPERATIONS[case["op"]](engine, case)
    assert engine.to_json() == before

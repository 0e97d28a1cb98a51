"""The month's fixtures for the Python hosts (the pyo3 module and the UniFFI bindings).

Both hosts' tests import this file: it reads the fixtures, runs the steps through a host's
importer function and puts what a host returns (dicts from `to_dict()`, or UniFFI records) into
the JSON shape of `expected.json`, so that the only host code is the calls themselves. Rust and
Kotlin have their own readers.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

HERE = Path(__file__).resolve().parent
EXPECTED: dict[str, Any] = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
NOW = datetime.fromisoformat(EXPECTED["now"].replace("Z", "+00:00"))
VIEWER: str = EXPECTED["viewer"]
AS_OF = date.fromisoformat(EXPECTED["insights"]["as_of"])
WINDOW_DAYS: int = EXPECTED["insights"]["window_days"]
DIRECTORY_TEXT = (HERE / "directory.json").read_text(encoding="utf-8")
PAYLOADS: dict[str, list[str]] = {
    kind: (HERE / file).read_text(encoding="utf-8").splitlines() for kind, file in EXPECTED["files"].items()
}
REPORT_FIELDS = (
    "read",
    "imported",
    "unsupported",
    "by_source",
    "duplicates",
    "repeat_updates",
    "expired",
    "unresolved_actors",
    "skipped",
)


def plain(value: Any) -> Any:
    """A host value in the JSON shape: instants as `...Z` whole-second text, days as ISO dates,
    enum members by their snake-case name."""
    if isinstance(value, enum.Enum):
        return value.value if isinstance(value.value, str) else value.name.lower()
    if isinstance(value, datetime):
        at = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def get(obj: Any, name: str) -> Any:
    """A field of a dict (pyo3 `to_dict()`) or an attribute of a record (UniFFI)."""
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def pick(obj: Any, *names: str) -> dict[str, Any]:
    return {name: plain(get(obj, name)) for name in names}


def run_steps(importers: dict[str, Callable[[str], Any]]) -> None:
    """Runs every step in order through the host's importer of its kind (`webhooks`, `journal`,
    `security`, `audit`, `usage`: body → import report), checking each report."""
    for i, step in enumerate(EXPECTED["steps"]):
        kind, line = step["kind"], step["line"]
        report = pick(importers[kind](PAYLOADS[kind][line]), *REPORT_FIELDS)
        assert report == step["report"], f"step {i}: {kind} line {line}"


def engine_view(log_len: int, connections: Iterable[tuple[str, Optional[str], Any]], home: Any) -> dict[str, Any]:
    rows = sorted(connections, key=lambda c: (c[0], c[1] or ""))
    return {
        "log_len": log_len,
        "connections": [{"app": app, "user": user, "state": plain(state)} for app, user, state in rows],
        "home": {
            "viewer": get(home, "viewer"),
            "needs_attention": [
                pick(a, "app", "user", "state", "since", "action") for a in get(home, "needs_attention")
            ],
            "my_apps": [
                pick(r, "app", "status", "installed_at", "installed_by", "connections") for r in get(home, "my_apps")
            ],
            "other_users_apps": [pick(r, "app", "connections", "users") for r in get(home, "other_users_apps")],
            "summary": pick(get(home, "summary"), *EXPECTED["engine"]["home"]["summary"]),
        },
    }


def insights_view(insights: Any) -> dict[str, Any]:
    days = plain(get(insights, "days"))
    return {
        "as_of": plain(get(insights, "as_of")),
        "include_incomplete_day": get(insights, "incomplete_day_included"),
        "window_days": len(days),
        "days": days,
        "rows": [pick(r, "app", "record_type", "action", "daily", "total") for r in get(insights, "rows")],
    }


def usage_view(report: Any) -> dict[str, Any]:
    scalars = pick(
        report,
        "today",
        "limit",
        "reported_limit",
        "limit_differs",
        "resets_at",
        "reported_resets_at",
        "reset_differs",
        "calls_today",
        "thresholds_crossed",
    )
    return {
        **scalars,
        "tier_limit": get(get(report, "limits"), "daily"),
        "days": [pick(d, "day", "calls", "limit") for d in get(report, "days")],
        "per_app": [pick(p, "app", "day", "calls") for p in get(report, "per_app")],
        "trend": pick(get(report, "trend"), "last_7_days", "previous_7_days"),
    }


def check_views(engine: dict[str, Any], insights: dict[str, Any], usage: dict[str, Any]) -> None:
    assert engine == EXPECTED["engine"]
    assert insights == EXPECTED["insights"]
    assert usage == EXPECTED["usage"]

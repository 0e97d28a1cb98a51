"""A month of the platform end to end (issue 12 §5), through the Python module.

The payloads of core/tests/data/month/ run through every importer into an engine, a record
aggregate and a usage history; the views, insights and usage must be what the generator's oracle
computed. The Rust tests and the UniFFI hosts run the same fixtures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import connected_apps as ca

ROOT = Path(__file__).resolve().parents[2]
MONTH_DIR = ROOT / "core/tests/data/month"
sys.path.insert(0, str(MONTH_DIR))

import month as m  # noqa: E402


def run_month() -> tuple[ca.Engine, ca.RecordAggregate, ca.UsageHistory]:
    engine = ca.Engine.from_json(m.DIRECTORY_TEXT)
    aggregate = ca.RecordAggregate()
    history = ca.UsageHistory()

    def usage(body: str) -> dict[str, Any]:
        snapshots, report = ca.usage_snapshots_from_daily_usage(body)
        history.record_snapshots(snapshots)
        return report

    m.run_steps(
        {
            "webhooks": aggregate.import_webhooks,
            "journal": aggregate.import_journal,
            "security": engine.import_security_activity,
            "audit": engine.import_audit_logs,
            "usage": usage,
        }
    )
    return engine, aggregate, history


def views(engine: ca.Engine, aggregate: ca.RecordAggregate, history: ca.UsageHistory) -> None:
    connections = [(c.app, c.user, c.state_at(m.NOW)) for c in engine.state().connections()]
    home = engine.connections_home(m.VIEWER, m.NOW).to_dict()
    insights = aggregate.insights(
        m.NOW,
        m.AS_OF,
        include_incomplete_day=True,
        group_by_app=True,
        group_by_record_type=True,
        group_by_action=True,
        window_days=m.WINDOW_DAYS,
    )
    usage = history.report(engine.account, m.NOW)
    m.check_views(
        m.engine_view(len(engine.events()), connections, home),
        m.insights_view(insights.to_dict()),
        m.usage_view(usage.to_dict()),
    )


def test_a_month_through_every_importer_gives_the_oracles_views_insights_and_usage() -> None:
    views(*run_month())


def test_the_month_restored_from_snapshots_gives_the_same_views() -> None:
    engine, aggregate, history = run_month()
    views(
        ca.Engine.from_json(engine.to_json()),
        ca.RecordAggregate.from_json(aggregate.to_json()),
        ca.UsageHistory.from_json(history.to_json()),
    )


def test_the_committed_fixtures_are_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("month_generate", MONTH_DIR / "generate.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    files = generator.generate()
    assert sorted(files) == sorted(
        [
            "directory.json",
            "webhooks.jsonl",
            "journal.jsonl",
            "security.jsonl",
            "audit.jsonl",
            "usage.jsonl",
            "expected.json",
        ]
    )
    for name, text in files.items():
        assert (MONTH_DIR / name).read_text(encoding="utf-8") == text, f"{name} differs from generate.py's output"

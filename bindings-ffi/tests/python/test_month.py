"""A month of the platform end to end (issue 12 §5), through the UniFFI bindings.

The payloads of core/tests/data/month/ run through every importer into an engine, a record
aggregate and a usage history; the views, insights and usage must be what the generator's oracle
computed. The Rust tests, the Python module and the Kotlin host run the same fixtures.
"""

import sys
from pathlib import Path

import connected_apps_ffi as ca

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "core/tests/data/month"))

import month as m  # noqa: E402


def run_month():
    engine = ca.AccountEngine.from_json(m.DIRECTORY_TEXT)
    aggregate = ca.RecordAggregate()
    history = ca.UsageHistory()

    def usage(body):
        imported = ca.usage_snapshots_from_daily_usage(body)
        history.record_all(imported.items)
        return imported.report

    m.run_steps(
        {
            "webhooks": lambda body: ca.ingest_webhooks(aggregate, body),
            "journal": lambda body: ca.ingest_journal(aggregate, body),
            "security": lambda body: ca.import_security_activity(engine, body),
            "audit": lambda body: ca.import_audit_logs(engine, body),
            "usage": usage,
        }
    )
    return engine, aggregate, history


def views(engine, aggregate, history):
    connections = [
        (c.key.app, c.key.user, engine.connection_state(c.key.app, c.key.user, m.NOW)) for c in engine.connections()
    ]
    home = engine.connections_home(m.VIEWER, m.NOW)
    settings = ca.default_insights_settings()
    settings.window_days = m.WINDOW_DAYS
    grouping = ca.Grouping(app=True, record_type=True, action=True)
    query = ca.InsightsQuery(
        as_of=m.AS_OF.isoformat(), include_incomplete_day=True, app=None, record_type=None, group_by=grouping
    )
    insights = aggregate.insights(settings, query, m.NOW)
    usage = history.report(engine.account(), ca.default_usage_settings(), m.NOW)
    m.check_views(
        m.engine_view(len(engine.events()), connections, home), m.insights_view(insights), m.usage_view(usage)
    )


def test_a_month_through_every_importer_gives_the_oracles_views_insights_and_usage():
    views(*run_month())


def test_the_month_restored_from_snapshots_gives_the_same_views():
    engine, aggregate, history = run_month()
    views(
        ca.AccountEngine.from_json(engine.to_json()),
        ca.RecordAggregate.from_json(aggregate.to_json()),
        ca.UsageHistory.from_json(history.to_json()),
    )

"""The bundled sample account with record events and API usage for its HTML report: shared by
test_report.py and the browser test (test_report_browser.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

import connected_apps as ca

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "data" / "sample_account.json"

# Three apps of the sample; erp-sync deletes 4 000 contacts three days before `now`.
RECORD_APPS = ["zoom", "erp-sync", "slack"]
CULPRIT = "erp-sync"
MASS_DELETE = 4_000


def sample_engine() -> tuple[ca.Engine, datetime]:
    """The bundled sample and its newest event's instant (the report's `now`)."""
    engine = ca.Engine.from_json(SAMPLE.read_text())
    return engine, engine.events()[-1].at


def sample_records(now: datetime) -> ca.RecordAggregate:
    """40 whole UTC days before `now`'s day: per app and day 5 + i created, 9 updated, 2 deleted
    contacts, and the mass delete."""
    midnight = datetime(now.year, now.month, now.day, tzinfo=timezone.utc)
    at, app, action = [], [], []
    for back in range(1, 41):
        day = midnight - timedelta(days=back)
        for i, name in enumerate(RECORD_APPS):
            counts = [(0, 5 + i), (1, 9), (2, 2)] + ([(2, MASS_DELETE)] if name == CULPRIT and back == 3 else [])
            for code, n in counts:
                for k in range(n):
                    at.append(int((day + timedelta(seconds=k + 1)).timestamp() * 1_000_000))
                    app.append(i)
                    action.append(code)
    aggregate = ca.RecordAggregate()
    aggregate.ingest_columns(
        np.array(at, dtype=np.int64),
        np.array(app, dtype=np.uint32),
        RECORD_APPS,
        np.zeros(len(at), dtype=np.uint32),
        ["contacts"],
        np.array(action, dtype=np.uint8),
    )
    return aggregate


def sample_usage(now: datetime) -> ca.UsageHistory:
    """20 past days of 100 000 calls of erp-sync (a reading at 20:00 UTC), and 40 000 today."""
    midnight = datetime(now.year, now.month, now.day, tzinfo=timezone.utc)
    history = ca.UsageHistory()
    for back in range(1, 21):
        history.record("erp-sync", midnight - timedelta(days=back) + timedelta(hours=20), 100_000)
    history.record("erp-sync", now - timedelta(minutes=1), 40_000)
    return history


def sample_report(**options: object) -> tuple[ca.Engine, str]:
    """The sample's engine and its report as of its newest event."""
    engine, now = sample_engine()
    page = ca.report_html(engine, sample_records(now), sample_usage(now), now, **options)  # type: ignore[arg-type]
    return engine, page

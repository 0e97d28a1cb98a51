"""The HTML report through the UniFFI bindings (issue 16): one thin call over the core's report."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import connected_apps_ffi as ca
from conftest import E, account, micros, user

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "data" / "sample_account.json"


def sample():
    engine = ca.AccountEngine.from_json(SAMPLE.read_text())
    now = engine.events()[-1].at
    midnight = datetime(now.year, now.month, now.day, tzinfo=timezone.utc)
    # 40 days of zoom's records (5 created, 2 deleted a day), 3 000 deletes three days ago.
    at, actions = [], []
    for back in range(1, 41):
        day = midnight - timedelta(days=back)
        for code, n in [(0, 5), (2, 2 + (3000 if back == 3 else 0))]:
            at += [micros(day + timedelta(seconds=k + 1)) for k in range(n)]
            actions += [code] * n
    records = ca.RecordAggregate()
    records.ingest_columns(ca.RecordEventColumns(
        at_micros=at, apps=[0] * len(at), app_dictionary=["zoom"], record_types=[0] * len(at),
        record_type_dictionary=["contacts"], actions=bytes(actions),
    ))
    usage = ca.UsageHistory()
    for back in range(1, 21):
        at_ = midnight - timedelta(days=back) + timedelta(hours=20)
        usage.record(ca.UsageSnapshot(app="erp-sync", at=at_, calls_today=100_000, usage_limit=None, resets_at=None))
    return engine, records, usage, now


def test_the_sample_report_has_every_section_and_chart():
    engine, records, usage, now = sample()
    before = engine.to_json()
    page = ca.report_html(engine, records, usage, now)
    assert page.startswith('<!DOCTYPE html><html lang="en">') and page.endswith("</html>")
    for section in ["summary", "attention", "my-apps", "other-apps", "records", "usage", "activity"]:
        assert f'<section id="{section}"' in page
    assert "Needs attention (5)" in page and "743 events up to" in page and ", seen by u01" in page
    assert page.count("<svg") == 2 and page.count(' role="img"') == 2
    assert "zoom deleted 3002 contacts" in page
    assert "<script" not in page and "src=" not in page
    # Deterministic, and the same page as the default arguments spelled out.
    assert ca.report_html(engine, records, usage, now, viewer=None, log_events=20) == page
    assert engine.to_json() == before
    page = ca.report_html(engine, records, usage, now, viewer="u02", log_events=3)
    assert ", seen by u02" in page and "the last 3, newest first" in page


def test_an_empty_account_or_a_now_before_every_event_gives_an_empty_page():
    empty = ca.AccountEngine(account())
    empty.add_user(user("ada", super_admin=True))
    now = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    page = ca.report_html(empty, ca.RecordAggregate(), ca.UsageHistory(), now)
    assert "My apps (0)" in page and "No record events in the window." in page and "No activity yet." in page
    engine, records, usage, _ = sample()
    before = engine.events()[0].at - timedelta(seconds=1)
    page = ca.report_html(engine, records, usage, before)
    assert "My apps (0)" in page and "No activity yet." in page and "0 events up to" in page


def test_bad_options_are_typed_errors_and_change_nothing():
    engine, records, usage, now = sample()
    before = (engine.to_json(), records.to_json(), usage.to_json())
    with pytest.raises(E.InvalidInput, match="201 log events exceed the report's maximum of 200"):
        ca.report_html(engine, records, usage, now, log_events=201)
    assert "the last 200, newest first" in ca.report_html(engine, records, usage, now, log_events=200)
    with pytest.raises(E.NotFound, match='unknown user "nobody"'):
        ca.report_html(engine, records, usage, now, viewer="nobody")
    assert (engine.to_json(), records.to_json(), usage.to_json()) == before

"""The HTML report from Python (issue 16): one thin call over the core's report."""

from __future__ import annotations

from datetime import timedelta

import pytest

import connected_apps as ca
from conftest import at, snapshot
from report_sample import MASS_DELETE, sample_engine, sample_records, sample_report, sample_usage


def test_the_sample_report_shows_every_section_and_chart() -> None:
    engine, page = sample_report()
    assert page.startswith('<!DOCTYPE html><html lang="en">') and page.endswith("</html>")
    for section in ["summary", "attention", "my-apps", "other-apps", "records", "usage", "activity"]:
        assert f'<section id="{section}"' in page
    for text in ["Needs attention (5)", "My apps (19)", "Record insights — last 30 days", "the last 20, newest first"]:
        assert text in page
    # Three record charts and the usage chart, each an accessible image.
    assert page.count("<svg") == 4
    assert page.count(' role="img" aria-labelledby="chart-') == 4
    assert f"erp-sync deleted {MASS_DELETE + 2} contacts" in page
    # Self-contained: nothing to fetch.
    for forbidden in ["<script", "<link", "<img", "src=", "url("]:
        assert forbidden not in page
    # The same input gives the same bytes, and the engine is unchanged.
    assert sample_report()[1] == page
    assert snapshot(engine) == snapshot(sample_engine()[0])


def test_viewer_and_log_events_are_passed_through() -> None:
    _, page = sample_report(viewer="u02", log_events=5)
    assert ", seen by u02" in page
    assert "the last 5, newest first" in page
    _, page = sample_report(log_events=200)
    assert "the last 200, newest first" in page


def test_an_account_without_apps_or_events_gives_an_empty_page(engine: ca.Engine) -> None:
    page = ca.report_html(engine, ca.RecordAggregate(), ca.UsageHistory(), at(0))
    for text in ["My apps (0)", "No record events in the window.", "No activity yet.", "Nothing needs attention."]:
        assert text in page
    assert page.count("<svg") == 1


def test_a_now_before_every_event_gives_an_empty_page() -> None:
    engine, now = sample_engine()
    before = engine.events()[0].at - timedelta(seconds=1)
    page = ca.report_html(engine, sample_records(now), ca.UsageHistory(), before)
    for text in ["My apps (0)", "No activity yet.", "0 events up to"]:
        assert text in page
    assert engine.event_count == 743


def test_bad_options_raise_typed_errors_and_change_nothing() -> None:
    engine, now = sample_engine()
    records, usage = sample_records(now), sample_usage(now)
    before = (snapshot(engine), records.to_json(), usage.to_json())
    with pytest.raises(ca.InvalidInputError, match="201 log events exceed the report's maximum of 200"):
        ca.report_html(engine, records, usage, now, log_events=201)
    with pytest.raises(ca.InvalidInputError, match="log_events"):
        ca.report_html(engine, records, usage, now, log_events=-1)
    with pytest.raises(ca.NotFoundError, match='unknown user "nobody"'):
        ca.report_html(engine, records, usage, now, viewer="nobody")
    with pytest.raises(TypeError):
        ca.report_html(engine, usage, records, now)  # type: ignore[arg-type]
    assert (snapshot(engine), records.to_json(), usage.to_json()) == before

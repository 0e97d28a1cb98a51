"""The bundled sample's HTML report in a real browser (issue 16): headless Chromium driven by
selenium through Debian's chromedriver (scripts/setup-browser.sh installs both; selenium's own
driver manager cannot download a browser here).

The page is opened from a file:// URL with networking disabled in the browser's own settings; the
test asserts the visible text of each section, the marks of every chart (30 day groups, the limit
line, the flagged day), that the console logged no error, and saves a screenshot under
target/report-browser/ as an artifact."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from report_sample import MASS_DELETE, RECORD_APPS, sample_report

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "target" / "report-browser"

# The palette's colours as the SVG backend writes them (core/src/report/palette.rs).
DAY_SLOT = "#F3F4F6"
UNAVAILABLE_SLOT = "#E5E7EB"
FLAG = "#B00020"
LIMIT = "#B00020"
CALLS_TODAY = "#5B21B6"


@pytest.fixture(scope="module")
def page() -> Iterator[tuple[webdriver.Chrome, Path]]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _, html = sample_report()
    report = ARTIFACTS / "sample-report.html"
    report.write_text(html, encoding="utf-8")
    profile = tempfile.mkdtemp(prefix="report-browser-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,2000",
        f"--user-data-dir={profile}",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.get(report.as_uri())
        yield driver, report
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def visible_text(driver: webdriver.Chrome, section: str) -> str:
    return driver.find_element(By.ID, section).text


def test_every_section_shows_its_text(page: tuple[webdriver.Chrome, Path]) -> None:
    driver, _ = page
    assert driver.title == "Connected apps — Acme Robotics"
    header = driver.find_element(By.TAG_NAME, "header").text
    assert "Connected apps — Acme Robotics" in header and "seen by u01" in header
    summary = visible_text(driver, "summary")
    assert "Apps\n16" in summary and "Connected\n7" in summary and "In error\n2" in summary
    attention = visible_text(driver, "attention")
    assert attention.startswith("Needs attention (5)")
    assert "Salesforce: error since 2026-11-24" in attention and "raise the API limit in Salesforce" in attention
    my_apps = visible_text(driver, "my-apps")
    assert my_apps.startswith("My apps (19)") and "Zoom Video Communications" in my_apps
    assert visible_text(driver, "other-apps").startswith("Other users' apps (6)")
    records = visible_text(driver, "records")
    assert records.startswith("Record insights — last 30 days")
    assert f"erp-sync deleted {MASS_DELETE + 2} contacts" in records
    usage = visible_text(driver, "usage")
    assert usage.startswith("API calls per day") and "Today 40000 calls" in usage
    activity = visible_text(driver, "activity")
    assert "743 events up to 2026-11-25 12:54 UTC; the last 20, newest first." in activity
    assert "By type" in activity and "app_activity 656" in activity and "system 666" in activity


def fills(svg, colour: str) -> int:  # type: ignore[no-untyped-def]
    return len(svg.find_elements(By.CSS_SELECTOR, f'rect[fill="{colour}"]'))


def test_every_chart_has_its_marks(page: tuple[webdriver.Chrome, Path]) -> None:
    driver, _ = page
    figures = driver.find_elements(By.CSS_SELECTOR, "figure.chart")
    assert [f.get_attribute("data-chart") for f in figures] == ["records"] * 3 + ["usage"]
    for figure in figures:
        svg = figure.find_element(By.TAG_NAME, "svg")
        assert svg.get_attribute("role") == "img"
        assert svg.is_displayed() and svg.size["width"] > 600 and svg.size["height"] > 150
        # An accessible name from the SVG's own title and description.
        title = svg.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        assert title and ("records per day" in title or "API calls per day" in title)
        # 30 day groups, every one a slot (none before the data floor in this window).
        assert fills(svg, DAY_SLOT) + fills(svg, UNAVAILABLE_SLOT) == 30
        assert figure.find_element(By.TAG_NAME, "figcaption").text
    by_app = {f.get_attribute("data-app"): f for f in figures[:3]}
    assert sorted(by_app) == sorted(RECORD_APPS)
    for app, figure in by_app.items():
        svg = figure.find_element(By.TAG_NAME, "svg")
        # Stacked segments: created, updated, deleted on each of the 30 days.
        segments = sum(fills(svg, c) for c in ["#0072B2", "#007A5A", "#C2410C"])
        assert segments == 90, app
        # The flagged day's marker is on erp-sync's chart only.
        assert len(svg.find_elements(By.CSS_SELECTOR, f'polygon[fill="{FLAG}"]')) == (app == "erp-sync")
    usage = figures[3].find_element(By.TAG_NAME, "svg")
    limit = usage.find_elements(By.CSS_SELECTOR, f'polyline[stroke="{LIMIT}"]')
    assert len(limit) == 1 and limit[0].size["width"] > 600
    assert fills(usage, CALLS_TODAY) == 1


def test_no_console_errors_and_a_screenshot(page: tuple[webdriver.Chrome, Path]) -> None:
    driver, report = page
    errors = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    # No resource other than the page itself was loaded (it is self-contained).
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded == []
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(int(height), 16000))
    shot = ARTIFACTS / "sample-report.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000
    assert report.stat().st_size < 400_000

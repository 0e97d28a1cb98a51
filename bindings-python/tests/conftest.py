"""Shared fixtures: a small account with people of every kind and apps of every level."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import connected_apps as ca

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    """An instant `hours` after T0."""
    return T0 + timedelta(hours=hours)


def build_engine() -> ca.Engine:
    account = ca.Account(
        "portal-1",
        "Acme",
        default_language="fr",
        time_zone="Europe/Paris",
        subscriptions={ca.Hub.SALES: ca.Tier.PROFESSIONAL, "marketing": "starter"},
    )
    users = [
        ca.User("admin", "Ada Admin", "ada@acme.test", super_admin=True),
        ca.User("ann", "Ann", "ann@acme.test", permissions=[ca.Permission.APP_MARKETPLACE_ACCESS]),
        # A dict in the core's shape works wherever an object does.
        {"id": "bob", "name": "Bob", "email": "bob@acme.test", "active": True, "super_admin": False},
    ]
    apps = [
        ca.App(
            "salesforce",
            "Salesforce",
            "Vendor",
            level=ca.AppLevel.ACCOUNT_LEVEL,
            distribution=ca.Distribution.MARKETPLACE,
            built_by_vendor_platform=True,
            reports_status=True,
            scopes=[
                {"name": "crm.objects.contacts.read", "requirement": "required"},
                {"name": "crm.objects.deals.read", "requirement": "optional"},
            ],
            post_uninstall_steps=["remove the managed package from Salesforce"],
        ),
        ca.App(
            "gmail",
            "Gmail",
            "Vendor",
            level=ca.AppLevel.USER_LEVEL,
            distribution=ca.Distribution.MARKETPLACE,
            reports_status=True,
        ),
        ca.App("slack", "Slack", "Slack", level="account_level", distribution="marketplace"),
        ca.App("social", "Social", "Vendor", level=ca.AppLevel.MULTI_ACCOUNT, distribution="off_marketplace"),
    ]
    teams = [ca.Team("sales", "Sales", ["ann", "bob"])]
    return ca.Engine(account, users=users, teams=teams, apps=apps)


@pytest.fixture
def engine() -> ca.Engine:
    return build_engine()


def snapshot(engine: ca.Engine) -> str:
    """Everything the engine holds, to check that a refused change changed nothing."""
    return engine.to_json()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any test was skipped: a missing dependency (tzdata, pyarrow) must not pass
    silently. scripts/test-python.sh runs pytest with -rs, which lists the skips and why."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped and exitstatus == pytest.ExitCode.OK:
        if reporter is not None:
            reporter.write_line(f"FAILED: {skipped} test(s) skipped; every test must run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

"""Shared fixtures of the UniFFI host tests (`connected_apps_ffi`, exercised as a host would).

Run by scripts/test-ffi.sh, which generates the module into bindings-ffi/generated/python (with
the library beside it) and puts that folder on sys.path. Each capability of the engine, each
error kind, timestamps and the forced panic (the library is built with feature `test-panic`) has
its test file per area; the helpers below are imported from `conftest` by those files.
"""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import connected_apps_ffi as ca

E = ca.ConnectedAppsError
T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def account(**changes) -> ca.Account:
    fields = dict(
        id="portal-1",
        name="Acme",
        default_language="en",
        time_zone="Europe/Paris",
        subscriptions={ca.Hub.SALES: ca.Tier.PROFESSIONAL, ca.Hub.MARKETING: ca.Tier.STARTER},
        api_limit_increases=0,
    )
    fields.update(changes)
    return ca.Account(**fields)


def user(uid: str, *, super_admin=False, access=False, active=True) -> ca.User:
    permissions = [ca.Permission.APP_MARKETPLACE_ACCESS] if access else []
    return ca.User(
        id=uid,
        name=uid.title(),
        email=f"{uid}@acme.test",
        active=active,
        super_admin=super_admin,
        permissions=permissions,
        platform_user_id=None,
    )


def app(aid: str, name: str, level=ca.AppLevel.ACCOUNT_LEVEL, *, steps=(), reports_status=True) -> ca.App:
    return ca.App(
        id=aid,
        name=name,
        provider="Vendor",
        built_by_vendor_platform=True,
        distribution=ca.Distribution.MARKETPLACE,
        level=level,
        reports_status=reports_status,
        scopes=[
            ca.ScopeDecl(name="crm.objects.contacts.read", requirement=ca.ScopeRequirement.REQUIRED, requires=None),
            ca.ScopeDecl(
                name="crm.objects.deals.write",
                requirement=ca.ScopeRequirement.OPTIONAL,
                requires=ca.HubTier(hub=ca.Hub.SALES, tier=ca.Tier.PROFESSIONAL),
            ),
        ],
        features=[ca.Feature(name="Sync contacts", scopes=["crm.objects.contacts.read"], requires=None)],
        workflow_actions=[ca.WorkflowAction(id=f"{aid}-task", name="Create task")],
        post_uninstall_steps=list(steps),
    )


ADMIN = ca.Actor.USER("admin")
MIA = ca.Actor.USER("mia")
BEN = ca.Actor.USER("ben")
SF_STEPS = ["uninstall the package in Salesforce"]


def build_engine() -> ca.AccountEngine:
    e = ca.AccountEngine(account())
    e.add_user(user("admin", super_admin=True))
    e.add_user(user("mia", access=True))
    e.add_user(user("ben"))
    e.add_user(user("old", access=True, active=False))
    e.add_team(ca.Team(id="sales", name="Sales", members=["mia", "ben"]))
    e.add_app(app("salesforce", "Salesforce", steps=SF_STEPS))
    e.add_app(app("gmail", "Gmail", ca.AppLevel.USER_LEVEL))
    e.add_app(app("social", "Social", ca.AppLevel.MULTI_ACCOUNT))
    return e


@pytest.fixture
def engine() -> ca.AccountEngine:
    return build_engine()


def install(e: ca.AccountEngine, actor: ca.Actor, aid: str, now: datetime, scopes=None, expires_at=None):
    return e.execute(actor, ca.Command.INSTALL(app=aid, scopes=scopes, expires_at=expires_at, request_admin=None), now)


def micros(instant: datetime) -> int:
    return (instant - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


FIXTURES = Path(__file__).resolve().parents[3] / "core" / "tests" / "fixtures"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any test was skipped: a missing dependency must not pass silently.
    scripts/test-ffi.sh runs pytest with -rs, which lists the skips and why."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped and exitstatus == pytest.ExitCode.OK:
        if reporter is not None:
            reporter.write_line(f"FAILED: {skipped} test(s) skipped; every test must run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

"""The UniFFI-generated Python bindings (`connected_apps_ffi`), exercised as a host would.

Run by scripts/test-ffi.sh, which generates the module into bindings-ffi/generated/python (with
the library beside it) and puts that folder on sys.path. Each capability of the engine, each
error kind, timestamps and the forced panic (the library is built with feature `test-panic`).
"""

import hashlib
import json
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


# ---------------------------------------------------------------- directory


def test_directory_is_built_and_read_back(engine):
    assert engine.account() == account()
    engine.set_account(account(name="Acme Corp", default_language="fr"))
    assert engine.account().name == "Acme Corp"
    assert [u.id for u in engine.users()] == ["admin", "ben", "mia", "old"]
    assert [u.id for u in engine.active_super_admins()] == ["admin"]
    assert engine.user("mia").permissions == [ca.Permission.APP_MARKETPLACE_ACCESS]
    assert engine.user("nobody") is None
    assert engine.team("sales").members == ["mia", "ben"]
    assert [t.id for t in engine.teams()] == ["sales"]
    assert engine.app("gmail").level == ca.AppLevel.USER_LEVEL
    assert [a.id for a in engine.apps()] == ["gmail", "salesforce", "social"]
    engine.set_user_active("old", True)
    assert engine.user("old").active


def test_directory_errors_name_the_value_and_change_nothing(engine):
    with pytest.raises(E.Conflict, match='duplicate user id "mia"'):
        engine.add_user(user("mia"))
    with pytest.raises(E.NotFound, match='unknown user "ghost"'):
        engine.add_team(ca.Team(id="ops", name="Ops", members=["ghost"]))
    with pytest.raises(E.NotFound):
        engine.set_user_active("ghost", False)
    with pytest.raises(E.InvalidInput, match="default language"):
        engine.set_account(account(default_language="english"))
    with pytest.raises(E.InvalidInput):
        ca.AccountEngine(account(id=" "))
    bad = app("broken", "Broken")
    bad.scopes[0].name = "Not A Scope"
    with pytest.raises(E.InvalidInput, match="malformed scope name"):
        engine.add_app(bad)
    assert engine.team("ops") is None and engine.app("broken") is None
    assert engine.account() == account()


# ---------------------------------------------------------------- lifecycle


def test_install_by_a_permitted_user_connects_with_the_granted_scopes(engine):
    outcome = install(engine, ADMIN, "salesforce", at(0), scopes=["crm.objects.contacts.read", "crm.objects.deals.write"])
    assert outcome == ca.Outcome.APPLIED(event=1)
    conn = engine.connection("salesforce", None)
    assert conn.granted_scopes == ["crm.objects.contacts.read", "crm.objects.deals.write"]
    assert conn.installed_by == "admin" and conn.installed_at == at(0)
    assert conn.health == ca.Health.CONNECTED()
    assert engine.connection_state("salesforce", None, at(1)) == ca.ConnectionState.CONNECTED
    # I3: an app already connected cannot be installed again.
    with pytest.raises(E.Conflict, match='app "salesforce" is already installed'):
        install(engine, MIA, "salesforce", at(1))


def test_install_without_permission_returns_a_request_for_an_admin_and_logs_nothing(engine):
    outcome = install(engine, BEN, "salesforce", at(0))
    assert isinstance(outcome, ca.Outcome.INSTALL_REQUESTED)
    request = outcome[0]
    assert (request.app, request.app_name, request.requested_by) == ("salesforce", "Salesforce", "ben")
    assert (request.admin, request.admin_email, request.requested_at) == ("admin", "admin@acme.test", at(0))
    assert engine.events() == []
    with pytest.raises(E.PermissionDenied, match="not an active super admin"):
        engine.execute(BEN, ca.Command.INSTALL(app="salesforce", scopes=None, expires_at=None, request_admin="mia"), at(0))


def test_uninstall_needs_the_confirmation_word_and_returns_post_uninstall_steps(engine):
    install(engine, ADMIN, "salesforce", at(0))
    wrong = ca.Command.UNINSTALL(app="salesforce", user=None, confirmation="yes")
    with pytest.raises(E.InvalidInput, match='confirmation must be exactly "uninstall", got "yes"'):
        engine.execute(ADMIN, wrong, at(1))
    assert len(engine.events()) == 1
    word = ca.uninstall_confirmation()
    assert word == "uninstall"
    outcome = engine.execute(ADMIN, ca.Command.UNINSTALL(app="salesforce", user=None, confirmation=word), at(2))
    assert outcome == ca.Outcome.UNINSTALLED(event=2, post_uninstall_steps=SF_STEPS)
    assert engine.connection_state("salesforce", None, at(3)) == ca.ConnectionState.UNINSTALLED
    # Installing again is a reinstall.
    install(engine, MIA, "salesforce", at(4))
    assert isinstance(engine.events()[-1].kind, ca.EventKind.REINSTALLED)


def test_disconnect_reconnect_reauthenticate_and_sync_settings(engine):
    install(engine, MIA, "salesforce", at(0))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    assert engine.connection_state("salesforce", None, at(1)) == ca.ConnectionState.DISCONNECTED
    with pytest.raises(E.InvalidState, match="already disconnected"):
        engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    engine.execute(MIA, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=at(60)), at(2))
    assert engine.connection_state("salesforce", None, at(3)) == ca.ConnectionState.CONNECTED
    # The expiry depends on the clock the host passes.
    assert engine.connection_state("salesforce", None, at(61)) == ca.ConnectionState.EXPIRED
    engine.execute(
        MIA,
        ca.Command.REAUTHENTICATE(app="salesforce", user=None, scopes=["crm.objects.deals.write"], expires_at=None),
        at(62),
    )
    assert engine.connection("salesforce", None).granted_scopes == [
        "crm.objects.contacts.read",
        "crm.objects.deals.write",
    ]
    engine.execute(MIA, ca.Command.SET_SYNC_SETTING(app="salesforce", user=None, setting="contacts", on=True), at(63))
    engine.execute(MIA, ca.Command.SET_SYNC_SETTING(app="salesforce", user=None, setting="deals", on=False), at(63))
    assert engine.connection("salesforce", None).sync_settings == {"contacts": True, "deals": False}
    with pytest.raises(E.InvalidInput, match="sync setting name must not be empty"):
        engine.execute(MIA, ca.Command.SET_SYNC_SETTING(app="salesforce", user=None, setting=" ", on=True), at(64))
    # Without App Marketplace Access a user may not manage the connection.
    with pytest.raises(E.PermissionDenied, match='user "ben" lacks the app_marketplace_access permission'):
        engine.execute(BEN, ca.Command.DISCONNECT(app="salesforce", user=None), at(64))
    with pytest.raises(E.PermissionDenied, match='user "old" is deactivated'):
        engine.execute(ca.Actor.USER("old"), ca.Command.DISCONNECT(app="salesforce", user=None), at(64))
    with pytest.raises(E.PermissionDenied, match="needs an acting user"):
        engine.execute(ca.Actor.SYSTEM(), ca.Command.DISCONNECT(app="salesforce", user=None), at(64))


def test_reports_from_the_platform(engine):
    install(engine, ADMIN, "salesforce", at(0))
    system = ca.Actor.SYSTEM()
    engine.execute(system, ca.Command.REPORT_ACTIVITY(app="salesforce", user=None), at(1))
    assert engine.connection("salesforce", None).last_activity_at == at(1)
    engine.execute(system, ca.Command.REPORT_UPDATE_AVAILABILITY(app="salesforce", user=None, available=True), at(2))
    assert engine.connection("salesforce", None).update_available
    engine.execute(system, ca.Command.REPORT_EXPIRED(app="salesforce", user=None), at(3))
    assert engine.connection_state("salesforce", None, at(3)) == ca.ConnectionState.EXPIRED
    info = ca.ConnectionErrorInfo(code="AUTH_401", message="token revoked", resolution_steps=["reconnect salesforce"])
    engine.execute(system, ca.Command.REPORT_ERROR(app="salesforce", user=None, error=info), at(4))
    assert engine.connection("salesforce", None).health == ca.Health.ERROR(info)
    engine.execute(system, ca.Command.REPORT_CONNECTED(app="salesforce", user=None), at(5))
    assert engine.connection_state("salesforce", None, at(5)) == ca.ConnectionState.CONNECTED
    new_scopes = app("salesforce", "Salesforce").scopes + [
        ca.ScopeDecl(name="crm.objects.companies.read", requirement=ca.ScopeRequirement.REQUIRED, requires=None)
    ]
    engine.execute(
        system, ca.Command.REPORT_APP_VERSION(app="salesforce", version="2.0", scopes=new_scopes, features=[]), at(6)
    )
    kind = engine.events()[-1].kind
    assert isinstance(kind, ca.EventKind.APP_VERSION_CHANGED) and kind.version == "2.0"
    with pytest.raises(E.NotFound, match='unknown app "nope"'):
        engine.execute(system, ca.Command.REPORT_ACTIVITY(app="nope", user=None), at(7))


def test_user_level_connections_are_per_user(engine):
    install(engine, MIA, "gmail", at(0))
    install(engine, ADMIN, "gmail", at(1))
    assert engine.connection("gmail", "mia").installed_by == "mia"
    with pytest.raises(E.InvalidInput, match="is user-level"):
        engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="gmail", user=None), at(2))
    assert [c.key for c in engine.connections()] == [
        ca.ConnectionKey(app="gmail", user="admin"),
        ca.ConnectionKey(app="gmail", user="mia"),
    ]


# ---------------------------------------------------------------- views


def test_connections_home(engine):
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    install(engine, ADMIN, "social", at(2))
    info = ca.ConnectionErrorInfo(code="E1", message="sync failing", resolution_steps=["check the field mapping"])
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ERROR(app="salesforce", user=None, error=info), at(3))
    home = engine.connections_home("admin", at(10))
    assert home.viewer == "admin" and home.as_of == at(10)
    [item] = home.needs_attention
    assert (item.app, item.state, item.action, item.error_code) == (
        "salesforce",
        ca.ConnectionState.ERROR,
        ca.RequiredAction.FOLLOW_RESOLUTION_STEPS,
        "E1",
    )
    assert item.since == at(3) and item.resolution_steps == ["check the field mapping"]
    assert [(r.app, r.status) for r in home.my_apps] == [
        ("salesforce", ca.ConnectionState.ERROR),
        ("social", None),
    ]
    [other] = home.other_users_apps
    assert (other.app, other.connections, other.users, other.can_install_yourself) == ("gmail", 1, ["mia"], True)
    assert home.summary == ca.Summary(
        total=1, connected=0, disconnected=0, expired=0, error=1, without_status=0, update_available=0
    )
    with pytest.raises(E.NotFound):
        engine.connections_home("ghost", at(10))


def test_app_overview_and_filtered_app_log(engine):
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(MIA, ca.Command.SET_SYNC_SETTING(app="salesforce", user=None, setting="deals", on=True), at(1))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    everything = ca.AppLogFilter(types=[], users=[])
    overview = engine.app_overview("salesforce", None, everything, at(3))
    assert overview.app.name == "Salesforce" and overview.status == ca.ConnectionState.DISCONNECTED
    [conn] = overview.connections
    assert conn.sync_settings == {"deals": True} and conn.installed_at == at(0)
    assert [a.action for a in overview.alerts] == [ca.RequiredAction.RECONNECT]
    assert [e.id for e in overview.log] == [3, 2, 1]
    by_mia = ca.AppLogFilter(types=[], users=["mia"])
    assert [e.kind for e in engine.app_log("salesforce", by_mia)] == [
        ca.EventKind.DISCONNECTED(),
        ca.EventKind.SYNC_SETTING_CHANGED(setting="deals", on=True),
    ]
    installs = ca.AppLogFilter(types=[ca.ActivityType.INSTALLED], users=[])
    assert [e.id for e in engine.app_overview("salesforce", "admin", installs, at(3)).log] == [1]
    with pytest.raises(E.NotFound, match='unknown app "nope"'):
        engine.app_overview("nope", None, everything, at(3))


def test_activity_log_pages_cursors_and_facets(engine):
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="gmail", user="mia"), at(3))
    everything = ca.ActivityFilter(types=[], users=[], apps=[], since=None, until=None)
    first = engine.activity(everything, None, 3)
    assert [e.id for e in first.events] == [4, 3, 2]
    # New events arrive: the cursor still continues exactly where the first page stopped.
    engine.execute(MIA, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=None), at(4))
    second = engine.activity(everything, first.next_cursor, 3)
    assert [e.id for e in second.events] == [1] and second.next_cursor is None
    by_mia = ca.ActivityFilter(types=[], users=["mia"], apps=["salesforce"], since=at(2), until=at(5))
    assert [e.id for e in engine.activity(by_mia, None, 10).events] == [5, 3]
    facets = engine.activity_facets(everything)
    assert facets.total == 5 and facets.system == 1
    assert facets.by_user == [ca.UserCount(value="mia", count=3), ca.UserCount(value="admin", count=1)]
    assert facets.by_app == [ca.AppCount(value="salesforce", count=3), ca.AppCount(value="gmail", count=2)]
    assert ca.TypeCount(value=ca.ActivityType.INSTALLED, count=2) in facets.by_type
    # Each menu counts with every filter but its own (L4).
    mia_on_salesforce = ca.ActivityFilter(types=[], users=["mia"], apps=["salesforce"], since=None, until=None)
    narrowed = engine.activity_facets(mia_on_salesforce)
    assert narrowed.total == 2
    assert narrowed.by_user == [ca.UserCount(value="mia", count=2), ca.UserCount(value="admin", count=1)]
    assert narrowed.system == 0
    assert narrowed.by_app == [ca.AppCount(value="salesforce", count=2), ca.AppCount(value="gmail", count=1)]
    by_type = {c.value: c.count for c in narrowed.by_type}
    assert by_type == {ca.ActivityType.DISCONNECTED: 1, ca.ActivityType.RECONNECTED: 1}
    with pytest.raises(E.InvalidInput, match="page size must be between 1 and 1000, got 0"):
        engine.activity(everything, None, 0)
    assert ca.max_activity_page_size() == 1000
    with pytest.raises(E.InvalidInput, match="malformed or tampered cursor"):
        engine.activity(everything, "not-a-cursor", 3)
    with pytest.raises(E.InvalidInput, match="belongs to another query"):
        engine.activity(by_mia, first.next_cursor, 3)
    inverted = ca.ActivityFilter(types=[], users=[], apps=[], since=at(5), until=at(1))
    with pytest.raises(E.InvalidInput, match="time range is inverted"):
        engine.activity_facets(inverted)


def micros(instant: datetime) -> int:
    return (instant - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


def test_columnar_ingest_of_payload_free_events(engine):
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    code = ca.activity_type_code
    none = ca.no_user_code()
    assert ca.ActivityType.DISCONNECTED in ca.ingestible_types()
    columns = ca.EventColumns(
        ids=[10, 11, 12],
        at_micros=[micros(at(2)), micros(at(3)), micros(at(4))],
        types=bytes(code(t) for t in [ca.ActivityType.DISCONNECTED, ca.ActivityType.RECONNECTED, ca.ActivityType.APP_ACTIVITY]),
        apps=[0, 0, 1],
        app_dictionary=["salesforce", "gmail"],
        users=[none, none, 0],
        actors=[0, 0, none],
        user_dictionary=["mia"],
    )
    assert engine.ingest_events(columns) == 3
    assert engine.events()[-1] == ca.Event(
        id=12, at=at(4), app="gmail", user="mia", actor=None, kind=ca.EventKind.APP_ACTIVITY()
    )
    assert engine.connection("gmail", "mia").last_activity_at == at(4)
    # Each failure names the row and leaves the log as it was.
    bad_type = ca.EventColumns(
        ids=[20], at_micros=[micros(at(5))], types=bytes([code(ca.ActivityType.INSTALLED)]), apps=[0],
        app_dictionary=["salesforce"], users=None, actors=None, user_dictionary=[],
    )
    with pytest.raises(E.InvalidInput, match="row 0: activity type code 0 is not one of"):
        engine.ingest_events(bad_type)
    short = ca.EventColumns(
        ids=[20, 21], at_micros=[micros(at(5))], types=bytes([3, 3]), apps=[0, 0],
        app_dictionary=["salesforce"], users=None, actors=None, user_dictionary=[],
    )
    with pytest.raises(E.InvalidInput, match="column at has 1 rows, expected 2"):
        engine.ingest_events(short)
    refused = ca.EventColumns(
        ids=[20, 21], at_micros=[micros(at(5)), micros(at(6))],
        types=bytes([code(ca.ActivityType.DISCONNECTED)] * 2), apps=[0, 1],
        app_dictionary=["salesforce", "social"], users=None, actors=None, user_dictionary=[],
    )
    with pytest.raises(E.InvalidState, match='row 1: app "social" is not installed'):
        engine.ingest_events(refused)
    assert len(engine.events()) == 5


def test_access_and_permissions_after_an_app_version_adds_a_scope(engine):
    engine.set_account(account(subscriptions={}))
    install(engine, ADMIN, "salesforce", at(0))
    access = engine.access("salesforce", None)
    deals = next(s for s in access.scopes if s.name == "crm.objects.deals.write")
    # `from` is a Python keyword: the generated field is `_from`.
    assert deals.access == ca.Access.NEEDS_UPGRADE(
        upgrades=[ca.Upgrade(hub=ca.Hub.SALES, tier=ca.Tier.PROFESSIONAL, _from=ca.Tier.FREE)]
    )
    assert access.features[0].access == ca.Access.AUTHORISED()
    assert access.version is None and not ca.needs_reauthentication(access)
    scopes = app("salesforce", "Salesforce").scopes + [
        ca.ScopeDecl(name="crm.objects.companies.read", requirement=ca.ScopeRequirement.REQUIRED, requires=None)
    ]
    engine.execute(
        ca.Actor.SYSTEM(), ca.Command.REPORT_APP_VERSION(app="salesforce", version="2.0", scopes=scopes, features=[]), at(1)
    )
    access = engine.access("salesforce", None)
    assert access.version == "2.0" and access.pending_scopes == ["crm.objects.companies.read"]
    assert ca.needs_reauthentication(access)
    assert engine.app_revision("salesforce").version == "2.0"
    assert engine.app_revision("gmail") is None
    # Reauthenticating without naming scopes grants the pending ones (I8).
    engine.execute(MIA, ca.Command.REAUTHENTICATE(app="salesforce", user=None, scopes=None, expires_at=None), at(2))
    assert engine.access("salesforce", None).pending_scopes == []
    with pytest.raises(E.InvalidState, match='app "social" is not installed'):
        engine.access("social", None)
    with pytest.raises(E.NotFound, match='unknown app "nope"'):
        engine.access("nope", None)


def disconnect_rule(**changes) -> ca.Rule:
    fields = dict(
        id="r1",
        name="Salesforce down",
        rule_type=ca.RuleType.APP_DISCONNECTED,
        apps=ca.RuleApps.ONLY(["salesforce"]),
        recipients=ca.Recipients.SPECIFIC(users=["admin"], teams=["sales"]),
        channels=[ca.Channel.EMAIL, ca.Channel.IN_APP],
        frequency=ca.Frequency.DAILY,
        notify_recovered=True,
    )
    fields.update(changes)
    return ca.Rule(**fields)


def test_notification_rules_evaluation_delivery_log_and_dry_run(engine):
    engine.create_rule("mia", disconnect_rule(), at(0))
    assert [r.id for r in engine.rules()] == ["r1"] and engine.rule("r1") == disconnect_rule()
    assert engine.active_rules()[0].since == at(0)
    assert engine.resolve_recipients(disconnect_rule().recipients) == ["admin", "ben", "mia"]
    # N3: only super admins edit or delete a rule once it is set up.
    with pytest.raises(E.PermissionDenied, match='user "mia" is not a super admin'):
        engine.edit_rule("mia", disconnect_rule(name="Renamed"), at(1))
    engine.edit_rule("admin", disconnect_rule(recipients=ca.Recipients.SUPER_ADMINS()), at(1))
    assert [type(e.change) for e in engine.rule_events()] == [ca.RuleChange.CREATED, ca.RuleChange.EDITED]
    with pytest.raises(E.InvalidInput, match='disconnect rule "r2" must have a reminder frequency'):
        engine.create_rule("admin", disconnect_rule(id="r2", frequency=None), at(2))
    with pytest.raises(E.Conflict, match='duplicate rule id "r1"'):
        engine.create_rule("admin", disconnect_rule(), at(2))
    with pytest.raises(E.NotFound, match='unknown rule "r9"'):
        engine.delete_rule("admin", "r9", at(2))

    install(engine, ADMIN, "salesforce", at(10))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(20))
    now = at(20) + timedelta(days=1, minutes=5)
    due = engine.due_notifications(now)
    assert [(d.trigger, d.recipient, d.channel) for d in due] == [
        (ca.Trigger.DISCONNECTED(event=2), "admin", ca.Channel.EMAIL),
        (ca.Trigger.DISCONNECTED(event=2), "admin", ca.Channel.IN_APP),
        (ca.Trigger.REMINDER(disconnected=2, n=1), "admin", ca.Channel.EMAIL),
        (ca.Trigger.REMINDER(disconnected=2, n=1), "admin", ca.Channel.IN_APP),
    ]
    assert due[2].due_at == ca.reminder_due(ca.Frequency.DAILY, at(20), 1) == at(20) + timedelta(days=1)
    assert engine.due_notifications(now) == due  # evaluating twice yields the same
    # Only deliveries the engine produced at that clock are recorded, all or nothing.
    first = due[0]
    forged = ca.Delivery(
        due_at=first.due_at,
        rule=first.rule,
        trigger=first.trigger,
        app=first.app,
        connection_user=first.connection_user,
        recipient="ben",
        channel=first.channel,
    )
    with pytest.raises(E.InvalidInput, match="is not due at"):
        engine.record_deliveries([*due, forged], now)
    with pytest.raises(E.InvalidInput, match="is not due at"):
        engine.record_deliveries(due, at(20) + timedelta(hours=23))  # the reminder is not due yet
    assert engine.delivery_log().notices == []
    assert engine.record_deliveries(due, now) == 2
    assert engine.due_notifications(now) == []  # recorded notices are not due again
    log = engine.delivery_log()
    assert len(log.notices) == 2 and log.settled_before is None
    engine.execute(ADMIN, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=None), at(22))
    engine.settle_deliveries(at(21))
    log = engine.delivery_log()
    assert log.settled_before == at(21) and len(log.notices) == 1
    assert [o.event for o in log.open_at_settle] == [2]
    # Never settled past the newest event.
    engine.settle_deliveries(at(40))
    log = engine.delivery_log()
    assert log.settled_before == at(22)
    # The rules and the delivery log travel in the snapshot.
    assert ca.AccountEngine.from_json(engine.to_json()).delivery_log() == log

    # X1: a dry run of other rules over the same log changes nothing.
    installs = disconnect_rule(
        id="i1", rule_type=ca.RuleType.APP_INSTALLED, apps=ca.RuleApps.ALL(), frequency=None, notify_recovered=False
    )
    dry = engine.dry_run_notifications([installs], at(0), at(30))
    # Recipients: admin, and the sales team's members (N4: teams expanded, each person once).
    assert [(d.rule, d.trigger, d.recipient) for d in dry[::2]] == [
        ("i1", ca.Trigger.INSTALLED(event=1), "admin"),
        ("i1", ca.Trigger.INSTALLED(event=1), "ben"),
        ("i1", ca.Trigger.INSTALLED(event=1), "mia"),
    ]
    assert [d.channel for d in dry] == [ca.Channel.EMAIL, ca.Channel.IN_APP] * 3
    with pytest.raises(E.InvalidInput, match="window starts at"):
        engine.dry_run_notifications([installs], at(30), at(0))
    with pytest.raises(E.InvalidInput, match="spans more than 366 days"):
        engine.dry_run_notifications([installs], at(0), at(0) + timedelta(days=367))
    engine.delete_rule("admin", "r1", at(30))
    assert engine.rules() == []


def listing(aid: str, name: str, installs: int, categories, **changes) -> ca.Listing:
    fields = dict(
        app=aid,
        name=name,
        provider="Vendor",
        tagline="",
        description="",
        total_installs=installs,
        categories=list(categories),
        collections=[],
        features=[],
        requirements=ca.Requirements(subscriptions=[], app_requirements=None),
        resources=ca.Resources(
            documentation=None, setup_guide=None, provider_contact=None, supported_by=ca.SupportedBy.PROVIDER
        ),
        data_privacy=ca.DataPrivacy(platform_policy_applies=False, provider_policy=None),
        pricing=[ca.PricingPlan(name="Free", currency="USD", monthly=0.0, annual_monthly=None, free_trial_days=0)],
        shared_data=[ca.SharedData(object="contacts", direction=ca.SyncDirection.TWO_WAY)],
        languages=["en"],
        certified=True,
        workflow_actions=[],
    )
    fields.update(changes)
    return ca.Listing(**fields)


def marketplace() -> ca.Marketplace:
    return ca.Marketplace(
        [
            listing("salesforce", "Salesforce", 1000, ["Sales"],
                    workflow_actions=[ca.WorkflowAction(id="sf-task", name="Create task")]),
            listing("gmail", "Gmail", 5000, ["Productivity"]),
            listing("dialer", "Dialer", 300, ["Sales"],
                    requirements=ca.Requirements(
                        subscriptions=[ca.HubTier(hub=ca.Hub.SALES, tier=ca.Tier.ENTERPRISE)], app_requirements="a plan"),
                    pricing=[ca.PricingPlan(name="Pro", currency="USD", monthly=20.0, annual_monthly=15.0,
                                            free_trial_days=14)]),
        ]
    )


def test_marketplace_search_verdicts_recommendations_and_workflows(engine):
    market = marketplace()
    assert [l.app for l in market.listings()] == ["salesforce", "gmail", "dialer"]
    assert market.listing("dialer").pricing[0].annual_monthly == 15.0
    assert market.categories() == ["Productivity", "Sales"]
    assert ca.listing_has_free_trial(market.listing("dialer")) and not ca.listing_has_free_plan(market.listing("dialer"))
    assert ca.pricing_plan_annual_total(market.listing("dialer").pricing[0]) == 180.0
    no_filters = ca.Filters(collections=[], categories=[], pricing=[], features=[], offers_workflow_actions=False)
    results = market.search(ca.SearchQuery(text="dial", filters=no_filters, offset=0, limit=10), "en")
    assert results.total == 1 and results.hits[0].app == "dialer"
    sales = ca.Filters(collections=[], categories=["Sales"], pricing=[ca.PricingFilter.FREE], features=[],
                       offers_workflow_actions=False)
    assert [h.app for h in market.search(ca.SearchQuery(text="", filters=sales, offset=0, limit=10), "en").hits] == [
        "salesforce"
    ]
    bad = ca.Filters(collections=[], categories=["Nope"], pricing=[], features=[], offers_workflow_actions=False)
    with pytest.raises(E.InvalidInput, match='unknown category "Nope"'):
        market.search(ca.SearchQuery(text="", filters=bad, offset=0, limit=10), "en")

    verdict = market.install_verdict(engine, "dialer", "ben")
    assert verdict.upgrades == [ca.Upgrade(hub=ca.Hub.SALES, tier=ca.Tier.ENTERPRISE, _from=ca.Tier.PROFESSIONAL)]
    assert verdict.permission == ca.InstallPermission.REQUEST(admins=["admin"]) and not verdict.can_install_now
    assert market.install_verdict(engine, "salesforce", "mia").can_install_now
    with pytest.raises(E.NotFound, match='no listing of app "nope"'):
        market.install_verdict(engine, "nope", "mia")

    install(engine, ADMIN, "gmail", at(0))
    assert [r.app for r in market.recommendations(engine, 5)] == ["salesforce"]

    # W2: from the workflow editor, find an app offering actions and connect it; W1: its actions.
    [hit] = market.workflow_search(engine, "mia", "sales", 5)
    assert hit.hit.app == "salesforce" and hit.verdict.can_install_now
    assert engine.connect_from_workflow(market, "salesforce", "mia", at(1)) == ca.Outcome.APPLIED(event=2)
    groups = engine.workflow_actions(at(2))
    assert [g.app for g in groups] == ["gmail", "salesforce"]
    assert groups[1] == ca.WorkflowActionGroup(
        app="salesforce", app_name="Salesforce", actions=[ca.WorkflowAction(id="salesforce-task", name="Create task")]
    )
    with pytest.raises(E.InvalidInput, match='app "gmail" offers no workflow actions'):
        engine.connect_from_workflow(market, "gmail", "mia", at(3))
    with pytest.raises(E.InvalidInput, match="invalid listing"):
        ca.Marketplace([listing("x", " ", 0, [])])
    with pytest.raises(E.Conflict, match="duplicate listing"):
        ca.Marketplace([listing("x", "X", 0, []), listing("x", "X", 0, [])])
    assert [l.app for l in ca.Marketplace.from_json("[]").listings()] == []


def test_learning_library():
    item = ca.LearningItem(title="Keep Salesforce healthy", link="https://learn.test/sf", kind=ca.LearningKind.VIDEO,
                           apps=["salesforce"], categories=[], topics=[ca.LearningTopic.CONNECTION_HEALTH],
                           language="en")
    library = ca.LearningLibrary([item])
    assert library.items() == [item]
    assert library.for_app("salesforce", ["Sales"], "en", 3) == [item]
    assert library.for_insights("en", 3) == [ca.LearningSection(topic=ca.LearningTopic.CONNECTION_HEALTH, items=[item])]
    with pytest.raises(E.InvalidInput, match="invalid learning item at position 0"):
        ca.LearningLibrary([ca.LearningItem(title="", link="x", kind=ca.LearningKind.GUIDE, apps=[], categories=[],
                                            topics=[], language="en")])


def test_record_insights_aggregate_merge_and_flags():
    day0 = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    aggregate = ca.RecordAggregate()
    aggregate.ingest(ca.RecordEvent(at=day0, app="salesforce", record_type="contact", action=ca.RecordAction.CREATED))
    assert aggregate.cells() == [
        ca.RecordCell(day="2026-03-01", app="salesforce", record_type="contacts", action=ca.RecordAction.CREATED, count=1)
    ]
    # A second node counts other events as columns; the partial aggregates merge (X7).
    deleted = ca.record_action_code(ca.RecordAction.DELETED)
    part = ca.RecordAggregate.from_columns(ca.RecordEventColumns(
        at_micros=[micros(day0 + timedelta(days=1))] * 2, apps=[0, 0], app_dictionary=["salesforce"],
        record_types=[0, 0], record_type_dictionary=["deals"], actions=bytes([deleted, deleted]),
    ))
    aggregate.merge(part)
    assert aggregate.event_count() == 3 and aggregate.apps() == ["salesforce"]
    copy = ca.RecordAggregate.from_json(aggregate.to_json())
    assert copy.cells() == aggregate.cells()
    settings = ca.default_insights_settings()
    assert settings.window_days == 30 and settings.data_floor == "2025-12-01"
    query = ca.InsightsQuery(as_of="2026-03-02", include_incomplete_day=False, app=None, record_type=None,
                             group_by=ca.Grouping(app=True, record_type=False, action=False))
    view = aggregate.insights(settings, query, datetime(2026, 3, 5, tzinfo=timezone.utc))
    assert view.days[-1] == "2026-03-02" and len(view.days) == 30
    [row] = view.rows
    assert row.app == "salesforce" and row.total == 3 and row.daily[-2:] == [1, 2]
    assert ca.record_action_is_destructive(ca.RecordAction.MERGED) and ca.record_type_is_custom("2-123")
    with pytest.raises(E.InvalidInput, match="after today"):
        aggregate.insights(settings, query, datetime(2026, 3, 1, tzinfo=timezone.utc))
    with pytest.raises(E.InvalidInput, match="unknown record type|record type"):
        aggregate.ingest(ca.RecordEvent(at=day0, app="salesforce", record_type="widgets", action=ca.RecordAction.CREATED))
    with pytest.raises(E.InvalidInput, match="is not an iso 8601 date"):
        aggregate.insights(settings, ca.InsightsQuery(as_of="March 2", include_incomplete_day=False, app=None,
                                                      record_type=None, group_by=query.group_by), day0)
    assert aggregate.event_count() == 3


def test_record_insights_bounds_window_dictionaries_and_counts():
    aggregate = ca.RecordAggregate()
    aggregate.ingest(ca.RecordEvent(at=datetime(2026, 3, 1, 10, tzinfo=timezone.utc), app="zapier",
                                    record_type="deals", action=ca.RecordAction.DELETED))
    before = aggregate.to_json()
    settings = ca.default_insights_settings()
    query = ca.InsightsQuery(as_of="2026-03-02", include_incomplete_day=False, app=None, record_type=None,
                             group_by=ca.Grouping(app=False, record_type=False, action=False))
    now = datetime(2026, 3, 5, tzinfo=timezone.utc)
    settings.window_days = 3660
    view = aggregate.insights(settings, query, now)
    assert len(view.days) == 3660 and view.rows[0].total == 1
    for days in (3661, 2**32 - 1):
        settings.window_days = days
        with pytest.raises(E.InvalidInput, match=f"window of {days} days exceeds the maximum of 3660"):
            aggregate.insights(settings, query, now)
    # R4: a window wholly before the floor is all unavailable, not an error.
    settings.window_days = 30
    query.as_of = "2025-11-20"
    early = aggregate.insights(settings, query, now)
    assert early.rows[0].daily == [None] * 30 and early.rows[0].total == 0
    # One row, dictionaries of 100,000 apps and record types: one cell.
    wide = ca.RecordAggregate.from_columns(ca.RecordEventColumns(
        at_micros=[micros(datetime(2026, 3, 1, 12, tzinfo=timezone.utc))], apps=[99_999],
        app_dictionary=[f"app-{i}" for i in range(100_000)], record_types=[5],
        record_type_dictionary=[f"2-{i + 1}" for i in range(100_000)], actions=bytes([1]),
    ))
    assert wide.cell_count() == 1 and wide.event_count() == 1
    assert wide.cells() == [ca.RecordCell(day="2026-03-01", app="app-99999", record_type="2-6",
                                          action=ca.RecordAction.UPDATED, count=1)]
    with pytest.raises(E.InvalidInput, match="app_dictionary has 1048577 entries"):
        aggregate.ingest_columns(ca.RecordEventColumns(
            at_micros=[0], apps=[0], app_dictionary=["a"] * 1_048_577, record_types=[0],
            record_type_dictionary=["deals"], actions=bytes([0]),
        ))
    # Counts never wrap: a merge past 2^64 - 1 is refused and changes nothing.
    half = 2**63
    text = '{"version":1,"events":%d,"apps":["a"],"record_types":["contacts"],"cells":[[20500,0,0,2,%d]]}' % (half, half)
    big = ca.RecordAggregate.from_json(text)
    with pytest.raises(E.InvalidInput, match="count 9223372036854775808 plus 9223372036854775808 exceeds"):
        big.merge(ca.RecordAggregate.from_json(text))
    assert big.to_json() == text
    assert aggregate.to_json() == before


def test_api_usage_history_and_report():
    limits = ca.api_limits(ca.default_api_limit_config(), account())
    assert limits.tier == ca.Tier.PROFESSIONAL and limits.daily == 625000
    with pytest.raises(E.InvalidInput, match="api limit increases exceed"):
        ca.api_limits(ca.default_api_limit_config(), account(api_limit_increases=3))
    history = ca.UsageHistory()
    start = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)
    history.record(ca.UsageSnapshot(app="private-app", at=start, calls_today=1000, usage_limit=None, resets_at=None))
    assert history.ingest_columns(ca.UsageSnapshotColumns(
        at_micros=[micros(start + timedelta(hours=1))], apps=[0], app_dictionary=["private-app"], calls_today=[3000]
    )) == 1
    assert [s.calls_today for s in history.snapshots("private-app")] == [1000, 3000]
    now = start + timedelta(hours=1)
    settings = ca.default_usage_settings()
    assert settings.window_days == 30 and settings.share_thresholds_percent == [80, 90, 100]
    settings.window_days = 7
    report = history.report(account(), settings, now)
    assert report.today == "2026-03-02" and report.calls_today == 3000
    assert report.per_app == [ca.AppUsageDay(app="private-app", day="2026-03-02", calls=3000)]
    assert report.resets_at == datetime(2026, 3, 2, 23, tzinfo=timezone.utc)  # local midnight in Paris
    assert report.share_used == pytest.approx(3000 / 625000) and report.limits == limits
    assert (report.limit, report.reported_limit, report.limit_differs, report.thresholds_crossed) == (
        625000, None, False, [])
    # The time zone is the account's: New York's midnight, and an unknown zone is refused.
    assert history.report(account(time_zone="America/New_York"), settings, now).resets_at == datetime(
        2026, 3, 3, 5, tzinfo=timezone.utc)
    with pytest.raises(E.InvalidInput, match="unknown time zone"):
        history.report(account(time_zone="Mars/Olympus"), settings, now)
    settings.window_days = 0
    with pytest.raises(E.InvalidInput, match="window must span at least one day"):
        history.report(account(), settings, now)
    settings.window_days = 3661
    with pytest.raises(E.InvalidInput, match="window_days 3661 is outside 1..=3660"):
        history.report(account(), settings, now)
    before = history.to_json()
    with pytest.raises(E.InvalidInput, match="calls today 9223372036854775808 exceeds"):
        history.record(ca.UsageSnapshot(app="b", at=now, calls_today=2**63, usage_limit=None, resets_at=None))
    assert history.to_json() == before


def test_api_usage_keeps_the_platform_limit_and_warns_on_share():
    usage = ca.usage_snapshots_from_daily_usage((FIXTURES / "daily_api_usage.json").read_text())
    assert usage.items[0].usage_limit == 625000
    assert usage.items[0].resets_at == datetime(2026, 3, 2, 23, tzinfo=timezone.utc)
    history = ca.UsageHistory()
    assert history.record_all(usage.items) == 2
    now = datetime(2026, 3, 2, 10, 20, tzinfo=timezone.utc)
    free = account(subscriptions={}, time_zone="America/New_York")
    settings = ca.default_usage_settings()
    settings.share_thresholds_percent = [10, 35, 36]
    report = history.report(free, settings, now)
    assert (report.limits.daily, report.limit, report.reported_limit, report.limit_differs) == (
        250000, 625000, 625000, True)
    assert report.reset_differs and report.reported_resets_at == datetime(2026, 3, 2, 23, tzinfo=timezone.utc)
    assert report.calls_today == 222660 and report.thresholds_crossed == [10, 35]  # 35.6 % of 625,000
    assert report.days[-1].limit == 625000
    settings.share_thresholds_percent = [1001]
    with pytest.raises(E.InvalidInput, match="share threshold percent 1001"):
        history.report(free, settings, now)
    restored = ca.UsageHistory.from_json(history.to_json())
    assert restored.snapshots("inventory-sync") == history.snapshots("inventory-sync")
    with pytest.raises(E.InvalidInput, match="calls today 1099511627777"):
        ca.UsageHistory.from_json(history.to_json().replace('"calls_today":40210', '"calls_today":1099511627777'))


FIXTURES = Path(__file__).resolve().parents[3] / "core" / "tests" / "fixtures"


def test_real_payloads_become_inputs_with_a_report():
    usage = ca.usage_snapshots_from_daily_usage((FIXTURES / "daily_api_usage.json").read_text())
    assert [s.calls_today for s in usage.items][:1] == [182450]
    assert (usage.report.read, usage.report.imported) == (3, 2)
    assert usage.report.unsupported == {"fetch status TIMEOUT": 1}
    security = ca.events_from_security_activity((FIXTURES / "security_activity.json").read_text())
    assert [type(e.kind) for e in security.items] == [
        ca.EventKind.INSTALLED, ca.EventKind.UNINSTALLED, ca.EventKind.REINSTALLED
    ]
    assert security.items[0].actor == "4455" and security.report.unsupported["LOGIN_SUCCESS"] == 1
    audit = ca.events_from_audit_logs((FIXTURES / "audit_logs.json").read_text())
    assert audit.items[1].kind == ca.EventKind.DISCONNECTED() and audit.items[1].app == "salesforce"
    webhooks = ca.record_events_from_webhooks((FIXTURES / "webhook_batch.json").read_text())
    # Credited to the integration in sourceId, never to the subscribing appId 1160452.
    assert [(e.app, e.record_type, e.action) for e in webhooks.items] == [
        ("54321", "companies", ca.RecordAction.UPDATED),
        ("54321", "deals", ca.RecordAction.DELETED),
        ("77001", "2-123456", ca.RecordAction.CREATED),
    ]
    assert webhooks.report.by_source == {"CRM_UI": 2, "IMPORT": 1, "INTEGRATION": 4}
    assert (webhooks.report.duplicates, webhooks.report.repeat_updates) == (1, 1)
    aggregate = ca.RecordAggregate()
    bad = ca.RecordEvent(at=webhooks.items[0].at, app="", record_type="contacts", action=ca.RecordAction.CREATED)
    with pytest.raises(E.InvalidInput):
        aggregate.ingest_all(webhooks.items + [bad])
    assert aggregate.event_count() == 0, "a refused batch counts nothing"
    journal = ca.record_events_from_journal((FIXTURES / "webhooks_journal.json").read_text())
    assert journal.items[0].app == "54321" and journal.report.unsupported["ASSOCIATION_ADDED"] == 1
    with pytest.raises(E.InvalidInput, match="malformed"):
        ca.events_from_audit_logs("{")


def test_imports_count_each_delivery_once_and_resolve_actors(engine):
    aggregate = ca.RecordAggregate()
    body = (FIXTURES / "webhook_batch.json").read_text()
    first = ca.ingest_webhooks(aggregate, body)
    assert (first.imported, first.duplicates, first.by_source["INTEGRATION"]) == (3, 1, 4)
    again = ca.ingest_webhooks(aggregate, body)
    assert (again.imported, again.duplicates) == (0, 8)
    assert aggregate.event_count() == 3
    copy = ca.RecordAggregate.from_json(aggregate.to_json())
    assert ca.ingest_webhooks(copy, body).imported == 0, "the dedupe memory survives a snapshot"
    before = aggregate.to_json()
    with pytest.raises(E.InvalidInput, match="attemptNumber -1 is negative"):
        ca.ingest_webhooks(aggregate, body.replace('"attemptNumber": 0', '"attemptNumber": -1', 1))
    assert aggregate.to_json() == before
    journal = ca.ingest_journal(aggregate, (FIXTURES / "webhooks_journal.json").read_text())
    # 54321 already updated company 9876 on 2 March (webhook batch): the journal's updates of it repeat.
    assert (journal.imported, journal.repeat_updates) == (3, 2)

    ops = ca.User(id="ops", name="Ops", email="OPS@acme.example", active=True, super_admin=True,
                  permissions=[], platform_user_id="4455")
    engine.add_user(ops)
    security = (FIXTURES / "security_activity.json").read_text()
    report = ca.import_security_activity(engine, security)
    # gmail is user-level: ops's install and uninstall name ops's connection; 7788 is unknown,
    # so its install (which would name 7788's connection) is skipped and reported.
    assert report.imported == 2 and report.unsupported["LOGIN_SUCCESS"] == 1
    assert report.unresolved_actors == {"7788 <admin@acme.example>": 1}
    assert report.skipped == {"user-level app with an unknown actor": 1}
    assert [(e.user, e.actor) for e in engine.events()] == [("ops", "ops"), ("ops", "ops")]
    again = ca.import_security_activity(engine, security)
    assert (again.imported, again.skipped["already in the log"]) == (0, 2)
    audit = ca.import_audit_logs(engine, (FIXTURES / "audit_logs.json").read_text())
    assert audit.unsupported["PROPERTY_MAPPINGS/DISCONNECT"] == 1


# ---------------------------------------------------------------- history, snapshots, NDJSON


def test_state_as_of_an_instant(engine):
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(ADMIN, ca.Command.DISCONNECT(app="salesforce", user=None), at(10))
    assert engine.connection_state_as_of("salesforce", None, at(-1)) is None
    assert engine.connection_state_as_of("salesforce", None, at(5)) == ca.ConnectionState.CONNECTED
    assert engine.connection_state_as_of("salesforce", None, at(10)) == ca.ConnectionState.DISCONNECTED
    assert [c.health for c in engine.connections_as_of(at(5))] == [ca.Health.CONNECTED()]
    assert engine.connections_as_of(at(-1)) == []


def test_json_snapshot_round_trip(engine):
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    text = engine.to_json()
    copy = ca.AccountEngine.from_json(text)
    assert copy.to_json() == text
    assert copy.events() == engine.events()
    assert copy.connection_state("salesforce", None, at(2)) == ca.ConnectionState.DISCONNECTED
    with pytest.raises(E.InvalidInput, match="malformed json"):
        ca.AccountEngine.from_json("{")
    with pytest.raises(E.InvalidInput, match="unsupported snapshot version 99"):
        ca.AccountEngine.from_json(text.replace('"version": 1', '"version": 99', 1))


def test_verify_the_hash_chain_and_refuse_a_tampered_snapshot(engine):
    empty = engine.verify()
    assert empty == hashlib.sha256(b"connected-apps/x8/v1").hexdigest()
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    head = engine.verify()
    assert head == engine.chain_head() != empty
    text = engine.to_json()
    assert json.loads(text)["chain"] == {"scheme": "connected-apps/x8/v1", "block": 1024, "head": head, "checkpoints": []}
    tampered = json.loads(text)
    tampered["events"][1]["actor"] = "admin"
    with pytest.raises(E.InvalidState, match=r"event chain breaks in block 0, events 1 to 2 \(positions 0 to 1\)"):
        ca.AccountEngine.from_json(json.dumps(tampered))
    assert ca.AccountEngine.from_json(text).verify() == head


def test_ndjson_events_in_and_out(engine):
    install(engine, ADMIN, "salesforce", at(0))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    ndjson = engine.export_ndjson()
    assert ndjson.count("\n") == 2
    events = ca.events_from_ndjson(ndjson)
    assert events == engine.events()
    assert ca.events_to_ndjson(events) == ndjson

    replica = build_engine()
    assert replica.import_ndjson(ndjson) == 2
    assert replica.events() == engine.events()
    # All or nothing: the second import is refused whole (duplicate ids) and changes nothing.
    with pytest.raises(E.Conflict, match="duplicate event id 1"):
        replica.import_ndjson(ndjson)
    assert len(replica.events()) == 2
    with pytest.raises(E.InvalidInput, match="malformed json at line 2"):
        ca.events_from_ndjson(ndjson.splitlines()[0] + "\n{nope}\n")


def test_append_and_append_all(engine):
    install(engine, ADMIN, "salesforce", at(0))
    event = ca.Event(id=10, at=at(1), app="salesforce", user=None, actor="mia", kind=ca.EventKind.DISCONNECTED())
    engine.append(event)
    assert engine.events()[-1] == event
    with pytest.raises(E.Conflict, match="duplicate event id 10"):
        engine.append(event)
    older = ca.Event(id=11, at=at(0) - timedelta(seconds=1), app="salesforce", user=None, actor=None,
                     kind=ca.EventKind.CONNECTED())
    with pytest.raises(E.InvalidInput, match="older than the newest"):
        engine.append(older)
    too_late = ca.Event(id=14, at=datetime(2300, 1, 1, tzinfo=timezone.utc), app="salesforce", user=None, actor=None,
                        kind=ca.EventKind.CONNECTED())
    with pytest.raises(E.InvalidInput, match="outside the log's range"):
        engine.append(too_late)
    batch = [
        ca.Event(id=12, at=at(2), app="salesforce", user=None, actor="mia",
                 kind=ca.EventKind.RECONNECTED(expires_at=None)),
        ca.Event(id=13, at=at(3), app="salesforce", user=None, actor="mia",
                 kind=ca.EventKind.RECONNECTED(expires_at=None)),
    ]
    with pytest.raises(E.InvalidState, match="already connected"):
        engine.append_all(batch)
    assert len(engine.events()) == 2
    assert engine.append_all(batch[:1]) == 1
    # The next command's id follows the highest appended one.
    outcome = engine.execute(ADMIN, ca.Command.DISCONNECT(app="salesforce", user=None), at(4))
    assert outcome == ca.Outcome.APPLIED(event=13)


# ---------------------------------------------------------------- timestamps and the panic


@pytest.mark.parametrize(
    "instant",
    [
        T0,
        datetime(1969, 7, 20, 20, 17, 40, 999999, tzinfo=timezone.utc),
        datetime(1970, 1, 1, tzinfo=timezone.utc),
        datetime(2262, 4, 11, 23, 47, 16, 1, tzinfo=timezone.utc),
        datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ],
)
def test_timestamps_round_trip_exactly(engine, instant):
    # The expiry goes in through a command, comes back through the connection and the log.
    install(engine, ADMIN, "salesforce", at(0), expires_at=instant)
    assert engine.connection("salesforce", None).expires_at == instant
    assert engine.events()[0].kind.expires_at == instant
    assert ca.events_from_ndjson(engine.export_ndjson())[0].kind.expires_at == instant
    assert engine.events()[0].at == at(0)
    assert engine.events()[0].at.tzinfo is not None


def test_a_panic_inside_the_library_is_an_internal_error_and_the_engine_keeps_working(engine):
    install(engine, ADMIN, "salesforce", at(0))
    with pytest.raises(E.Internal, match="internal error: forced by the test"):
        engine.debug_force_panic("forced by the test")
    # The engine is still usable, and holds what it held.
    assert len(engine.events()) == 1
    engine.execute(ADMIN, ca.Command.DISCONNECT(app="salesforce", user=None), at(1))
    assert engine.connection_state("salesforce", None, at(1)) == ca.ConnectionState.DISCONNECTED
    with pytest.raises(E.Internal):
        engine.debug_force_panic("again")
    assert len(engine.events()) == 2


def test_every_error_kind_is_a_subclass_of_the_one_error():
    kinds = {E.NotFound, E.PermissionDenied, E.Conflict, E.InvalidState, E.InvalidInput, E.Internal}
    assert all(issubclass(k, E) for k in kinds)


# ---------------------------------------------------------------- who reports, ids, strict input


def test_reports_need_the_platform_or_a_user_who_may_manage_the_connection(engine):
    install(engine, ADMIN, "salesforce", at(0))
    info = ca.ConnectionErrorInfo(code="E1", message="sync failing", resolution_steps=[])
    report = ca.Command.REPORT_ERROR(app="salesforce", user=None, error=info)
    before = engine.to_json()
    with pytest.raises(E.PermissionDenied, match='user "ben" lacks the app_marketplace_access permission'):
        engine.execute(BEN, report, at(1))
    with pytest.raises(E.PermissionDenied, match='user "old" is deactivated'):
        engine.execute(ca.Actor.USER("old"), report, at(1))
    assert engine.to_json() == before
    engine.execute(MIA, report, at(1))
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_CONNECTED(app="salesforce", user=None), at(2))


def test_apps_without_status_need_attention_only_for_what_the_engine_knows(engine):
    engine.add_app(app("quiet", "Quiet", reports_status=False))
    install(engine, ADMIN, "quiet", at(0))
    before = engine.to_json()
    with pytest.raises(E.InvalidInput, match='app "quiet" does not report status'):
        engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_EXPIRED(app="quiet", user=None), at(1))
    assert engine.to_json() == before
    engine.execute(ADMIN, ca.Command.DISCONNECT(app="quiet", user=None), at(2))
    home = engine.connections_home("admin", at(3))
    assert [(i.app, i.state) for i in home.needs_attention] == [("quiet", ca.ConnectionState.DISCONNECTED)]
    assert home.summary.disconnected == 1 and home.summary.without_status == 0


def test_event_ids_past_the_limit_are_refused(engine):
    install(engine, ADMIN, "salesforce", at(0))
    before = engine.to_json()
    activity = lambda i, m: ca.Event(id=i, at=at(m), app="salesforce", user=None, actor=None, kind=ca.EventKind.APP_ACTIVITY())  # noqa: E731
    with pytest.raises(E.InvalidInput, match="event id 18446744073709551615 is over the limit of 9223372036854775807"):
        engine.append(activity(2**64 - 1, 1))
    assert engine.to_json() == before
    assert ca.max_event_id() == 2**63 - 1
    engine.append(activity(ca.max_event_id(), 1))
    outcome = engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="salesforce", user=None), at(2))
    assert outcome == ca.Outcome.APPLIED(event=ca.max_event_id() + 1)
    text = engine.to_json()
    assert ca.AccountEngine.from_json(text).to_json() == text


def test_unknown_time_zones_and_snapshot_fields_are_refused(engine):
    with pytest.raises(E.InvalidInput, match='unknown time zone "Mars/Olympus"'):
        ca.AccountEngine(account(time_zone="Mars/Olympus"))
    before = engine.to_json()
    with pytest.raises(E.InvalidInput, match='unknown time zone "Europe/Nowhere"'):
        engine.set_account(account(time_zone="Europe/Nowhere"))
    assert engine.to_json() == before
    spoiled = before.replace('"name": "Acme"', '"name": "Acme", "colour": "blue"', 1)
    with pytest.raises(E.InvalidInput, match="unknown field `colour`"):
        ca.AccountEngine.from_json(spoiled)


# ---------------------------------------------------------------- one account engine (issue 13)


def test_app_log_columns_come_from_the_core_and_follow_changes(engine):
    install(engine, ADMIN, "salesforce", at(0))
    install(engine, MIA, "gmail", at(1))
    engine.execute(MIA, ca.Command.DISCONNECT(app="salesforce", user=None), at(2))
    engine.execute(ca.Actor.SYSTEM(), ca.Command.REPORT_ACTIVITY(app="salesforce", user=None), at(3))
    everything = ca.AppLogFilter(types=[], users=[])
    code = ca.activity_type_code
    columns = engine.app_log_columns("salesforce", everything)
    assert columns == ca.AppLogColumns(
        ids=[4, 3, 1],
        at_micros=[micros(at(3)), micros(at(2)), micros(at(0))],
        types=bytes(code(t) for t in [ca.ActivityType.APP_ACTIVITY, ca.ActivityType.DISCONNECTED, ca.ActivityType.INSTALLED]),
        actors=[ca.no_user_code(), 0, 1],
        actor_dictionary=["mia", "admin"],
    )
    assert columns.ids == [e.id for e in engine.app_log("salesforce", everything)]
    by_mia = engine.app_log_columns("salesforce", ca.AppLogFilter(types=[], users=["mia"]))
    assert (by_mia.ids, by_mia.actors, by_mia.actor_dictionary) == ([3], [0], ["mia"])
    assert engine.app_log_columns("nope", everything) == ca.AppLogColumns(
        ids=[], at_micros=[], types=b"", actors=[], actor_dictionary=[]
    )
    # The core's index catches up with new events by itself, and after a restore.
    engine.execute(ADMIN, ca.Command.RECONNECT(app="salesforce", user=None, expires_at=None), at(4))
    assert engine.app_log_columns("salesforce", everything).ids == [5, 4, 3, 1]
    restored = ca.AccountEngine.from_json(engine.to_json())
    assert restored.to_json() == engine.to_json()
    assert restored.app_log_columns("salesforce", everything) == engine.app_log_columns("salesforce", everything)


def test_the_app_log_spans_activity_pages(engine):
    install(engine, ADMIN, "salesforce", at(0))
    n = 1200
    columns = ca.EventColumns(
        ids=list(range(10, 10 + n)),
        at_micros=[micros(at(1)) + i for i in range(n)],
        types=bytes([ca.activity_type_code(ca.ActivityType.APP_ACTIVITY)] * n),
        apps=[0] * n,
        app_dictionary=["salesforce"],
        users=None,
        actors=None,
        user_dictionary=[],
    )
    assert engine.ingest_events(columns) == n
    log = engine.app_log("salesforce", ca.AppLogFilter(types=[], users=[]))
    assert len(log) == n + 1 and log[0].id == 10 + n - 1 and log[-1].id == 1
    everything = ca.ActivityFilter(types=[], users=[], apps=[], since=None, until=None)
    assert engine.activity_facets(everything).total == n + 1

"""Building the account's directory (A1–A3, C1) from objects and dicts."""

from __future__ import annotations

import pytest

import connected_apps as ca
from conftest import snapshot


def test_directory_reads_back_typed(engine: ca.Engine) -> None:
    account = engine.account
    assert account.id == "portal-1" and account.default_language == "fr"
    assert account.subscriptions == {ca.Hub.MARKETING: ca.Tier.STARTER, ca.Hub.SALES: ca.Tier.PROFESSIONAL}
    assert account.tier(ca.Hub.SERVICE) is ca.Tier.FREE
    assert [u.id for u in engine.users()] == ["admin", "ann", "bob"]
    assert [u.id for u in engine.active_super_admins()] == ["admin"]
    bob = engine.user("bob")
    assert bob is not None and not bob.has(ca.Permission.APP_MARKETPLACE_ACCESS)
    ann = engine.user("ann")
    assert ann is not None and ann.permissions == [ca.Permission.APP_MARKETPLACE_ACCESS]
    assert engine.team("sales") is not None and engine.team("sales").members == ["ann", "bob"]  # type: ignore[union-attr]
    app = engine.app("salesforce")
    assert app is not None and app.level is ca.AppLevel.ACCOUNT_LEVEL
    assert app.distribution is ca.Distribution.MARKETPLACE
    assert app.scopes[0] == {"name": "crm.objects.contacts.read", "requirement": "required"}
    assert engine.user("nobody") is None


def test_objects_and_dicts_round_trip(engine: ca.Engine) -> None:
    for user in engine.users():
        assert ca.User.from_dict(user.to_dict()) == user
    app = engine.app("gmail")
    assert app is not None and ca.App.from_dict(app.to_dict()) == app
    assert repr(engine.user("ann")).startswith("User(id='ann', active=True, email='ann@acme.test'")


def test_adding_people_and_apps_later(engine: ca.Engine) -> None:
    engine.add_user(ca.User("cy", "Cy", "cy@acme.test"))
    engine.add_team({"id": "ops", "name": "Ops", "members": ["cy"]})
    engine.add_app(ca.App("zoom", "Zoom", "Zoom", level="user_level", distribution="marketplace"))
    engine.set_user_active("cy", False)
    assert engine.user("cy").active is False  # type: ignore[union-attr]
    assert engine.team("ops") is not None and engine.app("zoom") is not None


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda e: e.add_user(ca.User("ann", "Ann again", "a@x")), ca.ConflictError, 'duplicate user id .*"ann"'),
        (lambda e: e.add_team(ca.Team("t", "T", ["ghost"])), ca.NotFoundError, "unknown user"),
        (lambda e: e.set_user_active("ghost", True), ca.NotFoundError, "unknown user"),
        (lambda e: e.add_user(ca.User("", "No id", "x@x")), ca.InvalidInputError, "empty id or name"),
        (
            lambda e: e.add_app(ca.App("x", "X", "P", level="user_level", distribution="marketplace",
                                       scopes=[{"name": "Bad Scope", "requirement": "required"}])),
            ca.InvalidInputError,
            "malformed scope name",
        ),
        (lambda e: e.set_account(ca.Account("1", "A", default_language="french")), ca.InvalidInputError, "french"),
        (lambda e: e.add_user({"id": "x", "name": "X"}), ca.InvalidInputError, "missing field `email`"),
    ],
)
def test_refused_directory_changes_raise_and_change_nothing(engine, change, error, message) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(engine)
    with pytest.raises(error, match=message) as raised:
        change(engine)
    assert isinstance(raised.value, ca.ConnectedAppsError)
    assert snapshot(engine) == before


def test_unknown_enum_values_and_wrong_types_raise_python_errors() -> None:
    with pytest.raises(ValueError, match='unknown app level "galactic"'):
        ca.App("x", "X", "P", level="galactic", distribution="marketplace")
    with pytest.raises(ValueError, match="unknown hub"):
        ca.Account("1", "A", subscriptions={"moon": "free"})
    with pytest.raises(TypeError):
        ca.Team("t", "T", "ann")  # a str is not a list of members


def test_engine_construction_is_all_or_nothing() -> None:
    with pytest.raises(ca.ConflictError):
        ca.Engine(ca.Account("1", "A"), users=[ca.User("u", "U", "u@x"), ca.User("u", "U", "u@x")])

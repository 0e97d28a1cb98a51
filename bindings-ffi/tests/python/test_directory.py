"""The directory through the UniFFI bindings: built and read back, errors that change nothing."""

import pytest

import connected_apps_ffi as ca
from conftest import E, account, app, user


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

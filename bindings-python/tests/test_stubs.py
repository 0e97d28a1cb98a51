"""The typing surface: the .pyi stub matches the module, and the Python enums match the core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import connected_apps as ca

PACKAGE = Path(ca.__file__).parent


def test_stub_matches_the_native_module() -> None:
    # stubtest imports the module and compares every name, signature, default and property with
    # _native.pyi (and __init__.py's annotations); any drift fails here.
    allowlist = Path(__file__).with_name("stubtest-allowlist.txt")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "connected_apps", "--allowlist", str(allowlist)],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").exists() and (PACKAGE / "_native.pyi").exists()


def test_activity_type_enum_is_in_core_code_order() -> None:
    assert [t.value for t in ca.ActivityType] == ca.ACTIVITY_TYPES
    assert [t.code for t in ca.ActivityType] == list(range(len(ca.ACTIVITY_TYPES)))


def test_every_enum_value_is_one_the_core_reads() -> None:
    for hub in ca.Hub:
        for tier in ca.Tier:
            assert ca.Account("1", "A", subscriptions={hub: tier}).tier(hub) is tier
    for level in ca.AppLevel:
        for distribution in ca.Distribution:
            app = ca.App("x", "X", "P", level=level, distribution=distribution)
            assert (app.level, app.distribution) == (level, distribution)
    for requirement in ca.ScopeRequirement:
        ca.App("x", "X", "P", level="account_level", distribution="marketplace",
               scopes=[{"name": "a.b", "requirement": requirement}])
    assert ca.User("u", "U", "u@x", permissions=list(ca.Permission)).permissions == list(ca.Permission)

#!/usr/bin/env bash
# Builds the Python module `connected_apps` into <repo>/.venv and runs its pytest suite.
#
# Works from a clean clone: scripts/setup-python.sh creates the venv and installs maturin,
# pytest, numpy, pyarrow, mypy, selenium and tzdata from PyPI (scripts/setup-browser.sh: Debian's
# chromium and chromedriver for the report's browser test); maturin builds the extension in place (an
# editable install: the compiled module lands in bindings-python/python/connected_apps/).
#
# The tests run against a debug build (overflow checks and debug assertions on, and a faster
# build); RELEASE=1 builds the release extension instead, e.g. before benches/python.
# pytest reports every skip (-rs) and the run fails if any test was skipped (conftest.py): a
# missing optional dependency must not pass silently.
#
# Extra arguments go to pytest, e.g. `scripts/test-python.sh -k datetime`.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
cd "${REPO_ROOT}"

VENV="$("${SCRIPT_DIR}/setup-python.sh" | tail -n 1)"
export VIRTUAL_ENV="${VENV}"
export PATH="${VENV}/bin:${PATH}"

PROFILE_FLAG=()
if [[ "${RELEASE:-0}" == "1" ]]; then PROFILE_FLAG=(--release); fi
echo "[test-python] building connected_apps (${PROFILE_FLAG[*]:-debug}) into ${VENV}" >&2
"${VENV}/bin/maturin" develop "${PROFILE_FLAG[@]}" --quiet -m bindings-python/Cargo.toml

# The browser test (tests/test_report_browser.py) needs Debian's chromium and chromedriver: a
# no-op when both are installed (scripts/test-all.sh installs them in its background set-up).
"${SCRIPT_DIR}/setup-browser.sh" >/dev/null

echo "[test-python] running pytest" >&2
exec "${VENV}/bin/python" -m pytest bindings-python/tests -q -rs "$@"

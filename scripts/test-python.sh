#!/usr/bin/env bash
# Builds the Python module `connected_apps` into <repo>/.venv and runs its pytest suite.
#
# Works from a clean clone: scripts/setup-python.sh creates the venv and installs maturin,
# pytest, numpy, pyarrow and mypy from PyPI; maturin builds the release extension in place
# (an editable install: the compiled module lands in bindings-python/python/connected_apps/).
#
# Extra arguments go to pytest, e.g. `scripts/test-python.sh -k datetime`.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
cd "${REPO_ROOT}"

VENV="$("${SCRIPT_DIR}/setup-python.sh" | tail -n 1)"
export VIRTUAL_ENV="${VENV}"
export PATH="${VENV}/bin:${PATH}"

echo "[test-python] building connected_apps into ${VENV}" >&2
"${VENV}/bin/maturin" develop --release --quiet -m bindings-python/Cargo.toml

echo "[test-python] running pytest" >&2
exec "${VENV}/bin/python" -m pytest bindings-python/tests -q "$@"

#!/usr/bin/env bash
# Create <repo>/.venv (if missing) and install scripts/requirements-dev.txt into it.
#
# Idempotent and fast on re-runs: after a successful install a stamp file
# .venv/.stamp-<sha256 of requirements file + python version> is written; if it
# exists, pip is not invoked at all. Editing requirements-dev.txt changes the
# hash and triggers a (quiet) reinstall.
#
# Options:
#   --venv-only         only create the venv (seconds), without pip: scripts/test-all.sh points
#                       the Rust builds at its interpreter (PYO3_PYTHON) before pip has finished
#
# Env overrides:
#   PYTHON=python3.11   interpreter used to create the venv (default: python3)
#   FORCE=1             ignore the stamp and re-run pip install
#
# Prints the venv path on the last line of stdout.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
VENV="${REPO_ROOT}/.venv"
REQS="${SCRIPT_DIR}/requirements-dev.txt"
PYTHON="${PYTHON:-python3}"
VENV_ONLY=0
for arg in "$@"; do
    case "${arg}" in
        --venv-only) VENV_ONLY=1 ;;
        *) echo "unknown argument: ${arg}" >&2; exit 2 ;;
    esac
done

log() { echo "[setup-python] $*" >&2; }

if [[ ! -f "${REQS}" ]]; then
    log "missing ${REQS}"
    exit 1
fi

# (Re)create the venv if it does not exist or its interpreter is broken
# (e.g. the base python it pointed to was removed).
if [[ ! -x "${VENV}/bin/python" ]] || ! "${VENV}/bin/python" -c 'import sys' >/dev/null 2>&1; then
    if [[ -e "${VENV}" ]]; then
        log "existing ${VENV} is broken; recreating"
        rm -rf -- "${VENV}"
    fi
    log "creating virtualenv at ${VENV} with $(command -v "${PYTHON}")"
    if ! "${PYTHON}" -m venv "${VENV}" 2>/dev/null; then
        # Debian's system python needs the python3-venv package for ensurepip.
        log "'${PYTHON} -m venv' failed; trying to install python3-venv via apt"
        rm -rf -- "${VENV}"
        SUDO=""
        if [[ "$(id -u)" -ne 0 ]]; then SUDO="sudo"; fi
        ${SUDO} apt-get install -y -q python3-venv >/dev/null \
            || { ${SUDO} apt-get update -q >/dev/null && ${SUDO} apt-get install -y -q python3-venv >/dev/null; }
        "${PYTHON}" -m venv "${VENV}"
    fi
fi

if [[ "${VENV_ONLY}" == "1" ]]; then
    echo "${VENV}"
    exit 0
fi

PYVER="$("${VENV}/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
HASH="$( { cat "${REQS}"; echo "python=${PYVER}"; } | sha256sum | cut -c1-16)"
STAMP="${VENV}/.stamp-${HASH}"

if [[ -f "${STAMP}" && "${FORCE:-0}" != "1" ]]; then
    log "requirements already installed (stamp $(basename "${STAMP}"))"
else
    log "installing $(basename "${REQS}") into ${VENV} (python ${PYVER}) ..."
    export PIP_DISABLE_PIP_VERSION_CHECK=1
    "${VENV}/bin/python" -m pip install -q --upgrade pip
    "${VENV}/bin/python" -m pip install -q -r "${REQS}"
    rm -f -- "${VENV}"/.stamp-*
    touch "${STAMP}"
    log "done"
fi

echo "${VENV}"

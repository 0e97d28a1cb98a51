#!/usr/bin/env bash
# Every test of the workspace: formatting, lints, Rust tests and doctests, every example on the bundled sample
# (scripts/run-examples.sh), the core's docs, then the Python module and the UniFFI bindings through their hosts. Installs what a fresh machine lacks (see scripts/setup-*.sh).
#
# Kept fast on a 2-core machine (a fresh clone in about 6 minutes) without dropping a check:
#   * the set-up's downloads (pip: scripts/requirements-dev.txt; apt and npm: JNA, Gson, Kotlin)
#     run in the background while cargo compiles; only the venv itself is made first, because
#   * every cargo command sees the same Python (PYO3_PYTHON = the venv's interpreter, the one
#     maturin uses), so pyo3's build configuration is not redone between clippy, test and maturin;
#   * clippy, test and scripts/test-ffi.sh build the UniFFI crate with the same features
#     (`test-panic`, which only adds the host tests' forced panic) and test-ffi.sh resolves the
#     workspace's features as cargo test did (--workspace-build), so nothing is rebuilt for the hosts;
#     it runs before the Python module, whose maturin build changes pyo3's build environment.
# Prints the time of each step at the end.
#
# Options:
#   --keep-going   run every step even after one fails (the run still fails at the end, naming
#                  the failed steps)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

KEEP_GOING=0
for arg in "$@"; do
    case "${arg}" in
        --keep-going) KEEP_GOING=1 ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "unknown argument: ${arg}" >&2; exit 2 ;;
    esac
done
failed=()
# Runs a step's command; a failure stops the run unless --keep-going.
run() {
    if "$@"; then return 0; fi
    if [[ "${KEEP_GOING}" == "1" ]]; then failed+=("${current}"); return 0; fi
    exit 1
}

start=$(date +%s)
last=${start}
current=""
timings=()
step() {
    local now
    now=$(date +%s)
    if [[ -n "${current}" ]]; then timings+=("$(printf '%5d s  %s' $((now - last)) "${current}")"); fi
    current="$*"
    last=${now}
    printf '\n==> %s\n' "$*"
}

step "set-up: the venv now; pip, JNA, Gson, Kotlin and Chromium in the background"
VENV="$(scripts/setup-python.sh --venv-only | tail -n 1)"
export PYO3_PYTHON="${VENV}/bin/python"
setup_log="$(mktemp)"
trap 'rm -f -- "${setup_log}"' EXIT
{ scripts/setup-python.sh && scripts/setup-kotlin.sh >/dev/null && scripts/setup-browser.sh >/dev/null; } >"${setup_log}" 2>&1 &
setup_pid=$!

# The features every cargo command below builds the workspace with (see above).
FEATURES=(--features connected-apps-ffi/test-panic)

step "cargo fmt --check"
run cargo fmt --all --check
step "cargo clippy (workspace lints, warnings denied)"
run cargo clippy --workspace --all-targets "${FEATURES[@]}" -- -D warnings
step "cargo test (unit, integration, property and doc tests)"
NO_FAIL_FAST=()
if [[ "${KEEP_GOING}" == "1" ]]; then NO_FAIL_FAST=(--no-fail-fast); fi
run cargo test --workspace "${FEATURES[@]}" "${NO_FAIL_FAST[@]}"
step "examples (each on the bundled sample, its sections checked; built by cargo test)"
run scripts/run-examples.sh --no-build
step "cargo doc (the core's API docs, warnings denied)"
run env RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p connected-apps
step "set-up (waiting for the background downloads)"
if ! wait "${setup_pid}"; then
    cat "${setup_log}" >&2
    echo "set-up failed" >&2
    exit 1
fi
cat "${setup_log}" >&2
step "UniFFI bindings (Python, Kotlin, Swift generation)"
run scripts/test-ffi.sh --workspace-build
step "Python module (pyo3 + maturin)"
run scripts/test-python.sh
step "done"
printf '%s\n' "${timings[@]}"
printf '%5d s  total\n' $(( $(date +%s) - start ))
if [[ ${#failed[@]} -gt 0 ]]; then
    printf 'FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "all tests passed"

#!/usr/bin/env bash
# Test the UniFFI bindings (SPEC B3) as hosts use them:
#   1. build the library (cdylib, with feature `test-panic`) and the `uniffi-bindgen` binary;
#   2. generate Python, Kotlin and Swift bindings from the built library into the ignored folder
#      bindings-ffi/generated/<language>;
#   3. run the Python tests (bindings-ffi/tests/python/test_*.py) through the generated module
#      `connected_apps_ffi`, with pytest from <repo>/.venv (scripts/setup-python.sh);
#   4. check the Swift output (the .swift file, the C header and the modulemap: no Swift
#      toolchain here);
#   5. compile the generated Kotlin with bindings-ffi/tests/kotlin/*.kt and README.md's Kotlin
#      sketch, and run the tests on the JVM against the library (JNA + Kotlin 2.4 from
#      scripts/setup-kotlin.sh).
#
# Options / env:
#   --release        build the release profile instead of dev
#   --skip-kotlin    stop after Swift (e.g. on a machine without a JDK)
#   --workspace-build  build with the selection and features of scripts/test-all.sh's
#                    `cargo test --workspace --features connected-apps-ffi/test-panic` (the whole
#                    workspace, tests included), which has then built everything already: a plain
#                    `-p connected-apps-ffi` build resolves the shared dependencies' features
#                    differently (no dev-dependencies) and would rebuild serde, chrono, the core
#                    and uniffi a second time
#   PYTEST_ARGS=...  extra pytest arguments (e.g. "-k timestamps")
# Installs what it needs on a fresh machine (venv, JNA, Kotlin compiler); re-runs skip that.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
cd "${REPO_ROOT}"

PROFILE=dev
TARGET_SUBDIR=debug
RUN_KOTLIN=1
WORKSPACE_BUILD=0
for arg in "$@"; do
    case "${arg}" in
        --release) PROFILE=release; TARGET_SUBDIR=release ;;
        --skip-kotlin) RUN_KOTLIN=0 ;;
        --workspace-build) WORKSPACE_BUILD=1 ;;
        -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "unknown argument: ${arg}" >&2; exit 2 ;;
    esac
done

log() { echo "[test-ffi] $*" >&2; }
step_start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - step_start )) s"; }

TARGET_DIR="${CARGO_TARGET_DIR:-${REPO_ROOT}/target}"
LIB="${TARGET_DIR}/${TARGET_SUBDIR}/libconnected_apps_ffi.so"
BINDGEN="${TARGET_DIR}/${TARGET_SUBDIR}/uniffi-bindgen"
GEN="${REPO_ROOT}/bindings-ffi/generated"
TESTS="${REPO_ROOT}/bindings-ffi/tests"
# The forced panic prints its message on stderr; a backtrace would only add noise.
export RUST_BACKTRACE=0

# ------------------------------------------------------------------ build
log "building connected-apps-ffi (${PROFILE}, feature test-panic) ..."
if [[ "${WORKSPACE_BUILD}" == "1" ]]; then
    cargo build --profile "${PROFILE}" --workspace --features connected-apps-ffi/test-panic --lib --bins --tests
else
    cargo build --profile "${PROFILE}" -p connected-apps-ffi --features test-panic --lib --bin uniffi-bindgen
fi
[[ -f "${LIB}" ]] || { log "ERROR: ${LIB} was not built"; exit 1; }
log "built in $(elapsed)"

# --------------------------------------------------------------- generate
rm -rf -- "${GEN}"
for language in python kotlin swift; do
    "${BINDGEN}" generate --library "${LIB}" --language "${language}" --out-dir "${GEN}/${language}" --no-format \
        >/dev/null
done
# Python loads the library from the module's own folder.
cp "${LIB}" "${GEN}/python/"
log "generated python, kotlin and swift bindings in ${GEN} ($(elapsed))"

# ------------------------------------------------------------------ python
VENV="$("${SCRIPT_DIR}/setup-python.sh" | tail -n1)"
log "python tests ..."
# -rs lists every skip and why; conftest.py fails the run if any test was skipped.
# shellcheck disable=SC2086
PYTHONPATH="${GEN}/python" "${VENV}/bin/python" -m pytest -q -rs -p no:cacheprovider "${TESTS}/python" ${PYTEST_ARGS:-}
log "python done ($(elapsed))"

# ------------------------------------------------------------------- swift
for f in ConnectedApps.swift ConnectedAppsFFI.h ConnectedAppsFFI.modulemap; do
    [[ -s "${GEN}/swift/${f}" ]] || { log "ERROR: swift generation did not produce ${f}"; exit 1; }
done
grep -q 'open class AccountEngine' "${GEN}/swift/ConnectedApps.swift" \
    || { log "ERROR: ConnectedApps.swift has no AccountEngine class"; exit 1; }
grep -q 'module ConnectedAppsFFI' "${GEN}/swift/ConnectedAppsFFI.modulemap" \
    || { log "ERROR: the modulemap does not declare module ConnectedAppsFFI"; exit 1; }
grep -q 'uniffi_connected_apps_ffi_fn_constructor_accountengine_new' "${GEN}/swift/ConnectedAppsFFI.h" \
    || { log "ERROR: the header lacks the engine's constructor"; exit 1; }
log "swift bindings generated: ConnectedApps.swift, ConnectedAppsFFI.h, ConnectedAppsFFI.modulemap"

# ------------------------------------------------------------------ kotlin
if [[ "${RUN_KOTLIN}" == "1" ]]; then
    # The set-up's exports are read from the file it writes, so a failed set-up fails the run.
    "${SCRIPT_DIR}/setup-kotlin.sh" >/dev/null
    # shellcheck disable=SC1091
    . "${REPO_ROOT}/.tools/kotlin/env.sh"
    JAR="${GEN}/kotlin-test.jar"
    CP="${JNA_JAR}:${COROUTINES_JAR}:${GSON_JAR}"
    # The README's Kotlin sketch compiles with the tests (not run: it names an App record, a mail
    # sender and an error display of the host's own, given here as a parameter and stubs).
    SKETCH="${GEN}/readme/ReadmeSketch.kt"
    mkdir -p -- "$(dirname -- "${SKETCH}")"
    sketch="$(sed -n '/^```kotlin$/,/^```$/p' README.md | sed '1d;$d')"
    [[ -n "${sketch}" ]] || { log "ERROR: README.md has no \`\`\`kotlin block"; exit 1; }
    {
        echo "// Generated by scripts/test-ffi.sh from README.md's Kotlin sketch."
        grep '^import ' <<<"${sketch}"
        echo "private fun sendMail(to: Any?, request: Any?) = Unit"
        echo "private fun showError(message: Any?) = Unit"
        echo "@Suppress(\"UNUSED_VARIABLE\")"
        echo "fun readmeKotlinSketch(salesforceApp: App) {"
        grep -v '^import ' <<<"${sketch}"
        echo "}"
    } > "${SKETCH}"
    log "compiling the generated kotlin, the kotlin tests and the README sketch (kotlinc takes a while) ..."
    rm -f -- "${JAR}"
    # Warnings are dropped from the output; kotlinc's own exit status decides.
    if ! "${KOTLINC}" -nowarn "${GEN}/kotlin" "${TESTS}"/kotlin/*.kt "${SKETCH}" -cp "${CP}" -include-runtime -d "${JAR}" \
        > "${GEN}/kotlinc.log" 2>&1; then
        grep -v '^warning: ' "${GEN}/kotlinc.log" >&2
        log "ERROR: kotlinc failed"
        exit 1
    fi
    [[ -f "${JAR}" ]] || { log "ERROR: kotlinc produced no jar"; exit 1; }
    log "kotlin tests ..."
    java -Djna.library.path="$(dirname -- "${LIB}")" -Dfixtures.dir="${REPO_ROOT}/core/tests/fixtures" \
        -Drepo.root="${REPO_ROOT}" -cp "${JAR}:${CP}" MainKt
    log "kotlin done ($(elapsed))"
fi

log "all ffi tests passed in $(elapsed)"

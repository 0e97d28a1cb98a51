#!/usr/bin/env bash
# Runs every example on the bundled sample and checks that its output has each of its sections
# (and no error): connections_home, notifications, marketplace, insights, governance; generate_sample writes
# to a scratch file that must equal the committed examples/data/sample_account.json.
#
# The examples are built by `cargo test --workspace` (cargo builds examples with the tests);
# this script builds them first unless --no-build (scripts/test-all.sh passes it after its cargo
# test, with the same features, so nothing is rebuilt).
#
# Options / env:
#   --no-build         run the binaries already in target/debug/examples
#   CARGO_TARGET_DIR   as for cargo
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
cd "${REPO_ROOT}"

BUILD=1
for arg in "$@"; do
    case "${arg}" in
        --no-build) BUILD=0 ;;
        -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "unknown argument: ${arg}" >&2; exit 2 ;;
    esac
done

log() { echo "[run-examples] $*" >&2; }
BIN="${CARGO_TARGET_DIR:-${REPO_ROOT}/target}/debug/examples"
if [[ "${BUILD}" == "1" ]]; then
    cargo build -q -p connected-apps-examples --examples
fi

scratch="$(mktemp -d)"
trap 'rm -rf -- "${scratch}"' EXIT
failed=0

# run NAME ARGS... -- SECTION...: runs the example, then checks each section is in its output.
run() {
    local name="$1"
    shift
    local args=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do args+=("$1"); shift; done
    shift
    local exe="${BIN}/${name}" out="${scratch}/${name}.out"
    [[ -x "${exe}" ]] || { log "ERROR: ${exe} is not built"; failed=1; return; }
    if ! "${exe}" "${args[@]}" >"${out}" 2>"${scratch}/${name}.err"; then
        log "ERROR: ${name} failed:"
        cat "${scratch}/${name}.err" >&2
        failed=1
        return
    fi
    local section
    for section in "$@"; do
        if ! grep -qF -- "${section}" "${out}"; then
            log "ERROR: ${name}: no \"${section}\" in its output:"
            sed 's/^/    /' "${out}" >&2
            failed=1
            return
        fi
    done
    log "${name}: $(wc -l <"${out}") lines, $# sections"
}

run connections_home -- "Connected apps — Acme" "Needs your attention (" "My apps (" \
    "Other apps installed by users in my organisation (" "Log (newest first,"
run notifications -- "Notification rules (" "Dry run, " "Due now, " "Recorded " "due again now: 0 deliveries."
run marketplace calendar -- "Marketplace — " 'Results for "calendar": ' "Recommended for you ("
run insights -- "Activity log — last 90 days" "facets — type:" "Record insights — 30 UTC days" \
    "flagged days" "API usage — limit" "trend: last 7 complete days"
run governance -- "Access requests at " "Typeform (typeform): 2 requester(s)" "Inventory of " "Policy violations: 1" \
    "zapier (policy of u03): blocked by the account rule" "Stored policy alerts at " \
    "(state alone, 1 policies): 1" "[Medium/Audit] Gmail idle for a quarter on gmail: days_since_last_activity = 113" \
    "Governance deliveries: 3" "Recorded 1 governance notices; due again now: 0 deliveries." \
    "Governance alerts at " "Blast radius of uninstalling " \
    "Least privilege (last 30 days): "

# The generator is deterministic: what it writes is the committed sample.
if "${BIN}/generate_sample" "${scratch}/sample_account.json" >/dev/null; then
    if cmp -s "${scratch}/sample_account.json" examples/data/sample_account.json; then
        log "generate_sample: writes the committed sample"
    else
        log "ERROR: generate_sample writes something else than examples/data/sample_account.json"
        diff <(head -c 2000 examples/data/sample_account.json) <(head -c 2000 "${scratch}/sample_account.json") >&2 || true
        failed=1
    fi
else
    log "ERROR: generate_sample failed"
    failed=1
fi

if [[ "${failed}" != "0" ]]; then
    log "FAILED"
    exit 1
fi
log "every example ran with its sections"

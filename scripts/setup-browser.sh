#!/usr/bin/env bash
# Install what the browser test (bindings-python/tests/test_report_browser.py) drives:
#   * Chromium        - Debian package chromium         -> /usr/bin/chromium
#   * ChromeDriver    - Debian package chromium-driver  -> /usr/bin/chromedriver
# selenium itself comes from PyPI with scripts/requirements-dev.txt (its own driver manager
# cannot download a browser here, so the test points it at Debian's chromedriver).
#
# Idempotent: skipped when both binaries exist. Progress goes to stderr; on success it prints
# the two paths on stdout. Run in the background by scripts/test-all.sh (like setup-kotlin.sh)
# and in the foreground by scripts/test-python.sh before pytest.
#
# Needs: apt-get (root or sudo).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

log() { echo "[setup-browser] $*" >&2; }

if [[ -x "${CHROMIUM}" && -x "${CHROMEDRIVER}" ]]; then
    printf '%s\n%s\n' "${CHROMIUM}" "${CHROMEDRIVER}"
    exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
log "installing chromium and chromium-driver (apt) ..."
if ! ${SUDO} apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null 2>&1; then
    log "apt-get install failed; running apt-get update and retrying"
    ${SUDO} apt-get update -q >/dev/null
    ${SUDO} apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null
fi
for binary in "${CHROMIUM}" "${CHROMEDRIVER}"; do
    [[ -x "${binary}" ]] || { log "ERROR: ${binary} still missing after apt-get install"; exit 1; }
done
log "$("${CHROMIUM}" --version 2>/dev/null || echo chromium installed)"
printf '%s\n%s\n' "${CHROMIUM}" "${CHROMEDRIVER}"

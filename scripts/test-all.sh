#!/usr/bin/env bash
# Every test of the workspace: formatting, lints, Rust tests and doctests, the core's docs, then the Python module
# and the UniFFI bindings through their hosts. Installs what a fresh machine lacks (see scripts/setup-*.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check
step "cargo clippy (workspace lints, warnings denied)"
cargo clippy --workspace --all-targets -- -D warnings
step "cargo test (unit, integration, property and doc tests)"
cargo test --workspace
step "cargo doc (the core's API docs, warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p connected-apps
step "Python module (pyo3 + maturin)"
scripts/test-python.sh
step "UniFFI bindings (Python, Kotlin, Swift generation)"
scripts/test-ffi.sh
step "all tests passed"

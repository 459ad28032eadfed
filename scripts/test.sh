#!/usr/bin/env bash
# The whole test suite: sets up the toolchain and the services (PostgreSQL, Mosquitto), checks formatting
# and lints, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --services
export PATH="$HOME/.cargo/bin:$PATH"
export REDGRID_TEST_PG="${REDGRID_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --no-fail-fast 2>&1 | tee "$log" || status=$?
# One closing line for the whole run: cargo prints a result per test binary, the last often a doc-test
# binary with nothing in it.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"

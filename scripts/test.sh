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
cargo test --workspace --no-fail-fast

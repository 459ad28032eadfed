#!/usr/bin/env bash
# The whole test suite: sets up the toolchain, the desktop libraries and the services (PostgreSQL,
# Mosquitto), checks formatting and lints (every crate, the desktop shell included), runs the tests of every
# crate but the desktop shell, the front end's unit tests, then builds the desktop console on its own and
# drives it through WebDriver (tests/e2e). The last line counts every test of the run.
#
# The desktop shell is built apart from `cargo test --workspace`: in one invocation with the other crates
# cargo unifies features differently and builds the tauri stack a second time, which on CI's two cores
# costs more than everything else together.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --services
echo "== $SECONDS s: setup" >&2
export PATH="$HOME/.cargo/bin:$PATH"
export REDGRID_TEST_PG="${REDGRID_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
echo "== $SECONDS s: setup, format and lints" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# Each step says how long it took, so a slow CI run shows where its minutes went.
step() {
  local started=$SECONDS
  echo "== $*" >&2
  "$@" 2>&1 | tee -a "$log" || status=1
  echo "== $(($SECONDS - started)) s: $*" >&2
}
step cargo test --workspace --exclude redgrid-desktop --exclude redgrid-e2e --no-fail-fast
step node --test ui/test/
# The e2e tests drive target/debug/redgrid-desktop and target/debug/redgrid (the latter built by the
# step above for the CLI's own tests); they build neither.
built=$SECONDS
if cargo build -p redgrid-desktop; then
  echo "== $(($SECONDS - built)) s: cargo build -p redgrid-desktop" >&2
  step cargo test -p redgrid-desktop --no-fail-fast
  step cargo test -p redgrid-e2e --no-fail-fast
else
  status=1
fi
# One closing line for the whole run: cargo prints a result per test binary (the last often a doc-test
# binary with nothing in it), node's runner prints `# pass N` and `# fail N`.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^# pass [0-9]+$/ { p += $3 }
     /^# fail [0-9]+$/ { f += $3 }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
echo "== $SECONDS s in all" >&2
exit "$status"

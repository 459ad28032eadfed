#!/usr/bin/env bash
# Quick start: builds RedGrid, seeds the demo township (港北区大圩镇) into a SQLite file in the app data
# folder, and shows the open queue and this month's statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -q -p redgrid-cli
# The default station file, so that a later `redgrid queue` without --db shows the same township.
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/redgrid"
db="sqlite://$data_dir/redgrid.db"
if [ ! -f "$data_dir/redgrid.db" ]; then
  ./target/release/redgrid demo seed --db "$db"
fi
echo
./target/release/redgrid queue --db "$db" --limit 20
echo
./target/release/redgrid stats --db "$db"
echo
./target/release/redgrid audit verify --db "$db"

#!/usr/bin/env bash
# Quick start: builds RedGrid, seeds the demo township (港北区大圩镇) into a SQLite file in the app data
# folder, and shows the open queue and this month's statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -q -p redgrid-cli
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/redgrid"
db="sqlite://$data_dir/demo.db"
if [ ! -f "$data_dir/demo.db" ]; then
  ./target/release/redgrid demo seed --db "$db"
fi
echo
./target/release/redgrid queue --db "$db" --limit 20
echo
./target/release/redgrid stats --db "$db"
echo
./target/release/redgrid audit verify --db "$db"

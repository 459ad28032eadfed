#!/usr/bin/env bash
# Quick start: builds RedGrid and opens the console on the embedded default — the demo township
# (港北区大圩镇) in a SQLite file in the app data folder, the station's own MQTT broker (a Mosquitto it starts, taking only issued logins), and the simulator's
# cameras, worker terminals and residents — signed in as the demo duty officer.
#
# Without a display (a server, an SSH session) it runs the same station headless instead and prints each
# change as it happens.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  cargo build --release -p redgrid-cli -p redgrid-desktop
  exec ./target/release/redgrid-desktop --demo "$@"
fi
cargo build --release -q -p redgrid-cli
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/redgrid"
db="sqlite://$data_dir/redgrid.db"
if [ ! -f "$data_dir/redgrid.db" ]; then
  ./target/release/redgrid demo seed --db "$db" --days 30
fi
echo "没有图形显示（DISPLAY 未设置）：以无界面方式运行站点、本站消息服务器和模拟器，按 Ctrl-C 停止。"
exec ./target/release/redgrid serve --db "$db" --sim --watch "$@"

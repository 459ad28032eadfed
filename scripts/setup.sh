#!/usr/bin/env bash
# Installs what RedGrid needs to build and test on Debian 12: a C toolchain, the Rust toolchain (rustup,
# when cargo is missing), the libraries the desktop console (Tauri 2, WebKitGTK) builds against, what its
# end-to-end tests drive it with (Xvfb, WebKitWebDriver, tauri-driver), Node.js for the front end's unit
# tests, Mosquitto (the station runs its own broker with it), and, with --services, PostgreSQL and Mosquitto
# running on 127.0.0.1.
# Safe to run again: it only installs or starts what is missing.
set -euo pipefail

want_services=0
for arg in "$@"; do
  case "$arg" in
    --services) want_services=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
need_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ $apt_updated -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
    echo "setup: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

need_packages build-essential pkg-config ca-certificates curl

# The desktop shell (src-tauri) is a workspace member, so even `cargo clippy --workspace` needs these.
# gstreamer's good plugins let WebKitGTK play the alarm sound.
need_packages libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev \
  gstreamer1.0-plugins-good
# The station's own broker (the single-station default) is a Mosquitto it starts itself from the binary; only
# the shared test service on 1883 below needs it running. openssl makes the TLS tests' certificates.
need_packages mosquitto openssl
# The end-to-end tests (tests/e2e) open the real window on an Xvfb display through WebKitWebDriver, and
# end tauri-driver with `kill -TERM` (procps), the one signal on which it also ends WebKitWebDriver.
need_packages xvfb xauth webkit2gtk-driver procps
# `node --test ui/test/` runs the front end's unit tests; any Node.js ≥ 18 will do, so one already on
# PATH (from elsewhere than Debian's package) is left alone.
if ! command -v node >/dev/null 2>&1; then
  need_packages nodejs
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    # Debian 12's own rustc (1.63) is too old for the dependencies; rustup installs a current stable.
    echo "setup: installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

# tauri-driver sits between the tests' WebDriver client and WebKitWebDriver; it is a cargo binary.
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

if [ $want_services -eq 1 ]; then
  need_packages postgresql postgresql-client mosquitto mosquitto-clients

  # PostgreSQL on 127.0.0.1:5432 with a database `test` reachable by user postgres without a password.
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    cluster_version=$(ls /etc/postgresql | sort -V | tail -1)
    echo "setup: starting PostgreSQL $cluster_version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    # A fresh Debian cluster asks for passwords over TCP; the test user connects on loopback only.
    cluster_version=$(ls /etc/postgresql | sort -V | tail -1)
    hba=/etc/postgresql/$cluster_version/main/pg_hba.conf
    echo "setup: allowing passwordless loopback connections in $hba"
    as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main reload
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc "select 1 from pg_database where datname = 'test'" | grep -q 1; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test'
  fi

  # Mosquitto on 127.0.0.1:1883.
  if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
    echo "setup: starting Mosquitto"
    as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
    for _ in $(seq 1 20); do (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.5; done
  fi
fi

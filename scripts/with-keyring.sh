#!/usr/bin/env bash
# with-keyring.sh CMD...: runs CMD inside a private D-Bus session with a fresh,
# unlocked gnome-keyring (a real Secret Service) whose files live in a
# temporary directory, so tests never touch the user's own keyring.
set -euo pipefail
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  exec env OTTER_KEYRING_SESSION=1 dbus-run-session -- "$0" "$@"
fi
tmp=$(mktemp -d)
cleanup() {
  # The daemon may have been started by D-Bus activation: end every
  # gnome-keyring-daemon of this private session (never `kill 0`).
  pkill -f "gnome-keyring-daemon.*" -P $$ 2>/dev/null || true
  [ -n "${GNOME_KEYRING_PID:-}" ] && kill "$GNOME_KEYRING_PID" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
# The throwaway login keyring's password comes on stdin, never argv.
eval "$(printf 'otter-test-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
"$@"

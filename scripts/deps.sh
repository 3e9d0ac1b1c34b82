#!/usr/bin/env bash
# deps.sh [run|test|bench]: makes sure the Debian packages otter needs are
# installed. As root on Debian it installs what is missing with apt-get;
# otherwise it names the missing packages and fails.
set -euo pipefail
want=(gcc pkg-config libfido2-dev)
case "${1:-run}" in
  test) want+=(dbus dbus-daemon gnome-keyring tmux age libsecret-tools git) ;;
  bench) want+=(dbus dbus-daemon gnome-keyring libsecret-tools git oathtool pass pass-extension-otp keepassxc gnupg hyperfine) ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null && command -v apt-get >/dev/null && [ -t 0 ]; then
  sudo apt-get install -y "${missing[@]}"
else
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run make again" >&2
  exit 1
fi

#!/usr/bin/env bash
# bench/agent.sh [N...]: times `otter code` through a running agent against
# the direct paths (keyring, password file) and oathtool, each on the same
# vault of N accounts, interleaved in one run. Default N: 100.
# Runs inside a private D-Bus session with a throwaway gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  go build -trimpath -o bin/otter ./cmd/otter
  go build -o bin/cmdbench ./bench/cmdbench
  exec scripts/with-keyring.sh bash "$0" "$@"
fi
RUNS=${RUNS:-30}
work=$(mktemp -d)
export XDG_RUNTIME_DIR="$work/run" XDG_STATE_HOME="$work/state"
trap 'bin/otter agent stop 2>/dev/null || true; rm -rf "$work"' EXIT
pw="$work/pw"; echo "bench-Correct-Horse-9" > "$pw"
for n in "${@:-100}"; do
  d="$work/$n"; mkdir -p "$d"
  export OTTER_VAULT="$d/vault.otter"
  uris="$d/uris"; : > "$uris"
  for i in $(seq -w 1 "$n"); do
    s=$(head -c 20 /dev/urandom | base32 | tr -d '=')
    echo "otpauth://totp/Issuer$i:user$i?secret=$s&issuer=Issuer$i" >> "$uris"
  done
  mid=$(sed -n "$(( (10#$n + 1) / 2 ))p" "$uris")
  midi=$(printf "%0${#n}d" $(( (10#$n + 1) / 2 )))
  secret=${mid#*secret=}; secret=${secret%%&*}
  bin/otter --password-file "$pw" init --recovery-key-out "$d/recovery" >/dev/null 2>&1
  bin/otter add - < "$uris" >/dev/null
  bin/otter agent stop 2>/dev/null || true
  bin/otter agent start 2>/dev/null
  cat > "$d/spec" <<SPEC
oathtool | - | oathtool --totp -b $secret
otter code, agent | - | bin/otter code issuer$midi:user$midi
otter code, keyring | - | bin/otter --no-agent code issuer$midi:user$midi
otter code, password file | - | bin/otter --no-agent --password-file $pw code issuer$midi:user$midi
SPEC
  echo "### $n accounts ($(nproc) cores, $RUNS interleaved runs each, $(date -u '+%F %H:%M UTC'))"
  echo
  echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  bin/cmdbench -n "$RUNS" "$d/spec"
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "Agent RSS: $(ps -o rss= -p "$(bin/otter agent status | sed -n 's/.*(pid \([0-9]*\)).*/\1/p')") KiB"
  echo
done

#!/usr/bin/env bash
# bench/direct.sh [N...]: times `otter code` without the agent (keyring and
# recovery-key unlock) against a bare keyring fetch (bench/keyringget), on
# vaults of N accounts (default 100 10000) made by `otter init` and
# bench/mkvault, interleaved in one run. BEFORE=path/to/otter adds the same
# rows for another build of ./cmd/otter (say, the previous commit's) to
# compare; the rows of this build are then bin/otter-core's, so that
# neither side goes through the front (bin/otter execs otter-core).
# Runs inside a private D-Bus session with a throwaway gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  make --no-print-directory binaries
  for t in cmdbench mkvault keyringget; do go build -o "bin/$t" "./bench/$t"; done
  exec scripts/with-keyring.sh bash "$0" "$@"
fi
RUNS=${RUNS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR="$work/run" XDG_STATE_HOME="$work/state"
mkdir -p "$XDG_RUNTIME_DIR"
for n in "${@:-100 10000}"; do
  d="$work/$n"; mkdir -p "$d"
  v="$d/vault.otter"
  bin/otter --vault "$v" init --recovery-key-out "$d/recovery" >/dev/null 2>&1
  bin/mkvault "$v" "$d/recovery" "$n"
  mid=$(printf 'Issuer%06d' $(( (n + 1) / 2 )))
  kid=$(bin/otter --vault "$v" slot list --json | grep -B1 '"keyring"' | sed -n 's/.*"id": "\(.*\)".*/\1/p')
  vid=$(secret-tool search --all service otter 2>&1 | sed -n "s/^attribute.username = \(.*\)\/$kid\$/\1/p" | head -1)
  o=bin/otter name=otter
  if [ -n "${BEFORE:-}" ]; then o=bin/otter-core name=otter-core; fi
  {
    echo "go-keyring Get | - | bin/keyringget otter $vid/$kid"
    if [ -n "${BEFORE:-}" ]; then
      echo "before: otter code, keyring | - | $BEFORE --no-agent --vault $v code $mid"
      echo "before: otter code, recovery key | - | $BEFORE --no-agent --vault $v --recovery-key-file $d/recovery code $mid"
    fi
    echo "$name code, keyring | - | $o --no-agent --vault $v code $mid"
    echo "$name code, recovery key | - | $o --no-agent --vault $v --recovery-key-file $d/recovery code $mid"
  } > "$d/spec"
  echo "### $n accounts ($(nproc) cores, $RUNS interleaved runs each, $(date -u '+%F %H:%M UTC'))"
  echo
  echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  bin/cmdbench -n "$RUNS" "$d/spec"
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
done

#!/usr/bin/env bash
# bench/startup.sh: what cgo and libfido2 cost every command at start-up.
# Times `otter --help` and a keyring-unlocked `otter code` of the normal
# build (cgo; libfido2 is loaded with dlopen only when a FIDO2 operation
# runs, see fido/dl.c) against a CGO_ENABLED=0 build (no FIDO2 support),
# interleaved, in a private gnome-keyring session; also prints the dynamic
# libraries the normal build loads at start-up. To time the build that
# still linked libfido2, build commit bd90938 as OTTER_LINKED=path/to/otter
# and it gets its own lines. The front (bin/otter, which execs
# bin/otter-core for these commands) gets its own lines too: what the exec
# costs. RUNS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  bash scripts/deps.sh bench
  make --no-print-directory binaries
  CGO_ENABLED=0 go build -trimpath -o bin/otter-nocgo ./cmd/otter
  go build -o bin/cmdbench ./bench/cmdbench
  exec scripts/with-keyring.sh bash "$0" "$@"
fi
RUNS=${RUNS:-60}
# quiet CMD...: runs CMD, showing its output only when it fails.
quiet() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
v="$work/vault.otter"
quiet bin/otter --vault "$v" init --recovery-key-out "$work/recovery"
echo "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub" | bin/otter --vault "$v" add - >/dev/null
cat > "$work/spec" <<SPEC
oathtool | - | oathtool --totp -b JBSWY3DPEHPK3PXP
otter --help (front, then otter-core) | - | bin/otter --help
otter-core --help (cgo, lazy libfido2) | - | bin/otter-core --help
otter --help (CGO_ENABLED=0) | - | bin/otter-nocgo --help
otter code (front, then otter-core) | - | bin/otter --vault $v code github
otter-core code (cgo, lazy libfido2) | - | bin/otter-core --vault $v code github
otter code (CGO_ENABLED=0) | - | bin/otter-nocgo --vault $v code github
SPEC
if [ -n "${OTTER_LINKED:-}" ]; then
  echo "otter --help (libfido2 linked) | - | $OTTER_LINKED --help" >> "$work/spec"
  echo "otter code (libfido2 linked) | - | $OTTER_LINKED --vault $v code github" >> "$work/spec"
fi
echo "### Start-up: cgo/libfido2 vs CGO_ENABLED=0 ($(nproc) cores, $RUNS interleaved runs, $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
bin/cmdbench -n "$RUNS" "$work/spec"
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg). Libraries the cgo build loads at start-up:"
echo
ldd bin/otter-core | awk '{print "    " $1}'

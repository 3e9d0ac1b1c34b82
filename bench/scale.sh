#!/usr/bin/env bash
# bench/scale.sh [N...]: how otter scales with the number of accounts
# (default 10 100 1000 10000 100000). Prints Markdown tables:
#   1. the vault package alone (go test -bench, OTTER_BENCH_SIZES): open
#      (Load + Unlock), lookup (Data.Find), save (Update: the whole
#      transaction with fsyncs and the backup), and the tui package's
#      codes-screen render and filter keystroke;
#   2. the real binary: `otter code` (keyring unlock) timed whole and
#      interleaved across sizes, with its peak RSS (/usr/bin/time);
#   3. the real TUI on a pseudo-terminal (bench/ttyframe): time to the first
#      complete frame, filter keystroke to redraw, peak RSS.
# The vaults are made by `otter init` (keyring + recovery slots) and filled
# by bench/mkvault; everything runs in a private gnome-keyring session.
# RUNS (default 20) sets the runs per command.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  bash scripts/deps.sh bench
  make --no-print-directory binaries
  for t in cmdbench mkvault ttyframe; do go build -o "bin/$t" "./bench/$t"; done
  exec scripts/with-keyring.sh bash "$0" "$@"
fi
RUNS=${RUNS:-20}
sizes=(${@:-10 100 1000 10000 100000})
csv=$(IFS=,; echo "${sizes[*]}")
# quiet CMD...: runs CMD, showing its output only when it fails.
quiet() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u '+%F %H:%M UTC'), Go $(go env GOVERSION)"
echo

# ms NS: nanoseconds to milliseconds.
ms() { awk -v ns="$1" 'BEGIN { printf "%.3f ms", ns / 1e6 }'; }
# nsop BENCHFILE NAME: the ns/op of one benchmark line.
nsop() { awk -v n="$2" '$1 ~ "^"n"-[0-9]+$" { for (i = 2; i < NF; i++) if ($(i+1) == "ns/op") print $i }' "$1" | head -1; }

echo "### 1. In-process (go test -bench), load average before: $(load)"
echo
OTTER_BENCH_SIZES=$csv go test -run '^$' -bench 'Open|Save|Find' -benchtime 1s ./vault/ > "$work/vault.bench"
OTTER_BENCH_SIZES=$csv go test -run '^$' -bench 'Scale' -benchtime 1s ./tui/ > "$work/tui.bench"
echo "| accounts | open | lookup | save | codes screen render | filter keystroke |"
echo "|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  echo "| $n | $(ms "$(nsop "$work/vault.bench" "BenchmarkOpen/accounts=$n")") | $(ms "$(nsop "$work/vault.bench" "BenchmarkFind/accounts=$n")") | $(ms "$(nsop "$work/vault.bench" "BenchmarkSave/accounts=$n")") | $(ms "$(nsop "$work/tui.bench" "BenchmarkScale/view/accounts=$n")") | $(ms "$(nsop "$work/tui.bench" "BenchmarkScale/filter/accounts=$n")") |"
done
echo
echo "Load average after: $(load)"
echo

# The vaults, one per size, with a keyring slot in this session's keyring.
: > "$work/code.spec"
: > "$work/tty.spec"
echo "oathtool | - | oathtool --totp -b JBSWY3DPEHPK3PXP" >> "$work/code.spec"
for n in "${sizes[@]}"; do
  d="$work/$n"; mkdir -p "$d"
  quiet bin/otter --vault "$d/vault.otter" init --recovery-key-out "$d/recovery"
  bin/mkvault "$d/vault.otter" "$d/recovery" "$n"
  mid=$(printf 'Issuer%06d' $(( (n + 1) / 2 )))
  echo "otter code, $n accounts | - | bin/otter --vault $d/vault.otter code $mid" >> "$work/code.spec"
  echo "$n accounts | Codes ($n) | bin/otter --vault $d/vault.otter" >> "$work/tty.spec"
done

echo "### 2. \`otter code\` (whole process, keyring unlock), $RUNS interleaved runs; load average before: $(load)"
echo
bin/cmdbench -n "$RUNS" "$work/code.spec"
echo
echo "| accounts | vault file | peak RSS of \`otter code\` (median of 5) |"
echo "|---|---|---|"
for n in "${sizes[@]}"; do
  d="$work/$n"
  mid=$(printf 'Issuer%06d' $(( (n + 1) / 2 )))
  rss=$(for _ in 1 2 3 4 5; do /usr/bin/time -f '%M' bin/otter --vault "$d/vault.otter" code "$mid" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 3p)
  size=$(stat -c %s "$d/vault.otter")
  echo "| $n | $(awk -v b="$size" 'BEGIN { printf "%.1f KiB", b / 1024 }') | $(awk -v k="$rss" 'BEGIN { printf "%.1f MiB", k / 1024 }') |"
done
echo
echo "Load average after: $(load)"
echo

echo "### 3. TUI on a pseudo-terminal (120×40), $(( RUNS / 2 )) interleaved runs; load average before: $(load)"
echo
bin/ttyframe -n $(( RUNS / 2 )) -keys 20 "$work/tty.spec"
echo
echo "Load average after: $(load)"

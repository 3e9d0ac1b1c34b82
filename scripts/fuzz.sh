#!/usr/bin/env bash
# fuzz.sh TIME: runs every Go fuzz target of the module (every `func Fuzz…`
# in a _test.go file) for TIME each. FUZZJOBS targets run at once (default:
# 2, one per core of the CI machine), each with one fuzzing worker, so the
# whole run takes about TIME × targets / FUZZJOBS plus compilation.
# FUZZMINIMIZETIME (default 1s) bounds the minimisation of each new input:
# Go's default of 60s would spend a short run minimising instead of fuzzing.
# A failing target prints its output; Go has then saved the failing input
# under the package's testdata/fuzz/FuzzName/, where every later `go test`
# replays it: commit that file with the fix, as a regression test.
set -euo pipefail
t=${1:-10s}
jobs=${FUZZJOBS:-2}
mintime=${FUZZMINIMIZETIME:-1s}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

targets=()
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    targets+=("$pkg $f")
  done
done
echo "fuzz: ${#targets[@]} targets, $t each, $jobs at a time"

# run PKG NAME: one target; its output goes to a file named after it.
run() {
  local log="$out/$(echo "$1.$2" | tr '/' '_')"
  if go test -run '^$' -fuzz "^$2\$" -fuzztime "$t" -fuzzminimizetime "$mintime" -parallel 1 "$1" >"$log" 2>&1; then
    echo "fuzz: ok   $1 $2 ($(grep -o 'execs: [0-9]*' "$log" | tail -1))"
  elif grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log"; then
    # A race in Go's fuzz coordinator at the -fuzztime deadline
    # (go.dev/issue/75804): no input failed, so nothing to fix or keep.
    echo "fuzz: ok   $1 $2 ($(grep -o 'execs: [0-9]*' "$log" | tail -1); Go reported its deadline race, go.dev/issue/75804)"
  else
    echo "fuzz: FAIL $1 $2"
    cat "$log"
    return 1
  fi
}

failed=0
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run $target &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit "$failed"

#!/usr/bin/env bash
# fuzz.sh TIME: runs every Go fuzz target of the module for TIME each.
set -euo pipefail
t=${1:-10s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $f ($t)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg" >/tmp/otter-fuzz.$$ 2>&1 || { cat /tmp/otter-fuzz.$$; rm -f /tmp/otter-fuzz.$$; exit 1; }
  done
done
rm -f /tmp/otter-fuzz.$$

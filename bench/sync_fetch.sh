#!/usr/bin/env bash
# bench/sync_fetch.sh: what sync through git costs on this machine, with a
# local bare remote (no network: it measures git's start-up and otter's
# plumbing, not a link). Runs internal/gitrepo's benchmarks — a sync
# commit of the vault and ten device logs, the fetch every sync starts
# with when nothing changed, and a whole round (commit, push, fetch, read
# the vault back) — with the machine's git configuration switched off.
# COUNT (default 5) runs of each.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v git >/dev/null || { echo "sync_fetch.sh: git is not installed" >&2; exit 1; }
echo "### Sync through git ($(git --version), $(nproc) cores, $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?))"
echo
GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
  go test -run '^$' -bench . -benchtime 20x -count "${COUNT:-5}" ./internal/gitrepo/

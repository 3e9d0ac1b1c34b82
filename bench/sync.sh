#!/usr/bin/env bash
# bench/sync.sh: what `otter sync` costs, whole processes, against a local
# bare remote (no network: git's start-up and otter's plumbing, not a
# link), in a private gnome-keyring session (the vaults unlock through
# their keyring slots, as a user's would). Three parts:
#
#  1. `otter sync` with nothing to do against a bare `git fetch` of the
#     same remote into the same repository, and `otter list` (the unlock
#     alone), and the fetch without git's automatic maintenance that the
#     no-op pre-check runs, interleaved (bench/cmdbench), RUNS runs
#     (default 30); then
#     the git commands one no-op sync runs (a logging git on PATH).
#  2. a sync that merges one change (home b edits an account, home a
#     edited another and pushed) at 100 and 10 000 accounts, interleaved,
#     MERGES rounds (default 9), median.
#  3. the size of the remote after SYNCS (default 1000) syncs of a
#     200-account vault, each changing one account, before and after
#     `git gc` (bench/syncsize, in process).
#
# PARTS (default "1 2 3") picks the parts. OTTER_BEFORE=path/to/otter (an
# older build) gets its own no-op line in part 1, in the same interleaved run. Not part of `make test`;
# `make bench` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  bash scripts/deps.sh bench
  make --no-print-directory binaries
  go build -o bin/cmdbench ./bench/cmdbench
  go build -o bin/mkvault ./bench/mkvault
  go build -o bin/syncsize ./bench/syncsize
  exec scripts/with-keyring.sh bash "$0" "$@"
fi
RUNS=${RUNS:-30}
MERGES=${MERGES:-9}
SYNCS=${SYNCS:-1000}
PARTS=${PARTS:-1 2 3}
part() { [[ " $PARTS " == *" $1 "* ]]; }
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 OTTER_NO_AGENT=1
quiet() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
otter_bin=$PWD/bin/otter

# home NAME: prints the argv prefix that runs otter in home NAME.
home() { echo "env XDG_STATE_HOME=$work/$1/state XDG_DATA_HOME=$work/$1/data $otter_bin --vault $work/$1/vault.otter"; }
# mkhome NAME N REMOTE: a vault of N accounts attached to REMOTE.
mkhome() {
  mkdir -p "$work/$1"
  quiet $(home "$1") init --recovery-key-out "$work/$1/recovery"
  quiet bin/mkvault "$work/$1/vault.otter" "$work/$1/recovery" "$2"
  quiet $(home "$1") sync init "$3"
}
# joinhome NAME FROM REMOTE: home NAME joins REMOTE with FROM's recovery key.
joinhome() {
  mkdir -p "$work/$1"
  quiet $(home "$1") sync join "$3" --recovery-key-file "$work/$2/recovery"
}
bare() { git init -q --bare -b main "$work/$1.git"; echo "$work/$1.git"; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.0f ms", ns / 1e6 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "### Sync — $(date -u '+%F %H:%M') UTC, $(git --version), $(nproc) cores, load average $(load)"
echo

# 1. no-op sync against git fetch
if part 1; then
r1=$(bare noop)
mkhome n1 100 "$r1"
repo=$(ls -d "$work"/n1/data/otter/sync/*.git)
quiet $(home n1) sync
# cmdbench wants output: a /bin/sh wrapper (about a millisecond) prints it
printf '#!/bin/sh\ngit --git-dir=%s fetch --quiet --no-tags origin +refs/heads/main:refs/remotes/origin/main && echo fetched\n' "$repo" > "$work/fetch"
chmod +x "$work/fetch"
# the fetch otter's no-op pre-check runs: without git's automatic maintenance
printf '#!/bin/sh\ngit --git-dir=%s fetch --quiet --no-tags --no-auto-maintenance origin +refs/heads/main:refs/remotes/origin/main && echo fetched\n' "$repo" > "$work/fetch-nm"
chmod +x "$work/fetch-nm"
cat > "$work/spec" <<SPEC
git fetch (the same remote and repository, via sh) | - | $work/fetch
git fetch --no-auto-maintenance (what otter sync's pre-check runs, via sh) | - | $work/fetch-nm
otter sync (nothing to do, 100 accounts) | - | $(home n1) sync
otter list (unlock only, 100 accounts) | - | $(home n1) list
SPEC
if [ -n "${OTTER_BEFORE:-}" ]; then
  echo "otter sync (nothing to do; OTTER_BEFORE build) | - | $(home n1 | sed "s|$otter_bin|$OTTER_BEFORE|") sync" >> "$work/spec"
fi
echo "#### 1. \`otter sync\` with nothing to do — $RUNS interleaved runs"
echo
bin/cmdbench -n "$RUNS" "$work/spec"
echo
shim="$work/shim"
mkdir -p "$shim"
cat > "$shim/git" <<SHIM
#!/bin/sh
echo "\$1" >> "$work/gitlog"
exec $(command -v git) "\$@"
SHIM
chmod +x "$shim/git"
: > "$work/gitlog"
PATH="$shim:$PATH" $(home n1) sync > /dev/null
echo "git processes one no-op \`otter sync\` starts: $(wc -l < "$work/gitlog") ($(sort "$work/gitlog" | uniq -c | sort -rn | awk '{printf "%s%s ×%s", sep, $2, $1; sep=", "}'))"
echo
fi

# 2. a sync that merges one change
if part 2; then
echo "#### 2. A sync that merges one change — $MERGES interleaved rounds, median"
echo
echo "| accounts | vault file | \`otter sync\` (merge) | \`otter sync\` (pull) | \`otter list\` (unlock only) |"
echo "|---|---|---|---|---|"
sizes="100 10000"
for n in $sizes; do
  r=$(bare "m$n")
  mkhome "a$n" "$n" "$r"
  joinhome "b$n" "a$n" "$r"
  quiet $(home "a$n") sync
done
for i in $(seq "$MERGES"); do
  for n in $sizes; do
    quiet $(home "a$n") edit Issuer000001 --notes "round $i on a"
    quiet $(home "a$n") sync
    quiet $(home "b$n") edit Issuer000002 --notes "round $i on b"
    t0=$(date +%s%N); quiet $(home "b$n") sync; t1=$(date +%s%N)
    echo $((t1 - t0)) >> "$work/merge$n"
    t0=$(date +%s%N); quiet $(home "a$n") sync; t1=$(date +%s%N)
    echo $((t1 - t0)) >> "$work/pull$n"
    t0=$(date +%s%N); quiet $(home "a$n") list; t1=$(date +%s%N)
    echo $((t1 - t0)) >> "$work/list$n"
  done
done
for n in $sizes; do
  size=$(stat -c %s "$work/a$n/vault.otter")
  echo "| $n | $((size / 1024)) KiB | $(ms "$(median < "$work/merge$n")") | $(ms "$(median < "$work/pull$n")") | $(ms "$(median < "$work/list$n")") |"
done
echo
fi

# 3. the remote's size after many syncs
if part 3; then
echo "#### 3. The remote after $SYNCS syncs of a 200-account vault, one account changed each"
echo
bin/syncsize -syncs "$SYNCS" -accounts 200 -dir "$work/size"
echo
fi
echo "Load average after: $(load)."

#!/usr/bin/env bash
# bench/agent.sh [N...]: what the agent buys, on vaults of N accounts
# (default 100 10000 100000), each made by `otter init` (keyring, password
# and recovery slots) and filled by bench/mkvault:
#   1. `otter code` through a running agent (the front, bin/otter, and the
#      full otter, bin/otter-core, asked directly), interleaved with oathtool, the
#      direct keyring path (--no-agent), pass-otp and keepassxc-cli holding
#      N entries too (keepassxc-cli above 10 000 accounts in its own shorter
#      run, KRUNS, since one run takes seconds there);
#   2. the agent's RSS and peak RSS after those runs;
#   3. the TUI's first frame with codes (bench/ttyframe, as in
#      BENCHMARKS.md §4.3) with no agent at all and with an unlocked agent
#      running.
# Before timing, one `otter code` with the session bus unreachable (so no
# keyring, no terminal, no password file) must answer: the agent rows go
# through the agent. Runs inside a private D-Bus session with a throwaway
# gnome-keyring. RUNS (default 30) sets the runs per command.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  bash scripts/deps.sh bench
  make --no-print-directory binaries
  for t in cmdbench mkvault ttyframe; do go build -o "bin/$t" "./bench/$t"; done
  exec scripts/with-keyring.sh bash "$0" "$@"
fi
RUNS=${RUNS:-30}
KRUNS=${KRUNS:-5}
# quiet CMD...: runs CMD, showing its output only when it fails.
quiet() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
work=$(mktemp -d)
export XDG_RUNTIME_DIR="$work/run" XDG_STATE_HOME="$work/state" GNUPGHOME="$work/gnupg" PASSWORD_STORE_DIR="$work/pass"
mkdir -p -m 700 "$XDG_RUNTIME_DIR" "$work/run-none" "$GNUPGHOME"
trap 'bin/otter agent stop 2>/dev/null || true; gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$work"' EXIT
gpg --batch --quiet --passphrase '' --quick-gen-key "otter bench <bench@otter.invalid>" default default never 2>/dev/null
pass init "bench@otter.invalid" >/dev/null
pw="$work/pw"; echo "bench-Correct-Horse-9" > "$pw"
kpw="$work/kpw"; printf 'bench-password\nbench-password\n' > "$kpw"
otp=JBSWY3DPEHPK3PXP
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u '+%F %H:%M UTC')"
echo

: > "$work/tty.spec"
sizes=("$@"); [ $# -gt 0 ] || sizes=(100 10000 100000)
for n in "${sizes[@]}"; do
  d="$work/$n"; mkdir -p "$d"
  export OTTER_VAULT="$d/vault.otter"
  quiet bin/otter --password-file "$pw" init --recovery-key-out "$d/recovery"
  bin/mkvault "$OTTER_VAULT" "$d/recovery" "$n"
  midi=$(printf '%06d' $(( (n + 1) / 2 )))
  mid="Issuer$midi"
  # pass: one real entry, then copies of its ciphertext for the rest of the
  # store (pass reads one file per entry; the copies give the store its
  # size). keepassxc: N entries imported from XML, a 100 ms KDF.
  echo "otpauth://totp/$mid:user?secret=$otp&issuer=$mid" | pass otp insert -e "otp/acct$midi" >/dev/null
  python3 - "$n" "$midi" "$PASSWORD_STORE_DIR/otp" "$d/db.xml" <<'PY'
import base64, os, shutil, sys
n, midi, store, xml = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
src = os.path.join(store, "acct%s.gpg" % midi)
with open(xml, "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<KeePassFile><Root><Group><Name>Root</Name>\n')
    for i in range(1, n + 1):
        s = base64.b32encode(os.urandom(20)).decode().rstrip("=")
        f.write('<Entry><UUID>%s</UUID><String><Key>Title</Key><Value>acct%06d</Value></String>'
                '<String><Key>otp</Key><Value>otpauth://totp/Issuer%06d:user%d?secret=%s&amp;issuer=Issuer%06d</Value></String></Entry>\n'
                % (base64.b64encode(os.urandom(16)).decode(), i, i, i, s, i))
        if "%06d" % i != midi:
            shutil.copyfile(src, os.path.join(store, "acct%06d.gpg" % i))
    f.write('</Group></Root></KeePassFile>\n')
PY
  quiet keepassxc-cli import -q -p -t 100 "$d/db.xml" "$d/db.kdbx" < "$kpw"
  bin/otter agent stop >/dev/null 2>&1 || true
  quiet bin/otter agent start
  nobus() { DBUS_SESSION_BUS_ADDRESS="unix:path=$work/no-bus" bin/otter code "$mid" < /dev/null; }
  nobus >/dev/null || { echo "otter code without the keyring did not answer: the agent is not serving" >&2; exit 1; }
  cat > "$d/spec" <<SPEC
oathtool | - | oathtool --totp -b $otp
otter code, agent | - | bin/otter code $mid
otter-core code, agent | - | bin/otter-core code $mid
otter code, keyring | - | bin/otter --no-agent code $mid
pass otp | - | pass otp otp/acct$midi
SPEC
  if [ "$n" -le 10000 ]; then
    echo "keepassxc-cli show -t | $kpw | keepassxc-cli show -q -t $d/db.kdbx acct$midi" >> "$d/spec"
  fi
  echo "### $n accounts: $RUNS interleaved runs each, $(date -u '+%F %H:%M UTC'), load before $(load)"
  echo
  bin/cmdbench -n "$RUNS" "$d/spec"
  echo
  echo "Load after: $(load)"
  echo
  if [ "$n" -gt 10000 ]; then
    printf 'oathtool | - | oathtool --totp -b %s\nkeepassxc-cli show -t | %s | keepassxc-cli show -q -t %s acct%s\n' \
      "$otp" "$kpw" "$d/db.kdbx" "$midi" > "$d/kspec"
    echo "keepassxc-cli at $n accounts: $KRUNS runs, load before $(load)"
    echo
    bin/cmdbench -warmup 1 -n "$KRUNS" "$d/kspec"
    echo
  fi
  nobus >/dev/null || { echo "after the runs, otter code without the keyring did not answer" >&2; exit 1; }
  pid=$(bin/otter agent status | sed -n 's/.*(pid \([0-9]*\)).*/\1/p')
  echo "Agent at $n accounts: $(awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' "/proc/$pid/status")(vault file $(awk -v b="$(stat -c %s "$OTTER_VAULT")" 'BEGIN { printf "%.1f KiB", b / 1024 }'))"
  echo
  bin/otter agent stop >/dev/null 2>&1
  echo "$n, no agent | Codes ($n) | env XDG_RUNTIME_DIR=$work/run-none OTTER_VAULT=$OTTER_VAULT bin/otter --no-agent" >> "$work/tty.spec"
  echo "$n, agent running | Codes ($n) | env OTTER_VAULT=$OTTER_VAULT bin/otter" >> "$work/tty.spec"
done

# The TUI: one unlocked agent per vault cannot run at once (one socket),
# so the "agent running" lines share one agent of the last vault; the TUI
# never asks it for codes (design note 35), only whether it runs.
export OTTER_VAULT="$d/vault.otter"
quiet bin/otter agent start
echo "### TUI first frame with codes (120×40), $(( RUNS / 3 )) interleaved runs, load before $(load)"
echo
bin/ttyframe -n $(( RUNS / 3 )) -keys 0 "$work/tty.spec"
echo
echo "Load after: $(load)"

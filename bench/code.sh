#!/usr/bin/env bash
# bench/code.sh [N...]: times `otter code` (keyring unlock) against oathtool,
# a bare go-keyring fetch, secret-tool, pass-otp and keepassxc-cli, each set
# up with the same N accounts, interleaved in one run. Default N: 100 10000.
# Runs inside a private D-Bus session with a throwaway gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  bash scripts/deps.sh bench
  make --no-print-directory binaries
  go build -o bin/cmdbench ./bench/cmdbench
  go build -o bin/keyringget ./bench/keyringget
  exec scripts/with-keyring.sh bash "$0" "$@"
fi
RUNS=${RUNS:-40}
# quiet CMD...: runs CMD, showing its output only when it fails.
quiet() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }; }
work=$(mktemp -d)
trap 'gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$work"' EXIT
export GNUPGHOME="$work/gnupg" PASSWORD_STORE_DIR="$work/pass"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "otter bench <bench@otter.invalid>" default default never 2>/dev/null
pass init "bench@otter.invalid" >/dev/null
kpw="$work/kpw"; printf 'bench-password\nbench-password\n' > "$kpw"

for n in "${@:-100 10000}"; do
  d="$work/$n"; mkdir -p "$d"
  export OTTER_VAULT="$d/vault.otter"
  uris="$d/uris"; : > "$uris"
  xml="$d/db.xml"
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<KeePassFile><Root><Group><Name>Root</Name>\n' > "$xml"
  for i in $(seq -w 1 "$n"); do
    s=$(head -c 20 /dev/urandom | base32 | tr -d '=')
    echo "otpauth://totp/Issuer$i:user$i?secret=$s&issuer=Issuer$i" >> "$uris"
    printf '<Entry><UUID>%s</UUID><String><Key>Title</Key><Value>acct%s</Value></String><String><Key>otp</Key><Value>otpauth://totp/Issuer%s:user%s?secret=%s&amp;issuer=Issuer%s</Value></String></Entry>\n' \
      "$(head -c 16 /dev/urandom | base64)" "$i" "$i" "$i" "$s" "$i" >> "$xml"
  done
  printf '</Group></Root></KeePassFile>\n' >> "$xml"
  mid=$(sed -n "$(( (10#$n + 1) / 2 ))p" "$uris")
  midi=$(printf "%0${#n}d" $(( (10#$n + 1) / 2 )))
  secret=${mid#*secret=}; secret=${secret%%&*}
  quiet bin/otter init --recovery-key-out "$d/recovery"
  bin/otter add - < "$uris" >/dev/null
  # pass: one real entry, then copies of its ciphertext for the rest of the store
  # (pass reads one file per entry, so the copies only give the store its size).
  echo "$mid" | pass otp insert -e "otp/acct$midi" >/dev/null
  for i in $(seq -w 1 "$n"); do
    [ "$i" = "$midi" ] || cp "$PASSWORD_STORE_DIR/otp/acct$midi.gpg" "$PASSWORD_STORE_DIR/otp/acct$i.gpg"
  done
  quiet keepassxc-cli import -q -p -t 100 "$xml" "$d/db.kdbx" < "$kpw"
  kid=$(bin/otter slot list --json | grep -B1 '"keyring"' | sed -n 's/.*"id": "\(.*\)".*/\1/p')
  vid=$(secret-tool search --all service otter 2>&1 | sed -n "s/^attribute.username = \(.*\)\/$kid\$/\1/p" | head -1)
  cat > "$d/spec" <<SPEC
oathtool | - | oathtool --totp -b $secret
go-keyring Get | - | bin/keyringget otter $vid/$kid
secret-tool lookup | - | secret-tool lookup service otter username $vid/$kid
otter code | - | bin/otter code issuer$midi:user$midi
pass otp | - | pass otp otp/acct$midi
keepassxc-cli show -t | $kpw | keepassxc-cli show -q -t $d/db.kdbx acct$midi
SPEC
  echo "### $n accounts ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $RUNS interleaved runs each, $(date -u '+%F %H:%M UTC'))"
  echo
  echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  bin/cmdbench -n "$RUNS" "$d/spec"
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
done

#!/usr/bin/env bash
# bench/unlock.sh: what each way of unlocking costs a whole `otter code`, on
# one vault of 100 accounts with a keyring, a password (Argon2id, 128 MiB,
# 4 lanes, passes calibrated by `otter init`) and a recovery slot,
# interleaved, in a private gnome-keyring
# session: keyring (the normal desktop path), --password-file (one
# Argon2id derivation in a fresh process), --recovery-key-file (HKDF only:
# otter's own work without the keyring round trip). Then one Argon2id
# derivation alone in a fresh process (bench/kdfcost) at the calibrated
# cost, at DefaultKDF (128 MiB, 3 passes, 4 lanes, the floor) and at other
# costs, and in process (BenchmarkPasswordDerive). RUNS (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OTTER_KEYRING_SESSION:-}" ]; then
  bash scripts/deps.sh bench
  make --no-print-directory binaries
  for t in cmdbench mkvault kdfcost; do go build -o "bin/$t" "./bench/$t"; done
  exec scripts/with-keyring.sh bash "$0" "$@"
fi
RUNS=${RUNS:-20}
# quiet CMD...: runs CMD, showing its output only when it fails.
quiet() { local out; out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
v="$work/vault.otter"
printf 'bench-Passw0rd-with-some-length\n' > "$work/pw"
quiet bin/otter --vault "$v" --password-file "$work/pw" init --recovery-key-out "$work/recovery"
bin/mkvault "$v" "$work/recovery" 100
# kdf: the Argon2id cost `otter init` stored in the password slot.
kdf=$(python3 -c 'import json,struct,sys; b=open(sys.argv[1],"rb").read(); n=struct.unpack(">I",b[10:14])[0]; k=[s["kdf"] for s in json.loads(b[14:14+n])["slots"] if s["type"]=="password"][0]; print(k["memory"]//1024, k["time"], k["threads"])' "$v")
read -r kdf_m kdf_t kdf_p <<<"$kdf"
cat > "$work/spec" <<SPEC
oathtool | - | oathtool --totp -b JBSWY3DPEHPK3PXP
otter code, keyring | - | bin/otter --vault $v code Issuer000050
otter code, --recovery-key-file | - | bin/otter --vault $v --recovery-key-file $work/recovery code Issuer000050
otter code, --password-file (calibrated t=$kdf_t) | - | bin/otter --vault $v --password-file $work/pw code Issuer000050
SPEC
echo "### Unlock paths, 100 accounts ($(nproc) cores, $RUNS interleaved runs, $(date -u '+%F %H:%M UTC'))"
echo
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "otter init stored m=$kdf_m MiB t=$kdf_t p=$kdf_p; vault.CalibrateKDF(0.5 s) three more times:"
echo
for _ in 1 2 3; do echo "    $(bin/kdfcost calibrate)"; done
echo
bin/cmdbench -n "$RUNS" "$work/spec"
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cat > "$work/kdf.spec" <<SPEC
oathtool | - | oathtool --totp -b JBSWY3DPEHPK3PXP
Argon2id m=64 MiB t=3 p=4 (the old default) | - | bin/kdfcost 64 3
Argon2id m=128 MiB t=3 p=4 (DefaultKDF, the floor) | - | bin/kdfcost 128 3
Argon2id m=128 MiB t=$kdf_t p=4 (calibrated) | - | bin/kdfcost 128 $kdf_t
Argon2id m=128 MiB t=5 p=4 | - | bin/kdfcost 128 5
Argon2id m=128 MiB t=8 p=4 | - | bin/kdfcost 128 8
SPEC
echo "One Argon2id derivation in a fresh process (bench/kdfcost), $RUNS interleaved runs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
bin/cmdbench -n "$RUNS" "$work/kdf.spec"
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Argon2id alone (vault.DefaultKDF, in process, 20 derivations × 3):"
echo
go test -run '^$' -bench 'PasswordDerive' -benchtime 20x -count 3 ./vault/ | grep '^Benchmark' | sed 's/^/    /'

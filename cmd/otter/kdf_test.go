package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vaultHeader is the JSON header of a vault file and where it ends.
func vaultHeader(t *testing.T, b []byte) (h map[string]any, end int) {
	t.Helper()
	const prefix = len("OTTERVLT") + 2 + 4
	end = prefix + int(binary.BigEndian.Uint32(b[prefix-4:]))
	if err := json.Unmarshal(b[prefix:end], &h); err != nil {
		t.Fatal(err)
	}
	return h, end
}

// passwordKDFs returns the "kdf" objects of the file's password slots.
func passwordKDFs(t *testing.T, b []byte) []map[string]any {
	h, _ := vaultHeader(t, b)
	var out []map[string]any
	for _, s := range h["slots"].([]any) {
		if s := s.(map[string]any); s["type"] == "password" {
			out = append(out, s["kdf"].(map[string]any))
		}
	}
	return out
}

// withPasswordKDF returns the file b with every password slot's Argon2id
// cost replaced by kdf, header length and checksum fixed.
func withPasswordKDF(t *testing.T, b []byte, kdf map[string]any) []byte {
	h, end := vaultHeader(t, b)
	for _, s := range h["slots"].([]any) {
		if s := s.(map[string]any); s["type"] == "password" {
			s["kdf"] = kdf
		}
	}
	hj, _ := json.Marshal(h)
	const prefix = len("OTTERVLT") + 2 + 4
	out := binary.BigEndian.AppendUint32(bytes.Clone(b[:prefix-4]), uint32(len(hj)))
	out = append(append(out, hj...), b[end:len(b)-sha256.Size]...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...)
}

// Issue 11: a password slot asking for 1 GiB and 255 lanes is a damaged
// file (exit 6), refused at once, and refusing it is not a failed attempt:
// twelve tries in a minute, more than the ten that lock out, leave the
// good file opening with the password.
func TestOutOfBoundsKDFIsExit6AndNotCounted(t *testing.T) {
	e, pw, _ := passwordVault(t)
	good := readFile(t, e.vault)
	bad := withPasswordKDF(t, good, map[string]any{"memory": 1 << 20, "time": 3, "threads": 255})
	if err := os.WriteFile(e.vault, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		start := time.Now()
		r := e.fails(exitCorrupt, "", "--password-file", pw, "list")
		if !strings.Contains(r.stderr, "corrupt") || !strings.Contains(r.stderr, "argon2id") {
			t.Fatalf("attempt %d: stderr %q should say corrupt and name the Argon2id cost", i+1, r.stderr)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("attempt %d took %v: Argon2id ran", i+1, d)
		}
	}
	if err := os.WriteFile(e.vault, good, 0o600); err != nil {
		t.Fatal(err)
	}
	e.ok("", "--password-file", pw, "list")
}

// A release build (no --test-weak-kdf) calibrates a new password slot:
// 128 MiB, 4 lanes, at least 3 passes.
func TestInitCalibratesThePasswordKDF(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real Argon2id calibration and derivation (about a second)")
	}
	e := newEnv(t).withoutKeyring()
	pw := e.file("pw", strongPassword+"\n")
	cmd := exec.Command(otterBin, "--password-file", pw, "init", "--no-keyring", "--recovery-key-out", filepath.Join(e.dir, "rk"))
	cmd.Env = append(os.Environ(), "OTTER_VAULT="+e.vault, "XDG_STATE_HOME="+filepath.Join(e.dir, "state"),
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(e.dir, "no-bus"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	k := passwordKDFs(t, readFile(t, e.vault))
	if len(k) != 1 || k[0]["memory"] != float64(128<<10) || k[0]["threads"] != float64(4) ||
		k[0]["time"].(float64) < 3 || k[0]["time"].(float64) > 16 {
		t.Fatalf("password slot cost %v, want m=131072 p=4 and 3 to 16 passes", k)
	}
}

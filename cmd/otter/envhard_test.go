package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// runEnv runs the built otter with the environment of the test minus the
// variables in unset, plus set.
func runEnv(t *testing.T, unset []string, set []string, stdin string, args ...string) result {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, u := range unset {
			drop = drop || name == u
		}
		if !drop {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(otterBin, append([]string{"--test-weak-kdf"}, args...)...)
	cmd.Env = append(env, set...)
	cmd.Stdin = strings.NewReader(stdin)
	return runCmd(t, cmd, args)
}

// Issue 14: with no home directory otter created its vault under /tmp. It
// refuses, says why, and creates nothing.
func TestNoHomeRefuses(t *testing.T) {
	tmp := t.TempDir()
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("correct horse battery staple\n"), 0o600)
	r := runEnv(t, []string{"HOME", "OTTER_VAULT", "XDG_DATA_HOME", "XDG_STATE_HOME"},
		[]string{"TMPDIR=" + tmp, "OTTER_PASSWORD_FILE=", "DBUS_SESSION_BUS_ADDRESS="}, "", "init", "--password-file", pw)
	if r.code != 2 || !strings.Contains(r.stderr, "no home directory") || !strings.Contains(r.stderr, "otter: hint: ") {
		t.Fatalf("init with no home: exit %d\n%s", r.code, r.stderr)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("init with no home wrote under TMPDIR: %v", ents)
	}
}

// autolaunched lists the dbus-daemon processes that fork themselves away,
// as an autolaunched session bus does (dbus-run-session's run --nofork).
func autolaunched(t *testing.T) map[string]bool {
	t.Helper()
	out, _ := exec.Command("pgrep", "-x", "dbus-daemon").Output()
	m := map[string]bool{}
	for _, pid := range strings.Fields(string(out)) {
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		if !bytes.Contains(cmdline, []byte("--nofork")) {
			m[pid] = true
		}
	}
	return m
}

// Issue 14: with no DBUS_SESSION_BUS_ADDRESS otter stalled 10–20 s,
// autolaunched a dbus-daemon that outlived it, and init --password-file
// failed. No bus address means no keyring: init goes on without a keyring
// slot, says so in one line, and unlocking skips the keyring at once.
func TestNoSessionBusNoKeyring(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the session bus address is a Linux matter")
	}
	if _, err := exec.LookPath("pgrep"); err != nil {
		t.Skip("no pgrep to look for a leftover dbus-daemon")
	}
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("Correct-horse-battery-staple-9\n"), 0o600)
	set := []string{"OTTER_VAULT=" + filepath.Join(dir, "v.otter"), "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"OTTER_PASSWORD_FILE=", "DISPLAY=", "WAYLAND_DISPLAY="}
	before := autolaunched(t)
	start := time.Now()
	r := runEnv(t, []string{"DBUS_SESSION_BUS_ADDRESS"}, set, "", "init", "--password-file", pw, "--recovery-key-out", filepath.Join(dir, "rk"))
	if r.code != 0 {
		t.Fatalf("init with no session bus: exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "otter: hint: no keyring in this session"); n != 1 {
		t.Errorf("init said %d times that there is no keyring, want once:\n%s", n, r.stderr)
	}
	r = runEnv(t, []string{"DBUS_SESSION_BUS_ADDRESS"}, set, "", "list", "--password-file", pw)
	if r.code != 0 || strings.Contains(r.stderr, "keyring") {
		t.Fatalf("list: exit %d, want no keyring talk for a vault without a keyring slot\n%s", r.code, r.stderr)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("init and list took %v with no session bus: a bus was waited for", d)
	}
	for pid := range autolaunched(t) {
		if !before[pid] {
			t.Errorf("a dbus-daemon (pid %s) was started and left running", pid)
		}
	}
}

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running otter %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
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

package main

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestSecretFileModeWarning: a --password-file or --recovery-key-file that
// group or others may read gets one warning naming it and the chmod; mode
// 0600 gets none. A vault file others may read is reported at unlock.
func TestSecretFileModeWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits say nothing on Windows")
	}
	e, pwFile, keyFile := passwordVault(t)
	for _, tc := range []struct {
		flag, file, what string
		mode             os.FileMode
		warn             bool
	}{
		{"--password-file", pwFile, "password file", 0o644, true},
		{"--password-file", pwFile, "password file", 0o640, true},
		{"--password-file", pwFile, "password file", 0o600, false},
		{"--recovery-key-file", keyFile, "recovery key file", 0o604, true},
		{"--recovery-key-file", keyFile, "recovery key file", 0o400, false},
	} {
		must(t, os.Chmod(tc.file, tc.mode))
		r := e.run("", tc.flag, tc.file, "list")
		if r.code != 0 {
			t.Fatalf("%s at %04o: exit %d: %s", tc.flag, tc.mode, r.code, r.stderr)
		}
		warned := strings.Contains(r.stderr, "otter: warning: the "+tc.what+" "+tc.file) && strings.Contains(r.stderr, "chmod 600")
		if warned != tc.warn {
			t.Errorf("%s at %04o: warned %v, want %v; stderr:\n%s", tc.flag, tc.mode, warned, tc.warn, r.stderr)
		}
	}
	must(t, os.Chmod(pwFile, 0o600))
	must(t, os.Chmod(e.vault, 0o644))
	r := e.run("", "--password-file", pwFile, "list")
	if !strings.Contains(r.stderr, "otter: warning: "+e.vault+" can be read by other users") {
		t.Errorf("a 0644 vault: no warning; stderr:\n%s", r.stderr)
	}
}

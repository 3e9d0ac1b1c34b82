package vaultops

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/otterauth/otter/vault"
)

// TestExposedWarning: unlocking a vault file that group or others may read
// warns and names the file and the chmod; mode 0600 warns of nothing.
// Modes are read, not tried: tests run as root, who reads anything.
func TestExposedWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits say nothing on Windows")
	}
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o644, true}, {0o640, true}, {0o604, true}} {
		f := newFixture(t)
		if err := os.Chmod(f.path, tc.mode); err != nil {
			t.Fatal(err)
		}
		got := exposedWarnings(t, f)
		if tc.warn && (len(got) != 1 || !strings.Contains(got[0], f.path)) {
			t.Errorf("mode %04o: warnings %v, want one naming %s and chmod 600", tc.mode, got, f.path)
		}
		if !tc.warn && len(got) != 0 {
			t.Errorf("mode %04o: unexpected warning %v", tc.mode, got)
		}
	}
}

// TestExposedBackup: a backup that others may read (the vault was 0644
// when a save kept it) is reported although the vault file is now 0600.
func TestExposedBackup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits say nothing on Windows")
	}
	f := newFixture(t)
	if err := os.Chmod(f.path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Log("test", "a save keeps the 0644 file as a backup"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(f.path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the saved vault: %v %v, want mode 0600", fi.Mode(), err)
	}
	got := exposedWarnings(t, f)
	if len(got) != 1 || !strings.Contains(got[0], "backups") {
		t.Errorf("warnings %v, want one naming the backup", got)
	}
}

// exposedWarnings unlocks f's vault anew and returns the warnings that
// ask for a chmod.
func exposedWarnings(t *testing.T, f *fixture) []string {
	t.Helper()
	l, err := vault.Load(f.path, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewUnlocker(l, t.TempDir(), f.clock).Unlock(f.password("pw1"))
	if err != nil {
		t.Fatal(err)
	}
	r.Vault().Close()
	var got []string
	for _, w := range r.Warnings {
		if strings.Contains(w.Error(), "chmod 600") {
			got = append(got, w.Error())
		}
	}
	return got
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Syncthing conflict copy beside the vault, made by another machine
// from the same file, is merged in by the next command: `otter list`
// shows the accounts of both sides and says so on stderr, the copy goes
// to backups/conflicts/, and the command after that has nothing to say.
func TestConflictCopyMergedByList(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", "JBSWY3DPEHPK3PXP")

	// The other machine: a copy of the file, its own state.
	other := &env{t: t, dir: t.TempDir(), noKeyring: true}
	other.vault = filepath.Join(other.dir, "vault.otter")
	if err := os.WriteFile(other.vault, readFile(t, e.vault), 0o600); err != nil {
		t.Fatal(err)
	}
	other.ok("", "--password-file", pw, "add", "--issuer", "Example", "--account", "bob", "--secret", "JBSWY3DPEHPK3PXP")
	e.ok("", "--password-file", pw, "add", "--issuer", "GitLab", "--account", "carol", "--secret", "JBSWY3DPEHPK3PXP")

	name := "vault.sync-conflict-20261204-101512-ABCDEFG.otter"
	copyPath := filepath.Join(filepath.Dir(e.vault), name)
	if err := os.WriteFile(copyPath, readFile(t, other.vault), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.run("", "--password-file", pw, "list")
	if r.code != 0 {
		t.Fatalf("list: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"alice", "bob", "carol"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list does not show %s:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "otter: merged Syncthing conflict copy "+name+": 1 account added") {
		t.Errorf("no notice of the merge on stderr:\n%s", r.stderr)
	}
	if _, err := os.Lstat(copyPath); !os.IsNotExist(err) {
		t.Errorf("the conflict copy is still beside the vault: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(e.vault), "backups", "conflicts", name)); err != nil {
		t.Errorf("the conflict copy was not moved aside: %v", err)
	}
	r = e.run("", "--password-file", pw, "list")
	if r.code != 0 || strings.Contains(r.stderr, "conflict") || !strings.Contains(r.stdout, "bob") {
		t.Errorf("second list: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// A damaged conflict copy stays where it is, with a warning, and the
// command goes on.
func TestConflictCopyDamagedIsLeftWithAWarning(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", "JBSWY3DPEHPK3PXP")
	b := readFile(t, e.vault)
	b[len(b)/2] ^= 1
	copyPath := filepath.Join(filepath.Dir(e.vault), "vault (Bob's conflicted copy 2026-12-04).otter")
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, e.vault)
	r := e.run("", "--password-file", pw, "list")
	if r.code != 0 || !strings.Contains(r.stdout, "alice") || !strings.Contains(r.stderr, "otter: warning: Dropbox conflict copy") || !strings.Contains(r.stderr, "left in place") {
		t.Fatalf("list: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Lstat(copyPath); err != nil {
		t.Errorf("the damaged copy was moved: %v", err)
	}
	if string(readFile(t, e.vault)) != string(before) {
		t.Error("the vault changed")
	}
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// historyVault saves generations 2 to 5 (GitHub, GitLab, Bitbucket,
// Codeberg added one by one) and returns the password file.
func historyVault(t *testing.T) (*env, string) {
	e, pw, _ := passwordVault(t)
	for _, issuer := range []string{"GitHub", "GitLab", "Bitbucket", "Codeberg"} {
		e.ok("", "--password-file", pw, "add", rfcURI(issuer, "alice"))
	}
	return e, pw
}

func (e *env) backupFile(gen int) string {
	return filepath.Join(filepath.Dir(e.vault), "backups", fmt.Sprintf("vault.otter.%d", gen))
}

func TestRollbackIsRefusedWithExit6(t *testing.T) {
	e, pw := historyVault(t)
	newest := readFile(t, e.vault)
	for gen := 1; gen <= 4; gen++ {
		old := readFile(t, e.backupFile(gen))
		if err := os.WriteFile(e.vault, old, 0o600); err != nil {
			t.Fatal(err)
		}
		r := e.fails(exitCorrupt, "", "--password-file", pw, "list")
		want := fmt.Sprintf("is generation %d, but otter already saw generation 5", gen)
		if !strings.Contains(r.stderr, "otter: error: refusing an older vault file") || !strings.Contains(r.stderr, want) {
			t.Errorf("backup %d copied over the vault: stderr %q, want the refusal naming both generations", gen, r.stderr)
		}
		if !strings.Contains(r.stderr, "otter: hint: ") || !strings.Contains(r.stderr, fmt.Sprintf("otter backup restore %d", gen)) {
			t.Errorf("backup %d: no restore hint in %q", gen, r.stderr)
		}
		if !bytes.Equal(readFile(t, e.vault), old) {
			t.Errorf("backup %d: the refused command changed the vault file", gen)
		}
	}
	if err := os.WriteFile(e.vault, newest, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := e.ok("", "--password-file", pw, "list"); !strings.Contains(out, "Codeberg") {
		t.Errorf("the newest file put back does not open: %s", out)
	}
}

func TestBackupListShowRestore(t *testing.T) {
	e, pw := historyVault(t)
	out := e.ok("", "--password-file", pw, "backup", "list")
	for _, want := range []string{"5 (current)", "+Codeberg:alice", "+GitHub:alice"} {
		if !strings.Contains(out, want) {
			t.Errorf("backup list lacks %q:\n%s", want, out)
		}
	}
	before := readFile(t, e.vault)
	out = e.ok("", "--password-file", pw, "backup", "show", "2")
	if !strings.Contains(out, "Generation 2: 1 account") || !strings.Contains(out, "GitHub:alice") || strings.Contains(out, "GitLab") {
		t.Errorf("backup show 2:\n%s", out)
	}
	if !bytes.Equal(readFile(t, e.vault), before) {
		t.Error("backup show changed the vault file")
	}
	e.ok("", "--password-file", pw, "list") // show did not trip the guard
	e.fails(exitNotFound, "", "--password-file", pw, "backup", "show", "9")

	out = e.ok("", "--password-file", pw, "backup", "restore", "3")
	if !strings.Contains(out, "Restored generation 3 as generation 6") {
		t.Errorf("backup restore 3: %s", out)
	}
	if out := e.ok("", "--password-file", pw, "list"); !strings.Contains(out, "GitLab") || strings.Contains(out, "Codeberg") {
		t.Errorf("after restoring generation 3: %s", out)
	}
	out = e.ok("", "--password-file", pw, "backup", "list")
	if !strings.Contains(out, "6 (current)") || !strings.Contains(out, "\n5 ") {
		t.Errorf("after the restore, 6 is current and 5 a backup:\n%s", out)
	}
	if out := e.ok("", "--password-file", pw, "audit"); !strings.Contains(out, "backup.restore") {
		t.Errorf("no audit event for the restore:\n%s", out)
	}
}

// An older file put back on purpose is accepted by restoring it, and the
// generation it saves is new: the lost generation 5 is not reused.
func TestRestoreOfAFilePutBack(t *testing.T) {
	e, pw := historyVault(t)
	if err := os.WriteFile(e.vault, readFile(t, e.backupFile(3)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.fails(exitCorrupt, "", "--password-file", pw, "list")
	out := e.ok("", "--password-file", pw, "backup", "restore", "3")
	if !strings.Contains(out, "as generation 6") {
		t.Errorf("restore of the file put back: %s", out)
	}
	if out := e.ok("", "--password-file", pw, "list"); !strings.Contains(out, "GitLab") || strings.Contains(out, "Bitbucket") {
		t.Errorf("after the restore: %s", out)
	}
}

// Without the state dir's record (another machine, a wiped state dir) an
// older file opens, but a newer backup beside it is reported.
func TestNewerBackupIsReported(t *testing.T) {
	e, pw := historyVault(t)
	if err := os.WriteFile(e.vault, readFile(t, e.backupFile(3)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(e.dir, "state")); err != nil {
		t.Fatal(err)
	}
	r := e.run("", "--password-file", pw, "list")
	if r.code != 0 || !strings.Contains(r.stderr, "otter: warning: the vault file is generation 3 but a newer backup is kept (generation 4") {
		t.Errorf("exit %d, stderr %q: want a warning about backup 4", r.code, r.stderr)
	}
}

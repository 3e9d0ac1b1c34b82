package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/otterauth/otter/vault"
)

// copyName is the name otter gives the copy of generation gen of e's
// vault.
func (e *env) copyName(gen int) string {
	e.t.Helper()
	l, err := vault.Load(e.vault, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("otter-%s-%d.otter", l.VaultID()[:8], gen)
}

// copies returns the copies of e's vault in dir.
func (e *env) copies(dir string) []string {
	e.t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, strings.Replace(e.copyName(0), "-0.", "-*.", 1)))
	return names
}

func contains(t *testing.T, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Errorf("%q lacks %q", s, want)
	}
}

func TestBackupDirSetShowOff(t *testing.T) {
	e, pw, _ := passwordVault(t)
	contains(t, e.ok("", "backup", "dir"), "Off: the vault is not copied")
	r := e.fails(exitUsage, "", "backup", "dir", filepath.Join(e.dir, "missing"))
	contains(t, r.stderr, "not an existing folder")
	own := filepath.Join(filepath.Dir(e.vault), "backups")
	os.Mkdir(own, 0o700)
	r = e.fails(exitUsage, "", "backup", "dir", own)
	contains(t, r.stderr, "inside otter's own backups folder")
	e.fails(exitUsage, "", "backup", "dir", "--off", e.dir)

	usb := filepath.Join(e.dir, "usb")
	os.Mkdir(usb, 0o700)
	t.Chdir(e.dir)
	contains(t, e.ok("", "backup", "dir", "usb/"), "copies the vault to "+usb+" ")
	contains(t, e.ok("", "backup", "dir"), "No copy of this vault there yet")
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	name := filepath.Base(e.copies(usb)[0])
	contains(t, e.ok("", "backup", "dir"), "Newest copy: "+name+" (generation 2), 1 copy kept.")

	contains(t, e.ok("", "backup", "dir", "--off"), "no longer copied")
	contains(t, e.ok("", "backup", "dir"), "Off:")
	e.ok("", "--password-file", pw, "add", rfcURI("GitLab", "alice"))
	if n := len(e.copies(usb)); n != 1 {
		t.Errorf("%d copies after a save with the copies off, want the 1 made before", n)
	}
}

func TestBackupDirCopiesEveryWrite(t *testing.T) {
	e, pw, _ := passwordVault(t)
	usb := filepath.Join(e.dir, "usb")
	os.Mkdir(usb, 0o700)
	mine := filepath.Join(usb, "holiday.jpg")
	os.WriteFile(mine, []byte("not otter's"), 0o600)
	e.ok("", "backup", "dir", usb)
	for i := range 12 { // generations 2 to 13
		e.ok("", "--password-file", pw, "add", rfcURI(fmt.Sprint("Site", i), "alice"))
	}
	prefix := e.copyName(0) // the vault's id, before a copy replaces it
	name := func(gen int) string {
		return filepath.Join(usb, strings.Replace(prefix, "-0.", fmt.Sprintf("-%d.", gen), 1))
	}
	names := e.copies(usb)
	if len(names) != 10 {
		t.Fatalf("%d copies, want the newest 10: %v", len(names), names)
	}
	for gen := 4; gen <= 13; gen++ {
		want := e.vault
		if gen < 13 {
			want = e.backupFile(gen)
		}
		got := readFile(t, name(gen))
		if !bytes.Equal(got, readFile(t, want)) {
			t.Errorf("the copy of generation %d differs from %s", gen, want)
		}
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "not otter's" {
		t.Errorf("a file of the person's in the folder: %q, %v", b, err)
	}
	if ents, _ := os.ReadDir(usb); len(ents) != 11 {
		t.Errorf("%d entries in the folder, want 10 copies and the person's file", len(ents))
	}

	// A copy opens with the vault's credentials, and holds its generation.
	for gen, accounts := range map[int]int{13: 12, 4: 3} {
		l, err := vault.Load(name(gen), &vault.Options{AllowWeakKDF: true})
		if err != nil {
			t.Fatal(err)
		}
		v, err := l.Unlock(vault.Password{Secret: []byte(strongPassword)})
		if err != nil {
			t.Fatalf("the copy of generation %d does not open with the password: %v", gen, err)
		}
		if got := len(v.Data().Live()); got != accounts || v.Generation() != uint64(gen) {
			t.Errorf("copy of generation %d: generation %d, %d accounts; want %d", gen, v.Generation(), got, accounts)
		}
		v.Close()
	}

	// Brought back as the help says: over the vault, then backup restore.
	if err := os.WriteFile(e.vault, readFile(t, name(8)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.fails(exitCorrupt, "", "--password-file", pw, "list")
	contains(t, e.ok("", "--password-file", pw, "backup", "restore", "8"), "Restored generation 8 as generation 14")
	if out := e.ok("", "--password-file", pw, "list"); !strings.Contains(out, "Site6") || strings.Contains(out, "Site7") {
		t.Errorf("after restoring the copy of generation 8:\n%s", out)
	}
}

func TestBackupDirFailureWarnsAndTheSaveStands(t *testing.T) {
	e, pw, _ := passwordVault(t)
	usb := filepath.Join(e.dir, "usb")
	os.Mkdir(usb, 0o700)
	e.ok("", "backup", "dir", usb)
	setting := filepath.Join(e.dir, "state", "otter", "backup-dir")
	if b := readFile(t, setting); string(b) != usb+"\n" {
		t.Fatalf("the setting holds %q, want %s", b, usb)
	}
	readOnly := usb
	os.Chmod(usb, 0o500)
	t.Cleanup(func() { os.Chmod(usb, 0o700) })
	if os.Getuid() == 0 { // root writes into a 0500 folder
		if runtime.GOOS != "linux" {
			t.Skip("running as root: no read-only folder to test with")
		}
		readOnly = "/sys" // no new file there, even for root
	}
	vanished := filepath.Join(e.dir, "unplugged")
	for i, dir := range []string{readOnly, vanished} {
		if err := os.WriteFile(setting, []byte(dir+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := e.run("", "--password-file", pw, "add", rfcURI(fmt.Sprint("Site", i), "alice"))
		if r.code != 0 {
			t.Fatalf("copies to %s: the save failed (exit %d): %s", dir, r.code, r.stderr)
		}
		contains(t, r.stderr, "otter: warning: the vault was saved, but copying it to the backup folder "+dir+" failed")
		contains(t, e.ok("", "--password-file", pw, "list"), fmt.Sprint("Site", i))
	}
}

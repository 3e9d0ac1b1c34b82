package vaultops

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

// Names from the tools' own documentation and code: Syncthing's
// conflictName (lib/model/folder_sendrecv.go), Dropbox's help page "What's
// a conflicted copy?", Nextcloud's user manual (desktop/conflicts.rst) and
// its desktop client's Utility::makeConflictFileName.
var conflictNames = map[string]string{
	"vault.sync-conflict-20261204-101512-ABCDEFG.otter":                     ToolSyncthing,
	"vault.sync-conflict-20260229-000000-2345672.otter":                     "",
	"vault.sync-conflict-20280229-235959-Z7Z7Z7Z.otter":                     ToolSyncthing,
	"vault (Alice's conflicted copy 2026-12-04).otter":                      ToolDropbox,
	"vault (MacBook Pro's conflicted copy 2026-12-04 (1)).otter":            ToolDropbox,
	"vault (conflicted copy 2026-12-04).otter":                              ToolDropbox,
	"vault (conflicted copy 2026-12-04 101512).otter":                       ToolNextcloud,
	"vault (conflicted copy alice 2026-12-04 101512).otter":                 ToolNextcloud,
	"vault (conflicted copy Alice Smith 2026-12-04 101512).otter":           ToolNextcloud,
	"vault_conflict-20261204-101512.otter":                                  ToolNextcloud,
	"vault.otter":                                                           "",
	"vault.otter.bak":                                                       "",
	"vault.sync-conflict-x.txt":                                             "",
	"vault.sync-conflict-x.otter":                                           "",
	"vault.sync-conflict-20261204-101512-ABCDEFG.txt":                       "",
	"vault.sync-conflict-20261204-101512-ABCDEFG.otter.tmp":                 "",
	"vault.sync-conflict-20261204-101512-abcdefg.otter":                     "",
	"vault.sync-conflict-20261204-101512-ABCDEF.otter":                      "",
	"vault.sync-conflict-20261304-101512-ABCDEFG.otter":                     "",
	"Vault.sync-conflict-20261204-101512-ABCDEFG.otter":                     "",
	"other.sync-conflict-20261204-101512-ABCDEFG.otter":                     "",
	"vault.otter.sync-conflict-20261204-101512-ABCDEFG":                     "",
	"myvault.sync-conflict-20261204-101512-ABCDEFG.otter":                   "",
	"vault (Alice's Conflicted Copy 2026-12-04).otter":                      "",
	"vault (Alice's conflicted copy 2026-12-4).otter":                       "",
	"vault (Al(ice)'s conflicted copy 2026-12-04).otter":                    "",
	"vault (Alice's conflicted copy 2026-12-04) (1).otter":                  "",
	"other (Alice's conflicted copy 2026-12-04).otter":                      "",
	"vault (conflicted copy a/b 2026-12-04 101512).otter":                   "",
	"vault_conflict-20261204-1015.otter":                                    "",
	"vault (conflicted copy 2026-12-04 101512).otter (conflicted copy x).x": "",
	".vault.otter.tmp-0123456789abcdef":                                     "",
}

func TestConflictCopyOf(t *testing.T) {
	for name, want := range conflictNames {
		if got := ConflictCopyOf("vault.otter", name); got != want {
			t.Errorf("ConflictCopyOf(vault.otter, %q) = %q, want %q", name, got, want)
		}
	}
	// A vault without an extension, and one whose stem is empty.
	if got := ConflictCopyOf("vault", "vault.sync-conflict-20261204-101512-ABCDEFG"); got != ToolSyncthing {
		t.Errorf("no extension: %q", got)
	}
	if got := ConflictCopyOf(".otter", ".sync-conflict-20261204-101512-ABCDEFG.otter"); got != "" {
		t.Errorf("empty stem: %q", got)
	}
}

// FuzzConflictName: whatever the names, a match keeps the vault's stem and
// extension around a marker with no path separator, and the names each
// tool makes for a fuzzed base are recognised.
func FuzzConflictName(f *testing.F) {
	for name := range conflictNames {
		f.Add("vault.otter", name, "Alice")
	}
	f.Add("a.b.c", "a.b (x's conflicted copy 2026-01-01).c", "x")
	f.Fuzz(func(t *testing.T, base, name, who string) {
		tool := ConflictCopyOf(base, name)
		ext := filepath.Ext(base)
		stem := strings.TrimSuffix(base, ext)
		if tool != "" {
			if name == base || !strings.HasPrefix(name, stem) || !strings.HasSuffix(name, ext) || len(name) <= len(base) {
				t.Fatalf("%q matched %q as %s", name, base, tool)
			}
			if mid := name[len(stem) : len(name)-len(ext)]; strings.ContainsAny(mid, "/\\\x00") {
				t.Fatalf("%q matched %q with a separator in the marker", name, base)
			}
		}
		if stem == "" || strings.ContainsAny(base, "/\\") {
			return
		}
		made := map[string]string{
			stem + ".sync-conflict-20261204-101512-ABCDEFG" + ext: ToolSyncthing,
			stem + "_conflict-20261204-101512" + ext:              ToolNextcloud,
			stem + " (conflicted copy 2026-12-04 101512)" + ext:   ToolNextcloud,
			stem + " (conflicted copy 2026-12-04)" + ext:          ToolDropbox,
		}
		if owner(who) {
			made[stem+" ("+who+"'s conflicted copy 2026-12-04)"+ext] = ToolDropbox
			made[stem+" ("+who+"'s conflicted copy 2026-12-04 (2))"+ext] = ToolDropbox
			made[stem+" (conflicted copy "+who+" 2026-12-04 101512)"+ext] = ToolNextcloud
		}
		for n, want := range made {
			if got := ConflictCopyOf(base, n); got != want {
				t.Fatalf("ConflictCopyOf(%q, %q) = %q, want %q", base, n, got, want)
			}
		}
	})
}

// twoMachines is a vault on one machine (the fixture) and the same file
// copied to another machine's folder, opened there as a second Vault with
// another device id.
type twoMachines struct {
	*fixture
	other *Session
	state string // this machine's per-device state
}

func newTwoMachines(t *testing.T) *twoMachines {
	f := newFixture(t)
	f.add("GitHub", "alice", "12345678901234567890")
	otherPath := filepath.Join(t.TempDir(), "vault.otter")
	if err := os.WriteFile(otherPath, readAll(t, f.path), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := vault.Load(otherPath, &vault.Options{AllowWeakKDF: true, Now: f.clock, DeviceID: "other-device"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := l.Unlock(f.password("pw1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return &twoMachines{fixture: f, other: New(v, t.TempDir(), f.clock), state: t.TempDir()}
}

func readAll(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// diverge adds an account on each machine and renames alice on the
// other, then leaves the other machine's file beside the vault as name.
func (m *twoMachines) diverge(name string) string {
	m.t.Helper()
	m.now = m.now.Add(time.Minute)
	alice := m.s.Data().Live()[0].ID
	k := &otp.Key{Type: otp.TypeTOTP, Issuer: "Example", Account: "bob", Secret: []byte("abcdefghijabcdefghij"), Algorithm: otp.SHA1, Digits: 6, Period: 30}
	if _, err := m.other.Add([]NewAccount{{Account: AccountOf(k)}}); err != nil {
		m.t.Fatal(err)
	}
	renamed := "alice@work"
	if _, err := m.other.Edit(alice, Edit{Name: &renamed}); err != nil {
		m.t.Fatal(err)
	}
	m.now = m.now.Add(time.Minute)
	m.add("GitLab", "carol", "12345678901234567890")
	p := filepath.Join(filepath.Dir(m.path), name)
	if err := os.WriteFile(p, m.other.Vault().Raw(), 0o644); err != nil {
		m.t.Fatal(err)
	}
	return p
}

// unlock runs the unlock sequence as the next command would.
func (m *twoMachines) unlock() *Unlocked {
	m.t.Helper()
	l, err := vault.Load(m.path, m.opts())
	if err != nil {
		m.t.Fatal(err)
	}
	r, err := NewUnlocker(l, m.state, m.clock).Unlock(m.password("pw1"))
	if err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(r.Vault().Close)
	return r
}

func liveLabels(d *vault.Data) []string {
	var out []string
	for _, a := range d.Live() {
		out = append(out, a.Label())
	}
	slices.Sort(out)
	return out
}

func TestConflictCopiesAreMergedOnUnlock(t *testing.T) {
	for name, tool := range map[string]string{
		"vault.sync-conflict-20261204-101512-ABCDEFG.otter":     ToolSyncthing,
		"vault (Alice's conflicted copy 2026-12-04).otter":      ToolDropbox,
		"vault (conflicted copy alice 2026-12-04 101512).otter": ToolNextcloud,
		"vault_conflict-20261204-101512.otter":                  ToolNextcloud,
	} {
		t.Run(tool+" "+name, func(t *testing.T) {
			m := newTwoMachines(t)
			p := m.diverge(name)
			gen := m.s.Vault().Generation()
			r := m.unlock()
			if len(r.Warnings) != 0 {
				t.Fatalf("warnings: %v", r.Warnings)
			}
			if len(r.Conflicts) != 1 {
				t.Fatalf("merged %d copies, want 1", len(r.Conflicts))
			}
			c := r.Conflicts[0]
			if c.Name != name || c.Tool != tool || c.Nothing {
				t.Fatalf("merged %+v", c)
			}
			if !slices.Equal(c.In.Added, []string{"Example:bob"}) || len(c.In.Changed) != 1 {
				t.Errorf("came in: %+v, want bob added and alice changed", c.In)
			}
			if got, want := liveLabels(r.Data()), []string{"Example:bob", "GitHub:alice@work", "GitLab:carol"}; !slices.Equal(got, want) {
				t.Errorf("accounts after the merge = %v, want %v", got, want)
			}
			if r.Vault().Generation() <= gen {
				t.Errorf("generation %d, want above %d", r.Vault().Generation(), gen)
			}
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				t.Errorf("the conflict copy is still there: %v", err)
			}
			want := filepath.Join(filepath.Dir(m.path), "backups", "conflicts", name)
			if fi, err := os.Lstat(want); err != nil || fi.Mode().Perm() != 0o600 || c.Aside != want {
				t.Errorf("moved to %s, want %s mode 0600: %v %v", c.Aside, want, fi, err)
			}
			merges := 0
			for _, e := range r.Data().Audit {
				if e.Kind == "vault.merge" {
					merges++
				}
			}
			if merges != 1 {
				t.Errorf("%d vault.merge events, want 1", merges)
			}
			if !strings.Contains(c.Summary(), "1 account added") {
				t.Errorf("summary %q", c.Summary())
			}
			// The next unlock finds nothing to do.
			gen = r.Vault().Generation()
			r2 := m.unlock()
			if len(r2.Conflicts) != 0 || len(r2.Warnings) != 0 || r2.Vault().Generation() != gen {
				t.Errorf("second unlock: %+v %v generation %d (was %d)", r2.Conflicts, r2.Warnings, r2.Vault().Generation(), gen)
			}
		})
	}
}

// A copy with nothing new (the same bytes, or an older file) is only
// moved aside, never written; a second one with the same name does not
// overwrite the first in backups/conflicts/.
func TestConflictCopyWithNothingNewIsOnlyMovedAside(t *testing.T) {
	m := newTwoMachines(t)
	dir := filepath.Dir(m.path)
	old := m.s.Vault().Raw()
	m.add("GitLab", "carol", "12345678901234567890")
	name := "vault.sync-conflict-20261204-101512-ABCDEFG.otter"
	for i, raw := range [][]byte{m.s.Vault().Raw(), old} {
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		before := readAll(t, m.path)
		r := m.unlock()
		if len(r.Conflicts) != 1 || !r.Conflicts[0].Nothing || len(r.Warnings) != 0 {
			t.Fatalf("copy %d: %+v %v", i, r.Conflicts, r.Warnings)
		}
		if !bytes.Equal(readAll(t, m.path), before) {
			t.Errorf("copy %d: the vault was written", i)
		}
	}
	for _, n := range []string{name, name + ".1"} {
		if _, err := os.Lstat(filepath.Join(dir, "backups", "conflicts", n)); err != nil {
			t.Errorf("%s not kept: %v", n, err)
		}
	}
}

// Copies that must not be merged stay where they are, with one warning
// each, and the vault file is untouched: another vault's, a damaged one.
// Symbolic links and look-alike names are not even looked at.
func TestConflictCopiesLeftInPlace(t *testing.T) {
	m := newTwoMachines(t)
	dir := filepath.Dir(m.path)
	m.diverge("unused-copy")
	good := m.other.Vault().Raw()

	otherPath := filepath.Join(t.TempDir(), "vault.otter")
	ov, err := vault.Create(otherPath, m.opts(), m.password("pw1"), vault.RecoveryKey{Key: make([]byte, 20)})
	if err != nil {
		t.Fatal(err)
	}
	ov.Close()
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	files := map[string][]byte{
		"vault.sync-conflict-20261204-101512-OTHERVA.otter": readAll(t, otherPath),
		"vault (Bob's conflicted copy 2026-12-04).otter":    flipped,
		"vault.otter.bak":                                   good,
		"vault.sync-conflict-x.txt":                         good,
		"other.sync-conflict-20261204-101512-ABCDEFG.otter": good,
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, good, 0o600); err != nil {
		t.Fatal(err)
	}
	link := "vault.sync-conflict-20261204-101512-LINKLNK.otter"
	if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, m.path)
	r := m.unlock()
	if len(r.Conflicts) != 0 {
		t.Fatalf("merged %+v", r.Conflicts)
	}
	if len(r.Warnings) != 2 {
		t.Fatalf("warnings %v, want 2", r.Warnings)
	}
	text := r.Warnings[0].Error() + "\n" + r.Warnings[1].Error()
	for _, want := range []string{"OTHERVA", "another vault", "Bob's", "left in place"} {
		if !strings.Contains(text, want) {
			t.Errorf("warnings %q do not say %q", text, want)
		}
	}
	if !bytes.Equal(readAll(t, m.path), before) {
		t.Error("the vault file changed")
	}
	for n, b := range files {
		if got, err := os.ReadFile(filepath.Join(dir, n)); err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s moved or changed: %v", n, err)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dir, link)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was moved: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "backups", "conflicts")); !os.IsNotExist(err) {
		t.Errorf("backups/conflicts made for nothing: %v", err)
	}
}

// A copy sealed under another data key (here: the other machine removed a
// slot, which rotates the key) is not merged unattended.
// TestConflictCopyFromARotationIsMerged: the other machine removed a slot
// (a new data key, linked to the old one): its copy is vouched for, merged,
// and the removed slot stays removed.
func TestConflictCopyFromARotationIsMerged(t *testing.T) {
	m := newTwoMachines(t)
	ov := m.other.Vault()
	if _, err := ov.AddSlot(m.password("pw2"), "spare"); err != nil {
		t.Fatal(err)
	}
	var spare string
	for _, s := range ov.Slots() {
		if s.Label == "spare" {
			spare = s.ID
		}
	}
	if err := ov.RemoveSlot(spare); err != nil {
		t.Fatal(err)
	}
	name := "vault.sync-conflict-20261204-101512-ABCDEFG.otter"
	p := filepath.Join(filepath.Dir(m.path), name)
	if err := os.WriteFile(p, ov.Raw(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := m.unlock()
	if len(r.Conflicts) != 1 || len(r.Warnings) != 0 {
		t.Fatalf("conflicts %+v, warnings %v; want the copy merged", r.Conflicts, r.Warnings)
	}
	if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the merged copy is still there: %v", err)
	}
	for _, s := range r.Vault().Slots() {
		if s.ID == spare {
			t.Error("the slot the other machine removed came back")
		}
	}
}

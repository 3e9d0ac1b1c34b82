package vaultops

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/otterauth/otter/vault"
)

// snapshotFiles returns the vault file and its backups by name.
func snapshotFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	names, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "backups", "*"))
	for _, name := range append(names, path) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// Copying a code a hundred times writes nothing to the vault: the file and
// its backups stay byte-identical and the generation stays; the uses are
// counted in local state.
func TestCopiesLeaveTheVaultAndItsBackupsUntouched(t *testing.T) {
	f := newFixture(t)
	acc := f.add("GitHub", "alice", "12345678901234567890")
	f.add("GitLab", "bob", "12345678901234567890")
	gen := f.s.Vault().Generation()
	before := snapshotFiles(t, f.path)
	for i := range 100 {
		f.now = f.now.Add(time.Second)
		if _, err := f.s.RecordUse(acc.ID); err != nil {
			t.Fatalf("use %d: %v", i, err)
		}
	}
	after := snapshotFiles(t, f.path)
	if len(after) != len(before) {
		t.Fatalf("%d files before, %d after", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(b, after[name]) {
			t.Errorf("%s changed", filepath.Base(name))
		}
	}
	if g := f.s.Vault().Generation(); g != gen {
		t.Errorf("generation %d after 100 copies, want %d", g, gen)
	}
	v, err := f.reopen("pw1")
	if err != nil {
		t.Fatal(err)
	}
	use := New(v, f.dir, f.clock).Usage()[acc.ID]
	if use.Count != 100 || !use.Last.Equal(f.now) {
		t.Errorf("local usage %+v, want 100 uses, the last at %v", use, f.now)
	}
}

// A vault written before usage moved to local state seeds it once.
func TestUsageIsSeededFromAnOldVault(t *testing.T) {
	f := newFixture(t)
	acc := f.add("GitHub", "alice", "12345678901234567890")
	last := f.now.Add(-time.Hour)
	err := f.s.Vault().Update(func(d *vault.Data) error { // as older otters did
		a := d.Account(acc.ID)
		a.UseCount, a.LastUsed = 7, last
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := New(f.s.Vault(), f.dir, f.clock)
	if use := s.Usage()[acc.ID]; use.Count != 7 || !use.Last.Equal(last) {
		t.Fatalf("seeded usage %+v, want 7 uses", use)
	}
	if use, _ := s.RecordUse(acc.ID); use.Count != 8 {
		t.Errorf("after one more use: %+v, want 8", use)
	}
}

// A deleted account is listed in the trash and comes back, secret and
// recovery codes included, as a new account; once.
func TestDeleteThenRestoreFromTheTrash(t *testing.T) {
	f := newFixture(t)
	acc := f.add("GitHub", "alice", "12345678901234567890")
	f.add("GitHub", "bob", "12345678901234567890")
	if _, err := f.s.AddRecovery(acc.ID, []string{"aaaa", "bbbb"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.UseRecovery(acc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Delete(acc.ID); err != nil {
		t.Fatal(err)
	}
	list := ListTrash(f.s.Data())
	if len(list) != 1 || list[0].Label != "GitHub:alice" || !list[0].DeletedAt.Equal(f.now) || list[0].Codes != 2 {
		t.Fatalf("trash = %+v", list)
	}
	if got := FindTrash(f.s.Data(), "alice"); len(got) != 1 || got[0].ID != acc.ID {
		t.Fatalf("FindTrash(alice) = %+v", got)
	}
	if got := FindTrash(f.s.Data(), "bob"); len(got) != 0 {
		t.Errorf("FindTrash(bob) found the live account: %+v", got)
	}
	back, err := f.s.RestoreTrash(acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.reopen("pw1")
	if err != nil {
		t.Fatal(err)
	}
	d := v.Data()
	a := d.Account(back.ID)
	if back.ID == acc.ID || a == nil || string(a.Secret) != "12345678901234567890" || a.Label() != "GitHub:alice" {
		t.Fatalf("restored %v as %s", a, back.ID)
	}
	if code, left, err := New(v, f.dir, f.clock).UseRecovery(back.ID); code != "bbbb" || left != 0 || err != nil {
		t.Errorf("next recovery code of the restored account: %q, %d, %v; want bbbb (aaaa was used)", code, left, err)
	}
	if _, err := f.s.RestoreTrash(acc.ID); !errors.Is(err, ErrNotInTrash) {
		t.Errorf("second restore: %v, want ErrNotInTrash", err)
	}
	if len(ListTrash(d)) != 0 {
		t.Errorf("the trash still lists %v", ListTrash(d))
	}
}

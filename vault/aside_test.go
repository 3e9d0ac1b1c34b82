package vault

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// ReadSibling reads only regular files of the vault's folder, never the
// vault itself, a path elsewhere or what a symbolic link names.
func TestReadSiblingRefusesLinksAndOtherPaths(t *testing.T) {
	v, _ := newVault(t)
	dir := filepath.Dir(v.Path())
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, v.Raw(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"link", "folder", filepath.Base(v.Path()), "../target", "", ".", ".."} {
		if _, err := v.ReadSibling(name); err == nil {
			t.Errorf("ReadSibling(%q) read it", name)
		}
		if _, err := v.SetAside(name); err == nil {
			t.Errorf("SetAside(%q) moved it", name)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dir, "link")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link moved: %v", err)
	}
}

// SetAside keeps backups/'s rules: a backups/ that is a symbolic link is
// refused and nothing moves.
func TestSetAsideRefusesAnUnsafeBackupsFolder(t *testing.T) {
	v, _ := newVault(t)
	dir := filepath.Dir(v.Path())
	os.RemoveAll(filepath.Join(dir, backupDir))
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(dir, backupDir)); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(dir, "copy")
	if err := os.WriteFile(copyPath, v.Raw(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := v.SetAside("copy"); !errors.Is(err, ErrUnsafeBackups) {
		t.Fatalf("SetAside through a linked backups/: %v", err)
	}
	if _, err := os.Lstat(copyPath); err != nil {
		t.Errorf("the copy moved: %v", err)
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("written through the link: %v", ents)
	}
}

// SameData ignores the order of records, not their content.
func TestSameDataIgnoresOrder(t *testing.T) {
	a := &Data{Accounts: []Account{{ID: "1", Issuer: "A"}, {ID: "2", Issuer: "B"}}}
	b := &Data{Accounts: []Account{{ID: "2", Issuer: "B"}, {ID: "1", Issuer: "A"}}}
	if !SameData(a, b) {
		t.Error("the same accounts in another order differ")
	}
	b.Accounts[0].Issuer = "C"
	if SameData(a, b) {
		t.Error("different accounts are the same")
	}
}

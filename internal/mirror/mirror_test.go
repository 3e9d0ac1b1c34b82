package mirror

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

const vaultID = "0123456789abcdef0123456789abcdef"

func TestResolve(t *testing.T) {
	root := t.TempDir()
	own := filepath.Join(root, "data", "backups")
	for _, d := range []string{own + "/sub", root + "/usb"} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o600)
	os.Symlink(own, filepath.Join(root, "link"))
	for _, tc := range []struct {
		path string
		want error
	}{
		{root + "/usb", nil},
		{root + "/usb/../usb/", nil},
		{root + "/data", nil},
		{root + "/missing", ErrNotDir},
		{file, ErrNotDir},
		{own, ErrOwnBackups},
		{own + "/sub", ErrOwnBackups},
		{root + "/link", ErrOwnBackups},
	} {
		got, err := Resolve(tc.path, own)
		if !errors.Is(err, tc.want) {
			t.Errorf("Resolve(%s) = %v, want %v", tc.path, err, tc.want)
		}
		if err == nil && (!filepath.IsAbs(got) || got != filepath.Clean(got)) {
			t.Errorf("Resolve(%s) = %s, want an absolute clean path", tc.path, got)
		}
	}
	t.Chdir(root)
	if got, err := Resolve("usb"); err != nil || got != filepath.Join(root, "usb") {
		t.Errorf("Resolve(usb) = %s, %v; want %s", got, err, filepath.Join(root, "usb"))
	}
}

func TestSaveKeepsNewestAndTouchesNothingElse(t *testing.T) {
	dir := t.TempDir()
	others := map[string]string{
		"notes.txt":                          "mine",
		"otter-fedcba98-3.otter":             "another vault",
		"otter-01234567-007.otter":           "not a name otter gives",
		"otter-01234567-2.otter.bak":         "not a copy",
		"otter-01234567-x.otter":             "not a copy",
		"otter-01234567-1.otter/placeholder": "a folder with a copy's name",
	}
	for name, content := range others {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for gen := uint64(2); gen <= 14; gen++ {
		if err := Save(dir, vaultID, gen, []byte(fmt.Sprint("file ", gen))); err != nil {
			t.Fatal(err)
		}
	}
	list, err := List(dir, vaultID)
	if err != nil {
		t.Fatal(err)
	}
	var gens []uint64
	for _, c := range list {
		gens = append(gens, c.Generation)
		if b, _ := os.ReadFile(c.Path); !bytes.Equal(b, []byte(fmt.Sprint("file ", c.Generation))) {
			t.Errorf("copy %d holds %q", c.Generation, b)
		}
	}
	if want := []uint64{14, 13, 12, 11, 10, 9, 8, 7, 6, 5}; !slices.Equal(gens, want) {
		t.Errorf("copies %v, want %v", gens, want)
	}
	for name, content := range others {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != content {
			t.Errorf("%s: %q, %v; want it untouched", name, b, err)
		}
	}
	ents, _ := os.ReadDir(dir)
	if n := len(ents); n != Keep+len(others) {
		t.Errorf("%d entries in the folder, want %d copies and %d others (no temporary files)", n, Keep, len(others))
	}
}

func TestSaveFailsInAVanishedOrReadOnlyFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "usb")
	if err := Save(dir, vaultID, 1, []byte("x")); err == nil {
		t.Error("a copy into a missing folder succeeded")
	}
	os.Mkdir(dir, 0o500)
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if os.Getuid() == 0 {
		t.Skip("root writes into read-only folders")
	}
	if err := Save(dir, vaultID, 1, []byte("x")); err == nil {
		t.Error("a copy into a read-only folder succeeded")
	}
}

func TestNameShowsOnlyTheHeader(t *testing.T) {
	if got := Name(vaultID, 42); got != "otter-01234567-42.otter" {
		t.Errorf("Name = %s", got)
	}
}

package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// faultFS is the real file system, except that call number failAt fails
// with err. It records the operations it sees.
type faultFS struct {
	osFS
	mu     sync.Mutex
	calls  []string
	failAt int
	err    error
	noLink bool // a file system without hard links: backups are copies
}

func newFaultFS(failAt int, err error) *faultFS { return &faultFS{failAt: failAt, err: err} }

func (f *faultFS) hit(op, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+filepath.Base(name))
	if len(f.calls)-1 == f.failAt {
		return &fs.PathError{Op: op, Path: name, Err: f.err}
	}
	return nil
}

type faultFile struct {
	wfile
	f    *faultFS
	name string
}

func (w faultFile) Write(b []byte) (int, error) {
	if err := w.f.hit("write", w.name); err != nil {
		n, _ := w.wfile.Write(b[:len(b)/2]) // a short write, as a full disk does
		return n, err
	}
	return w.wfile.Write(b)
}

func (w faultFile) Sync() error {
	if err := w.f.hit("fsync", w.name); err != nil {
		return err
	}
	return w.wfile.Sync()
}

func (w faultFile) Close() error {
	err := w.f.hit("close", w.name)
	if cerr := w.wfile.Close(); err == nil {
		err = cerr
	}
	return err
}

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (wfile, error) {
	if err := f.hit("open", name); err != nil {
		return nil, err
	}
	w, err := f.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return faultFile{w, f, name}, nil
}

func (f *faultFS) ReadFile(name string, max int64) ([]byte, error) {
	if err := f.hit("read", name); err != nil {
		return nil, err
	}
	return f.osFS.ReadFile(name, max)
}

func (f *faultFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := f.hit("readdir", name); err != nil {
		return nil, err
	}
	return f.osFS.ReadDir(name)
}

func (f *faultFS) MkdirAll(name string, perm fs.FileMode) error {
	return errors.Join(f.hit("mkdir", name), f.osFS.MkdirAll(name, perm))
}

func (f *faultFS) Link(oldname, newname string) error {
	if err := f.hit("link", newname); err != nil {
		return err
	}
	if f.noLink {
		return &fs.PathError{Op: "link", Path: newname, Err: syscall.EPERM}
	}
	return f.osFS.Link(oldname, newname)
}

func (f *faultFS) Rename(oldname, newname string) error {
	if err := f.hit("rename", newname); err != nil {
		return err
	}
	return f.osFS.Rename(oldname, newname)
}

func (f *faultFS) Remove(name string) error {
	if err := f.hit("remove", name); err != nil {
		return err
	}
	return f.osFS.Remove(name)
}

func (f *faultFS) SyncDir(name string) error {
	if err := f.hit("fsyncdir", name); err != nil {
		return err
	}
	return f.osFS.SyncDir(name)
}

// faultVault is a vault after saves updates (generation saves+1, with
// min(saves, 5) backups) whose writes go through a faultFS failing call
// failAt.
func faultVault(t *testing.T, saves, failAt int, err error) (*Vault, creds, *faultFS) {
	v, c := newVault(t)
	for i := range saves {
		addAccount(t, v, fmt.Sprint("GitHub ", i))
	}
	ff := newFaultFS(failAt, err)
	v.o.fs = ff
	return v, c, ff
}

// Every file operation of a save fails in turn with ENOSPC and with EIO:
// the temporary file's open, write, fsync and close, the backup's link (or,
// without hard links, its copy: open, write, fsync, close), its rename and
// the fsync of backups/, the rename over the vault, the fsync of its
// directory, the reads of old backups' dates and the removals of pruned
// backups. Update returns the error and the vault file stays
// byte-identical, except where the step is best-effort (cleanup, pruning, a link that falls back to a copy) or comes
// after the rename (the final directory fsync: reported as not yet durable).
func TestFailedWritesLeaveTheVaultIntact(t *testing.T) {
	for _, saves := range []int{1, defaultBackups + 1} { // one backup; a full backups/ that prunes
		for _, noLink := range []bool{false, true} {
			rec := newFaultFS(-1, nil)
			rec.noLink = noLink
			if err := rec.dummyUpdate(t, saves); err != nil {
				t.Fatal(err)
			}
			steps := rec.calls
			t.Logf("a save (links: %t, %d backups) is %d file operations: %s", !noLink, min(saves, defaultBackups), len(steps), strings.Join(steps, ", "))
			for i, step := range steps {
				for _, errno := range []error{syscall.ENOSPC, syscall.EIO} {
					name := fmt.Sprintf("gen=%d/links=%t/%02d %s %v", saves+1, !noLink, i, step, errno)
					t.Run(name, func(t *testing.T) { checkFault(t, saves, i, step, errno, noLink) })
				}
			}
		}
	}
}

// dummyUpdate runs one Update on a throwaway vault, after saves updates,
// that uses f.
func (f *faultFS) dummyUpdate(t *testing.T, saves int) error {
	v, _, _ := faultVault(t, saves, -1, nil)
	v.o.fs = f
	f.calls = nil
	return v.Update(func(d *Data) error { d.AddAccount(Account{Issuer: "GitLab"}, testNow); return nil })
}

func checkFault(t *testing.T, saves, i int, step string, errno error, noLink bool) {
	v, c, ff := faultVault(t, saves, i, errno)
	ff.noLink = noLink
	before := readFile(t, v.Path())
	err := v.Update(func(d *Data) error { d.AddAccount(Account{Issuer: "GitLab"}, testNow); return nil })
	after := readFile(t, v.Path())
	op := strings.Fields(step)[0]
	switch {
	case err == nil && (op == "remove" || op == "readdir" || op == "link" || op == "read" && strings.Contains(step, ".otter.")):
		// Best-effort cleanup (pruning reads the dates of old backups), or
		// a link replaced by a copy: the save went on.
		if bytes.Equal(before, after) {
			t.Fatal("Update reported success but the file did not change")
		}
	case err == nil:
		t.Fatalf("%s failed with %v but Update succeeded", step, errno)
	case !errors.Is(err, errno):
		t.Fatalf("Update = %v, want an error wrapping %v", err, errno)
	case i == len(ff.calls)-1 && op == "fsyncdir":
		// The rename happened; only its durability is in doubt.
		if !strings.Contains(err.Error(), "not yet durable") || bytes.Equal(before, after) {
			t.Fatalf("final directory sync failed: %v; file changed: %t", err, !bytes.Equal(before, after))
		}
	case !bytes.Equal(before, after):
		t.Fatalf("Update failed (%v) but the vault file changed", err)
	}
	u := open(t, v.Path(), c.pw)
	if u.Generation() != v.Generation() {
		t.Fatalf("file has generation %d, the handle believes %d", u.Generation(), v.Generation())
	}
	if ents, _ := os.ReadDir(filepath.Dir(v.Path())); hasTemp(ents) && op != "remove" {
		t.Error("a temporary file was left behind")
	}
	ff.failAt = -1
	addAccount(t, v, "after the fault")
	if n := len(v.st.backupGens()); n > defaultBackups {
		t.Errorf("%d backups after the next save, want at most %d", n, defaultBackups)
	}
}

// Every file operation of Create fails in turn: Create returns the error
// and leaves neither a vault nor a temporary file behind, so that running
// it again works — except when only the final directory fsync failed: then
// the vault is in place and opens, and Create says it is not yet durable.
func TestFailedCreateLeavesNothing(t *testing.T) {
	rec := newFaultFS(-1, nil)
	c := newCreds(t)
	if _, err := Create(filepath.Join(t.TempDir(), "vault.otter"), &Options{AllowWeakKDF: true, fs: rec}, c.pw, c.rk); err != nil {
		t.Fatal(err)
	}
	t.Logf("Create is %d file operations: %s", len(rec.calls), strings.Join(rec.calls, ", "))
	for i, step := range rec.calls {
		for _, errno := range []error{syscall.ENOSPC, syscall.EIO} {
			t.Run(fmt.Sprintf("%02d %s %v", i, step, errno), func(t *testing.T) {
				ff := newFaultFS(i, errno)
				path := filepath.Join(t.TempDir(), "otter", "vault.otter")
				v, err := Create(path, &Options{AllowWeakKDF: true, fs: ff}, c.pw, c.rk)
				op := strings.Fields(step)[0]
				_, statErr := os.Stat(path)
				switch {
				case err == nil && (op == "readdir" || op == "remove"):
					v.Close() // best-effort cleanup failed: the vault is fine
				case err == nil:
					t.Fatalf("%s failed with %v but Create succeeded", step, errno)
				case !errors.Is(err, errno):
					t.Fatalf("Create = %v, want an error wrapping %v", err, errno)
				case op == "fsyncdir" && i == len(ff.calls)-1:
					if statErr != nil || !strings.Contains(err.Error(), "not yet durable") {
						t.Fatalf("final directory sync failed: Create = %v, file: %v", err, statErr)
					}
				case statErr == nil:
					t.Fatalf("Create failed (%v) but left a vault file", err)
				}
				if ents, _ := os.ReadDir(filepath.Dir(path)); hasTemp(ents) {
					t.Error("a temporary file was left behind")
				}
				if statErr == nil {
					open(t, path, c.rk)
				} else if v, err := Create(path, testOptions(), c.pw, c.rk); err != nil {
					t.Fatalf("Create again after the fault: %v", err)
				} else {
					v.Close()
				}
			})
		}
	}
}

func TestFailedAddSlotForgetsKeyringSecret(t *testing.T) {
	rec := newFaultFS(-1, nil)
	rec.dummyUpdate(t, 1)
	rename := -1
	for i, c := range rec.calls {
		if c == "rename vault.otter" {
			rename = i
		}
	}
	v, _, _ := faultVault(t, 1, rename, syscall.ENOSPC)
	store := newMemStore()
	if _, err := v.AddSlot(Keyring{Store: store}, "desktop"); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("AddSlot = %v, want ENOSPC", err)
	}
	if store.len() != 0 || len(v.Slots()) != 2 {
		t.Errorf("failed AddSlot left %d keyring secrets and %d slots", store.len(), len(v.Slots()))
	}
}

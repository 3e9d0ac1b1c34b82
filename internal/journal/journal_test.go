package journal

import (
	"bytes"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/vault"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// syncFS is the OS file system recording, per file, whether its last
// write has been synced, and every rename.
type syncFS struct {
	mu       sync.Mutex
	unsynced map[string]bool
	renames  int
}

type syncFile struct {
	atomicfile.File
	fs   *syncFS
	name string
}

func (f syncFile) Write(b []byte) (int, error) {
	f.fs.set(f.name, true)
	return f.File.Write(b)
}

func (f syncFile) Sync() error {
	f.fs.set(f.name, false)
	return f.File.Sync()
}

func (s *syncFS) set(name string, v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unsynced[name] = v
}

func (s *syncFS) OpenFile(name string, flag int, perm fs.FileMode) (atomicfile.File, error) {
	f, err := atomicfile.OS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return syncFile{f, s, name}, nil
}

func (s *syncFS) Link(o, n string) error { return atomicfile.OS.Link(o, n) }
func (s *syncFS) Rename(o, n string) error {
	s.mu.Lock()
	s.renames++
	s.mu.Unlock()
	return atomicfile.OS.Rename(o, n)
}
func (s *syncFS) Remove(name string) error  { return atomicfile.OS.Remove(name) }
func (s *syncFS) SyncDir(name string) error { return atomicfile.OS.SyncDir(name) }

const testVault = "abababababababababababababababab"

// testJournal is the journal of vault id in dir under a fixed key.
func testJournal(dir, id string) *Journal {
	return open(dir, id, bytes.Repeat([]byte{9}, 32))
}

func event(i int, detail string) vault.AuditEvent {
	return vault.AuditEvent{ID: vault.NewID(nil), At: time.Unix(int64(i), 0), Kind: "unlock", Detail: detail}
}

// TestAppendIsSynced: when Append returns, everything it wrote to the
// journal has been synced; a rewrite (dropping events the vault holds)
// replaces the file by a rename, never in place.
func TestAppendIsSynced(t *testing.T) {
	j := testJournal(t.TempDir(), testVault)
	rec := &syncFS{unsynced: map[string]bool{}}
	j.fs = rec
	a, b := event(1, "a"), event(2, "b")
	must(t, j.Append([]vault.AuditEvent{a}))
	must(t, j.Append([]vault.AuditEvent{b}))
	if dirty, seen := rec.unsynced[j.Path()]; dirty || !seen {
		t.Fatalf("after Append the journal was written %v and left unsynced %v", seen, dirty)
	}
	got, err := j.Pending(&vault.Data{Audit: []vault.AuditEvent{a}})
	must(t, err)
	if len(got) != 1 || got[0].ID != b.ID {
		t.Fatalf("pending = %v, want only b", got)
	}
	if rec.renames != 1 {
		t.Fatalf("the rewrite made %d renames, want 1 (atomic replacement)", rec.renames)
	}
	for name, dirty := range rec.unsynced {
		if dirty {
			t.Fatalf("%s was left unsynced", name)
		}
	}
	left, err := j.Read()
	must(t, err)
	if len(left) != 1 || left[0].ID != b.ID {
		t.Fatalf("journal after Pending = %v, want only b", left)
	}
}

// TestJournalIsBounded: a journal that is never carried stays bounded and
// keeps the newest events.
func TestJournalIsBounded(t *testing.T) {
	j := testJournal(t.TempDir(), testVault)
	j.fs = atomicfile.Unsynced
	for i := range keepEvents + 200 {
		must(t, j.Append([]vault.AuditEvent{event(i, strings.Repeat("x", 400))}))
	}
	events, err := j.Read()
	must(t, err)
	info, err := os.Stat(j.Path())
	must(t, err)
	if info.Size() > maxSize || len(events) < 100 || events[len(events)-1].At.Unix() != keepEvents+199 {
		t.Fatalf("journal of %d bytes holds %d events, the newest at %v", info.Size(), len(events), events[len(events)-1].At)
	}
}

package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// recFS is the OS file system, recording each operation and failing the
// operation number failAt (-1: none).
type recFS struct {
	mu     sync.Mutex
	ops    []string
	failAt int
	noLink bool
}

var errInjected = errors.New("injected fault")

func (r *recFS) hit(op, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op+" "+strings.SplitN(filepath.Base(name), ".tmp-", 2)[0])
	if len(r.ops)-1 == r.failAt {
		return errInjected
	}
	return nil
}

type recFile struct {
	File
	r    *recFS
	name string
}

func (f recFile) Write(b []byte) (int, error) {
	if err := f.r.hit("write", f.name); err != nil {
		n, _ := f.File.Write(b[:len(b)/2])
		return n, err
	}
	return f.File.Write(b)
}

func (f recFile) Sync() error {
	if err := f.r.hit("fsync", f.name); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f recFile) Close() error {
	err := f.r.hit("close", f.name)
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *recFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if err := r.hit("open", name); err != nil {
		return nil, err
	}
	f, err := OS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return recFile{f, r, name}, nil
}

func (r *recFS) Link(o, n string) error {
	if err := r.hit("link", n); err != nil {
		return err
	}
	if r.noLink {
		return &os.LinkError{Op: "link", Old: o, New: n, Err: errors.ErrUnsupported}
	}
	return OS.Link(o, n)
}

func (r *recFS) Rename(o, n string) error {
	if err := r.hit("rename", n); err != nil {
		return err
	}
	return OS.Rename(o, n)
}

func (r *recFS) Remove(name string) error { r.hit("remove", name); return OS.Remove(name) }

func (r *recFS) SyncDir(name string) error {
	if err := r.hit("syncdir", name); err != nil {
		return err
	}
	return OS.SyncDir(name)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// entries lists dir, to find temporary files left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestWriteOrder: the data is synced before the rename, and the folder
// after it; the result has mode 0600.
func TestWriteOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	r := &recFS{failAt: -1}
	if err := Write(r, path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	want := []string{"open .state.json", "write .state.json", "fsync .state.json", "close .state.json", "rename state.json", "syncdir " + filepath.Base(filepath.Dir(path))}
	if !slices.Equal(r.ops, want) {
		t.Fatalf("ops = %q\nwant %q", r.ops, want)
	}
	if got := readFile(t, path); got != "new" {
		t.Fatalf("content = %q", got)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
}

// TestWriteFaults: a failure at any step before the rename leaves the old
// file whole and no temporary file behind.
func TestWriteFaults(t *testing.T) {
	for failAt := 0; failAt < 5; failAt++ {
		dir := t.TempDir()
		path := filepath.Join(dir, "state.json")
		os.WriteFile(path, []byte("old"), 0o600)
		r := &recFS{failAt: failAt}
		if err := Write(r, path, []byte("new content")); !errors.Is(err, errInjected) {
			t.Fatalf("fault at %q: err = %v", r.ops[failAt], err)
		}
		if got := readFile(t, path); got != "old" {
			t.Errorf("fault at %q: content = %q, want the old file", r.ops[failAt], got)
		}
		if names := entries(t, dir); len(names) != 1 {
			t.Errorf("fault at %q: left %q", r.ops[failAt], names)
		}
	}
}

// TestWriteNeverHalf: readers racing many writers see one whole version
// or another, never a mix or a truncated file.
func TestWriteNeverHalf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	versions := [][]byte{bytes.Repeat([]byte("a"), 1<<16), bytes.Repeat([]byte("b"), 1<<17)}
	if err := Write(OS, path, versions[0]); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if err := Write(OS, path, versions[i%2]); err != nil {
				t.Error(err)
				break
			}
		}
		close(done)
	}()
	reads := 0
	for stop := false; !stop; reads++ {
		select {
		case <-done:
			stop = true
		default:
		}
		b, err := os.ReadFile(path)
		if err != nil || !(bytes.Equal(b, versions[0]) || bytes.Equal(b, versions[1])) {
			t.Fatalf("read %d: %d bytes, err %v: not a whole version", reads, len(b), err)
		}
	}
	wg.Wait()
}

// TestWriteTempRefusesSymlink: a link planted at the temporary name is
// not followed: the write fails and the link's target is untouched.
func TestWriteTempRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	victim, tmp := filepath.Join(dir, "victim"), filepath.Join(dir, ".f.tmp-x")
	os.WriteFile(victim, []byte("keep"), 0o600)
	if err := os.Symlink(victim, tmp); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := WriteTemp(OS, tmp, []byte("evil")); err == nil {
		t.Fatal("WriteTemp wrote through a symbolic link")
	}
	if got := readFile(t, victim); got != "keep" {
		t.Fatalf("victim = %q", got)
	}
}

// TestWriteReplacesSymlink: a link at the target is replaced by the file,
// not written through.
func TestWriteReplacesSymlink(t *testing.T) {
	dir := t.TempDir()
	victim, path := filepath.Join(dir, "victim"), filepath.Join(dir, "f")
	os.WriteFile(victim, []byte("keep"), 0o600)
	if err := os.Symlink(victim, path); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := Write(OS, path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, victim); got != "keep" {
		t.Fatalf("victim = %q", got)
	}
	if fi, _ := os.Lstat(path); fi.Mode()&fs.ModeSymlink != 0 || readFile(t, path) != "new" {
		t.Fatal("the link was not replaced by the new file")
	}
}

// TestCreate: Create never replaces an existing file, with or without
// hard links, and leaves no temporary file.
func TestCreate(t *testing.T) {
	for _, noLink := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "export")
		r := &recFS{failAt: -1, noLink: noLink}
		if err := Create(r, path, []byte("one")); err != nil {
			t.Fatalf("noLink=%v: %v", noLink, err)
		}
		if err := Create(r, path, []byte("two")); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("noLink=%v: second Create: err = %v, want ErrExist", noLink, err)
		}
		if got := readFile(t, path); got != "one" {
			t.Fatalf("noLink=%v: content = %q", noLink, got)
		}
		if names := entries(t, dir); len(names) != 1 {
			t.Fatalf("noLink=%v: left %q", noLink, names)
		}
	}
}

// TestAppend: each append is synced before Append returns (the folder too
// when the file is new), and a link at the path is refused.
func TestAppend(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	r := &recFS{failAt: -1}
	for i := range 2 {
		if err := Append(r, path, []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"open log", "open log", "write log", "fsync log", "close log", "syncdir " + filepath.Base(dir),
		"open log", "write log", "fsync log", "close log"}
	if !slices.Equal(r.ops, want) {
		t.Fatalf("ops = %q\nwant %q", r.ops, want)
	}
	if got := readFile(t, path); got != "01" {
		t.Fatalf("content = %q", got)
	}
	if runtime.GOOS == "windows" {
		return // no O_NOFOLLOW
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if err := Append(OS, link, []byte("x")); err == nil || readFile(t, path) != "01" {
		t.Fatalf("Append wrote through a symbolic link (err %v)", err)
	}
}

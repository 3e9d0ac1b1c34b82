package vault

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/otterauth/otter/internal/atomicfile"
)

// fsys is the seam between the vault and the file system: every file
// operation of Load and of a save goes through it, so tests can inject
// ENOSPC or EIO at each step.
type fsys interface {
	atomicfile.FS
	// ReadFile reads name, refusing files larger than max bytes (ErrLimit).
	ReadFile(name string, max int64) ([]byte, error)
	ReadDir(name string) ([]fs.DirEntry, error)
	MkdirAll(name string, perm fs.FileMode) error
	// Lstat describes name itself, not what a symbolic link names.
	Lstat(name string) (fs.FileInfo, error)
}

// wfile is a file being written.
type wfile = atomicfile.File

// osFS is the real file system: atomicfile's for writing, plus reading.
type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (wfile, error) {
	return atomicfile.OS.OpenFile(name, flag, perm)
}

// openSized opens name and returns it with its size, refused (ErrLimit)
// outside min..max bytes.
func openSized(name string, min, max int64) (*os.File, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err == nil && (fi.Size() < min || fi.Size() > max) {
		err = fmt.Errorf("%s is %d bytes (%d to %d read): %w", name, fi.Size(), min, max, ErrLimit)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

func (osFS) ReadFile(name string, max int64) ([]byte, error) {
	f, size, err := openSized(name, 0, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Sized from Stat, so that a large vault is read without regrowing.
	var buf bytes.Buffer
	buf.Grow(int(size) + bytes.MinRead)
	_, err = buf.ReadFrom(io.LimitReader(f, max+1))
	b := buf.Bytes()
	if err == nil && int64(len(b)) > max {
		err = fmt.Errorf("%s grew beyond %d bytes: %w", name, max, ErrLimit)
	}
	return b, err
}

// tailReader is an fsys that can read the end of a file alone (osFS);
// Refresh uses it to see that the file is still the one it holds without
// reading it whole. Test file systems without it take the full read.
type tailReader interface {
	// ReadTail returns the last n bytes of name, refusing files shorter
	// than n or larger than max bytes.
	ReadTail(name string, n int, max int64) ([]byte, error)
}

func (osFS) ReadTail(name string, n int, max int64) ([]byte, error) {
	f, size, err := openSized(name, int64(n), max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, size-int64(n)); err != nil {
		return nil, err
	}
	return b, nil
}

func (osFS) ReadDir(name string) ([]fs.DirEntry, error)   { return os.ReadDir(name) }
func (osFS) MkdirAll(name string, perm fs.FileMode) error { return os.MkdirAll(name, perm) }
func (osFS) Lstat(name string) (fs.FileInfo, error)       { return os.Lstat(name) }
func (osFS) Link(oldname, newname string) error           { return atomicfile.OS.Link(oldname, newname) }
func (osFS) Rename(oldname, newname string) error         { return atomicfile.OS.Rename(oldname, newname) }
func (osFS) Remove(name string) error                     { return atomicfile.OS.Remove(name) }
func (osFS) SyncDir(name string) error                    { return atomicfile.OS.SyncDir(name) }

// Package atomicfile owns how otter changes its files on disk: a file is
// replaced atomically (a temporary file in the same folder, created
// exclusively with mode 0600 and without following a symbolic link,
// written, synced, renamed over the target, then the folder synced), a log
// is appended to and synced, and read-modify-write cycles on a file are
// serialised across processes by an advisory lock (flock(2) on Unix,
// LockFileEx on Windows).
//
// Every write goes through an FS, so that tests can inject a failure at
// each step; OS is the real file system.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a file being written.
type File interface {
	io.Writer
	Sync() error
	Close() error
}

// FS is the file system operations a write needs. OpenFile must honour
// os.O_EXCL; SyncDir makes the entries of a folder durable.
type FS interface {
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Link(oldname, newname string) error
	Rename(oldname, newname string) error
	Remove(name string) error
	SyncDir(name string) error
}

// OS is the operating system's file system.
var OS FS = osFS{}

type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	return os.OpenFile(name, flag, perm)
}

// Unsynced is OS without fsync, for tests and fuzzing that simulate no
// crash and want speed: a write through it is atomic but not durable.
var Unsynced FS = unsyncedFS{}

type unsyncedFS struct{ osFS }

func (unsyncedFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return unsyncedFile{f}, nil
}

func (unsyncedFS) SyncDir(string) error { return nil }

type unsyncedFile struct{ *os.File }

func (unsyncedFile) Sync() error { return nil }

func (osFS) Link(oldname, newname string) error   { return os.Link(oldname, newname) }
func (osFS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }
func (osFS) Remove(name string) error             { return os.Remove(name) }
func (osFS) SyncDir(name string) error            { return syncDir(name) }

// createFlags create a file exclusively, never through a symbolic link.
const createFlags = os.O_WRONLY | os.O_CREATE | os.O_EXCL | noFollow

// WriteTemp creates name exclusively with mode 0600, writes b to it and
// syncs it. On failure name is removed. It is the first step of Write, for
// callers (the vault) that do more between writing and renaming.
func WriteTemp(fsys FS, name string, b []byte) error {
	f, err := fsys.OpenFile(name, createFlags, 0o600)
	if err != nil {
		return fmt.Errorf("failed to create temporary file: %w", err)
	}
	err = writeSyncClose(f, b)
	if err != nil {
		fsys.Remove(name)
		return fmt.Errorf("failed to write %s: %w", name, err)
	}
	return nil
}

// writeSyncClose writes b to f, syncs and closes it; f is closed even on
// failure.
func writeSyncClose(f File, b []byte) error {
	_, err := f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Write replaces path with b atomically: a reader sees the old content or
// all of b, never part of it, and after Write returns nil b survives a
// crash. A symbolic link at path is replaced, not followed.
func Write(fsys FS, path string, b []byte) error {
	tmp := TempName(path)
	if err := WriteTemp(fsys, tmp, b); err != nil {
		return err
	}
	if err := fsys.Rename(tmp, path); err != nil {
		fsys.Remove(tmp)
		return fmt.Errorf("failed to replace %s: %w", path, err)
	}
	return syncParent(fsys, path)
}

// Create is Write for a path that must not exist yet: it fails with an
// error matching fs.ErrExist, and leaves path alone, if it does. The file
// is hard-linked into place; where links fail, path is first reserved by
// creating it exclusively, then replaced.
func Create(fsys FS, path string, b []byte) error {
	tmp := TempName(path)
	if err := WriteTemp(fsys, tmp, b); err != nil {
		return err
	}
	defer fsys.Remove(tmp)
	err := fsys.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		err = reserveAndRename(fsys, tmp, path)
	}
	if err != nil {
		return fmt.Errorf("failed to create %s: %w", path, err)
	}
	return syncParent(fsys, path)
}

func reserveAndRename(fsys FS, tmp, path string) error {
	f, err := fsys.OpenFile(path, createFlags, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	return fsys.Rename(tmp, path)
}

// Append adds b at the end of path, creating it with mode 0600 if needed,
// and syncs it (and, when it created path, the folder) before returning.
func Append(fsys FS, path string, b []byte) error {
	created := false
	f, err := fsys.OpenFile(path, os.O_WRONLY|os.O_APPEND|noFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = fsys.OpenFile(path, os.O_WRONLY|os.O_APPEND|createFlags, 0o600)
		created = true
	}
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", path, err)
	}
	err = writeSyncClose(f, b)
	if err != nil {
		return fmt.Errorf("failed to append to %s: %w", path, err)
	}
	if created {
		return syncParent(fsys, path)
	}
	return nil
}

// TempName is a fresh temporary name beside path: .BASE.tmp-RANDOM.
func TempName(path string) string {
	var r [8]byte
	rand.Read(r[:])
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(r[:]))
}

func syncParent(fsys FS, path string) error {
	dir := filepath.Dir(path)
	if err := fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("%s written but not yet durable: failed to sync %s: %w", path, dir, err)
	}
	return nil
}

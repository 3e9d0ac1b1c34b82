package vault

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"
)

// memFS is an in-memory fsys for tests that load thousands of files.
type memFS struct {
	mu    sync.Mutex
	files map[string][]byte
}

func newMemFS() *memFS { return &memFS{files: make(map[string][]byte)} }

// put stores a copy of b as name.
func (m *memFS) put(name string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[name] = bytes.Clone(b)
}

type memFile struct {
	m    *memFS
	name string
	buf  bytes.Buffer
}

func (f *memFile) Write(b []byte) (int, error) { return f.buf.Write(b) }
func (f *memFile) Sync() error                 { return nil }
func (f *memFile) Close() error                { f.m.put(f.name, f.buf.Bytes()); return nil }

func (m *memFS) OpenFile(name string, flag int, perm fs.FileMode) (wfile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.files[name]; ok && flag&os.O_EXCL != 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	}
	m.files[name] = nil
	return &memFile{m: m, name: name}, nil
}

func (m *memFS) ReadFile(name string, max int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s too big: %w", name, ErrLimit)
	}
	return bytes.Clone(b), nil
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []fs.DirEntry
	for path, b := range m.files {
		if filepath.Dir(path) == name {
			out = append(out, fs.FileInfoToDirEntry(memInfo{filepath.Base(path), len(b)}))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

func (m *memFS) MkdirAll(string, fs.FileMode) error { return nil }
func (m *memFS) SyncDir(string) error               { return nil }

// Lstat knows no folders: backups/ is never a link or another user's.
func (m *memFS) Lstat(name string) (fs.FileInfo, error) {
	return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrNotExist}
}

func (m *memFS) Link(oldname, newname string) error {
	b, err := m.ReadFile(oldname, maxFileSize)
	if err == nil {
		m.put(newname, b)
	}
	return err
}

func (m *memFS) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[oldname]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldname, Err: syscall.ENOENT}
	}
	delete(m.files, oldname)
	m.files[newname] = b
	return nil
}

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, name)
	return nil
}

type memInfo struct {
	name string
	size int
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return int64(i.size) }
func (i memInfo) Mode() fs.FileMode  { return 0o600 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

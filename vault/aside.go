package vault

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// conflictsDir is the folder under backups/ where SetAside moves the other
// files of a vault's folder once they are merged (file-sync conflict
// copies).
const conflictsDir = "conflicts"

// sibling checks that name is another file of the vault's folder: a bare
// file name, not the vault's own.
func (s store) sibling(name string) (string, error) {
	if name == "" || name == "." || name == ".." || name != filepath.Base(name) || name == s.base {
		return "", fmt.Errorf("vault: %q is not another file of the vault's folder", name)
	}
	return filepath.Join(s.dir, name), nil
}

// checkSibling refuses what is not a regular file of the current user
// within the vault's size limit.
func checkSibling(fi fs.FileInfo) error {
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", fi.Name())
	case !ownedByMe(fi):
		return fmt.Errorf("%s belongs to another user", fi.Name())
	case fi.Size() > maxFileSize:
		return fmt.Errorf("%s is %d bytes (max %d): %w", fi.Name(), fi.Size(), maxFileSize, ErrLimit)
	}
	return nil
}

// ReadSibling reads name, another file of the vault's folder (a bare file
// name, not the vault's own), as a copy of the vault to open with
// OpenCopy. It never follows a symbolic link: name must be a regular file
// of the current user, of at most the vault's maximum size, and the file
// opened must be the one checked.
func (v *Vault) ReadSibling(name string) ([]byte, error) {
	p, err := v.st.sibling(name)
	if err != nil {
		return nil, err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if err := checkSibling(fi); err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi2, err := f.Stat(); err != nil {
		return nil, err
	} else if !os.SameFile(fi, fi2) {
		return nil, fmt.Errorf("%s was replaced while it was read", name)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err == nil && len(b) > maxFileSize {
		err = fmt.Errorf("%s grew beyond %d bytes: %w", name, maxFileSize, ErrLimit)
	}
	return b, err
}

// SetAside moves name, another file of the vault's folder (ReadSibling's
// rules), to backups/conflicts/ beside the vault's backups, mode 0600, and
// returns its new path. It never overwrites: a name already taken there
// gets a numbered suffix (.1, .2, …). The backups folder must pass the
// checks of a save (not a symbolic link, the current user's:
// ErrUnsafeBackups), and so must backups/conflicts/.
func (v *Vault) SetAside(name string) (string, error) {
	src, err := v.st.sibling(name)
	if err != nil {
		return "", err
	}
	fi, err := v.o.fs.Lstat(src)
	if err != nil {
		return "", err
	}
	if err := checkSibling(fi); err != nil {
		return "", err
	}
	dir, err := v.st.conflictDir()
	if err != nil {
		return "", err
	}
	for i := 0; i < 1000; i++ {
		dst := filepath.Join(dir, name)
		if i > 0 {
			dst += "." + strconv.Itoa(i)
		}
		err := v.o.fs.Link(src, dst)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil { // no hard links here: rename, after checking the name is free
			if _, lerr := v.o.fs.Lstat(dst); lerr == nil {
				continue
			} else if !errors.Is(lerr, fs.ErrNotExist) {
				return "", lerr
			}
			if err := v.o.fs.Rename(src, dst); err != nil {
				return "", err
			}
		}
		// dst is in a folder only we can write: check what was linked.
		if dfi, err := v.o.fs.Lstat(dst); err != nil || !dfi.Mode().IsRegular() {
			v.o.fs.Remove(dst)
			return "", fmt.Errorf("%s changed while it was moved aside", name)
		}
		if err := os.Chmod(dst, 0o600); err != nil {
			return "", err
		}
		if err := v.o.fs.Remove(src); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		v.o.fs.SyncDir(dir)
		v.o.fs.SyncDir(v.st.dir)
		return dst, nil
	}
	return "", fmt.Errorf("too many files named %s in %s", name, dir)
}

// conflictDir makes backups/conflicts/ (0700) if needed and checks both
// folders as checkBackupDir does.
func (s store) conflictDir() (string, error) {
	bdir := filepath.Join(s.dir, backupDir)
	cdir := filepath.Join(bdir, conflictsDir)
	if err := s.checkBackupDir(); err != nil {
		return "", err
	}
	if err := s.o.fs.MkdirAll(cdir, 0o700); err != nil {
		return "", err
	}
	if err := s.checkBackupDir(); err != nil {
		return "", err
	}
	fi, err := s.o.fs.Lstat(cdir)
	switch {
	case err != nil:
		return "", err
	case fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir():
		return "", fmt.Errorf("%w: %s is not a folder", ErrUnsafeBackups, cdir)
	case !ownedByMe(fi):
		return "", fmt.Errorf("%w: %s belongs to another user", ErrUnsafeBackups, cdir)
	}
	return cdir, nil
}

// SameData reports whether a and b hold the same records, as the vault
// would store them, in any order: a merge that would only reorder them
// (Merge sorts the records of lists that differ) brings nothing new.
func SameData(a, b *Data) bool {
	x, y := appendData(nil, canonical(a)), appendData(nil, canonical(b))
	defer zero(x)
	defer zero(y)
	return bytes.Equal(x, y)
}

// canonical is a shallow copy of d with its lists sorted by id; it shares
// d's records.
func canonical(d *Data) *Data {
	c := *d
	c.Accounts = slices.SortedFunc(slices.Values(d.Accounts), func(a, b Account) int { return cmp.Compare(a.ID, b.ID) })
	c.Recovery = slices.SortedFunc(slices.Values(d.Recovery), func(a, b RecoverySet) int { return cmp.Compare(a.ID, b.ID) })
	c.Keys = slices.SortedFunc(slices.Values(d.Keys), func(a, b HardwareKey) int { return cmp.Compare(a.ID, b.ID) })
	c.Audit = slices.SortedFunc(slices.Values(d.Audit), func(a, b AuditEvent) int { return cmpEvent(&a, &b) })
	c.Trash = slices.SortedFunc(slices.Values(d.Trash), func(a, b TrashedAccount) int { return cmp.Compare(a.Account.ID, b.Account.ID) })
	return &c
}

package vault

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/otterauth/otter/internal/atomicfile"
)

const backupDir = "backups"

// store places a vault file, its lock, temporary files and backups.
type store struct {
	o    *options
	path string
	dir  string
	base string
}

// newStore places the vault at path, or at the file path links to: saving
// replaces the file, never a symbolic link to it.
func newStore(path string, o *options) store {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	return store{o: o, path: path, dir: filepath.Dir(path), base: filepath.Base(path)}
}

// lockPath is the lock file beside the vault: vault.lock for vault.otter.
func (s store) lockPath() string {
	return filepath.Join(s.dir, strings.TrimSuffix(s.base, ".otter")+".lock")
}

func (s store) backupPath(gen uint64) string {
	return filepath.Join(s.dir, backupDir, s.base+"."+strconv.FormatUint(gen, 10))
}

func (s store) tempPrefix() string { return "." + s.base + ".tmp-" }

func (s store) tempName(dir string) string {
	return filepath.Join(dir, s.tempPrefix()+NewID(s.o.rand)[:16])
}

// lock takes the writers' lock; the returned function releases it.
func (s store) lock(wait bool) (func(), error) {
	take := atomicfile.TryLock
	if wait {
		take = atomicfile.Lock
	}
	unlock, err := take(s.lockPath())
	if err != nil {
		return nil, fmt.Errorf("failed to lock the vault: %w", err)
	}
	return unlock, nil
}

// cleanIfIdle removes stray temporary files beside the vault, if there are
// any, when no writer holds the lock; Load uses it, so it never deletes
// another process's file in flight. Strays under backups/ wait for the next
// writer.
func (s store) cleanIfIdle() {
	if !s.hasTemps(s.dir) {
		return
	}
	unlock, err := s.lock(false)
	if err != nil {
		return
	}
	defer unlock()
	s.cleanTemps()
}

func (s store) hasTemps(dir string) bool {
	ents, _ := s.o.fs.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), s.tempPrefix()) {
			return true
		}
	}
	return false
}

// cleanTemps removes temporary files left by a crash. The caller holds the
// lock, and temporary files only exist while a writer holds it.
func (s store) cleanTemps() {
	for _, dir := range []string{s.dir, filepath.Join(s.dir, backupDir)} {
		ents, _ := s.o.fs.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), s.tempPrefix()) {
				s.o.fs.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
}

// read returns the vault file's bytes; errors match ErrNotExist or ErrLimit.
func (s store) read() ([]byte, error) {
	return s.readFile(s.path)
}

// sameTail reports whether the vault file ends with sum, reading only its
// last len(sum) bytes; false when it does not, when the file system cannot
// read a tail, or on any error (the caller then reads the file whole and
// reports what is wrong).
func (s store) sameTail(sum []byte) bool {
	t, ok := s.o.fs.(tailReader)
	if !ok {
		return false
	}
	b, err := t.ReadTail(s.path, len(sum), maxFileSize)
	return err == nil && bytes.Equal(b, sum)
}

func (s store) readFile(name string) ([]byte, error) {
	b, err := s.o.fs.ReadFile(name, maxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", ErrNotExist, err)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read vault: %w", err)
	}
	return b, nil
}

// parse is parse with corruption reported as a *CorruptError.
func (s store) parse(b []byte) (*parsed, error) {
	p, err := parse(b)
	var fe formatError
	if errors.As(err, &fe) {
		return nil, s.corrupt(fe)
	}
	return p, err
}

func (s store) corrupt(reason error) *CorruptError {
	return &CorruptError{Path: s.path, Reason: reason.Error(), Backup: s.newestGoodBackup()}
}

// commit replaces the vault with out: temporary file, backup of prev (the
// current file, generation prevGen; nil when there is none), rename, sync
// of the directory. committed reports whether the rename happened: then the
// new file is in place even if err (a failed directory sync) is not nil.
func (s store) commit(out, prev []byte, prevGen uint64) (committed bool, err error) {
	tmp := s.tempName(s.dir)
	if err := atomicfile.WriteTemp(s.o.fs, tmp, out); err != nil {
		return false, err
	}
	if prev != nil && s.o.backups > 0 {
		if err := s.backup(prev, prevGen); err != nil {
			s.o.fs.Remove(tmp)
			return false, fmt.Errorf("failed to keep a backup: %w", err)
		}
	}
	if err := s.o.fs.Rename(tmp, s.path); err != nil {
		s.o.fs.Remove(tmp)
		return false, fmt.Errorf("failed to replace vault: %w", err)
	}
	if err := s.o.fs.SyncDir(s.dir); err != nil {
		return true, fmt.Errorf("vault saved but not yet durable: failed to sync %s: %w", s.dir, err)
	}
	s.prune()
	return true, nil
}

// backup keeps the current file as backups/NAME.GEN: a hard link, or a copy
// of prev where links fail. A backups/ that is a symbolic link or another
// user's (checkBackupDir) fails the save rather than be written through.
func (s store) backup(prev []byte, gen uint64) error {
	bdir := filepath.Join(s.dir, backupDir)
	if err := s.checkBackupDir(); err != nil {
		return err
	}
	if err := s.o.fs.MkdirAll(bdir, 0o700); err != nil {
		return err
	}
	if err := s.checkBackupDir(); err != nil {
		return err
	}
	tmp := s.tempName(bdir)
	if err := s.o.fs.Link(s.path, tmp); err != nil {
		if err := atomicfile.WriteTemp(s.o.fs, tmp, prev); err != nil {
			return err
		}
	}
	err := s.o.fs.Rename(tmp, s.backupPath(gen))
	// Remove tmp even after a successful rename: renaming a hard link onto
	// another link of the same file (an earlier, interrupted save already
	// kept this generation) is a no-op that leaves tmp in place.
	s.o.fs.Remove(tmp)
	if err != nil {
		return err
	}
	return s.o.fs.SyncDir(bdir)
}

// checkBackupDir refuses (ErrUnsafeBackups) a backups/ that is a symbolic
// link, not a folder, or not owned by the current user: a planted link
// would send copies of the vault, and pruning, into someone else's folder.
// A missing backups/ is fine.
func (s store) checkBackupDir() error {
	bdir := filepath.Join(s.dir, backupDir)
	fi, err := s.o.fs.Lstat(bdir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("failed to check the backups folder: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: %s is a symbolic link", ErrUnsafeBackups, bdir)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is not a folder", ErrUnsafeBackups, bdir)
	case !ownedByMe(fi):
		return fmt.Errorf("%w: %s belongs to another user", ErrUnsafeBackups, bdir)
	}
	return nil
}

// backups lists the backup files, newest generation first.
func (s store) backups() []string {
	list := s.backupGens()
	names := make([]string, len(list))
	for i, gen := range list {
		names[i] = s.backupPath(gen)
	}
	return names
}

// backupGens lists the generations kept under backups/, newest first;
// none when backups/ is unsafe (checkBackupDir).
func (s store) backupGens() []uint64 {
	if s.checkBackupDir() != nil {
		return nil
	}
	ents, _ := s.o.fs.ReadDir(filepath.Join(s.dir, backupDir))
	var gens []uint64
	for _, e := range ents {
		g, ok := strings.CutPrefix(e.Name(), s.base+".")
		if n, err := strconv.ParseUint(g, 10, 64); ok && err == nil {
			gens = append(gens, n)
		}
	}
	slices.SortFunc(gens, func(a, b uint64) int { return cmp.Compare(b, a) })
	return gens
}

// nextGeneration follows the current file, the backups and the high-water
// mark (even with AllowRollback), so that a vault restored from an older
// backup never overwrites newer backups nor repeats a generation number
// that was lost with a file copied over.
func (s store) nextGeneration(vaultID string, current uint64) (uint64, error) {
	if gens := s.backupGens(); len(gens) > 0 && gens[0] > current {
		current = gens[0]
	}
	if s.o.highWater != nil {
		seen, err := s.o.highWater.Get(vaultID)
		if err != nil {
			return 0, fmt.Errorf("failed to read the highest generation seen of the vault: %w", err)
		}
		current = max(current, seen)
	}
	return current + 1, nil
}

// prune removes the backups the retention policy does not keep (see
// keepBackups); failures only leave extra files behind.
func (s store) prune() {
	gens := s.backupGens()
	keep := keepBackups(gens, s.backupTime, s.o.clock(), s.o.backups, s.o.days)
	for _, gen := range gens {
		if !keep[gen] {
			s.o.fs.Remove(s.backupPath(gen))
		}
	}
}

// newestGoodBackup is the newest backup that passes Load's checks.
func (s store) newestGoodBackup() string {
	for _, name := range s.backups() {
		b, err := s.o.fs.ReadFile(name, maxFileSize)
		if err != nil {
			continue
		}
		if _, err := parse(b); err == nil {
			return name
		}
	}
	return ""
}

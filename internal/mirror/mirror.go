// Package mirror owns the automatic copies of the vault in a folder the
// person chose (a synced folder, a USB stick): after every write the new
// vault file, as it is on disk (header and sealed payload), is copied
// there atomically as otter-VAULT-GEN.otter, where VAULT is the first
// eight digits of the vault's id and GEN its generation, both of which the
// file's header shows anyway. Older copies of that vault are pruned to the
// newest Keep; no other file in the folder is ever touched.
package mirror

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/otterauth/otter/internal/atomicfile"
)

// Keep is how many copies of a vault the folder keeps.
const Keep = 10

var (
	// ErrNotDir means the folder asked for does not exist or is not a
	// folder.
	ErrNotDir = errors.New("not an existing folder")
	// ErrOwnBackups means the folder asked for is inside otter's own
	// backups folder, which otter prunes by its own rules.
	ErrOwnBackups = errors.New("inside otter's own backups folder")
)

// Resolve returns path as an absolute, clean path after checking that it
// is an existing folder (ErrNotDir) and not inside any of own (ErrOwnBackups).
func Resolve(path string, own ...string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%s: %w", abs, ErrNotDir)
	}
	rp := realPath(abs)
	for _, o := range own {
		if within(rp, realPath(o)) {
			return "", fmt.Errorf("%s: %w", abs, ErrOwnBackups)
		}
	}
	return abs, nil
}

// realPath is p with symbolic links resolved where it exists.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Name is the file name of the copy of generation gen of vault vaultID.
func Name(vaultID string, gen uint64) string {
	return prefix(vaultID) + strconv.FormatUint(gen, 10) + ".otter"
}

func prefix(vaultID string) string {
	return "otter-" + vaultID[:min(8, len(vaultID))] + "-"
}

// Copy is one copy of a vault in the folder.
type Copy struct {
	Generation uint64
	Path       string
}

// Save writes file, generation gen of vault vaultID, to dir atomically
// and then removes that vault's copies beyond the newest Keep.
func Save(dir, vaultID string, gen uint64, file []byte) error {
	if err := atomicfile.Write(atomicfile.OS, filepath.Join(dir, Name(vaultID, gen)), file); err != nil {
		return err
	}
	list, err := List(dir, vaultID)
	if err != nil {
		return err
	}
	for _, c := range list[min(Keep, len(list)):] {
		if err := os.Remove(c.Path); err != nil {
			return fmt.Errorf("failed to prune an old copy: %w", err)
		}
	}
	return nil
}

// List returns the copies of vault vaultID in dir, newest generation first:
// the files named as Name names them, and nothing else.
func List(dir, vaultID string) ([]Copy, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Copy
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix(vaultID))
		digits, ok2 := strings.CutSuffix(rest, ".otter")
		gen, err := strconv.ParseUint(digits, 10, 64)
		if !ok || !ok2 || err != nil || digits != strconv.FormatUint(gen, 10) || !e.Type().IsRegular() {
			continue
		}
		out = append(out, Copy{Generation: gen, Path: filepath.Join(dir, e.Name())})
	}
	slices.SortFunc(out, func(a, b Copy) int { return cmp.Compare(b.Generation, a.Generation) })
	return out, nil
}

package localstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/otterauth/otter/internal/atomicfile"
)

// backupDirFile holds the folder automatic copies of the vault go to: a
// per-device setting, since paths differ between machines.
const backupDirFile = "backup-dir"

// BackupDir returns the folder this device copies the vault to after
// every write (see internal/mirror), or "" when it copies nowhere.
func BackupDir(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, backupDirFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("failed to read the backup folder setting: %w", err)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// SetBackupDir makes path, an absolute path, the folder this device copies
// the vault to; "" turns the copies off.
func SetBackupDir(dir, path string) error {
	file := filepath.Join(dir, backupDirFile)
	if path == "" {
		if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("failed to turn off the backup folder: %w", err)
		}
		return nil
	}
	if !filepath.IsAbs(path) || strings.ContainsRune(path, '\n') {
		return fmt.Errorf("backup folder %q: not an absolute path on one line", path)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("failed to create state directory: %w", err)
	}
	if err := atomicfile.Write(atomicfile.OS, file, []byte(path+"\n")); err != nil {
		return fmt.Errorf("failed to write the backup folder setting: %w", err)
	}
	return nil
}

// Package paths owns where otter keeps its files: the vault (data dir),
// per-machine state such as the lockout record (state dir) and the agent's
// socket (runtime dir). Without a home
// directory (and no variable naming the place) there is no place: otter
// refuses rather than fall back to a shared folder such as /tmp.
package paths

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrNoHome means the home directory is unknown ($HOME unset, empty or not
// absolute) and no variable names the folder that would have been in it.
var ErrNoHome = errors.New("no home directory")

// ErrNoRuntimeDir means there is no private per-user folder for the
// agent's socket: $XDG_RUNTIME_DIR is unset (or not absolute) on a system
// where nothing else gives one.
var ErrNoRuntimeDir = errors.New("no runtime directory for the agent ($XDG_RUNTIME_DIR is unset)")

// Vault returns the vault path: $OTTER_VAULT, else the OS user data dir
// ($XDG_DATA_HOME/otter/vault.otter on Linux).
func Vault() (string, error) {
	if p := os.Getenv("OTTER_VAULT"); p != "" {
		return p, nil
	}
	d, err := dataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "otter", "vault.otter"), nil
}

// Data returns otter's data folder: where the default vault and the sync
// repositories live ($XDG_DATA_HOME/otter on Linux).
func Data() (string, error) {
	d, err := dataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "otter"), nil
}

// State returns the directory for machine-local state that must live outside
// the vault ($XDG_STATE_HOME/otter on Linux).
func State() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && runtime.GOOS == "linux" {
		return filepath.Join(d, "otter"), nil
	}
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		h, err := home()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, ".local", "state", "otter"), nil
	}
	d, err := dataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "otter", "state"), nil
}

// Runtime returns the agent's folder: $XDG_RUNTIME_DIR/otter, or on macOS,
// which has no such variable, otter in the per-user $TMPDIR.
func Runtime() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "otter"), nil
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(os.TempDir(), "otter"), nil
	}
	return "", ErrNoRuntimeDir
}

func dataDir() (string, error) {
	switch runtime.GOOS {
	case "darwin":
		h, err := home()
		return filepath.Join(h, "Library", "Application Support"), err
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return d, nil
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return d, nil
	}
	h, err := home()
	return filepath.Join(h, ".local", "share"), err
}

func home() (string, error) {
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoHome, err)
	}
	if !filepath.IsAbs(h) {
		return "", fmt.Errorf("%w: %q is not an absolute path", ErrNoHome, h)
	}
	return h, nil
}

// FileName makes a vault id safe in a file name beside the state: ASCII
// letters, digits, '.', '_' and '-' are kept, anything else becomes '_'.
func FileName(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, id)
}

// Package paths owns where otter keeps its files: the vault (data dir) and
// per-machine state such as the lockout record (state dir).
package paths

import (
	"os"
	"path/filepath"
	"runtime"
)

// Vault returns the vault path: $OTTER_VAULT, else the OS user data dir
// ($XDG_DATA_HOME/otter/vault.otter on Linux).
func Vault() string {
	if p := os.Getenv("OTTER_VAULT"); p != "" {
		return p
	}
	return filepath.Join(dataDir(), "otter", "vault.otter")
}

// State returns the directory for machine-local state that must live outside
// the vault ($XDG_STATE_HOME/otter on Linux).
func State() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && runtime.GOOS == "linux" {
		return filepath.Join(d, "otter")
	}
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		return filepath.Join(home(), ".local", "state", "otter")
	}
	return filepath.Join(dataDir(), "otter", "state")
}

func dataDir() string {
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home(), "Library", "Application Support")
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return d
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return d
	}
	return filepath.Join(home(), ".local", "share")
}

func home() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return os.TempDir()
}

// Package localstate owns otter's per-device state, which lives beside the
// lockout record and never in the vault: this installation's device id,
// how often and when each account's code was used here, and the folder the
// vault is copied to after every write (paths differ between machines). Nothing it stores
// is secret, and writing it never writes the vault.
package localstate

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/otterauth/otter/internal/atomicfile"
)

// DeviceID returns this installation's device id from dir/device-id,
// creating it (16 random bytes, hex) on first use. Two processes creating
// it at once agree on one id.
func DeviceID(dir string) (string, error) {
	path := filepath.Join(dir, "device-id")
	if id, err := readID(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return id, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("failed to create state directory: %w", err)
	}
	b := make([]byte, 16)
	rand.Read(b)
	err := atomicfile.Create(atomicfile.OS, path, []byte(hex.EncodeToString(b)+"\n"))
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("failed to write device id: %w", err)
	}
	return readID(path)
}

func readID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(b))
	if _, err := hex.DecodeString(id); err != nil || len(id) != 32 {
		return "", fmt.Errorf("%s does not hold a device id (32 hex digits): remove it to get a new one", path)
	}
	return id, nil
}

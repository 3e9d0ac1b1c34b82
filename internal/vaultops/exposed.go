package vaultops

import (
	"fmt"
	"io/fs"
	"os"
	"runtime"

	"github.com/otterauth/otter/vault"
)

// Exposed reports the vault file and the kept backups that the group or
// others may read (mode bits 0o077 set): one error naming the files and
// the chmod that closes them, or nil. Windows, whose access lists the
// mode bits do not show, reports nothing.
func Exposed(v *vault.Vault) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	var open []string
	var worst fs.FileMode
	paths := []string{v.Path()}
	for _, b := range v.Backups() {
		paths = append(paths, b.Path)
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		open = append(open, p)
		worst |= fi.Mode().Perm()
	}
	switch len(open) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s can be read by other users of this computer (mode %04o): chmod 600 %s", open[0], worst, open[0])
	}
	return fmt.Errorf("%d vault files (the vault and its backups) can be read by other users of this computer (%s …): chmod 600 them", len(open), open[0])
}

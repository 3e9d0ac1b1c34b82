//go:build unix

package vault

import (
	"io/fs"
	"os"
	"syscall"
)

// ownedByMe reports whether fi belongs to the current (effective) user.
func ownedByMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || int(st.Uid) == os.Geteuid()
}

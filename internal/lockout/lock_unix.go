//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || solaris

package lockout

import "os"

// syncDir makes a rename in dir durable; errors are ignored, since the
// rename itself has already succeeded.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

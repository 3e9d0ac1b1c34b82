//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || solaris)

package lockout

import "sync"

// mu serialises read-modify-writes within this process. Without flock,
// concurrent otter processes may lose each other's failures here.
var mu sync.Mutex

// lockFile takes the process-wide lock; path is unused.
func lockFile(string) (func(), error) {
	mu.Lock()
	return mu.Unlock, nil
}

func syncDir(string) {}

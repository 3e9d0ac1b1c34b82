//go:build !unix && !windows

package atomicfile

import (
	"os"
	"sync"
)

const noFollow = 0

// mu stands in for the advisory lock where the OS offers none (wasm,
// plan9): it serialises the goroutines of this process only.
var mu sync.Mutex

func lockFile(_ *os.File, wait bool) error {
	if !wait {
		if !mu.TryLock() {
			return ErrLocked
		}
		return nil
	}
	mu.Lock()
	return nil
}

func unlockFile(*os.File) error {
	mu.Unlock()
	return nil
}

func syncDir(string) error { return nil }

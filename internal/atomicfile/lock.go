package atomicfile

import (
	"errors"
	"os"
)

// ErrLocked is returned by TryLock when another holder has the lock.
var ErrLocked = errors.New("file is locked by another process")

// Lock takes an exclusive advisory lock on path, creating it with mode 0600
// if needed, and returns the function that releases it. The lock belongs
// to the open file, so it also serialises goroutines of one process.
func Lock(path string) (unlock func(), err error) { return lock(path, true) }

// TryLock is Lock that fails with ErrLocked instead of waiting.
func TryLock(path string) (unlock func(), err error) { return lock(path, false) }

func lock(path string, wait bool) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f, wait); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}

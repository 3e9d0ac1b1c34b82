//go:build unix

// Package filelock serialises read-modify-write cycles on small state files
// (the lockout record, the unlock journal) across otter processes.
package filelock

import (
	"os"

	"golang.org/x/sys/unix"
)

// Lock takes an exclusive flock(2) on path, creating it if needed, and
// returns the function that releases it. flock locks belong to the open
// file, so they also serialise goroutines of one process.
func Lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}

//go:build !unix

// Package filelock serialises read-modify-write cycles on small state files
// (the lockout record, the unlock journal) across otter processes.
package filelock

import "sync"

var mu sync.Mutex

// Lock serialises the goroutines of this process only: without flock(2),
// two otter processes may lose each other's updates of a state file.
func Lock(string) (func(), error) {
	mu.Lock()
	return mu.Unlock, nil
}

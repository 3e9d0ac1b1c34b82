//go:build !unix

package main

import "sync"

var journalMu sync.Mutex

// lockPath serialises the goroutines of this process only: systems without
// flock(2) may lose a journal line when two otter processes prune at once.
func lockPath(string) (func(), error) {
	journalMu.Lock()
	return journalMu.Unlock, nil
}

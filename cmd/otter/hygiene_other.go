//go:build !linux && !windows

package main

import (
	"runtime/debug"

	"golang.org/x/sys/unix"
)

// hardenProcess turns core dumps off (RLIMIT_CORE 0) and keeps Go from
// writing more than the crashing goroutine's trace.
func hardenProcess() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	debug.SetTraceback("single")
}

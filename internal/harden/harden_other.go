//go:build !linux && !windows

package harden

import (
	"runtime/debug"

	"golang.org/x/sys/unix"
)

// Process turns core dumps off (RLIMIT_CORE 0) and keeps Go from
// writing more than the crashing goroutine's trace.
func Process() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	debug.SetTraceback("single")
}

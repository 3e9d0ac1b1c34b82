package harden

import "golang.org/x/sys/unix"

// Process turns core dumps off and makes the process undumpable, so
// that no crash or ptrace-less reader gets the unlocked vault from memory.
func Process() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}

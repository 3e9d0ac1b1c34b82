package agentd

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

const mlockSupported = true

// mlockSyscall is the syscall the pinner uses (a test swaps it to refuse).
var mlockSyscall = func(addr, n uintptr) error {
	_, _, e := unix.Syscall(unix.SYS_MLOCK, addr, n, 0)
	if e != 0 {
		return e
	}
	return nil
}

func mlockPage(pg uintptr) error { return mlockSyscall(pg, uintptr(os.Getpagesize())) }

func munlockPage(pg uintptr) {
	unix.Syscall(unix.SYS_MUNLOCK, pg, uintptr(os.Getpagesize()), 0)
}

// bufAddr is the address of b's first byte (Go's heap does not move).
func bufAddr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// memlockLimit words the soft RLIMIT_MEMLOCK.
func memlockLimit() string {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &r); err != nil {
		return "unknown"
	}
	if r.Cur == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return fmt.Sprintf("%d KiB", r.Cur/1024)
}

// coreDumps says whether this process may leave a core dump or be read
// through /proc by a process of the same user without ptrace rights.
func coreDumps() string {
	var r unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_CORE, &r)
	d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	switch {
	case err == nil && d == 0 && r.Cur == 0:
		return "off"
	case err == nil && d == 0:
		return "not dumpable"
	case r.Cur == 0:
		return "off (RLIMIT_CORE 0; but the process is dumpable)"
	}
	return "on"
}

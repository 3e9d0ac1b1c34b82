//go:build !linux

package agentd

const mlockSupported = false

func mlockPage(uintptr) error { return nil }
func munlockPage(uintptr)     {}
func bufAddr([]byte) uintptr  { return 0 }
func memlockLimit() string    { return "unknown" }
func coreDumps() string       { return "" }

//go:build unix

package main

import "syscall"

// detached makes a child the leader of a new session: no hangup reaches it
// when otter's terminal goes away.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

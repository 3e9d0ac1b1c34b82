//go:build !unix

package main

import "syscall"

// detached needs nothing where no hangup ends a child with its parent.
func detached() *syscall.SysProcAttr { return nil }

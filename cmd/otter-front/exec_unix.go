//go:build unix

package main

import (
	"os"
	"syscall"
)

// runCore replaces this process with otter-core; it returns only when that
// fails.
func runCore(args []string) error {
	core, err := corePath()
	if err != nil {
		return err
	}
	return &os.PathError{Op: "exec", Path: core, Err: syscall.Exec(core, append([]string{core}, args...), os.Environ())}
}

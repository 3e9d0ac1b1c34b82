//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// detached makes a child the leader of a new session: no hangup reaches it
// when otter's terminal goes away.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// detachAgent makes the agent (once unlocked) the leader of a new session
// and points its standard streams at /dev/null: it outlives the terminal
// and the command that started it.
func detachAgent() error {
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("failed to detach the agent: %w", err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	for fd := 0; fd <= 2; fd++ {
		if err := unix.Dup2(int(null.Fd()), fd); err != nil {
			return fmt.Errorf("failed to detach the agent: %w", err)
		}
	}
	return nil
}

//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

// runCore runs otter-core with this process's streams and ends with its
// exit code (there is no exec here); it returns only when it could not be
// started.
func runCore(args []string) error {
	core, err := corePath()
	if err != nil {
		return err
	}
	// Ctrl-C reaches otter-core too (one console): it decides what an
	// interrupt means (sync finishes its step); this process waits for it.
	signal.Ignore(os.Interrupt)
	cmd := exec.Command(core, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.ExitCode())
	}
	if err == nil {
		os.Exit(0)
	}
	return err
}

//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
)

// runCore runs otter-core with this process's streams and ends with its
// exit code (there is no exec here); it returns only when it could not be
// started.
func runCore(args []string) error {
	core, err := corePath()
	if err != nil {
		return err
	}
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

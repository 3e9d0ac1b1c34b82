// Command otter is a terminal authenticator: a TUI when run bare, a
// scriptable CLI otherwise. This file maps every error to the one message,
// hint and exit code a person or a script sees.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/otterauth/otter/internal/errcat"
	"github.com/otterauth/otter/internal/harden"
)

// Exit codes, part of the CLI contract scripts rely on (listed in README.md),
// from the catalogue.
const (
	exitOK          = errcat.OK
	exitError       = errcat.Error
	exitUsage       = errcat.Usage
	exitUnlock      = errcat.Unlock
	exitNotFound    = errcat.NotFound
	exitLockedOut   = errcat.LockedOut
	exitCorrupt     = errcat.Corrupt
	exitInterrupted = errcat.Interrupted
)

func main() {
	harden.Process()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runApp(newApp(stdin, stdout, stderr), args)
}

// runApp runs the command line args with a, whose streams and seams (the
// FIDO backend, say) tests may have replaced.
func runApp(a *app, args []string) int {
	stderr := a.stderr
	root := a.rootCmd()
	root.SetArgs(args)
	err := root.Execute()
	a.autoSync(err) // after a change, when auto sync is on; never changes the exit code
	a.close()
	if err == nil {
		return exitOK
	}
	var se silentExit
	if errors.As(err, &se) {
		return int(se)
	}
	var ue *userError
	if !a.started && !errors.As(err, &ue) {
		err = &userError{code: exitUsage, msg: err.Error(), hint: "see otter --help", err: err}
	}
	code, msg, hint := describe(err)
	fmt.Fprintf(stderr, "otter: error: %s\n", esc(msg))
	if hint != "" {
		fmt.Fprintf(stderr, "otter: hint: %s\n", esc(hint))
	}
	return code
}

// userError carries an exit code and hint chosen where the error arose.
type userError struct {
	code int
	msg  string
	hint string
	err  error
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.err }

// silentExit ends otter with an exit code and no words: another process
// (the agent start's child) has already said why.
type silentExit int

func (e silentExit) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func usageErr(format string, args ...any) error {
	return &userError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// describe is the one place that turns errors into text and exit codes:
// a userError carries a command's own words, every sentinel's come from
// the catalogue.
func describe(err error) (code int, msg, hint string) {
	var ue *userError
	if errors.As(err, &ue) {
		return ue.code, ue.msg, ue.hint
	}
	e, _ := errcat.Lookup(err)
	return e.Code, e.Msg, e.Hint
}

// Command otter is a terminal authenticator: a TUI when run bare, a
// scriptable CLI otherwise. This file maps every error to the one message,
// hint and exit code a person or a script sees.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

// Exit codes of the CLI contract (DESIGN §7).
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitUnlock    = 3
	exitNotFound  = 4
	exitLockedOut = 5
	exitCorrupt   = 6
)

func main() {
	hardenProcess()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := newApp(stdin, stdout, stderr)
	root := a.rootCmd()
	root.SetArgs(args)
	err := root.Execute()
	a.close()
	if err == nil {
		return exitOK
	}
	var ue *userError
	if !a.started && !errors.As(err, &ue) {
		err = &userError{code: exitUsage, msg: err.Error(), hint: "see otter --help", err: err}
	}
	code, msg, hint := describe(err)
	fmt.Fprintf(stderr, "otter: error: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(stderr, "otter: hint: %s\n", hint)
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

func usageErr(format string, args ...any) error {
	return &userError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// describe is the one place that turns errors into text and exit codes.
func describe(err error) (code int, msg, hint string) {
	var ue *userError
	if errors.As(err, &ue) {
		return ue.code, ue.msg, ue.hint
	}
	var ce *vault.CorruptError
	var pe *otp.ParseError
	switch {
	case errors.As(err, &ce):
		hint = "restore the newest backup only after keeping a copy of the damaged file"
		if ce.Backup != "" {
			hint = fmt.Sprintf("the newest readable backup is %s; keep a copy of the damaged file, then: cp %q %q", ce.Backup, ce.Backup, ce.Path)
		}
		return exitCorrupt, fmt.Sprintf("the vault %s is corrupt (%s)", ce.Path, ce.Reason), hint
	case errors.Is(err, vault.ErrCorrupt):
		return exitCorrupt, "the vault is corrupt: " + err.Error(), "restore the newest file from the backups/ folder beside the vault"
	case errors.Is(err, vault.ErrUnsupportedVersion):
		return exitCorrupt, err.Error(), "this vault was written by a newer otter; upgrade otter"
	case errors.Is(err, vault.ErrNotExist):
		return exitError, err.Error(), "create one with: otter init"
	case errors.Is(err, vault.ErrWrongCredential):
		return exitUnlock, err.Error(), ""
	case errors.Is(err, vault.ErrNoUsableSlot):
		return exitUnlock, err.Error(), ""
	case errors.Is(err, vault.ErrTooFewSlots):
		return exitError, err.Error(), "add another unlock method first: otter slot add password|keyring|recovery"
	case errors.Is(err, vault.ErrNoCodesLeft):
		return exitNotFound, err.Error(), "generate new recovery codes on the account's website, then: otter recovery add"
	case errors.As(err, &pe):
		return exitError, err.Error(), ""
	case errors.Is(err, keyring.ErrUnavailable):
		return exitError, err.Error(), "is a Secret Service (gnome-keyring, KWallet) running and unlocked?"
	}
	return exitError, err.Error(), ""
}

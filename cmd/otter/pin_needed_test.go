package main

import (
	"errors"
	"testing"

	"github.com/otterauth/otter/fido"
)

// TestPINNeededMatchesFidoSentinel: the TUI knows that a fido2 slot needs
// the key's PIN by errors.Is(err, fido.ErrPinRequired) on what the CLI's
// credential returns, so the error Derive builds must keep the sentinel.
func TestPINNeededMatchesFidoSentinel(t *testing.T) {
	derived := &userError{code: exitUnlock, err: errPINNeeded, msg: "this fido2 slot was enrolled with the key's PIN"}
	for _, err := range []error{errPINNeeded, derived} {
		if !errors.Is(err, fido.ErrPinRequired) {
			t.Errorf("%q does not match fido.ErrPinRequired", err)
		}
	}
}

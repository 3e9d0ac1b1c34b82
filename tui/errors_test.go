package tui

import (
	"fmt"
	"testing"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/errcat"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/vault"
)

// TestErrorTextsComeFromTheCatalogue: the TUI shows the CLI's words for a
// sentinel, as sentences.
func TestErrorTextsComeFromTheCatalogue(t *testing.T) {
	for _, err := range []error{fido.ErrPinBlocked, fido.ErrActionTimeout, fido.ErrBusy,
		&fido.Error{Op: "get assertion", RetriesLeft: 2, Err: fido.ErrPinInvalid}} {
		e, _ := errcat.FIDO(err)
		if got := keyErrText(err); got != e.Sentence() {
			t.Errorf("keyErrText(%q) = %q, want %q", err, got, e.Sentence())
		}
	}
	for _, err := range []error{vault.ErrNoCodesLeft, keyring.ErrUnavailable, fmt.Errorf("write: %w", vault.ErrLimit)} {
		e, _ := errcat.Lookup(err)
		if got := errText(err); got != e.Sentence() {
			t.Errorf("errText(%q) = %q, want %q", err, got, e.Sentence())
		}
	}
}

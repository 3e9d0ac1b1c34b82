package main

import (
	"fmt"
	"testing"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/errcat"
	"github.com/otterauth/otter/internal/importers"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/vault"
)

// TestDescribeReadsTheCatalogue: the CLI prints the catalogue's words and
// exit code for a sentinel, wrapped or not, and fidoErr does too (exit 3
// when an unlock failed); a userError keeps its own.
func TestDescribeReadsTheCatalogue(t *testing.T) {
	for _, err := range []error{vault.ErrTooFewSlots, keyring.ErrUnavailable, importers.ErrPassphraseRequired,
		fmt.Errorf("import: %w", importers.ErrWrongPassphrase), fido.ErrPinBlocked, errcat.ErrInterrupted} {
		want, _ := errcat.Lookup(err)
		if code, msg, hint := describe(err); (errcat.Entry{Code: code, Msg: msg, Hint: hint}) != want {
			t.Errorf("describe(%q) = %d %q %q, want %+v", err, code, msg, hint, want)
		}
	}
	want, _ := errcat.FIDO(fido.ErrActionTimeout)
	if code, msg, hint := describe(fidoErr(fido.ErrActionTimeout, true)); code != exitUnlock || msg != want.Msg || hint != want.Hint {
		t.Errorf("fidoErr(ErrActionTimeout, unlock) = %d %q %q", code, msg, hint)
	}
	if err := fidoErr(vault.ErrWrongCredential, false); err != vault.ErrWrongCredential {
		t.Errorf("fidoErr changed a vault error: %v", err)
	}
	if code, msg, _ := describe(usageErr("bad --at")); code != exitUsage || msg != "bad --at" {
		t.Errorf("a userError lost its words: %d %q", code, msg)
	}
}

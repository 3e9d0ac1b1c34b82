package tui

import (
	"errors"
	"fmt"
	"testing"

	"github.com/otterauth/otter/fido"
)

// TestPinNeededMatchesTheSentinelOnly: the unlock screen asks for the PIN
// when the credential's error matches fido.ErrPinRequired, whatever its
// words, and not when an error merely mentions a PIN.
func TestPinNeededMatchesTheSentinelOnly(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fido.ErrPinRequired, true},
		{fmt.Errorf("the slot needs it: %w", fido.ErrPinRequired), true},
		{&fido.Error{Op: "get assertion", RetriesLeft: -1, Err: fido.ErrPinRequired}, true},
		{fmt.Errorf("no words about it: %w", fido.ErrPinRequired), true},
		{errors.New("cannot read the PIN file"), false},
		{errors.New("this fido2 slot was enrolled with the key's PIN"), false},
		{&fido.Error{Op: "get assertion", RetriesLeft: 3, Err: fido.ErrPinInvalid}, false},
	} {
		if got := pinNeeded(tc.err); got != tc.want {
			t.Errorf("pinNeeded(%q) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

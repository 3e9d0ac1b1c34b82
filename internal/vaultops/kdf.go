package vaultops

import (
	"time"

	"github.com/otterauth/otter/vault"
)

// KDFTarget is how long one password derivation should take on the machine
// that creates the password slot: inside the 0.3–1 s band (issue 11), long
// enough to slow guessing, short enough for an unlock.
const KDFTarget = 500 * time.Millisecond

// PasswordKDF returns the Argon2id cost of a new password slot: k when it
// is set (tests pass tiny costs), else vault.CalibrateKDF(KDFTarget),
// which spends about half of KDFTarget measuring. Every face creates
// password slots with it (CLI init, passwd and slot add; TUI onboarding);
// call it after the password is typed, in the TUI inside a command.
func PasswordKDF(k vault.KDFParams) vault.KDFParams {
	if k != (vault.KDFParams{}) {
		return k
	}
	return vault.CalibrateKDF(KDFTarget)
}

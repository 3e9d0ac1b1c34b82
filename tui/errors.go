package tui

import (
	"errors"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/errcat"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/vault"
)

// This file is the one place that turns errors into the words the TUI
// shows. Screens receive errors in messages and call these functions.

// errText says what went wrong, in a sentence for the status line: the
// TUI's own errors here, every sentinel of the packages below from the
// catalogue (internal/errcat).
func errText(err error) string {
	switch {
	case err == nil:
		return ""
	}
	e, known := errcat.Lookup(err)
	if !known {
		return "Error: " + errcat.Capitalize(e.Msg)
	}
	return e.Sentence()
}

// unlockErrText explains why an unlock with method failed.
func unlockErrText(method unlockMethod, err error) string {
	var locked *lockout.LockedError
	switch {
	case errors.As(err, &locked):
		return errText(locked)
	case errors.Is(err, vault.ErrWrongCredential) && method == methodPassword:
		return "Wrong password."
	case errors.Is(err, vault.ErrWrongCredential) && method == methodRecovery:
		return "Wrong recovery key."
	case errors.Is(err, errBadRecoveryKey):
		return "That is not a recovery key: it has 32 characters (letters and digits) in 8 groups."
	case method == methodKeyring:
		return keyringText(err)
	case errors.Is(err, vault.ErrNoUsableSlot):
		return "This vault cannot be opened that way."
	case method == methodFIDO:
		return unlockKeyText(err)
	}
	return errText(err)
}

// unlockKeyText explains why a security-key unlock failed.
func unlockKeyText(err error) string {
	switch {
	case errors.Is(err, lockout.ErrLocked):
		return errText(err)
	case errors.Is(err, errKeyPIN):
		return "The key needs its PIN for this vault's slot. Set OTTER_PIN_FILE, or unlock another way."
	case errors.Is(err, vault.ErrWrongCredential):
		return "The key's answer does not open the vault. Was its slot enrolled with the PIN? Unlock the same way, or another way."
	case errors.Is(err, fido.ErrNoCredentials):
		return "The key plugged in is not one of this vault's keys. Plug in the key you enrolled, or unlock another way."
	}
	return keyErrText(err)
}

// keyErrText says what went wrong with a security key.
func keyErrText(err error) string {
	switch {
	case errors.Is(err, errNoKey):
		return "No security key is plugged in. Plug it in and try again."
	case errors.Is(err, errBadAssertion):
		return "The key's test signature did not check out: it was not registered."
	}
	if e, ok := errcat.FIDO(err); ok {
		return e.Sentence()
	}
	return errText(err)
}

// errBadRecoveryKey wraps vault.ParseRecoveryKey's complaint.
var errBadRecoveryKey = errors.New("not a recovery key")

// keyringText says why the keyring did not open the vault.
func keyringText(err error) string {
	switch {
	case errors.Is(err, vault.ErrWrongCredential):
		return "The keyring entry does not open this vault (replaced?)."
	}
	return errText(err)
}

// createErrText explains why creating the vault failed.
func createErrText(err error) string {
	if errors.Is(err, vault.ErrExist) {
		return "A vault appeared at this path meanwhile (otter init in another terminal?). Restart otter to open it."
	}
	if errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrNotFound) {
		return "The OS keyring refused the key: " + keyringText(err) + " Choose a password instead."
	}
	return "Could not create the vault: " + errText(err)
}

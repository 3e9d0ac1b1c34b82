package tui

import (
	"errors"
	"fmt"

	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

// This file is the one place that turns errors into the words the TUI
// shows. Screens receive errors in messages and call these functions.

// errText says what went wrong, in a sentence for the status line.
func errText(err error) string {
	var ce *vault.CorruptError
	var pe *otp.ParseError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ce):
		s := fmt.Sprintf("The vault file is damaged (%s).", ce.Reason)
		if ce.Backup != "" {
			s += " The newest intact backup is " + ce.Backup + ": keep a copy of the damaged file, then copy the backup over it."
		} else {
			s += " Restore the newest file from the backups/ folder beside it."
		}
		return s
	case errors.Is(err, vault.ErrCorrupt):
		return "The vault file is damaged: " + err.Error() + "."
	case errors.Is(err, vault.ErrUnsupportedVersion):
		return "This vault was written by a newer otter; upgrade otter to open it."
	case errors.Is(err, vault.ErrNoCodesLeft):
		return "No recovery codes left: generate new ones on the site, then add them here."
	case errors.Is(err, vault.ErrLimit):
		return "Too large: " + err.Error() + "."
	case errors.As(err, &pe):
		if pe.Field == "uri" || pe.Field == "data" {
			return "Not an otpauth URI: " + pe.Msg + "."
		}
		return upperFirst(pe.Field) + ": " + pe.Msg + "."
	case errors.Is(err, keyring.ErrUnavailable):
		return "The OS keyring did not answer (is a Secret Service running and unlocked?)."
	case errors.Is(err, lockout.ErrLocked):
		return upperFirst(err.Error()) + "."
	case errors.Is(err, errDuplicate):
		return "That account is already in the vault (same issuer, name and secret)."
	case errors.Is(err, errAccountGone):
		return "That account was deleted meanwhile (in another otter?)."
	}
	return "Error: " + err.Error() + "."
}

// errAccountGone means an account vanished between a key press and the
// vault write that acts on it.
var errAccountGone = errors.New("account deleted")

// unlockErrText explains why an unlock with method failed.
func unlockErrText(method unlockMethod, err error) string {
	switch {
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
	}
	return errText(err)
}

// errBadRecoveryKey wraps vault.ParseRecoveryKey's complaint.
var errBadRecoveryKey = errors.New("not a recovery key")

// keyringText says why the keyring did not open the vault.
func keyringText(err error) string {
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return "The keyring has no otter entry for this vault (deleted, or another keyring)."
	case errors.Is(err, keyring.ErrUnavailable):
		return "The OS keyring did not answer (no Secret Service running, or it is locked)."
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

package tui

import (
	"errors"
	"fmt"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/vaultops"
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
	case errors.Is(err, vaultops.ErrDuplicate):
		return "That account is already in the vault (same issuer, name and secret)."
	case errors.Is(err, vaultops.ErrAccountGone):
		return "That account was deleted meanwhile (in another otter?)."
	case errors.Is(err, vaultops.ErrKeyNameTaken):
		return "A key with that name is already registered: pick another name."
	case errors.Is(err, vaultops.ErrKeyGone):
		return "That key was removed from the inventory meanwhile (in another otter?)."
	}
	return "Error: " + err.Error() + "."
}

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
	for _, m := range keyMessages {
		if errors.Is(err, m.err) {
			if n := fido.Retries(err); n >= 0 && m.err == fido.ErrPinInvalid {
				return fmt.Sprintf("Wrong PIN: %d %s left before the key blocks its PIN.", n, plural(n, "attempt"))
			}
			if m.err == fido.ErrUnsupported && !fido.Supported() {
				return "This otter was built without FIDO2 support (it needs cgo and libfido2)."
			}
			return m.text
		}
	}
	var fe *fido.Error
	if errors.As(err, &fe) {
		return "The key failed: " + err.Error() + "."
	}
	return errText(err)
}

// keyMessages is the table from security-key errors to what the user
// reads, first match wins.
var keyMessages = []struct {
	err  error
	text string
}{
	{errNoKey, "No security key is plugged in. Plug it in and try again."},
	{fido.ErrCanceled, "Cancelled."},
	{fido.ErrPinInvalid, "Wrong PIN."},
	{fido.ErrPinBlocked, "The key's PIN is blocked after too many wrong PINs. Only a reset makes the key usable again, and a reset erases every credential on it (otter keys reset)."},
	{fido.ErrPinAuthBlocked, "Too many wrong PINs in a row: unplug the key, plug it back in and try again."},
	{fido.ErrPinRequired, "The key needs its PIN for this."},
	{fido.ErrPinNotSet, "The key has no PIN: set one first."},
	{fido.ErrPinPolicy, "The key refused the new PIN: use 4 to 63 characters (the key may ask for more)."},
	{fido.ErrOperationDenied, "The key refused: presence was denied. Try again and touch the key when it blinks."},
	{fido.ErrActionTimeout, "The key was not touched in time. Try again and touch it when it blinks."},
	{fido.ErrKeyRemoved, "The key was removed. Plug it back in and try again."},
	{fido.ErrTimeout, "The key did not answer in time: unplug it, plug it back in and try again."},
	{fido.ErrRx, "Lost contact with the key: unplug it, plug it back in and try again."},
	{fido.ErrTx, "Lost contact with the key: unplug it, plug it back in and try again."},
	{fido.ErrNoCredentials, "The key does not hold that credential."},
	{fido.ErrKeyStoreFull, "The key has no room for another resident credential: delete one first."},
	{fido.ErrBusy, "The key is busy with another program (a browser asking for it?): close it and try again."},
	{fido.ErrUnsupported, "The key does not support this."},
	{fido.ErrNotAllowed, "The key does not allow this now."},
	{fido.ErrNotFound, "The key is gone: was it unplugged?"},
	{errBadAssertion, "The key's test signature did not check out: it was not registered."},
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

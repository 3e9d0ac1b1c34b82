// Package errcat is otter's one catalogue of errors: every sentinel of
// vault, fido, internal/vaultops, internal/importers, internal/lockout,
// internal/keyring, internal/paths, internal/otp, internal/mirror, internal/gitrepo, internal/syncer and internal/agent maps here, once, to the exit code a script sees and the
// message and hint a person reads. The CLI prints them as they are
// ("otter: error: MSG", "otter: hint: HINT"); the TUI reads the same words
// and only adapts case and punctuation (Sentence).
package errcat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/internal/importers"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/mirror"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/internal/recoverycodes"
	"github.com/otterauth/otter/internal/syncer"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// Exit codes of the CLI contract.
const (
	OK          = 0
	Error       = 1   // any other failure
	Usage       = 2   // bad flags, arguments or input
	Unlock      = 3   // the vault (or an export) did not open
	NotFound    = 4   // no such account, no code left
	LockedOut   = 5   // too many failed unlock attempts
	Corrupt     = 6   // a damaged or too new vault file
	Sync        = 7   // the sync remote failed, refused the push or was rewound
	Interrupted = 130 // a prompt was cancelled with ctrl+c (128 + SIGINT)
)

// ErrInterrupted means the person cancelled a prompt (ctrl+c); nothing
// was written.
var ErrInterrupted = errors.New("cancelled")

// Entry is what otter says about an error: lowercase, no final period.
type Entry struct {
	Code int
	Msg  string
	Hint string // "" when there is nothing to add
}

// entries is the table from sentinels to entries, first match wins. An
// empty Msg means the error's own text, which carries the detail.
var entries = []struct {
	err error
	Entry
}{
	{ErrInterrupted, Entry{Interrupted, "cancelled", ""}},

	{vault.ErrUnsupportedVersion, Entry{Corrupt, "", "this vault was written by a newer otter; upgrade otter"}},
	{vault.ErrNotExist, Entry{Error, "", "create one with: otter init"}},
	{vault.ErrExist, Entry{Error, "", ""}},
	{vault.ErrWrongCredential, Entry{Unlock, "", ""}},
	{vault.ErrSlotRemoved, Entry{Unlock, "", "another device removed the way this one unlocks (in a shared vault: your member slot); nothing was changed here. If you have another way in the vault still has (a password, the recovery key), unlock with it, then sync again"}},
	{vault.ErrNoUsableSlot, Entry{Unlock, "", ""}},
	{vault.ErrTooFewSlots, Entry{Error, "", "add another unlock method first: otter slot add password|keyring|recovery"}},
	{vault.ErrNoCodesLeft, Entry{NotFound, "", "generate new recovery codes on the account's website, then: otter recovery add"}},
	{vault.ErrLimit, Entry{Error, "", ""}},
	{vault.ErrControlChar, Entry{Usage, "", "remove the control characters (escape sequences, bells) from the text"}},
	{vault.ErrInvalid, Entry{Error, "", "otter computes TOTP, HOTP and Steam codes with SHA1, SHA256 or SHA512, 1 to 10 digits"}},
	{vault.ErrChanged, Entry{Sync, "", "another otter saved the vault meanwhile; sync again"}},
	{vault.ErrRollback, Entry{Corrupt, "", "if an older file was put back on purpose, make it the newest generation with: otter backup restore GEN"}},
	{vault.ErrNoBackup, Entry{NotFound, "", "see the kept generations with: otter backup list"}},
	{vault.ErrOtherVault, Entry{Error, "", "it is a file of another vault; sync a copy of this vault, or join the other one on a fresh path: otter sync join"}},
	{vault.ErrGenerationJump, Entry{Corrupt, "", "the other copy is damaged or forged; keep this one and do not take that copy"}},
	{vault.ErrUnvouched, Entry{Corrupt, "", "the remote may have been tampered with; nothing was changed here. If every device rotated its key before upgrading otter, join afresh on one of them: otter sync join"}},
	{vault.ErrUnsafeBackups, Entry{Error, "", "remove or rename the backups folder beside the vault (it is not yours, or it points elsewhere); otter creates a fresh one"}},

	{mirror.ErrNotDir, Entry{Usage, "", "give a folder that exists (create it first), e.g. one your sync tool watches or a USB stick's"}},
	{mirror.ErrOwnBackups, Entry{Usage, "", "otter already keeps backups there; pick a folder outside otter's data folder"}},

	{recoverycodes.ErrNone, Entry{Usage, "", "paste the codes separated by spaces, commas or new lines"}},
	{recoverycodes.ErrTooLong, Entry{Usage, "", "give only the codes the site shows, one per line or separated by spaces"}},

	{vaultops.ErrAccountGone, Entry{NotFound, "", "another otter changed the vault meanwhile; see the accounts with: otter list"}},
	{vaultops.ErrKeyGone, Entry{NotFound, "", "another otter changed the vault meanwhile; see the keys with: otter keys list"}},
	{vaultops.ErrDuplicate, Entry{Error, "", ""}},
	{vaultops.ErrKeyNameTaken, Entry{Error, "", "pick another name"}},
	{vaultops.ErrNoRecoveryCodes, Entry{NotFound, "", "add the codes the site gave you: otter recovery add QUERY FILE"}},
	{vaultops.ErrLastWayIn, Entry{Error, "", "add another unlock method first (otter slot add password, recovery or fido2 with another key)"}},
	{vaultops.ErrNoName, Entry{Usage, "", ""}},
	{vaultops.ErrNotInTrash, Entry{NotFound, "", "see what the trash holds: otter trash (deleted accounts stay 30 days)"}},
	{vaultops.ErrNoCode, Entry{Error, "", "the stored account is damaged; remove it (otter rm) and add it again from the site's setup page"}},

	{lockout.ErrLocked, Entry{LockedOut, "", "the lock protects the vault from guessing; the OS keyring still unlocks it"}},

	{paths.ErrNoHome, Entry{Usage, "", "set HOME, or name the places: --vault FILE (or OTTER_VAULT) and XDG_STATE_HOME"}},
	{paths.ErrNoRuntimeDir, Entry{Error, "", "log in through a session that sets it (systemd-logind does), or run commands without the agent"}},

	{agent.ErrNotRunning, Entry{Error, "", "start one: otter agent start"}},
	{agent.ErrRunning, Entry{Error, "", "see it with: otter agent status"}},
	{agent.ErrLocked, Entry{Unlock, "", "start a new one: otter agent start"}},
	{agent.ErrOtherVault, Entry{Error, "", "stop it (otter agent stop) and start one for this vault"}},
	{agent.ErrUnsupported, Entry{Error, "", "otter unlocks the vault for each command here"}},
	{agent.ErrUnsafeDir, Entry{Error, "", "remove the folder (it must be yours, mode 0700, not a symlink); otter creates it again"}},
	{agent.ErrCounter, Entry{Error, "", "its code moves the counter: otter code asks the agent for it"}},
	{agent.ErrProtocol, Entry{Error, "", "restart the agent: otter agent stop, then otter agent start"}},

	{syncer.ErrRewound, Entry{Sync, "", "the remote lost changes this device had synced (a force push, or an old copy put back); nothing was changed here. Push this device's vault to a fresh remote (otter sync init NEW-REMOTE), or ask whoever manages the remote to put its history back"}},
	{syncer.ErrNotAttached, Entry{Error, "", "attach it to a git remote first: otter sync init REMOTE (a bare repository's path, an ssh or https URL)"}},
	{syncer.ErrEmptyRemote, Entry{NotFound, "", "on the machine that has the vault, run: otter sync init REMOTE"}},
	{syncer.ErrBusy, Entry{Sync, "", "other devices kept pushing; sync again in a moment"}},
	{gitrepo.ErrNoGit, Entry{Error, "", "otter syncs through the git command: install it (apt install git, brew install git, or git-scm.com) and make sure it is on PATH"}},
	{gitrepo.ErrRejected, Entry{Sync, "", "another device synced at the same moment; sync again"}},
	{gitrepo.ErrRefChanged, Entry{Sync, "", "another otter synced meanwhile; sync again"}},
	{gitrepo.ErrNotFound, Entry{NotFound, "", ""}},
	{gitrepo.ErrRemote, Entry{Sync, "", "check the remote's URL and your access to it: git ls-remote URL"}},
	{gitrepo.ErrURLPassword, Entry{Usage, "", "leave the password out of the URL: git asks for it, a credential helper can keep it, or use an ssh URL"}},

	{keyring.ErrNotFound, Entry{Error, "the keyring has no otter entry for this vault (deleted, or another keyring)", ""}},
	{keyring.ErrUnavailable, Entry{Error, "the OS keyring did not answer", "is a Secret Service (gnome-keyring, KWallet) running and unlocked?"}},

	{importers.ErrPassphraseRequired, Entry{Usage, "the export is encrypted", "give its passphrase with --passphrase-file FILE (or run in a terminal to be asked)"}},
	{importers.ErrIdentityRequired, Entry{Usage, "", "give the age identity (AGE-SECRET-KEY-1…) with --identity-file FILE"}},
	{importers.ErrWrongPassphrase, Entry{Unlock, "cannot decrypt the export: wrong passphrase", "use the passphrase the export was made with, not otter's vault password"}},
	{importers.ErrWrongIdentity, Entry{Unlock, "", "use the identity whose recipient the backup was made for"}},
	{importers.ErrUnknownFormat, Entry{Usage, "", "name the format, for example: otter import aegis FILE"}},
	{importers.ErrTooLarge, Entry{Error, "", "is it the right file? exports are far smaller"}},
	{importers.ErrImageTooLarge, Entry{Error, "", "crop the picture to the QR code, or save it smaller"}},
}

// NoFIDOBuild is the entry for fido.ErrUnsupported from a binary built
// without libfido2.
var NoFIDOBuild = Entry{Error, "this otter was built without FIDO2 support", "build it with cgo and libfido2 (Debian: apt install libfido2-dev)"}

// fidoEntries is the table for security-key errors.
var fidoEntries = []struct {
	err error
	Entry
}{
	{fido.ErrPinInvalid, Entry{Error, "wrong PIN", ""}},
	{fido.ErrPinBlocked, Entry{Error, "the key's PIN is blocked after too many wrong PINs", "only a reset makes the key usable again, and it erases every credential on it: otter keys reset --yes"}},
	{fido.ErrPinAuthBlocked, Entry{Error, "too many wrong PINs in a row", "unplug the key, plug it back in and try again"}},
	{fido.ErrPinRequired, Entry{Error, "the key needs its PIN for this", "give it with --pin-file FILE (or OTTER_PIN_FILE), or run on a terminal"}},
	{fido.ErrPinNotSet, Entry{Error, "the key has no PIN", "set one with: otter keys pin set"}},
	{fido.ErrPinPolicy, Entry{Error, "the new PIN does not meet the key's rules", "use 4 to 63 characters (the key may ask for more)"}},
	{fido.ErrOperationDenied, Entry{Error, "the key refused: presence was denied", "try again and touch the key when it blinks"}},
	{fido.ErrActionTimeout, Entry{Error, "the key was not touched in time", "try again and touch the key when it blinks"}},
	{fido.ErrKeyRemoved, Entry{Error, "the key was removed during the operation", "plug it back in and try again"}},
	{fido.ErrTimeout, Entry{Error, "the key did not answer in time", "unplug it, plug it back in and try again"}},
	{fido.ErrRx, Entry{Error, "lost contact with the key", "unplug it, plug it back in and try again"}},
	{fido.ErrTx, Entry{Error, "lost contact with the key", "unplug it, plug it back in and try again"}},
	{fido.ErrCanceled, Entry{Error, "cancelled", ""}},
	{fido.ErrNoCredentials, Entry{Error, "the key does not hold that credential", ""}},
	{fido.ErrKeyStoreFull, Entry{Error, "the key has no room for another resident credential", "delete one with: otter keys creds rm ID"}},
	{fido.ErrBusy, Entry{Error, "the key is busy with another program", "close the other program (a browser asking for the key?) and try again"}},
	{fido.ErrUnsupported, Entry{Error, "the key does not support this", ""}},
	{fido.ErrNotAllowed, Entry{Error, "the key does not allow this now", ""}},
	{fido.ErrNotFound, Entry{Error, "the key is gone", "see the keys plugged in with: otter keys list --connected"}},
	{fido.ErrPinAuthInvalid, Entry{Error, "the key rejected the PIN authentication", "unplug the key, plug it back in and try again"}},
	{fido.ErrUVBlocked, Entry{Error, "the key's built-in user verification is blocked", "use the key's PIN instead"}},
	{fido.ErrUVInvalid, Entry{Error, "the key did not recognise you", "try again"}},
	{fido.ErrCredentialExcluded, Entry{Error, "the key already holds a credential for this", ""}},
	{fido.ErrInvalidSignature, Entry{Error, "the key's signature does not verify", "is it a genuine key? try again, or another key"}},
	{fido.ErrInvalidArgument, Entry{Error, "the key rejected the request as invalid", ""}},
	{fido.ErrDevice, Entry{Error, "", "unplug the key, plug it back in and try again"}},
}

// Lookup returns the entry for err and whether the catalogue knows it. An
// error it does not know gets exit code Error and its own text.
func Lookup(err error) (Entry, bool) {
	if err == nil {
		return Entry{Code: OK}, true
	}
	if e, ok := lookupTyped(err); ok {
		return e, true
	}
	for _, m := range entries {
		if errors.Is(err, m.err) {
			e := m.Entry
			if e.Msg == "" {
				e.Msg = err.Error()
			}
			return e, true
		}
	}
	if e, ok := FIDO(err); ok {
		return e, true
	}
	return Entry{Error, err.Error(), ""}, false
}

// FIDO is Lookup for the errors of a security key only: it reports false
// for any error that is no *fido.Error and matches no fido sentinel.
func FIDO(err error) (Entry, bool) {
	switch {
	case errors.Is(err, fido.ErrPinInvalid) && fido.Retries(err) >= 0:
		n := fido.Retries(err)
		return Entry{Error, fmt.Sprintf("wrong PIN: %d %s left before the key blocks its PIN", n, plural(n, "attempt", "attempts")), ""}, true
	case errors.Is(err, fido.ErrUnsupported) && !fido.Supported():
		return NoFIDOBuild, true
	}
	for _, m := range fidoEntries {
		if errors.Is(err, m.err) {
			e := m.Entry
			if e.Msg == "" {
				e.Msg = "the key failed: " + err.Error()
			}
			return e, true
		}
	}
	var fe *fido.Error
	if errors.As(err, &fe) {
		return Entry{Error, "the key failed: " + err.Error(), ""}, true
	}
	return Entry{}, false
}

// lookupTyped handles the errors whose words depend on their fields.
func lookupTyped(err error) (Entry, bool) {
	var ce *vault.CorruptError
	var re *vault.RollbackError
	var pe *otp.ParseError
	var ve *importers.VersionError
	var fe *importers.FormatError
	switch {
	case errors.As(err, &re):
		return Entry{Corrupt,
			fmt.Sprintf("refusing an older vault file: %s is generation %d, but otter already saw generation %d", re.Path, re.Generation, re.Seen),
			fmt.Sprintf("was an older copy put in its place? if that was intended, make it the newest generation with: otter backup restore %d", re.Generation)}, true
	case errors.As(err, &ce):
		hint := "keep a copy of the damaged file, then restore the newest file from the backups/ folder beside it"
		if ce.Backup != "" {
			hint = fmt.Sprintf("the newest readable backup is %s; keep a copy of the damaged file, then: cp %q %q", ce.Backup, ce.Backup, ce.Path)
			if gen := backupGeneration(ce.Backup); gen != "" {
				hint += " && otter backup restore " + gen
			}
		}
		return Entry{Corrupt, fmt.Sprintf("the vault file is corrupt (%s)", ce.Reason), hint}, true
	case errors.Is(err, vault.ErrCorrupt):
		return Entry{Corrupt, "the vault file is corrupt: " + err.Error(), "restore the newest file from the backups/ folder beside the vault"}, true
	case errors.As(err, &pe):
		if pe.Field == "uri" || pe.Field == "data" {
			return Entry{Error, "not an otpauth URI: " + pe.Msg, ""}, true
		}
		return Entry{Error, pe.Field + ": " + pe.Msg, ""}, true
	case errors.As(err, &ve):
		return Entry{Error, err.Error(), "export again from the app in an older format, or update otter"}, true
	case errors.As(err, &fe):
		return Entry{Error, err.Error(), "is it the right file and format? a truncated or edited file cannot be read"}, true
	}
	return Entry{}, false
}

// backupGeneration is the generation a backup file's name ends in
// (backups/vault.otter.7), "" if it ends in none.
func backupGeneration(name string) string {
	i := strings.LastIndexByte(name, '.')
	if _, err := strconv.ParseUint(name[i+1:], 10, 64); i < 0 || err != nil {
		return ""
	}
	return name[i+1:]
}

// Sentence is the entry as the TUI shows it: the message and the hint as
// sentences, capitalised and ending in a period.
func (e Entry) Sentence() string {
	s := Capitalize(e.Msg)
	if e.Hint != "" {
		s += " " + Capitalize(e.Hint)
	}
	return s
}

// Capitalize makes s a sentence: the first letter upper case and a final
// period unless s already ends in one, a question or an exclamation mark.
func Capitalize(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.ContainsAny(s[len(s)-1:], ".?!") {
		s += "."
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

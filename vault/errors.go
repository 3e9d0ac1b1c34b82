package vault

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrWrongCredential means no slot key could be unwrapped: a wrong
	// password, recovery key or keyring secret.
	ErrWrongCredential = errors.New("wrong credential")
	// ErrCorrupt means the file is damaged: checksum mismatch, truncation,
	// unparsable header, or a payload that fails to decrypt after a slot
	// unwrapped correctly. The error is a *CorruptError.
	ErrCorrupt = errors.New("vault is corrupt")
	// ErrUnsupportedVersion means the file is intact but of a format version
	// this build cannot read.
	ErrUnsupportedVersion = errors.New("unsupported vault version")
	// ErrNoUsableSlot means the vault has no slot of the credential's type.
	ErrNoUsableSlot = errors.New("no usable unlock slot")
	// ErrNotExist means there is no vault file; errors carrying it also
	// match fs.ErrNotExist.
	ErrNotExist = errors.New("no vault")
	// ErrExist means Create found a vault file already in place.
	ErrExist = errors.New("vault already exists")
	// ErrTooFewSlots means the operation would leave fewer than two slots.
	ErrTooFewSlots = errors.New("a vault needs at least two unlock slots")
	// ErrLimit means a size, count, field length or KDF bound was exceeded.
	ErrLimit = errors.New("limit exceeded")
	// ErrInvalid means an account's type, algorithm, digits or period are
	// ones otter cannot compute codes from (zero values mean the defaults).
	// Update refuses to save such an account. Otter never writes one, so a
	// file that holds one (written by a bug or by another program with the
	// key) is reported by Unlock and Refresh as corrupt (ErrCorrupt), with a
	// reason naming the account and the parameter.
	ErrInvalid = errors.New("cannot compute codes")
	// ErrControlChar means new text (an issuer, name, tag, note, URL,
	// recovery code or key name) holds a control character; see
	// internal/termtext.Clean.
	ErrControlChar = errors.New("text holds a control character")
	// ErrUnsafeBackups means the backups folder beside the vault is a
	// symbolic link, not a folder, or owned by another user: a save that
	// would keep a backup there fails, and nothing is written through it.
	ErrUnsafeBackups = errors.New("unsafe backups folder")
	// ErrNoCodesLeft means an account has no unused recovery code.
	ErrNoCodesLeft = errors.New("no recovery codes left")
	// ErrOtherVault means a file given as a copy of this vault (OpenCopy,
	// Adopt) belongs to another vault: its vault id differs.
	ErrOtherVault = errors.New("the file is another vault")
	// ErrSlotRemoved means the other copy of the vault removed the slot
	// that unlocked this one: adopting or merging it would lock this
	// device out, so nothing is written.
	ErrSlotRemoved = errors.New("this device's unlock slot was removed from the vault")
	// ErrGenerationJump means another copy of the vault claims a
	// generation more than 2^32 above this one's: no sequence of saves
	// gets there, so it is damaged or forged, and taking it would push
	// every later generation to the end of the range.
	ErrGenerationJump = errors.New("the other copy's generation is implausibly far ahead")
)

// CorruptError describes a damaged vault file. errors.Is(err, ErrCorrupt)
// is true for it.
type CorruptError struct {
	Path   string // the damaged file
	Reason string // what is wrong with it
	Backup string // newest backup that passes Load's checks, "" if none
}

// Error implements error.
func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("%v: %s: %s", ErrCorrupt, e.Path, e.Reason)
	if e.Backup != "" {
		msg += " (newest intact backup: " + e.Backup + ")"
	}
	return msg
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// formatError is the internal form of a corruption found while parsing bytes;
// it becomes a *CorruptError once the path and backup are known.
type formatError string

func (e formatError) Error() string { return string(e) }

// Is reports whether target is ErrCorrupt.
func (e formatError) Is(target error) bool { return target == ErrCorrupt }

func corruptf(format string, args ...any) error {
	return formatError(fmt.Sprintf(format, args...))
}

// errClosed is returned by methods of a closed Vault.
var errClosed = errors.New("vault is closed")

// ErrChanged means Adopt found the vault file changed by another process
// since this Vault last read or wrote it: adopting the other copy would
// drop that change. Nothing was written; the Vault now holds the new file,
// and the caller merges instead (sync does so on its next round).
var ErrChanged = errors.New("the vault changed while it was being synced")

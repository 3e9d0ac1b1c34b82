package vaultops

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/journal"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/vault"
)

// Unlocker runs otter's one unlock sequence on a loaded vault, for every
// credential kind and every face: lockout reservation → unlock → confirm
// the failure, clear on success or withdraw → audit journal.
//
// Attempts that a person can repeat to guess — a password, a recovery key,
// a security key's PIN (fido2 slots) — are reserved in the failed-attempt
// record before any work (no KDF runs while locked out, and no more attempts
// run at once than the limits allow) and stay counted when they fail;
// keyring and age-identity unlocks are neither, since nothing is guessed.
// A record that cannot be read refuses the attempt: unknown must not mean
// "not locked".
//
// The unlock journal holds the audit events of an unlock (the unlock
// itself unless the keyring did it, and the failed attempts before it),
// authenticated with a key derived from the data key; the session's next
// vault write carries them into the audit log, at most CarryMax of them.
type Unlocker struct {
	l     *vault.Locked
	dir   string
	now   func() time.Time
	track *lockout.Tracker
}

// NewUnlocker returns the unlocker of l; stateDir holds the failed-attempt
// record and the unlock journal; now nil means time.Now.
func NewUnlocker(l *vault.Locked, stateDir string, now func() time.Time) *Unlocker {
	if now == nil {
		now = time.Now
	}
	return &Unlocker{l: l, dir: stateDir, now: now, track: lockout.Open(stateDir, l.VaultID(), now)}
}

// Locked returns the vault being unlocked.
func (u *Unlocker) Locked() *vault.Locked { return u.l }

// Unlocked is a successful unlock.
type Unlocked struct {
	*Session
	// Failed are the failed attempts since the previous successful unlock
	// (now cleared): a face tells the person about them.
	Failed lockout.Summary
	// Warnings are what went wrong with the unlock journal (the unlock
	// stands, but its audit events may be lost if no write follows), a
	// backup newer than the vault file, and vault files that others can
	// read (Exposed), and file-sync conflict copies left in place
	// (MergeConflictCopies).
	Warnings []error
	// Conflicts are the file-sync conflict copies of the vault merged in
	// and moved aside after the unlock (Session.MergeConflictCopies): a
	// face shows one line per copy (MergedCopy.Summary).
	Conflicts []MergedCopy
}

// Counted reports whether an unlock with credentials of slot type t is
// checked against the failed-attempt record and counted when it fails.
func Counted(t vault.SlotType) bool { return t != vault.SlotKeyring && t != vault.SlotAge }

// attemptKind names the kinds the failed-attempt record counts.
func attemptKind(t vault.SlotType) string {
	switch t {
	case vault.SlotFIDO2:
		return "pin"
	case vault.SlotRecovery:
		return "recovery"
	case vault.SlotPassword:
		return "password"
	}
	return string(t)
}

// wrong reports whether err means the credential was wrong, which is what
// the record counts: a wrong password or recovery key, a key's answer that
// does not open the vault, a wrong PIN.
func wrong(err error) bool {
	return errors.Is(err, vault.ErrWrongCredential) || errors.Is(err, fido.ErrPinInvalid)
}

// Check tells, without an attempt, whether a counted attempt would be
// refused now (a *lockout.LockedError) or the record cannot be read.
func (u *Unlocker) Check() error {
	if err := u.track.Check(); err != nil {
		var le *lockout.LockedError
		if errors.As(err, &le) {
			return err
		}
		return fmt.Errorf("cannot read the failed-attempt record: %w", err)
	}
	return nil
}

// Unlock opens the vault with c. A counted attempt is reserved in the
// failed-attempt record before any KDF work (refused when locked out), so
// that concurrent attempts stay within the limits; it is confirmed as a
// failure when the credential was wrong, withdrawn when the attempt was no
// guess (a corrupt file, a missing key). A counted attempt that fails wraps
// both the cause and, when it crossed the threshold, the
// *lockout.LockedError.
func (u *Unlocker) Unlock(c vault.Credential) (*Unlocked, error) {
	t := c.SlotType()
	var a *lockout.Attempt
	if Counted(t) {
		var err error
		if a, err = u.reserve(attemptKind(t)); err != nil {
			return nil, err
		}
	}
	v, err := u.l.Unlock(c)
	if err != nil {
		return nil, u.failed(a, err)
	}
	out := &Unlocked{Session: New(v, u.dir, u.now)}
	if a != nil {
		out.Failed, _ = a.Success()
	}
	out.Warnings = u.journal(v, out.Failed)
	for _, err := range []error{NewerBackup(v), Exposed(v)} {
		if err != nil {
			out.Warnings = append(out.Warnings, err)
		}
	}
	// After the checks above: a merge writes a new generation, which would
	// hide a newer backup.
	rep, err := out.MergeConflictCopies()
	if err != nil {
		out.Warnings = append(out.Warnings, err)
	}
	out.Conflicts = rep.Merged
	out.Warnings = append(out.Warnings, rep.Warnings...)
	return out, nil
}

// reserve reserves a counted attempt of kind.
func (u *Unlocker) reserve(kind string) (*lockout.Attempt, error) {
	a, err := u.track.Reserve(kind)
	if err != nil {
		var le *lockout.LockedError
		if errors.As(err, &le) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot read the failed-attempt record: %w", err)
	}
	return a, nil
}

// failed ends the reserved attempt a (nil if not counted) that failed with
// err, and returns err with what the record said.
func (u *Unlocker) failed(a *lockout.Attempt, err error) error {
	if a == nil {
		return err
	}
	if !wrong(err) {
		a.Release() // at worst the attempt stays counted
		return err
	}
	if ferr := a.Fail(); ferr != nil {
		var le *lockout.LockedError
		if !errors.As(ferr, &le) {
			ferr = fmt.Errorf("the failed attempt could not be recorded: %w", ferr)
		}
		err = fmt.Errorf("%w; %w", err, ferr)
	}
	return err
}

// CarryMax is the most journal events one unlock queues for the vault's
// next write; the rest stay in the journal for a later unlock's write.
const CarryMax = 100

// NewerBackup returns a warning when a kept backup is newer than the vault
// file: an older file was put in place while the rollback guard could not
// tell (its record was lost, or the file was restored on purpose).
func NewerBackup(v *vault.Vault) error {
	b := v.Backups()
	if len(b) == 0 || b[0].Generation <= v.Generation() {
		return nil
	}
	return fmt.Errorf("the vault file is generation %d but a newer backup is kept (generation %d, %s): was an older file put in place? see: otter backup list",
		v.Generation(), b[0].Generation, b[0].Path)
}

// journal records the unlock's audit events in the unlock journal and
// queues for v's next write this unlock's events and, oldest first, as
// many pending journal events as CarryMax allows.
func (u *Unlocker) journal(v *vault.Vault, failed lockout.Summary) []error {
	fresh := UnlockEvents(v, failed, u.now())
	j, err := journal.Open(u.dir, v)
	if err != nil {
		v.Carry(fresh...)
		return []error{fmt.Errorf("cannot open the unlock journal: %w", err)}
	}
	defer j.Close()
	var warn []error
	events, err := j.Pending(v.Data())
	if err != nil {
		warn = append(warn, fmt.Errorf("cannot read the unlock journal: %w", err))
	}
	if err := j.Append(fresh); err != nil {
		warn = append(warn, fmt.Errorf("cannot record the unlock in the journal (it is kept only if a write follows): %w", err))
	}
	events = events[:min(len(events), max(CarryMax-len(fresh), 0))]
	v.Carry(append(events, fresh...)...)
	return warn
}

// UnlockEvents returns the events the unlock that opened v adds at now: the
// failed attempts before it (failed, from the lockout record) and the
// unlock itself, unless it went through the keyring (the desktop session
// opening the vault, not a person proving who they are).
func UnlockEvents(v *vault.Vault, failed lockout.Summary, now time.Time) []vault.AuditEvent {
	var out []vault.AuditEvent
	if failed.Failures > 0 {
		out = append(out, FailedEvent(failed))
	}
	if info := v.Unlocked(); info.SlotType != vault.SlotKeyring {
		out = append(out, vault.AuditEvent{ID: vault.NewID(nil), At: now.UTC(), Kind: "unlock",
			Detail: SlotName(v.Slots(), info.SlotID)})
	}
	return out
}

// FailedEvent turns the lockout record's summary into an audit event.
func FailedEvent(s lockout.Summary) vault.AuditEvent {
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(s.Kinds)) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, s.Kinds[k]))
	}
	detail := fmt.Sprintf("%d failed unlock %s before this unlock", s.Failures, plural(s.Failures, "attempt", "attempts"))
	if len(kinds) > 0 {
		detail += " (" + strings.Join(kinds, ", ") + ")"
	}
	return vault.AuditEvent{ID: vault.NewID(nil), At: s.Last.UTC(), Kind: "unlock.failed", Detail: detail}
}

// SlotName is "type slot 1a2b3c4d" with the slot's label, if any.
func SlotName(slots []vault.Slot, id string) string {
	for _, s := range slots {
		if s.ID == id {
			name := fmt.Sprintf("%s slot %s", s.Type, ShortID(s.ID))
			if s.Label != "" {
				name += fmt.Sprintf(" %q", s.Label)
			}
			return name
		}
	}
	return "slot " + ShortID(id)
}

// Package vaultops is otter's domain layer: every operation on the data of
// an unlocked vault, and the unlock sequence itself, written once for every
// face (the CLI, the TUI and, later, the agent and sync).
//
// A face finds what to act on (a query, a selection), calls one method of
// a Session and renders its result; it never changes vault.Data fields
// itself. Each method is one vault transaction: it stamps the clock of what
// it changes, writes the audit event that goes with it, and returns
// ErrAccountGone or ErrKeyGone when another process removed the thing it
// acts on meanwhile. Errors are sentinels of this package or of vault,
// mapped to words and exit codes by the faces' error catalogue.
package vaultops

import (
	"errors"
	"sync"
	"time"

	"github.com/otterauth/otter/internal/localstate"
	"github.com/otterauth/otter/vault"
)

var (
	// ErrAccountGone means the account was deleted between the moment a
	// face found it and the write that acts on it (another otter?).
	ErrAccountGone = errors.New("the account was removed meanwhile")
	// ErrKeyGone is ErrAccountGone for a security key of the inventory.
	ErrKeyGone = errors.New("the key was removed from the inventory meanwhile")
	// ErrDuplicate means every account to add is already in the vault
	// with the same issuer, name and secret.
	ErrDuplicate = errors.New("already in the vault with the same issuer, name and secret")
	// ErrKeyNameTaken means another live key of the inventory has that
	// name (names compare case-insensitively).
	ErrKeyNameTaken = errors.New("a key with that name is already registered")
	// ErrNoRecoveryCodes means the account never had recovery codes (as
	// opposed to vault.ErrNoCodesLeft: it had some and used them all).
	ErrNoRecoveryCodes = errors.New("the account has no recovery codes")
	// ErrNoName means an edit would leave an account with neither issuer
	// nor account name.
	ErrNoName = errors.New("an account needs an issuer or an account name")
	// ErrLastWayIn means removing a key's slot would leave the vault with
	// a single way in (vault.ErrTooFewSlots wraps it too).
	ErrLastWayIn = errors.New("removing the key's slot would leave the vault with a single way in")
	// ErrNotInTrash means no deleted account in the trash matches: never
	// deleted, restored already, or purged after vault.TrashDays days.
	ErrNotInTrash = errors.New("no deleted account in the trash matches")
)

// errUnchanged ends a transaction that would change nothing: no write.
var errUnchanged = errors.New("nothing changed")

// Session is an unlocked vault and the operations on it. Its methods are
// safe for concurrent use: each is one vault.Vault.Update, except that
// uses are recorded in per-device local state (localstate.Usage), never in
// the vault.
type Session struct {
	v      *vault.Vault
	now    func() time.Time
	usage  *localstate.Usage // nil: uses are not recorded
	seeded sync.Once
}

// New wraps an unlocked (or just created) vault; stateDir is the folder of
// per-device state (paths.State(); "" records no uses), now nil means
// time.Now.
func New(v *vault.Vault, stateDir string, now func() time.Time) *Session {
	if now == nil {
		now = time.Now
	}
	s := &Session{v: v, now: now}
	if stateDir != "" {
		s.usage = localstate.OpenUsage(stateDir, v.VaultID())
	}
	return s
}

// Vault returns the vault the session acts on.
func (s *Session) Vault() *vault.Vault { return s.v }

// Data returns the current snapshot of the vault's data (see vault.Vault.Data).
func (s *Session) Data() *vault.Data { return s.v.Data() }

// Log records an audit event that goes with no change of the data: an
// export, a QR code shown, recovery codes revealed.
func (s *Session) Log(kind, detail string) error {
	now := s.now()
	return s.v.Update(func(d *vault.Data) error {
		d.Log(now, kind, detail)
		return nil
	})
}

// touch stamps account a changed at now: the one place an account edit
// advances the clock.
func touch(d *vault.Data, a *vault.Account, now time.Time) {
	a.Updated = now
	a.Stamp = d.Tick(now)
}

// onAccount runs fn on the live account id of the data, in one
// transaction at now; ErrAccountGone if another process deleted it.
func (s *Session) onAccount(id string, fn func(d *vault.Data, a *vault.Account, now time.Time) error) error {
	now := s.now()
	return s.v.Update(func(d *vault.Data) error {
		a, err := live(d, id)
		if err != nil {
			return err
		}
		return fn(d, a, now)
	})
}

// live returns the live account id of d or ErrAccountGone.
func live(d *vault.Data, id string) (*vault.Account, error) {
	if a := d.Account(id); a != nil {
		return a, nil
	}
	return nil, ErrAccountGone
}

package vaultops

import (
	"fmt"
	"time"

	"github.com/otterauth/otter/internal/termtext"
	"github.com/otterauth/otter/vault"
)

// cleanList strips control characters from typed or pasted recovery codes.
func cleanList(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = termtext.Clean(c)
	}
	return out
}

// AddRecovery adds the codes account id does not have yet and returns how
// many it added.
func (s *Session) AddRecovery(id string, codes []string) (int, error) {
	var n int
	err := s.onAccount(id, func(d *vault.Data, _ *vault.Account, now time.Time) error {
		n = d.AddRecoveryCodes(id, cleanList(codes), now)
		if n == 0 {
			return errUnchanged
		}
		return nil
	})
	if err == errUnchanged {
		err = nil
	}
	return n, err
}

// ReplaceRecovery replaces the codes of account id by a new batch (the
// site generated new ones, and the old ones stopped working): the old set
// becomes a tombstone, kept in the vault's backups, and the new one holds
// codes. It returns how many codes the new set has.
func (s *Session) ReplaceRecovery(id string, codes []string) (int, error) {
	var n int
	err := s.onAccount(id, func(d *vault.Data, a *vault.Account, now time.Time) error {
		old := d.RecoveryFor(id)
		if old != nil {
			*old = vault.RecoverySet{ID: old.ID, AccountID: id, Stamp: d.Tick(now), Deleted: true}
		}
		n = d.AddRecoveryCodes(id, cleanList(codes), now)
		d.Log(now, "recovery.replace", fmt.Sprintf("%s, %d codes", a.Label(), n))
		return nil
	})
	return n, err
}

// RemoveRecovery removes the recovery codes of account id.
func (s *Session) RemoveRecovery(id string) error {
	return s.onAccount(id, func(d *vault.Data, a *vault.Account, now time.Time) error {
		set := d.RecoveryFor(id)
		if set == nil {
			return ErrNoRecoveryCodes
		}
		*set = vault.RecoverySet{ID: set.ID, AccountID: id, Stamp: d.Tick(now), Deleted: true}
		d.Log(now, "recovery.remove", a.Label())
		return nil
	})
}

// UseRecovery marks the next unused recovery code of account id used and
// returns it with the number still unused. An account that never had codes
// fails with ErrNoRecoveryCodes, one that used them all with
// vault.ErrNoCodesLeft.
func (s *Session) UseRecovery(id string) (code string, left int, err error) {
	err = s.onAccount(id, func(d *vault.Data, a *vault.Account, now time.Time) error {
		if set := d.RecoveryFor(id); set == nil || len(set.Codes) == 0 {
			return fmt.Errorf("%s: %w", a.Label(), ErrNoRecoveryCodes)
		}
		code, left, err = d.UseRecoveryCode(id, now)
		if err != nil {
			return err
		}
		d.Log(now, "recovery.use", fmt.Sprintf("%s, %d left", a.Label(), left))
		return nil
	})
	return code, left, err
}

// LogReveal records that the recovery codes of account id were shown.
func (s *Session) LogReveal(id string) error {
	return s.onAccount(id, func(d *vault.Data, a *vault.Account, now time.Time) error {
		set := d.RecoveryFor(id)
		n := 0
		if set != nil {
			n = len(set.Codes)
		}
		d.Log(now, "recovery.reveal", fmt.Sprintf("%s, %d codes, %d unused", a.Label(), n, set.Unused()))
		return nil
	})
}

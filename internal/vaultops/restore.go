package vaultops

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/otterauth/otter/vault"
)

// Restore makes the data of generation gen current again, as a new
// generation above every generation seen, so that the restore itself can be
// undone (the generation it replaces is kept as a backup). It returns the
// new generation.
//
// What is restored: the accounts, their recovery codes and the settings of
// gen. What is kept: the vault's slots (they are not part of the data), the
// security-key inventory (it describes those slots and keys), the audit log,
// and the rules sync relies on: an HOTP counter never goes back, a used
// recovery code stays used, an account deleted since gen comes back under a
// new id (its tombstone stays), an account added since gen becomes a
// tombstone. The restore is an audit event.
func (s *Session) Restore(gen uint64) (uint64, error) {
	old, err := s.v.OpenBackup(gen)
	if err != nil {
		return 0, err
	}
	defer wipeData(old)
	from := s.v.Generation()
	now := s.now()
	err = s.v.Update(func(d *vault.Data) error {
		restore(d, old, now)
		d.Log(now, "backup.restore", fmt.Sprintf("data of generation %d (%d accounts) replaces generation %d",
			gen, len(old.Live()), from))
		return nil
	})
	return s.v.Generation(), err
}

// restore turns d's accounts, recovery codes and settings into old's.
func restore(d, old *vault.Data, now time.Time) {
	keep := make(map[string]bool)
	for _, a := range old.Live() {
		keep[a.ID] = true
	}
	for _, a := range d.Live() {
		if !keep[a.ID] {
			d.DeleteAccount(a.ID, now)
		}
	}
	ids := make(map[string]string) // old account id → id in d
	for _, a := range old.Live() {
		ids[a.ID] = restoreAccount(d, a, now)
	}
	for _, a := range old.Live() {
		restoreCodes(d, old.RecoveryFor(a.ID), ids[a.ID], now)
	}
	if d.Settings != old.Settings { // a change: stamp it (merge decides settings by the clock)
		d.Settings = old.Settings
		d.Tick(now)
	}
}

// restoreAccount puts o's fields in d and returns the account's id there.
func restoreAccount(d *vault.Data, o *vault.Account, now time.Time) string {
	var cur *vault.Account
	for i := range d.Accounts {
		if d.Accounts[i].ID == o.ID {
			cur = &d.Accounts[i]
		}
	}
	c := *o
	c.Secret, c.Tags = bytes.Clone(o.Secret), slices.Clone(o.Tags)
	switch {
	case cur == nil:
		c.Updated, c.Stamp = now, d.Tick(now)
		d.Accounts = append(d.Accounts, c)
		return c.ID
	case cur.Deleted: // a tombstone never comes back: a new record
		n := d.AddAccount(c, now)
		n.Created = o.Created
		return n.ID
	}
	c.Counter = max(c.Counter, cur.Counter)
	c.UseCount = max(c.UseCount, cur.UseCount)
	if cur.LastUsed.After(c.LastUsed) {
		c.LastUsed = cur.LastUsed
	}
	clear(cur.Secret)
	*cur = c
	touch(d, cur, now)
	return cur.ID
}

// restoreCodes gives the account id of d the codes of set o (nil: none),
// keeping every code d has used as used.
func restoreCodes(d *vault.Data, o *vault.RecoverySet, id string, now time.Time) {
	cur := d.RecoveryFor(id)
	if o == nil && cur == nil {
		return
	}
	var codes []vault.RecoveryCode
	if o != nil {
		codes = slices.Clone(o.Codes)
	}
	if cur != nil {
		codes = keepUsed(codes, cur.Codes)
	}
	switch {
	case cur == nil:
		d.Recovery = append(d.Recovery, vault.RecoverySet{ID: vault.NewID(nil), AccountID: id, Codes: codes, Stamp: d.Tick(now)})
	case len(codes) == 0:
		*cur = vault.RecoverySet{ID: cur.ID, AccountID: id, Stamp: d.Tick(now), Deleted: true}
	default:
		cur.Codes, cur.Stamp = codes, d.Tick(now)
	}
}

// keepUsed marks used in codes what was used in cur, and appends the used
// codes of cur that codes lacks.
func keepUsed(codes, cur []vault.RecoveryCode) []vault.RecoveryCode {
	for _, c := range cur {
		if c.UsedAt.IsZero() {
			continue
		}
		i := slices.IndexFunc(codes, func(o vault.RecoveryCode) bool { return o.Code == c.Code })
		if i < 0 {
			codes = append(codes, c)
		} else if codes[i].UsedAt.IsZero() {
			codes[i].UsedAt = c.UsedAt
		}
	}
	return codes
}

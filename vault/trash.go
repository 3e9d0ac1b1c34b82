package vault

import (
	"slices"
	"time"
)

// TrashDays is how long a deleted account stays in the trash.
const TrashDays = 30

// TrashedAccount is a deleted account kept, secret included, so that it
// can be restored for TrashDays days. The account itself is a tombstone
// (see Data.DeleteAccount) and stays one: restoring makes a new account,
// with a new id, from this copy, so a deleted id never comes back and sync
// can always let a deletion win.
type TrashedAccount struct {
	Account   Account        `json:"account"` // as it was, ID the tombstone's
	Recovery  []RecoveryCode `json:"recovery,omitempty"`
	DeletedAt time.Time      `json:"deleted_at"`
	// Reason is why the entry is here: "" for a deleted account,
	// TrashConflict for the losing version of an account that two copies
	// changed differently (see Merge), whose Account.ID is then derived
	// from the live account's id and the loser's stamp.
	Reason string `json:"reason,omitempty"`
}

func (t TrashedAccount) clone() TrashedAccount {
	t.Account = t.Account.clone()
	t.Recovery = slices.Clone(t.Recovery)
	return t
}

// trash keeps a copy of the live account a, and of its recovery codes, in
// the trash.
func (d *Data) trash(a *Account, now time.Time) {
	t := TrashedAccount{Account: a.clone(), DeletedAt: now}
	if set := d.RecoveryFor(a.ID); set != nil {
		t.Recovery = slices.Clone(set.Codes)
	}
	d.Trash = append(d.Trash, t)
}

// TrashedAt returns the trash entry of the deleted account id, or nil.
func (d *Data) TrashedAt(id string) *TrashedAccount {
	for i := range d.Trash {
		if d.Trash[i].Account.ID == id {
			return &d.Trash[i]
		}
	}
	return nil
}

// RestoreTrashed takes the deleted account id out of the trash and adds it
// back as a new account (new id, Created now), with its recovery codes,
// their dates and used state kept. It returns the new account (valid until
// the next append), or nil if id is not in the trash.
func (d *Data) RestoreTrashed(id string, now time.Time) *Account {
	i := slices.IndexFunc(d.Trash, func(t TrashedAccount) bool { return t.Account.ID == id })
	if i < 0 {
		return nil
	}
	t := d.Trash[i]
	d.Trash = slices.Delete(slices.Clone(d.Trash), i, i+1)
	a := t.Account
	a.LastUsed, a.UseCount = time.Time{}, 0
	restored := d.AddAccount(a, now)
	zero(t.Account.Secret)
	if len(t.Recovery) > 0 {
		d.Recovery = append(d.Recovery, RecoverySet{
			ID: NewID(nil), AccountID: restored.ID, Codes: slices.Clone(t.Recovery), Stamp: d.Tick(now),
		})
	}
	return restored
}

// purgeTrash drops, zeroing their secrets, the trash entries deleted more
// than TrashDays days before now.
func (d *Data) purgeTrash(now time.Time) {
	limit := now.AddDate(0, 0, -TrashDays)
	d.Trash = slices.DeleteFunc(d.Trash, func(t TrashedAccount) bool {
		if t.DeletedAt.Before(limit) {
			zero(t.Account.Secret)
			return true
		}
		return false
	})
}

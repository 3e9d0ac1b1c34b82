package vaultops

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/otterauth/otter/vault"
)

// Playbook is the offboarding playbook of an unlock slot that is being
// removed (or just was): every account whose seed and recovery codes the
// slot's holder could read. Removing a slot rotates the data key, so the
// holder opens no later generation of the vault, but keeps everything
// they already decrypted: only re-enrolling 2FA at each site (a new seed,
// new recovery codes) locks them out of the accounts.
type Playbook struct {
	Slot vault.Slot
	// Member is true for an age slot with a label: a person who joined a
	// shared vault (see IsMember).
	Member bool
	// Unsure is true when the slot's creation time is unknown (zero): then
	// every account otter still knows of is listed, deleted ones included,
	// as the holder may have read any of them.
	Unsure bool
	// Accounts are the accounts that were live while the slot existed:
	// every live account, then those deleted in otter after the slot was
	// created (they may still exist at the site), by label.
	Accounts []Readable
	// Forgotten counts accounts deleted while the slot existed whose
	// label otter no longer keeps (purged from the trash).
	Forgotten int
}

// Readable is one account of a Playbook.
type Readable struct {
	ID    string
	Label string
	// Unused is the number of its unused recovery codes the holder could
	// read: generate new ones at the site.
	Unused int
	// Deleted is when the account was deleted in otter; zero while live.
	Deleted time.Time
}

// IsMember reports whether s is a member of a shared vault: an age slot
// with a label (otter slot add age RECIPIENT --label NAME).
func IsMember(s vault.Slot) bool {
	return s.Type == vault.SlotAge && strings.TrimSpace(s.Label) != ""
}

// Offboarding returns the playbook of the slot id of the session's vault,
// to be read before or after the slot is removed (the accounts do not
// change with it); ok is false when the vault has no such slot.
func (s *Session) Offboarding(id string) (p Playbook, ok bool) {
	for _, sl := range s.v.Slots() {
		if sl.ID == id {
			return OffboardingOf(s.v.Data(), sl), true
		}
	}
	return Playbook{}, false
}

// OffboardingOf builds the playbook of slot sl over the data d: every live
// account (the slot exists now, so each was readable), and every account
// deleted in otter after sl was created; with sl.Created unknown, every
// deleted account otter knows of.
func OffboardingOf(d *vault.Data, sl vault.Slot) Playbook {
	p := Playbook{Slot: sl, Member: IsMember(sl), Unsure: sl.Created.IsZero()}
	for _, a := range d.Live() {
		unused := 0
		if set := d.RecoveryFor(a.ID); set != nil {
			for _, c := range set.Codes {
				if c.UsedAt.IsZero() {
					unused++
				}
			}
		}
		p.Accounts = append(p.Accounts, Readable{ID: a.ID, Label: a.Label(), Unused: unused})
	}
	slices.SortFunc(p.Accounts, func(a, b Readable) int { return cmp.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	trashed := map[string]*vault.TrashedAccount{}
	for i := range d.Trash {
		if t := &d.Trash[i]; t.Reason == "" {
			trashed[t.Account.ID] = t
		}
	}
	var gone []Readable
	for i := range d.Accounts {
		a := &d.Accounts[i]
		if !a.Deleted {
			continue
		}
		// a tombstone's Updated is when it was deleted
		if !p.Unsure && !a.Updated.After(sl.Created) {
			continue // deleted before the slot existed
		}
		t := trashed[a.ID]
		if t == nil {
			p.Forgotten++
			continue
		}
		unused := 0
		for _, c := range t.Recovery {
			if c.UsedAt.IsZero() {
				unused++
			}
		}
		gone = append(gone, Readable{ID: a.ID, Label: t.Account.Label(), Unused: unused, Deleted: t.DeletedAt})
	}
	slices.SortFunc(gone, func(a, b Readable) int { return cmp.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	p.Accounts = append(p.Accounts, gone...)
	return p
}

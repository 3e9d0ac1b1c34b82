package vaultops

import (
	"github.com/otterauth/otter/internal/termtext"

	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/otterauth/otter/vault"
)

// KeyInfo describes a security key joining the inventory.
type KeyInfo struct {
	Name    string // the nickname the user gave it
	AAGUID  string // its model's AAGUID, formatted
	Product string // what the key calls itself
}

// FindKey returns the live key named name (case-insensitively), or nil.
func FindKey(d *vault.Data, name string) *vault.HardwareKey {
	name = strings.TrimSpace(name)
	for i := range d.Keys {
		if k := &d.Keys[i]; !k.Deleted && strings.EqualFold(k.Nickname, name) {
			return k
		}
	}
	return nil
}

// liveKey returns the live key id of d, or ErrKeyGone.
func liveKey(d *vault.Data, id string) (*vault.HardwareKey, error) {
	for i := range d.Keys {
		if k := &d.Keys[i]; k.ID == id && !k.Deleted {
			return k, nil
		}
	}
	return nil, ErrKeyGone
}

// KeyAccounts returns the live accounts key k is registered on.
func KeyAccounts(d *vault.Data, k *vault.HardwareKey) []*vault.Account {
	var out []*vault.Account
	for _, id := range k.Accounts {
		if a := d.Account(id); a != nil {
			out = append(out, a)
		}
	}
	return out
}

// RegisterKey adds a key to the inventory; slotID is its vault unlock
// slot, if it has one. A name already taken fails with ErrKeyNameTaken.
func (s *Session) RegisterKey(k KeyInfo, slotID string) (vault.HardwareKey, error) {
	now := s.now()
	var out vault.HardwareKey
	name := termtext.Clean(k.Name)
	if name == "" {
		return out, errors.New("a key needs a name")
	}
	err := s.v.Update(func(d *vault.Data) error {
		if FindKey(d, name) != nil {
			return fmt.Errorf("%q: %w", name, ErrKeyNameTaken)
		}
		d.Keys = append(d.Keys, vault.HardwareKey{ID: vault.NewID(nil), Nickname: name, AAGUID: k.AAGUID,
			Product: k.Product, Added: now, SlotID: slotID, Stamp: d.Tick(now)})
		d.Log(now, "key.register", name)
		out = d.Keys[len(d.Keys)-1]
		return nil
	})
	return out, err
}

// Lost is what MarkLost did.
type Lost struct {
	Key  vault.HardwareKey // as stored, marked lost
	Slot *vault.Slot       // the unlock slot it had and that was removed, or nil
}

// MarkLost runs the vault side of the lost-key playbook for key id: it
// removes the key's unlock slot, if it has one (the data key is rotated:
// the key no longer opens the vault), then marks the key lost. It refuses,
// changing nothing, when removing the slot would leave a single way in
// (ErrLastWayIn, which is also vault.ErrTooFewSlots).
func (s *Session) MarkLost(id string) (Lost, error) {
	var out Lost
	k, err := liveKey(s.v.Data(), id)
	if err != nil {
		return out, err
	}
	slots := s.v.Slots()
	if i := slices.IndexFunc(slots, func(x vault.Slot) bool { return k.SlotID != "" && x.ID == k.SlotID }); i >= 0 {
		if len(slots) <= 2 {
			return out, fmt.Errorf("%w: %w", ErrLastWayIn, vault.ErrTooFewSlots)
		}
		if err := s.v.RemoveSlot(slots[i].ID); err != nil {
			return out, err
		}
		out.Slot = &slots[i]
	}
	now := s.now()
	err = s.v.Update(func(d *vault.Data) error {
		k, err := liveKey(d, id)
		if err != nil {
			return err
		}
		k.Lost, k.SlotID, k.Stamp = true, "", d.Tick(now)
		n := len(KeyAccounts(d, k))
		detail := fmt.Sprintf("%s: registered on %d %s", k.Nickname, n, plural(n, "account", "accounts"))
		if out.Slot != nil {
			detail += ", vault slot " + ShortID(out.Slot.ID) + " removed"
		}
		d.Log(now, "key.lost", detail)
		out.Key = *k
		out.Key.Accounts = slices.Clone(k.Accounts)
		return nil
	})
	return out, err
}

// LinkAccounts records that key id is now registered on the accounts adds
// and no longer on rms, and returns the changes made ("+label", "-label");
// none means nothing was written.
func (s *Session) LinkAccounts(id string, adds, rms []string) ([]string, error) {
	now := s.now()
	var changes []string
	err := s.v.Update(func(d *vault.Data) error {
		changes = nil
		k, err := liveKey(d, id)
		if err != nil {
			return err
		}
		for _, aid := range adds {
			a, err := live(d, aid)
			if err != nil {
				return err
			}
			if !slices.Contains(k.Accounts, aid) {
				k.Accounts = append(k.Accounts, aid)
				changes = append(changes, "+"+a.Label())
			}
		}
		for _, aid := range rms {
			if i := slices.Index(k.Accounts, aid); i >= 0 {
				k.Accounts = slices.Delete(k.Accounts, i, i+1)
				name := aid
				if a := d.Account(aid); a != nil {
					name = a.Label()
				}
				changes = append(changes, "-"+name)
			}
		}
		if len(changes) == 0 {
			return errUnchanged
		}
		k.Stamp = d.Tick(now)
		d.Log(now, "key.accounts", k.Nickname+": "+strings.Join(changes, " "))
		return nil
	})
	if err == errUnchanged {
		err = nil
	}
	return changes, err
}

// ShortID is the first 8 characters of an id, as people see it.
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// EnrollSlot records in the inventory the key a fido2 unlock slot was just
// added with, and reports whether it was already registered. A live key
// without a slot is taken to be that key when k.Name names it or, with no
// name given, when it is the only such key of the same model (AAGUID and
// product): it gains the slot instead of a second entry for one key. Any
// other key is registered anew, under k.Name or, when that is empty or
// taken, after its product and the slot.
func (s *Session) EnrollSlot(k KeyInfo, slotID string) (out vault.HardwareKey, linked bool, err error) {
	now := s.now()
	name := termtext.Clean(strings.TrimSpace(k.Name))
	err = s.v.Update(func(d *vault.Data) error {
		if old := slotless(d, name, k); old != nil {
			old.SlotID, old.Stamp = slotID, d.Tick(now)
			d.Log(now, "key.slot", old.Nickname+": vault slot "+ShortID(slotID))
			out, linked = *old, true
			return nil
		}
		if name == "" || FindKey(d, name) != nil {
			name = fmt.Sprintf("%s (slot %s)", k.Product, ShortID(slotID))
		}
		d.Keys = append(d.Keys, vault.HardwareKey{ID: vault.NewID(nil), Nickname: name, AAGUID: k.AAGUID,
			Product: k.Product, Added: now, SlotID: slotID, Stamp: d.Tick(now)})
		d.Log(now, "key.register", name)
		out = d.Keys[len(d.Keys)-1]
		return nil
	})
	return out, linked, err
}

// slotless returns the registered key without a slot that the key k is:
// the one named name, or with no name the only one of k's model; or nil.
func slotless(d *vault.Data, name string, k KeyInfo) *vault.HardwareKey {
	free := func(h *vault.HardwareKey) bool { return h != nil && !h.Lost && h.SlotID == "" }
	if name != "" {
		if h := FindKey(d, name); free(h) {
			return h
		}
		return nil
	}
	var match *vault.HardwareKey
	for i := range d.Keys {
		h := &d.Keys[i]
		if free(h) && !h.Deleted && h.AAGUID == k.AAGUID && h.Product == k.Product {
			if match != nil {
				return nil
			}
			match = h
		}
	}
	return match
}

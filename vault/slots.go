package vault

import (
	"fmt"
	"slices"

	"filippo.io/age"
)

// forgetter is a credential with state outside the vault (a keyring entry)
// that can be undone when its slot never reaches the disk.
type forgetter interface {
	forget(vaultID string, s *Slot)
}

func (k Keyring) forget(vaultID string, s *Slot) {
	k.Store.Delete(keyringAccount(vaultID, s.ID))
}

// AddSlot enrols c as a new unlock slot (at most 16) and saves the vault.
func (v *Vault) AddSlot(c Credential, label string) (Slot, error) {
	var added Slot
	undo := func() {}
	err := v.txn(func(st *state) error {
		u, err := v.enrol(st, c, label)
		if err != nil {
			return err
		}
		undo = u
		added = st.hdr.Slots[len(st.hdr.Slots)-1].clone()
		st.data.Log(v.o.clock(), "slot.add", added.describe())
		return nil
	})
	if err != nil && !v.hasSlot(added.ID) {
		undo()
		return Slot{}, err
	}
	return added, err
}

func (v *Vault) hasSlot(id string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return id != "" && v.hdr.slot(id) != nil
}

// enrol adds a slot for c to st and returns how to undo the credential's
// side effects.
func (v *Vault) enrol(st *state, c Credential, label string) (undo func(), err error) {
	if len(st.hdr.Slots) >= maxSlots {
		return nil, fmt.Errorf("a vault holds at most %d slots: %w", maxSlots, ErrLimit)
	}
	if len(label) > maxLabelLen {
		return nil, fmt.Errorf("slot label longer than %d bytes: %w", maxLabelLen, ErrLimit)
	}
	c = withOptions(c, v.o.weak)
	s := Slot{ID: NewID(v.o.rand), Type: c.SlotType(), Label: label, Created: v.o.clock()}
	if ar, ok := c.(AgeRecipient); ok {
		return func() {}, v.sealAge(st, &s, ar.Recipient)
	}
	if s.Salt, err = randomBytes(v.o.rand, 32); err != nil {
		return nil, err
	}
	vid := st.hdr.VaultID
	kek, err := c.Enrol(vid, &s)
	if err != nil {
		return nil, fmt.Errorf("failed to enrol a %s slot: %w", c.SlotType(), err)
	}
	defer zero(kek)
	undo = func() {}
	if f, ok := c.(forgetter); ok {
		id := s.ID
		undo = func() { f.forget(vid, &Slot{ID: id}) }
	}
	if err := v.seal(st, &s, kek); err != nil {
		undo()
		return nil, err
	}
	return undo, nil
}

// seal gives s a new key pair: the identity sealed under kek, the DEK
// wrapped to the recipient; then adds s to st.
func (v *Vault) seal(st *state, s *Slot, kek []byte) error {
	if len(kek) != keyLen || !isID(s.ID) || s.Type == "" {
		return fmt.Errorf("credential returned an unusable %s slot", s.Type)
	}
	id, rec, err := newIdentity()
	if err != nil {
		return err
	}
	vid := st.hdr.VaultID
	s.Recipient = rec
	if s.Wrapped, err = seal(v.o.rand, kek, id, identityAD(vid, s)); err != nil {
		zero(id)
		return err
	}
	if err := v.add(st, s); err != nil {
		zero(id)
		return err
	}
	st.keys[s.ID] = id
	return nil
}

// sealAge adds an age slot for recipient to st: nothing secret is stored.
func (v *Vault) sealAge(st *state, s *Slot, recipient string) error {
	if _, err := age.ParseX25519Recipient(recipient); err != nil {
		return fmt.Errorf("%q is not an age X25519 recipient (age1…): %w", recipient, ErrLimit)
	}
	s.Recipient = recipient
	return v.add(st, s)
}

// add wraps the DEK to s's recipient, checks s and adds it to st.
func (v *Vault) add(st *state, s *Slot) error {
	if err := wrapDEK(v.o.rand, st.hdr.VaultID, s, st.dek); err != nil {
		return err
	}
	if err := s.validate(formatVersion); err != nil {
		return fmt.Errorf("%s slot: %v: %w", s.Type, err, ErrLimit)
	}
	st.hdr.Slots = append(st.hdr.Slots, *s)
	return nil
}

// describe names s for the audit log: type, short id and label.
func (s *Slot) describe() string {
	d := fmt.Sprintf("%s slot %.8s", s.Type, s.ID)
	if s.Label != "" {
		d += fmt.Sprintf(" %q", s.Label)
	}
	return d
}

// RemoveSlot removes the slot id and rotates the data key: a new DEK is
// wrapped for every remaining slot's recipient. The id is recorded in the
// header's removed slots, so that no merge of copies brings it back. It refuses to
// leave fewer than two slots (ErrTooFewSlots). A hardware key of the
// inventory whose slot it was stays there, without a slot. A keyring
// slot's secret stays in the keyring; the caller deletes it. AddSlot and
// RemoveSlot record
// "slot.add" and "slot.remove" audit events in the same write.
func (v *Vault) RemoveSlot(id string) error {
	return v.txn(func(st *state) error {
		i := slices.IndexFunc(st.hdr.Slots, func(s Slot) bool { return s.ID == id })
		if i < 0 {
			return fmt.Errorf("no slot with id %q", id)
		}
		if len(st.hdr.Slots)-1 < 2 {
			return ErrTooFewSlots
		}
		now := v.o.clock()
		st.data.Log(now, "slot.remove", st.hdr.Slots[i].describe()+", data key rotated")
		for k := range st.data.Keys { // a key whose slot this was unlocks nothing now
			if key := &st.data.Keys[k]; key.SlotID == id && !key.Deleted {
				key.SlotID, key.Stamp = "", st.data.Tick(now)
			}
		}
		st.hdr.Slots = slices.Delete(st.hdr.Slots, i, i+1)
		st.hdr.removeSlot(id)
		delete(st.keys, id)
		return v.rotate(st, nil, nil)
	})
}

// rotate gives st a new DEK, wrapped to every slot's recipient: no
// credential is needed, and nothing a removed slot held opens it. The
// header links the new key back to st's previous one and to others (a
// merge: theirs), and keeps st's links and theirLinks (see linkTo).
func (v *Vault) rotate(st *state, others [][]byte, theirLinks [][]byte) error {
	dek, err := randomBytes(v.o.rand, keyLen)
	if err != nil {
		return err
	}
	prev := st.dek
	if !sameSlice(prev, v.dek) { // a key an earlier step of st made
		defer zero(prev)
	}
	st.dek = dek
	if err := v.linkTo(st, append([][]byte{prev}, others...), theirLinks); err != nil {
		return err
	}
	return wrapAll(v.o.rand, st)
}

package vault

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// Adopt makes raw — a newer file of this vault, from a sync remote — the
// vault's file, byte for byte (a fast-forward). Under the writers' lock it
// rereads the current file — ErrChanged if another process saved since
// this Vault last read or wrote it — then requires raw to open as OpenCopy does
// (ErrCorrupt, ErrOtherVault, ErrGenerationJump, ErrNoUsableSlot), to keep
// the slot that unlocked this Vault (ErrSlotRemoved), to be of a higher
// generation than the current file and not below the high-water mark
// (*RollbackError), to be vouched (ErrUnvouched: its data key is one this
// Vault held since the last slot removal it saw, or links back to one),
// and not to lower an HOTP counter or mark a used recovery code unused.
// The current file is kept as a backup as on every save, the high-water
// mark is raised and Options.AfterSave is called. On any error nothing is
// written.
func (v *Vault) Adopt(raw []byte) error {
	return v.writing(func(cur []byte, changed bool) error {
		if changed {
			// Another process saved since the caller looked: taking raw
			// now would drop that change. The caller merges instead.
			return ErrChanged
		}
		return v.adopt(cur, raw)
	})
}

// adopt is Adopt's work once the current file, cur, is read.
func (v *Vault) adopt(cur, raw []byte) error {
	c, err := v.openCopy(raw)
	if err != nil {
		return err
	}
	defer c.Close()
	if c.hdr.slot(v.info.SlotID) == nil {
		return fmt.Errorf("%w (slot %.8s)", ErrSlotRemoved, v.info.SlotID)
	}
	if c.hdr.Generation <= v.hdr.Generation {
		return &RollbackError{Path: "the other copy", Generation: c.hdr.Generation, Seen: v.hdr.Generation}
	}
	if _, err := v.st.checkGeneration(&c.hdr, 0); err != nil {
		return err
	}
	if err := v.vouch(nil, c); err != nil {
		return err
	}
	if err := checkHistory(v.data, c.data, true); err != nil {
		return fmt.Errorf("the other copy: %w", err)
	}
	committed, err := v.st.commit(c.raw, cur, v.hdr.Generation)
	if committed {
		v.install(&state{hdr: c.hdr, data: c.data, keys: c.keys, dek: c.dek}, c.raw)
		c.data, c.keys, c.dek = nil, nil, nil // the vault's now
		v.o.raise(v.hdr.VaultID, v.hdr.Generation)
		if v.o.afterSave != nil {
			v.o.afterSave(v.hdr.VaultID, v.hdr.Generation, v.raw)
		}
	}
	return err
}

// MergeIn writes the merge of this vault's current file ("ours", reread
// under the writers' lock as Update does) with theirs, whose common
// ancestor is base (nil when there is none), as generation max(ours,
// theirs)+1 (or above, as every save: see nextGeneration). merge merges
// the data; it gets deep copies (base nil when base is) and may return one
// of them. The merged data is checked as Update checks a change (limits,
// codes computable, new control characters), except that a deleted
// account may come back; no HOTP counter may be lower, and no used
// recovery code unused, than in ours or in theirs.
//
// Slots: those of ours and theirs by id, less every id either side
// records as removed; a slot on both sides is ours, unless ours is a
// legacy slot and theirs is not (theirs was upgraded by its credential).
// The removed ids are the union of both sides'. The data key stays ours
// when theirs has the same and the slots are ours; otherwise a new data
// key is wrapped to every merged slot's recipient, so no removed slot
// opens the result; the new key links back to both sides' keys and keeps
// both sides' links (see keylinks.go). Theirs must be vouched
// (ErrUnvouched): under a key this Vault held since the last slot removal
// it saw, or base's key when that is one or an ancestor of ours, or
// linking back to one of these. It fails with ErrSlotRemoved when theirs
// removed the slot that unlocked this Vault, with ErrUnvouched,
// ErrGenerationJump, ErrOtherVault, ErrLimit (more than 16 slots) or
// ErrTooFewSlots; then nothing is written.
func (v *Vault) MergeIn(base, theirs *Copy, merge func(base, ours, theirs *Data) (*Data, error)) error {
	if theirs == nil || merge == nil {
		return errors.New("vault: MergeIn needs their copy and a merge function")
	}
	if theirs.data == nil || (base != nil && base.data == nil) {
		return errors.New("vault: MergeIn of a closed copy")
	}
	return v.writing(func(raw []byte, _ bool) error { return v.mergeIn(raw, base, theirs, merge) })
}

// mergeIn is MergeIn's work once the current file, raw, is read.
func (v *Vault) mergeIn(raw []byte, base, theirs *Copy, merge func(base, ours, theirs *Data) (*Data, error)) error {
	for _, c := range []*Copy{base, theirs} {
		if c != nil && c.hdr.VaultID != v.hdr.VaultID {
			return fmt.Errorf("the other copy is vault %.8s…, this is %.8s…: %w", c.hdr.VaultID, v.hdr.VaultID, ErrOtherVault)
		}
	}
	switch {
	case slices.Contains(theirs.hdr.RemovedSlots, v.info.SlotID):
		return fmt.Errorf("%w (slot %.8s)", ErrSlotRemoved, v.info.SlotID)
	case v.hdr.Version < 2 || theirs.hdr.Version < 2:
		return errors.New("a format 1 file cannot be merged: save the vault once on each side (it migrates to format 2), then sync")
	}
	if err := v.checkJump(theirs.hdr.Generation); err != nil {
		return err
	}
	if err := v.vouch(base, theirs); err != nil {
		return err
	}
	st := v.snapshot()
	st.after = theirs.hdr.Generation
	err := v.upgradeSlots(st)
	var report string
	if err == nil {
		report, err = v.mergeSlots(st, &theirs.hdr, theirs.dek)
	}
	if err == nil {
		err = v.mergeData(st, base, theirs, merge, report)
	}
	if err == nil {
		err = v.save(st, raw)
	}
	v.done(st)
	return err
}

// mergeSlots gives st (ours) the merged slots and removed ids of st and
// th (theirs, whose data key is thDEK), and a new data key unless both
// sides had the same and the slots are st's. It returns what changed, for
// the audit log.
func (v *Vault) mergeSlots(st *state, th *header, thDEK []byte) (string, error) {
	removed := slices.Clone(st.hdr.RemovedSlots)
	for _, id := range th.RemovedSlots {
		if !slices.Contains(removed, id) {
			removed = append(removed, id)
		}
	}
	gone := make(map[string]bool, len(removed))
	for _, id := range removed {
		gone[id] = true
	}
	var slots []Slot
	dropped, added := 0, 0
	for _, s := range st.hdr.Slots {
		if gone[s.ID] {
			dropped++
			continue
		}
		if t := th.slot(s.ID); t != nil && len(s.Legacy) > 0 && len(t.Legacy) == 0 && t.Recipient == s.Recipient {
			s.Wrapped, s.Legacy = bytes.Clone(t.Wrapped), nil
		}
		slots = append(slots, s)
	}
	for _, t := range th.Slots {
		if !gone[t.ID] && st.hdr.slot(t.ID) == nil {
			slots = append(slots, t.clone())
			added++
		}
	}
	switch {
	case !slices.ContainsFunc(slots, func(s Slot) bool { return s.ID == v.info.SlotID }):
		return "", fmt.Errorf("%w (slot %.8s)", ErrSlotRemoved, v.info.SlotID)
	case len(slots) > maxSlots:
		return "", fmt.Errorf("the merged vault would have %d slots (max %d): remove some on one side first: %w", len(slots), maxSlots, ErrLimit)
	case len(slots) < 2:
		return "", fmt.Errorf("the merged vault would have %d slot: %w", len(slots), ErrTooFewSlots)
	}
	same := dropped == 0 && added == 0 && bytes.Equal(st.dek, thDEK)
	st.hdr.Slots = slots
	for _, id := range removed {
		st.hdr.removeSlot(id) // keeps the newest maxRemovedSlots
	}
	for id := range st.keys {
		if st.hdr.slot(id) == nil {
			delete(st.keys, id) // zeroed by install or discard
		}
	}
	report := fmt.Sprintf("%d %s added, %d removed", added, plural(added, "slot", "slots"), dropped)
	if same {
		return report, nil
	}
	return report + ", data key rotated", v.rotate(st, [][]byte{thDEK}, th.KeyLinks)
}

// mergeData sets st.data to the merge of base, st.data (ours) and theirs,
// checked as mergeIn documents.
func (v *Vault) mergeData(st *state, base, theirs *Copy, merge func(base, ours, theirs *Data) (*Data, error), report string) error {
	var b *Data
	if base != nil {
		b = base.Data()
	}
	m, err := merge(b, st.data, theirs.Data())
	if err != nil {
		return err
	}
	if m == nil {
		return errors.New("vault: the merge returned no data")
	}
	m.DeviceID = v.o.device
	m.carry(v.carried)
	m.Log(v.o.clock(), "vault.merge", fmt.Sprintf("generation %d of another copy merged into %d: %s", theirs.hdr.Generation, v.hdr.Generation, report))
	for _, old := range []*Data{v.data, theirs.data} {
		if err := checkHistory(old, m, true); err != nil {
			return err
		}
	}
	if err := checkTextFrom(m, v.data, theirs.data); err != nil {
		return err
	}
	st.data = m
	return nil
}

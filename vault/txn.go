package vault

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
)

// state is what a transaction changes: a private copy of the vault.
type state struct {
	hdr  header
	data *Data
	keys map[string][]byte
	dek  []byte
	// after is a generation the write must exceed besides the vault's own
	// (MergeIn: the other copy's).
	after uint64
}

// Update runs fn on a deep copy of the data inside a transaction: it takes
// the writers' lock, reloads the file if another writer changed it, calls
// fn, increments the generation and saves atomically, keeping the previous
// file as a backup. If fn returns an error nothing is written and the error
// is returned as is. Update refuses changes that lower an HOTP counter,
// mark a used recovery code unused, revive a tombstone, exceed a limit
// (ErrLimit) or hold an account otter cannot compute codes for (ErrInvalid).
func (v *Vault) Update(fn func(d *Data) error) error {
	return v.txn(func(st *state) error { return fn(st.data) })
}

// Refresh re-reads the file and reloads it if another writer changed it
// since this Vault last read or wrote it. A file older than the generation
// this Vault holds, or than the high-water mark (Options.HighWater), is
// refused with a *RollbackError and the Vault keeps what it holds; Update
// refuses it the same way.
func (v *Vault) Refresh() (changed bool, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dek == nil {
		return false, errClosed
	}
	// The file is replaced whole (rename) and ends with the checksum of
	// the rest, which syncTo compares first: the same last bytes are the
	// same file, so an unchanged vault costs one small read, not one of
	// the whole file (17 MB at 100 000 accounts, on every agent answer).
	if v.st.sameTail(v.sum[:]) {
		return false, nil
	}
	raw, err := v.st.read()
	if err != nil {
		return false, err
	}
	changed, err = v.syncTo(raw)
	if errors.Is(err, ErrRollback) {
		// A writer may have replaced the file and raised the mark between
		// the read and the check: look again under the writers' lock.
		unlock, lerr := v.st.lock(true)
		if lerr != nil {
			return false, err
		}
		defer unlock()
		if raw, err = v.st.read(); err != nil {
			return false, err
		}
		changed, err = v.syncTo(raw)
	}
	return changed, err
}

// txn is the one write path: lock, reload if needed, change a copy,
// validate, save, install.
func (v *Vault) txn(change func(*state) error) error {
	return v.writing(func(raw []byte, _ bool) error { return v.change(raw, change) })
}

// writing runs fn under the vault's mutex and the writers' lock, once the
// current file (raw) is read and this Vault holds it; changed says whether
// another process had written it since this Vault last read or wrote it.
// Every write (txn, Adopt, MergeIn) goes through here.
func (v *Vault) writing(fn func(raw []byte, changed bool) error) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dek == nil {
		return errClosed
	}
	unlock, err := v.st.lock(true)
	if err != nil {
		return fmt.Errorf("failed to lock the vault: %w", err)
	}
	defer unlock()
	v.st.cleanTemps()
	raw, err := v.st.read()
	if err != nil {
		return err
	}
	changed, err := v.syncTo(raw)
	if err != nil {
		return err
	}
	return fn(raw, changed)
}

// change is txn's work once the file is read: change a copy, validate,
// save, install.
func (v *Vault) change(raw []byte, change func(*state) error) error {
	st := v.snapshot()
	st.data.carry(v.carried)
	err := v.upgradeSlots(st)
	if err == nil {
		err = change(st)
	}
	if err == nil {
		err = checkChange(v.data, st.data)
	}
	if err == nil {
		err = checkText(v.data, st.data)
	}
	if err == nil {
		err = v.save(st, raw)
	}
	v.done(st)
	return err
}

// Carry queues audit events for this Vault's next write: the next Update,
// AddSlot or RemoveSlot that saves appends, in the same transaction and
// before its own change, those whose ID is not in the log yet. Nothing is
// written now, so recording an event that happened without a change (an
// unlock) costs no write of its own. An event without a valid ID gets a new
// one; its detail is cut as by Log.
func (v *Vault) Carry(events ...AuditEvent) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.carried = append(v.carried, events...)
}

// done ends a write of st: installed, the carried events went with it;
// not installed, the keys only st had are zeroed.
func (v *Vault) done(st *state) {
	if v.data != st.data {
		v.discard(st)
	} else {
		v.carried = nil
	}
}

// discard zeroes the keys of st that the vault does not hold.
func (v *Vault) discard(st *state) {
	if !sameSlice(st.dek, v.dek) {
		zero(st.dek)
	}
	for id, k := range st.keys {
		if !sameSlice(k, v.keys[id]) {
			zero(k)
		}
	}
}

// syncTo reloads from raw, the file's current bytes, unless it is the file
// this Vault last read or wrote.
func (v *Vault) syncTo(raw []byte) (bool, error) {
	if len(raw) >= sumLen && bytes.Equal(raw[len(raw)-sumLen:], v.sum[:]) {
		return false, nil
	}
	p, err := v.st.parse(raw)
	if err != nil {
		return false, err
	}
	if p.hdr.VaultID != v.hdr.VaultID {
		return false, fmt.Errorf("%s was replaced by a different vault: unlock it again", v.st.path)
	}
	if _, err := v.st.checkGeneration(&p.hdr, v.hdr.Generation); err != nil {
		return false, err
	}
	s, sk := v.knownSlot(&p.hdr)
	if s == nil {
		return false, fmt.Errorf("another process replaced every slot this vault knows: unlock it again: %w", ErrNoUsableSlot)
	}
	dek, pl, err := openWith(p, s, sk)
	if err != nil {
		return false, v.st.corrupt(err)
	}
	pl.Data.DeviceID = v.o.device
	v.install(&state{hdr: p.hdr, data: pl.Data, keys: pl.SlotKeys, dek: dek}, raw)
	v.o.raise(p.hdr.VaultID, p.hdr.Generation)
	return true, nil
}

// knownSlot finds a slot of h that this Vault can open and returns what
// opens it (see openWith): an identity it holds, a format-1 slot key, or a
// legacy slot's identity unsealed with a format-1 slot key.
func (v *Vault) knownSlot(h *header) (*Slot, []byte) {
	for i := range h.Slots {
		s := &h.Slots[i]
		if h.Version < 2 {
			if sk, ok := v.formatOneKey(s.ID); ok {
				return s, sk
			}
			continue
		}
		if id, ok := v.keys[s.ID]; ok && v.hdr.Version >= 2 {
			return s, id
		}
		if sk, ok := v.formatOneKey(s.ID); ok && len(s.Legacy) > 0 {
			if id, err := unseal(sk, s.Legacy, legacyAD(h.VaultID, s)); err == nil {
				return s, id
			}
		}
	}
	return nil, nil
}

// formatOneKey returns the format-1 slot key of slot id, if this Vault
// knows it.
func (v *Vault) formatOneKey(id string) ([]byte, bool) {
	keys := v.old
	if v.hdr.Version < 2 {
		keys = v.keys
	}
	k, ok := keys[id]
	return k, ok
}

// upgradeSlots brings st to format 2 if it is format 1 (migrate), and applies
// the upgrades of legacy slots made at unlock.
func (v *Vault) upgradeSlots(st *state) error {
	if st.hdr.Version < formatVersion {
		if err := v.migrate(st); err != nil {
			return err
		}
	}
	for i := range st.hdr.Slots {
		s := &st.hdr.Slots[i]
		if up, ok := v.upgrades[s.ID]; ok && len(s.Legacy) > 0 && up.recipient == s.Recipient && up.wrapped != nil {
			s.Wrapped, s.Legacy = bytes.Clone(up.wrapped), nil
		}
	}
	return nil
}

// migrate turns st from format 1 into format 2: every slot gets a key pair
// and the data key is rotated (every credential that ever opened the
// format-1 file knows its slot keys, and so its data key). The slot that
// unlocked this Vault is sealed under its KEK at once (Vault.upgrades); the
// others, whose KEKs are unknown here, keep their format-1 wrap with their
// identity sealed under their slot key (Slot.Legacy) until their
// credential is next used.
func (v *Vault) migrate(st *state) error {
	old, keys := st.keys, make(map[string][]byte, len(st.keys))
	legacy := 0
	for i := range st.hdr.Slots {
		s := &st.hdr.Slots[i]
		if up, ok := v.upgrades[s.ID]; ok && up.identity != nil {
			s.Recipient, s.Wrapped, s.Legacy = up.recipient, bytes.Clone(up.wrapped), nil
			keys[s.ID] = bytes.Clone(up.identity)
			continue
		}
		sk, ok := old[s.ID]
		if !ok {
			return fmt.Errorf("slot %s: slot key unknown, cannot migrate to format 2", s.ID)
		}
		id, rec, err := newIdentity()
		if err != nil {
			return err
		}
		s.Recipient = rec
		if s.Legacy, err = seal(v.o.rand, sk, id, legacyAD(st.hdr.VaultID, s)); err != nil {
			return err
		}
		keys[s.ID] = id
		legacy++
	}
	if v.old == nil {
		v.old = make(map[string][]byte, len(old))
		for id, k := range old {
			v.old[id] = bytes.Clone(k)
		}
	}
	st.keys, st.hdr.Version = keys, formatVersion
	st.data.Log(v.o.clock(), "vault.format", fmt.Sprintf("format 1 to 2: public-key slots, data key rotated; %d %s until used", legacy, plural(legacy, "slot stays legacy", "slots stay legacy")))
	return v.rotate(st, nil, nil)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// snapshot returns a deep copy of the vault's state.
func (v *Vault) snapshot() *state {
	return &state{hdr: v.hdr.clone(), data: v.data.clone(), keys: maps.Clone(v.keys), dek: v.dek}
}

// save writes st as the next generation; prev is the current file.
func (v *Vault) save(st *state, prev []byte) error {
	st.data.purgeTrash(v.o.clock())
	if err := st.data.validate(); err != nil {
		return err
	}
	gen, err := v.st.nextGeneration(st.hdr.VaultID, max(v.hdr.Generation, st.after))
	if err != nil {
		return err
	}
	st.hdr.Generation = gen
	st.hdr.Updated = v.o.clock()
	plain, err := marshalPayload(st.data, nil) // format 2: no slot keys
	if err != nil {
		return fmt.Errorf("failed to encode vault data: %w", err)
	}
	out, err := encode(&st.hdr, plain, st.dek, v.o.rand)
	zero(plain)
	if err != nil {
		return err
	}
	committed, err := v.st.commit(out, prev, v.hdr.Generation)
	if committed {
		v.install(st, out)
		for _, u := range v.upgrades { // applied by this save, or stale
			zero(u.identity)
		}
		v.upgrades = nil
		v.o.raise(st.hdr.VaultID, gen)
		if v.o.afterSave != nil {
			v.o.afterSave(st.hdr.VaultID, gen, out)
		}
	}
	return err
}

// install makes st, whose file is raw, the vault's state, zeroing keys
// that are gone.
func (v *Vault) install(st *state, raw []byte) {
	if !sameSlice(v.dek, st.dek) {
		zero(v.dek)
	}
	if v.hdr.Version < 2 && st.hdr.Version >= 2 && v.old == nil {
		v.old = make(map[string][]byte, len(v.keys)) // they open format-1 backups
		for id, k := range v.keys {
			v.old[id] = bytes.Clone(k)
		}
	}
	for id, k := range v.keys {
		if !sameSlice(k, st.keys[id]) {
			zero(k)
		}
	}
	if v.hdr.Version < 2 && st.hdr.Version >= 2 || removes(&v.hdr, &st.hdr) {
		v.held = nil // a removed slot's holder knows the keys held before
	}
	v.hdr, v.data, v.keys, v.dek = st.hdr, st.data, st.keys, st.dek
	v.trust(st.dek)
	v.raw, v.sum = raw, [sumLen]byte(raw[len(raw)-sumLen:])
}

// sameSlice reports whether a and b share their first byte.
func sameSlice(a, b []byte) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0]
}

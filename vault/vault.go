package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Vault is an unlocked vault. Its methods are safe for concurrent use.
type Vault struct {
	mu   sync.Mutex
	st   store
	o    options
	hdr  header
	sum  [sumLen]byte // checksum of the file as last read or written
	dek  []byte
	keys map[string][]byte // slot id → slot key, for every slot
	data *Data
	info UnlockInfo

	carried []AuditEvent // events for the next write (see Carry)
}

// UnlockInfo says which slot unlocked a Vault.
type UnlockInfo struct {
	SlotID   string
	SlotType SlotType
}

// Locked is a vault file that was read and checked but not decrypted.
type Locked struct {
	st store
	o  options
	p  *parsed
}

// Create makes a new vault at path with one slot per credential (at least
// two: ErrTooFewSlots; at most 16). It creates the directory (0700) and the
// file (0600) and fails with ErrExist if a vault is already there.
func Create(path string, o *Options, creds ...Credential) (*Vault, error) {
	if len(creds) < 2 {
		return nil, ErrTooFewSlots
	}
	if len(creds) > maxSlots {
		return nil, fmt.Errorf("%d slots (max %d): %w", len(creds), maxSlots, ErrLimit)
	}
	v := &Vault{o: o.resolve()}
	v.st = newStore(path, &v.o)
	if err := v.o.fs.MkdirAll(v.st.dir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create vault directory: %w", err)
	}
	unlock, err := v.st.lock(true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExist, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	v.st.cleanTemps()
	if err := v.create(creds); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

func (v *Vault) create(creds []Credential) error {
	now := v.o.clock()
	dek, err := randomBytes(v.o.rand, keyLen)
	if err != nil {
		return err
	}
	st := &state{
		hdr:  header{VaultID: NewID(v.o.rand), Created: now},
		data: &Data{DeviceID: v.o.device},
		keys: make(map[string][]byte),
		dek:  dek,
	}
	var undos []func()
	defer func() {
		for _, undo := range undos {
			if v.dek == nil { // nothing reached the disk
				undo()
			}
		}
	}()
	for _, c := range creds {
		undo, err := v.enrol(st, c, "")
		if err != nil {
			return err
		}
		undos = append(undos, undo)
	}
	s := st.hdr.Slots[0]
	v.info = UnlockInfo{SlotID: s.ID, SlotType: s.Type}
	return v.save(st, nil)
}

// Load reads and checks the vault file at path without decrypting it: size
// (ErrLimit), checksum and header (ErrCorrupt, as a *CorruptError), version
// (ErrUnsupportedVersion), and, with Options.HighWater, that it is not older
// than a generation already seen (ErrRollback, as a *RollbackError). A
// missing file is ErrNotExist. When no writer
// holds the lock, Load also removes temporary files left by a crash.
func Load(path string, o *Options) (*Locked, error) {
	l := &Locked{o: o.resolve()}
	l.st = newStore(path, &l.o)
	raw, err := l.st.read()
	if err != nil {
		return nil, err
	}
	l.st.cleanIfIdle()
	l.p, err = l.st.parse(raw)
	if err != nil {
		return nil, err
	}
	if err := l.st.checkGeneration(&l.p.hdr, 0); err != nil {
		if !errors.Is(err, ErrRollback) {
			return nil, err
		}
		// A writer may have replaced the file and raised the mark between
		// the read and the check: look again under the writers' lock, where
		// the file on disk is never older than the mark it raised.
		if l.p, err = l.st.recheck(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// recheck reads and checks the file again under the writers' lock.
func (s store) recheck() (*parsed, error) {
	unlock, err := s.lock(true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	raw, err := s.read()
	if err != nil {
		return nil, err
	}
	p, err := s.parse(raw)
	if err != nil {
		return nil, err
	}
	if err := s.checkGeneration(&p.hdr, 0); err != nil {
		return nil, err
	}
	return p, nil
}

// Slots returns the vault's unlock slots.
func (l *Locked) Slots() []Slot { return cloneSlots(l.p.hdr.Slots) }

// VaultID returns the vault's random id.
func (l *Locked) VaultID() string { return l.p.hdr.VaultID }

func cloneSlots(slots []Slot) []Slot {
	out := make([]Slot, len(slots))
	for i, s := range slots {
		out[i] = s.clone()
	}
	return out
}

// Unlock opens the vault with c, trying every slot of c's type. It returns
// ErrNoUsableSlot if there is none, ErrWrongCredential if none unwraps, the
// credential's own error (wrapped) if it could not derive a key, and
// ErrCorrupt if a slot unwrapped but the payload does not decrypt or holds
// an account otter cannot compute codes for (see ErrInvalid). A slot whose
// stored parameters are damaged or out of bounds (a password slot's
// Argon2id cost) is a *CorruptError found before any key derivation; it is
// the result unless another slot of the type rejected c, which then makes
// it ErrWrongCredential.
func (l *Locked) Unlock(c Credential) (*Vault, error) {
	c = withOptions(c, l.o.weak)
	var credErr error
	tried, wrong := false, false
	for i := range l.p.hdr.Slots {
		s := l.p.hdr.Slots[i].clone()
		if s.Type != c.SlotType() {
			continue
		}
		tried = true
		sk, err := l.unwrapSlot(c, &s)
		if err == nil {
			return l.open(&s, sk)
		}
		switch {
		case errors.Is(err, ErrWrongCredential):
			wrong = true
		case credErr == nil:
			credErr = err
		}
	}
	switch {
	case !tried:
		return nil, fmt.Errorf("%w of type %s", ErrNoUsableSlot, c.SlotType())
	case credErr != nil && !(wrong && errors.Is(credErr, ErrCorrupt)):
		return nil, credErr
	}
	return nil, ErrWrongCredential
}

// unwrapSlot returns the slot key of s.
func (l *Locked) unwrapSlot(c Credential, s *Slot) ([]byte, error) {
	vid := l.p.hdr.VaultID
	kek, err := c.Derive(vid, s)
	if errors.Is(err, ErrCorrupt) {
		return nil, l.st.corrupt(err)
	}
	if err != nil {
		return nil, fmt.Errorf("slot %s: %w", s.ID, err)
	}
	defer zero(kek)
	if len(kek) != keyLen {
		return nil, fmt.Errorf("slot %s: credential returned a %d-byte key", s.ID, len(kek))
	}
	sk, err := unseal(kek, s.Wrapped, slotAD(vid, s))
	if err != nil {
		return nil, ErrWrongCredential
	}
	return sk, nil
}

func (l *Locked) open(s *Slot, sk []byte) (*Vault, error) {
	dek, pl, err := openWith(l.p, s, sk)
	if err != nil {
		return nil, l.st.corrupt(err)
	}
	pl.Data.DeviceID = l.o.device
	v := &Vault{o: l.o, hdr: l.p.hdr.clone(), sum: l.p.sum, dek: dek, keys: pl.SlotKeys, data: pl.Data}
	v.st = newStore(l.st.path, &v.o)
	v.info = UnlockInfo{SlotID: s.ID, SlotType: s.Type}
	v.o.raise(v.hdr.VaultID, v.hdr.Generation)
	return v, nil
}

// openWith unwraps the DEK of slot s with its slot key sk and decrypts the
// payload of p. Every error is corruption: the slot key is known good.
func openWith(p *parsed, s *Slot, sk []byte) ([]byte, *payload, error) {
	dek, err := unseal(sk, s.WrappedDEK, dekAD(p.hdr.VaultID, s))
	if err != nil {
		return nil, nil, corruptf("slot %s: data key does not unwrap", s.ID)
	}
	plain, err := p.openPayload(dek)
	if err != nil {
		zero(dek)
		return nil, nil, err
	}
	defer zero(plain)
	pl, err := unmarshalPayload(plain)
	if err != nil {
		zero(dek)
		return nil, nil, corruptf("unreadable payload: %v", err)
	}
	if err := pl.Data.checkAccounts(); err != nil {
		zero(dek)
		pl.wipe()
		return nil, nil, corruptf("%v (otter never saves such an account)", err)
	}
	if pl.SlotKeys == nil {
		pl.SlotKeys = make(map[string][]byte)
	}
	if old := pl.SlotKeys[s.ID]; !sameSlice(old, sk) {
		zero(old)
	}
	pl.SlotKeys[s.ID] = sk
	return dek, pl, nil
}

// Data returns the current model. It is a snapshot: Update installs a new
// *Data and never changes the one returned earlier. Callers must not modify
// it; every change goes through Update.
func (v *Vault) Data() *Data {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.data
}

// Slots returns the vault's unlock slots.
func (v *Vault) Slots() []Slot {
	v.mu.Lock()
	defer v.mu.Unlock()
	return cloneSlots(v.hdr.Slots)
}

// Unlocked says which slot opened the vault.
func (v *Vault) Unlocked() UnlockInfo { return v.info }

// Generation returns the generation of the file as last read or written.
func (v *Vault) Generation() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.hdr.Generation
}

// Path returns the vault file's path.
func (v *Vault) Path() string { return v.st.path }

// Close zeroes the data key, the slot keys and the account secrets and drops
// the data. Later calls of Update fail; Data returns nil.
func (v *Vault) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	zero(v.dek)
	v.dek = nil
	for _, k := range v.keys {
		zero(k)
	}
	v.keys = nil
	if v.data != nil {
		v.data.wipe()
	}
	v.data = nil
}

// Updated returns when the file as last read or written was saved.
func (v *Vault) Updated() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.hdr.Updated
}

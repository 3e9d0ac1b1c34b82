package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"filippo.io/age"
)

// Vault is an unlocked vault. Its methods are safe for concurrent use.
type Vault struct {
	mu  sync.Mutex
	st  store
	o   options
	hdr header
	sum [sumLen]byte // checksum of the file as last read or written
	raw []byte       // that file
	dek []byte
	// keys opens slots: slot id → the identity (format 2) or the slot key
	// (format 1) of the slots this Vault knows.
	keys map[string][]byte
	// old are the format-1 slot keys this Vault learnt before it migrated
	// the file: they open backups written in format 1.
	old map[string][]byte
	// upgrades are format-2 wraps made at unlock with the credential's KEK,
	// for the next write: a legacy slot loses its legacy wrap, and a
	// format-1 file migrates with the unlocking slot already upgraded.
	upgrades map[string]upgrade
	data     *Data
	info     UnlockInfo

	carried []AuditEvent // events for the next write (see Carry)

	// held are the fingerprints of the data keys this Vault held since the
	// last removal of a slot it saw (a removed slot's holder knows the
	// keys before): a copy under one of them, or linking back to one, is
	// vouched (keylinks.go).
	held map[keyFP]bool
}

// UnlockInfo says which slot unlocked a Vault.
type UnlockInfo struct {
	SlotID   string
	SlotType SlotType
}

// Locked is a vault file that was read and checked but not decrypted.
type Locked struct {
	st   store
	o    options
	p    *parsed
	seen uint64 // the high-water mark Load read: Unlock raises it only when the file is newer
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
		hdr:  header{Version: formatVersion, VaultID: NewID(v.o.rand), Created: now},
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
	if l.seen, err = l.st.checkGeneration(&l.p.hdr, 0); err != nil {
		if !errors.Is(err, ErrRollback) {
			return nil, err
		}
		// A writer may have replaced the file and raised the mark between
		// the read and the check: look again under the writers' lock, where
		// the file on disk is never older than the mark it raised.
		if l.p, l.seen, err = l.st.recheck(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// recheck reads and checks the file again under the writers' lock; it
// returns the file and the mark it read.
func (s store) recheck() (*parsed, uint64, error) {
	unlock, err := s.lock(true)
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	raw, err := s.read()
	if err != nil {
		return nil, 0, err
	}
	p, err := s.parse(raw)
	if err != nil {
		return nil, 0, err
	}
	seen, err := s.checkGeneration(&p.hdr, 0)
	if err != nil {
		return nil, 0, err
	}
	return p, seen, nil
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
	if ai, ok := c.(AgeIdentities); ok {
		return l.unlockAge(ai)
	}
	c = withOptions(c, l.o.weak)
	var credErr error
	tried, wrong := false, false
	for i := range l.p.hdr.Slots {
		s := l.p.hdr.Slots[i].clone()
		if s.Type != c.SlotType() {
			continue
		}
		tried = true
		secret, up, err := l.unwrapSlot(c, &s)
		if err == nil {
			v, err := l.open(&s, secret)
			if err == nil && up != nil {
				v.upgrades = map[string]upgrade{s.ID: *up}
			}
			return v, err
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

// upgrade is a format-2 wrap of a slot's identity under its KEK, made at
// unlock for the next write (see Vault.upgrades).
type upgrade struct {
	recipient string
	identity  []byte // set when the file was format 1: the new identity
	wrapped   []byte // nonce‖XChaCha20-Poly1305(KEK, identity, identityAD)
}

// unwrapSlot returns what opens s's data key — the identity (format 2),
// the slot key (format 1) — and, for a format-1 file or a legacy slot,
// the upgrade to apply at the next write.
func (l *Locked) unwrapSlot(c Credential, s *Slot) ([]byte, *upgrade, error) {
	vid := l.p.hdr.VaultID
	kek, err := c.Derive(vid, s)
	if errors.Is(err, ErrCorrupt) {
		return nil, nil, l.st.corrupt(err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("slot %s: %w", s.ID, err)
	}
	defer zero(kek)
	if len(kek) != keyLen {
		return nil, nil, fmt.Errorf("slot %s: credential returned a %d-byte key", s.ID, len(kek))
	}
	if l.p.hdr.Version >= 2 && len(s.Legacy) == 0 {
		id, err := unseal(kek, s.Wrapped, identityAD(vid, s))
		if err != nil {
			return nil, nil, ErrWrongCredential
		}
		return id, nil, nil
	}
	sk, err := unseal(kek, s.Wrapped, slotAD(vid, s))
	if err != nil {
		return nil, nil, ErrWrongCredential
	}
	up := &upgrade{recipient: s.Recipient}
	secret := sk
	if l.p.hdr.Version >= 2 { // a legacy slot: its identity is sealed under sk
		defer zero(sk)
		if secret, err = unseal(sk, s.Legacy, legacyAD(vid, s)); err != nil {
			return nil, nil, l.st.corrupt(corruptf("slot %s: legacy identity does not unwrap", s.ID))
		}
		up.wrapped, err = seal(l.o.rand, kek, secret, identityAD(vid, s))
	} else { // format 1: the identity this slot gets when the file migrates
		if up.identity, up.recipient, err = newIdentity(); err == nil {
			up.wrapped, err = seal(l.o.rand, kek, up.identity, identityAD(vid, s))
		}
	}
	if err != nil {
		zero(secret)
		return nil, nil, err
	}
	return secret, up, nil
}

// unlockAge opens the vault with one of ai's identities through an age
// slot that names its recipient.
func (l *Locked) unlockAge(ai AgeIdentities) (*Vault, error) {
	if l.p.hdr.Version < 2 {
		return nil, fmt.Errorf("%w of type %s (a format 1 vault has none)", ErrNoUsableSlot, SlotAge)
	}
	tried := false
	for i := range l.p.hdr.Slots {
		s := l.p.hdr.Slots[i].clone()
		if s.Type != SlotAge {
			continue
		}
		tried = true
		for _, id := range ai.Identities {
			x, ok := id.(*age.X25519Identity)
			if !ok || x.Recipient().String() != s.Recipient {
				continue
			}
			return l.open(&s, []byte(x.String()))
		}
	}
	if !tried {
		return nil, fmt.Errorf("%w of type %s", ErrNoUsableSlot, SlotAge)
	}
	return nil, ErrWrongCredential
}

func (l *Locked) open(s *Slot, sk []byte) (*Vault, error) {
	dek, pl, err := openWith(l.p, s, sk)
	if err != nil {
		return nil, l.st.corrupt(err)
	}
	pl.Data.DeviceID = l.o.device
	v := &Vault{o: l.o, hdr: l.p.hdr.clone(), sum: l.p.sum, raw: l.p.raw, dek: dek, keys: pl.SlotKeys, data: pl.Data}
	v.st = newStore(l.st.path, &v.o)
	v.info = UnlockInfo{SlotID: s.ID, SlotType: s.Type}
	v.trust(dek)
	if v.hdr.Generation > l.seen { // the hot path (every otter code) skips the write
		v.o.raise(v.hdr.VaultID, v.hdr.Generation)
	}
	return v, nil
}

// openWith unwraps the DEK of slot s with its secret — the identity in
// text form (format 2), the slot key (format 1) — and decrypts the payload
// of p. Every error is corruption: the secret is known good. The payload's
// SlotKeys end up holding secret for s (and, in format 1, the other slot
// keys the payload holds; a format-2 payload holds none).
func openWith(p *parsed, s *Slot, secret []byte) ([]byte, *payload, error) {
	dek, err := slotDEK(p, s, secret)
	if err != nil {
		return nil, nil, err
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
	if pl.SlotKeys == nil || p.hdr.Version >= 2 {
		for _, k := range pl.SlotKeys { // a format-2 writer stores none
			zero(k)
		}
		pl.SlotKeys = make(map[string][]byte)
	}
	if old := pl.SlotKeys[s.ID]; !sameSlice(old, secret) {
		zero(old)
	}
	pl.SlotKeys[s.ID] = secret
	return dek, pl, nil
}

// slotDEK unwraps the DEK of slot s of p with secret.
func slotDEK(p *parsed, s *Slot, secret []byte) ([]byte, error) {
	if p.hdr.Version < 2 {
		dek, err := unseal(secret, s.WrappedDEK, dekAD(p.hdr.VaultID, s))
		if err != nil {
			return nil, corruptf("slot %s: data key does not unwrap", s.ID)
		}
		return dek, nil
	}
	id, err := parseIdentity(secret)
	if err != nil {
		return nil, corruptf("slot %s: unreadable identity", s.ID)
	}
	dek, err := unwrapDEK(id, p.hdr.VaultID, s)
	if err != nil {
		return nil, corruptf("slot %s: %v", s.ID, err)
	}
	return dek, nil
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
	for _, k := range v.old {
		zero(k)
	}
	for _, u := range v.upgrades {
		zero(u.identity)
	}
	v.keys, v.old, v.upgrades = nil, nil, nil
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

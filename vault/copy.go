package vault

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
)

// maxGenerationJump is how far above this vault's generation another copy
// may be (ErrGenerationJump).
const maxGenerationJump = 1 << 32

// Copy is another file of this vault — from a sync remote or a file-sync
// conflict copy — opened with a key this Vault holds (OpenCopy). It owns
// its keys and data until Close.
type Copy struct {
	hdr  header
	data *Data
	dek  []byte
	keys map[string][]byte // what opened it (see openWith), the copy's own
	raw  []byte
	sum  [sumLen]byte
	same bool // its data key was the vault's when it was opened
	// vouched: its data key was one the vault held, or linked back to one
	vouched bool
}

// OpenCopy reads raw, another file of this vault, and opens it with a key
// this Vault holds: the identity of the slot that unlocked it (or, for a
// format-1 file, the format-1 slot keys this session learnt). It writes
// nothing and moves no high-water mark. It fails with ErrLimit for a file
// over 64 MiB, ErrCorrupt for damage (the checksum, the header, a payload
// that does not authenticate under its header), ErrUnsupportedVersion,
// ErrOtherVault for a file of another vault, ErrGenerationJump for a
// generation more than 2^32 above this Vault's, ErrSlotRemoved (which also
// matches ErrNoUsableSlot) when the copy removed the slot that unlocked
// this Vault, and ErrNoUsableSlot when it has no slot this Vault can open.
//
// A copy that opens was written by someone who could wrap a data key to
// this vault's slots; in format 2 that takes only the recipients, which
// the header shows (see docs/design-notes.md, entries 26 and 29, and
// Copy.Vouched): Adopt and MergeIn take only a vouched copy.
func (v *Vault) OpenCopy(raw []byte) (*Copy, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dek == nil {
		return nil, errClosed
	}
	return v.openCopy(raw)
}

// openCopy is OpenCopy; the caller holds v.mu.
func (v *Vault) openCopy(raw []byte) (*Copy, error) {
	if len(raw) > maxFileSize {
		return nil, fmt.Errorf("the other copy is %d bytes (max %d): %w", len(raw), maxFileSize, ErrLimit)
	}
	raw = bytes.Clone(raw)
	p, err := parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the other copy: %w", err)
	}
	if p.hdr.VaultID != v.hdr.VaultID {
		return nil, fmt.Errorf("the other copy is vault %.8s…, this is %.8s…: %w", p.hdr.VaultID, v.hdr.VaultID, ErrOtherVault)
	}
	if err := v.checkJump(p.hdr.Generation); err != nil {
		return nil, err
	}
	if slices.Contains(p.hdr.RemovedSlots, v.info.SlotID) {
		return nil, fmt.Errorf("%w (slot %.8s): %w", ErrSlotRemoved, v.info.SlotID, ErrNoUsableSlot)
	}
	s, sk := v.knownSlot(&p.hdr)
	if s == nil {
		return nil, fmt.Errorf("the other copy has no slot this vault can open: %w", ErrNoUsableSlot)
	}
	dek, pl, err := openWith(p, s, sk)
	if err != nil {
		return nil, fmt.Errorf("the other copy: %w", err)
	}
	for id, k := range pl.SlotKeys { // the copy owns its keys: Close zeroes them
		if v.holds(k) {
			pl.SlotKeys[id] = bytes.Clone(k)
		}
	}
	pl.Data.DeviceID = v.o.device
	c := &Copy{hdr: p.hdr, data: pl.Data, dek: dek, keys: pl.SlotKeys, raw: raw, sum: p.sum, same: bytes.Equal(dek, v.dek)}
	c.vouched = v.vouch(nil, c) == nil
	return c, nil
}

// holds reports whether k is one of the keys the vault holds.
func (v *Vault) holds(k []byte) bool {
	for _, m := range []map[string][]byte{v.keys, v.old} {
		for _, h := range m {
			if sameSlice(h, k) {
				return true
			}
		}
	}
	return false
}

// checkJump refuses a generation more than maxGenerationJump above the
// vault's.
func (v *Vault) checkJump(gen uint64) error {
	if gen > v.hdr.Generation && gen-v.hdr.Generation > maxGenerationJump {
		return fmt.Errorf("%w: generation %d, this vault is at %d", ErrGenerationJump, gen, v.hdr.Generation)
	}
	return nil
}

// Generation returns the copy's generation.
func (c *Copy) Generation() uint64 { return c.hdr.Generation }

// Data returns a deep copy of the copy's data, nil once closed. The caller
// owns it (it holds the account secrets).
func (c *Copy) Data() *Data {
	if c.data == nil {
		return nil
	}
	return c.data.clone()
}

// Slots returns the copy's unlock slots.
func (c *Copy) Slots() []Slot { return cloneSlots(c.hdr.Slots) }

// RemovedSlots returns the ids of the slots the copy records as removed,
// oldest first.
func (c *Copy) RemovedSlots() []string { return slices.Clone(c.hdr.RemovedSlots) }

// SameKey reports whether the copy is sealed under the data key this
// Vault held when it opened it. Only a holder of that key can write such
// a file; a copy under another key was written either after a slot was
// removed (which rotates the key) or by anyone who read a header, since
// wrapping a new key to the slots' public recipients needs no secret. A
// sync layer asks the user before it takes slots such a copy adds.
func (c *Copy) SameKey() bool { return c.same }

// Sum returns the copy's checksum (the SHA-256 at the end of the file) in
// hex, to show as its fingerprint.
func (c *Copy) Sum() string { return hex.EncodeToString(c.sum[:]) }

// Close zeroes the copy's keys and account secrets.
func (c *Copy) Close() {
	zero(c.dek)
	for _, k := range c.keys {
		zero(k)
	}
	if c.data != nil {
		c.data.wipe()
	}
	c.dek, c.keys, c.data = nil, nil, nil
}

// Raw returns the exact bytes of the vault file as this Vault last read
// or wrote it: what a sync layer commits. The caller owns the slice.
func (v *Vault) Raw() []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	return bytes.Clone(v.raw)
}

// Install opens raw — a vault file from another machine — with c in
// memory, and only then writes raw, byte for byte, as a new vault at path
// ("otter sync join"). Like Create it makes the directory (0700) and fails
// with ErrExist if a file is already there; like Load it refuses a file
// older than the high-water mark of its vault (*RollbackError). It returns
// the vault unlocked; nothing is written if raw does not open with c.
func Install(path string, raw []byte, o *Options, c Credential) (*Vault, error) {
	if len(raw) > maxFileSize {
		return nil, fmt.Errorf("the file is %d bytes (max %d): %w", len(raw), maxFileSize, ErrLimit)
	}
	l := &Locked{o: o.resolve()}
	l.st = newStore(path, &l.o)
	raw = bytes.Clone(raw)
	p, err := parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the vault to install: %w", err)
	}
	l.p = p
	if _, err := l.st.checkGeneration(&p.hdr, 0); err != nil {
		return nil, err
	}
	l.seen = p.hdr.Generation // raised once the file is in place
	v, err := l.Unlock(c)
	if err != nil {
		return nil, err
	}
	if err := v.writeNew(path); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

// writeNew writes v's file as a new vault at path.
func (v *Vault) writeNew(path string) error {
	if err := v.o.fs.MkdirAll(v.st.dir, 0o700); err != nil {
		return fmt.Errorf("failed to create vault directory: %w", err)
	}
	unlock, err := v.st.lock(true)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: %s", ErrExist, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	v.st.cleanTemps()
	committed, err := v.st.commit(v.raw, nil, 0)
	if !committed {
		return err
	}
	v.o.raise(v.hdr.VaultID, v.hdr.Generation)
	if v.o.afterSave != nil {
		v.o.afterSave(v.hdr.VaultID, v.hdr.Generation, v.raw)
	}
	return err
}

package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Format constants and limits (see the package documentation).
const (
	magic          = "OTTERVLT"
	formatVersion  = 2 // written; format 1 is still read (and migrated on write)
	minVersion     = 1
	prefixLen      = len(magic) + 2 + 4
	nonceLen       = chacha20poly1305.NonceSizeX
	tagLen         = chacha20poly1305.Overhead
	sumLen         = sha256.Size
	minFileLen     = prefixLen + nonceLen + tagLen + sumLen
	maxFileSize    = 64 << 20
	maxHeaderSize  = 1 << 20
	maxSlots       = 16
	keyLen         = 32
	wrappedLen     = nonceLen + keyLen + tagLen
	idLen          = 32 // hex characters of a 16-byte id
	maxLabelLen    = 256
	maxSaltLen     = 64
	maxCredIDLen   = 1024
	maxRPIDLen     = 256
	maxSlotTypeLen = 32
	// maxRemovedSlots bounds header.RemovedSlots; the oldest ids go first.
	maxRemovedSlots = 256
)

// SlotType names the kind of credential that opens a slot.
type SlotType string

// Slot types.
const (
	SlotKeyring  SlotType = "keyring"
	SlotPassword SlotType = "password"
	SlotRecovery SlotType = "recovery"
	SlotFIDO2    SlotType = "fido2"
)

// Slot is the public, stored description of one unlock slot. It lives in the
// authenticated header.
type Slot struct {
	ID           string     `json:"id"` // 16 random bytes, hex
	Type         SlotType   `json:"type"`
	Label        string     `json:"label,omitempty"`
	Created      time.Time  `json:"created"`
	KDF          *KDFParams `json:"kdf,omitempty"`           // password
	Salt         []byte     `json:"salt,omitempty"`          // password, recovery, keyring, fido2
	CredentialID []byte     `json:"credential_id,omitempty"` // fido2
	RPID         string     `json:"rp_id,omitempty"`         // fido2
	UV           bool       `json:"uv,omitempty"`            // fido2 enrolment state
	PIN          bool       `json:"pin,omitempty"`           // fido2 enrolment state
	// Recipient is the slot's public key, an age X25519 recipient
	// (format 2).
	Recipient string `json:"recipient,omitempty"`
	// Stanza wraps the slot's file key to Recipient (format 2).
	Stanza *Stanza `json:"stanza,omitempty"`
	// Wrapped is, in format 2, nonce‖XChaCha20-Poly1305(KEK, identity,
	// ad = "otter/v2 identity"‖vault id‖slot id‖type) — empty for an age
	// slot; in format 1 (and for a legacy slot) nonce‖XChaCha20-Poly1305(KEK,
	// slot key, ad = vault id‖slot id‖type).
	Wrapped []byte `json:"wrapped,omitempty"`
	// WrappedDEK is, in format 2, nonce‖XChaCha20-Poly1305(HKDF(file key),
	// DEK, ad = "otter/v2 dek"‖vault id‖slot id‖type); in format 1
	// nonce‖XChaCha20-Poly1305(slot key, DEK, ad = vault id‖slot id‖"dek").
	WrappedDEK []byte `json:"wrapped_dek"`
	// Legacy is set on a slot migrated from format 1 whose credential has
	// not been used since: nonce‖XChaCha20-Poly1305(format-1 slot key,
	// identity, ad = "otter/v2 legacy"‖vault id‖slot id‖type). The next
	// unlock with the slot's credential replaces it by a format-2 Wrapped.
	Legacy []byte `json:"legacy,omitempty"`
}

func (s Slot) clone() Slot {
	c := s
	if s.KDF != nil {
		k := *s.KDF
		c.KDF = &k
	}
	c.Salt = bytes.Clone(s.Salt)
	c.CredentialID = bytes.Clone(s.CredentialID)
	c.Wrapped = bytes.Clone(s.Wrapped)
	c.WrappedDEK = bytes.Clone(s.WrappedDEK)
	c.Stanza = s.Stanza.clone()
	c.Legacy = bytes.Clone(s.Legacy)
	return c
}

// header is the authenticated, unencrypted part of the file.
type header struct {
	Version    uint16    `json:"-"` // of the file it was read from; saves write formatVersion
	VaultID    string    `json:"vault_id"`
	Generation uint64    `json:"generation"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	Slots      []Slot    `json:"slots"`
	// RemovedSlots are the ids of slots removed from the vault, oldest
	// first, at most maxRemovedSlots: a merge of two copies never brings
	// one back (see MergeIn).
	RemovedSlots []string `json:"removed_slots,omitempty"`
	// KeyLinks link the data key back to the keys it replaced, newest
	// first, at most maxKeyLinks (see keylinks.go).
	KeyLinks [][]byte `json:"key_links,omitempty"`
}

func (h header) clone() header {
	c := h
	c.Slots = make([]Slot, len(h.Slots))
	for i, s := range h.Slots {
		c.Slots[i] = s.clone()
	}
	c.RemovedSlots = slices.Clone(h.RemovedSlots)
	c.KeyLinks = nil
	for _, l := range h.KeyLinks {
		c.KeyLinks = append(c.KeyLinks, bytes.Clone(l))
	}
	return c
}

// removeSlot records id as removed, dropping the oldest ids beyond
// maxRemovedSlots.
func (h *header) removeSlot(id string) {
	if slices.Contains(h.RemovedSlots, id) {
		return
	}
	h.RemovedSlots = append(h.RemovedSlots, id)
	if n := len(h.RemovedSlots) - maxRemovedSlots; n > 0 {
		h.RemovedSlots = slices.Delete(h.RemovedSlots, 0, n)
	}
}

func (h *header) slot(id string) *Slot {
	for i := range h.Slots {
		if h.Slots[i].ID == id {
			return &h.Slots[i]
		}
	}
	return nil
}

// parsed is a file whose checksum, version and header were checked.
type parsed struct {
	raw   []byte // the whole file
	hdr   header
	ad    []byte // every byte before the nonce
	nonce []byte
	ct    []byte
	sum   [sumLen]byte
}

// parse checks b in the documented order: length, checksum, magic, version,
// header. Errors match ErrCorrupt or ErrUnsupportedVersion.
func parse(b []byte) (*parsed, error) {
	if len(b) < minFileLen {
		return nil, corruptf("file is %d bytes, too short for a vault", len(b))
	}
	body := b[:len(b)-sumLen]
	p := &parsed{raw: b, sum: sha256.Sum256(body)}
	if !bytes.Equal(p.sum[:], b[len(body):]) {
		return nil, corruptf("checksum mismatch (damaged or truncated file)")
	}
	if string(b[:len(magic)]) != magic {
		return nil, corruptf("not an otter vault (bad magic)")
	}
	v := binary.BigEndian.Uint16(b[len(magic):])
	if v < minVersion || v > formatVersion {
		return nil, fmt.Errorf("%w: file has version %d, this build reads %d to %d",
			ErrUnsupportedVersion, v, minVersion, formatVersion)
	}
	hlen := binary.BigEndian.Uint32(b[len(magic)+2:])
	if hlen > maxHeaderSize || int(hlen) > len(body)-prefixLen-nonceLen-tagLen {
		return nil, corruptf("header length %d out of range", hlen)
	}
	end := prefixLen + int(hlen)
	p.ad, p.nonce, p.ct = b[:end], b[end:end+nonceLen], body[end+nonceLen:]
	if err := json.Unmarshal(b[prefixLen:end], &p.hdr); err != nil {
		return nil, corruptf("unreadable header: %v", err)
	}
	p.hdr.Version = v
	if err := p.hdr.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func (h *header) validate() error {
	if !isID(h.VaultID) {
		return corruptf("bad vault id")
	}
	if h.Generation == 0 {
		return corruptf("generation 0")
	}
	if len(h.Slots) == 0 || len(h.Slots) > maxSlots {
		return corruptf("%d slots (want 1 to %d)", len(h.Slots), maxSlots)
	}
	seen := make(map[string]bool, len(h.Slots))
	for i := range h.Slots {
		s := &h.Slots[i]
		if seen[s.ID] {
			return corruptf("duplicate slot id %s", s.ID)
		}
		seen[s.ID] = true
		if err := s.validate(h.Version); err != nil {
			return err
		}
	}
	if len(h.RemovedSlots) > maxRemovedSlots {
		return corruptf("%d removed slot ids (max %d)", len(h.RemovedSlots), maxRemovedSlots)
	}
	removed := make(map[string]bool, len(h.RemovedSlots))
	for _, id := range h.RemovedSlots {
		switch {
		case !isID(id):
			return corruptf("bad removed slot id")
		case removed[id]:
			return corruptf("removed slot id %s listed twice", id)
		case seen[id]:
			return corruptf("slot %s is listed as removed", id)
		}
		removed[id] = true
	}
	if len(h.KeyLinks) > maxKeyLinks {
		return corruptf("%d key links (max %d)", len(h.KeyLinks), maxKeyLinks)
	}
	for _, l := range h.KeyLinks {
		if len(l) != keyLinkLen {
			return corruptf("a key link of %d bytes (want %d)", len(l), keyLinkLen)
		}
	}
	return nil
}

func (s *Slot) validate(version uint16) error {
	switch {
	case !isID(s.ID):
		return corruptf("bad slot id")
	case s.Type == "" || len(s.Type) > maxSlotTypeLen:
		return corruptf("slot %s: bad type", s.ID)
	case len(s.Label) > maxLabelLen, len(s.Salt) > maxSaltLen,
		len(s.CredentialID) > maxCredIDLen, len(s.RPID) > maxRPIDLen:
		return corruptf("slot %s: field too long", s.ID)
	case version >= 2:
		return s.validate2()
	case len(s.Wrapped) != wrappedLen || len(s.WrappedDEK) != wrappedLen:
		return corruptf("slot %s: wrapped key has the wrong length", s.ID)
	}
	return nil
}

func isID(s string) bool {
	if len(s) != idLen {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// encode builds a complete file: header, payload sealed under dek with a
// fresh nonce from r, checksum.
func encode(h *header, plain, dek []byte, r io.Reader) ([]byte, error) {
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("failed to encode header: %w", err)
	}
	if len(hj) > maxHeaderSize {
		return nil, fmt.Errorf("header is %d bytes: %w", len(hj), ErrLimit)
	}
	size := prefixLen + len(hj) + nonceLen + len(plain) + tagLen + sumLen
	if size > maxFileSize {
		return nil, fmt.Errorf("vault would be %d bytes (max %d): %w", size, maxFileSize, ErrLimit)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, magic...)
	buf = binary.BigEndian.AppendUint16(buf, formatVersion)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(hj)))
	buf = append(buf, hj...)
	adLen := len(buf)
	buf = buf[:adLen+nonceLen]
	if _, err := io.ReadFull(r, buf[adLen:]); err != nil {
		return nil, fmt.Errorf("failed to read random nonce: %w", err)
	}
	aead, err := chacha20poly1305.NewX(dek)
	if err != nil {
		return nil, err
	}
	buf = aead.Seal(buf, buf[adLen:], plain, buf[:adLen])
	sum := sha256.Sum256(buf)
	return append(buf, sum[:]...), nil
}

// openPayload decrypts the payload of p with dek.
func (p *parsed) openPayload(dek []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(dek)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, p.nonce, p.ct, p.ad)
	if err != nil {
		return nil, corruptf("payload does not decrypt although a slot unlocked")
	}
	return plain, nil
}

package vault

import (
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// Format 2 slots are public-key slots (see docs/vault-format.md). Each slot
// has an age X25519 key pair: the recipient (public key) is in the header,
// and the data key is wrapped to it — no secret is needed to wrap, so
// removing a slot rotates the data key for the others without their
// credentials, and the payload holds nothing that opens a slot. The
// identity (private key) is sealed under the key the slot's credential
// yields; an age slot's identity is the user's own and is not stored.
//
// Wrapping the data key to a recipient: a fresh 16-byte file key is wrapped
// with age's X25519 recipient (its stanza is stored), and the data key is
// sealed under HKDF-SHA256(file key, info = "otter/v2 dek" ‖ vault id ‖
// slot id ‖ slot type), so each wrap is bound to its vault, slot and kind.

const (
	fileKeyLen = 16 // age's file key size
	// maxIdentityLen bounds a sealed identity: "AGE-SECRET-KEY-1" and 58
	// bech32 characters, sealed.
	maxSealedIdentityLen = nonceLen + 128 + tagLen
)

// SlotAge is the type of a slot opened by an age identity whose recipient
// the slot names (AgeRecipient, AgeIdentities).
const SlotAge SlotType = "age"

// Stanza is an age recipient stanza: the file key of one slot, wrapped to
// the slot's recipient.
type Stanza struct {
	Type string   `json:"type"`
	Args []string `json:"args"`
	Body []byte   `json:"body"`
}

func (s *Stanza) clone() *Stanza {
	if s == nil {
		return nil
	}
	return &Stanza{Type: s.Type, Args: append([]string(nil), s.Args...), Body: append([]byte(nil), s.Body...)}
}

// identityAD is the associated data of a format-2 Slot.Wrapped.
func identityAD(vaultID string, s *Slot) []byte {
	return []byte("otter/v2 identity" + vaultID + s.ID + string(s.Type))
}

// legacyAD is the associated data of Slot.Legacy.
func legacyAD(vaultID string, s *Slot) []byte {
	return []byte("otter/v2 legacy" + vaultID + s.ID + string(s.Type))
}

// dekInfo binds a format-2 data-key wrap to its vault, slot and kind.
func dekInfo(vaultID string, s *Slot) string {
	return "otter/v2 dek" + vaultID + s.ID + string(s.Type)
}

// wrapDEK wraps dek to s's recipient (s.Stanza, s.WrappedDEK).
func wrapDEK(r io.Reader, vaultID string, s *Slot, dek []byte) error {
	rec, err := age.ParseX25519Recipient(s.Recipient)
	if err != nil {
		return fmt.Errorf("slot %s: %w", s.ID, err)
	}
	fileKey, err := randomBytes(r, fileKeyLen)
	if err != nil {
		return err
	}
	defer zero(fileKey)
	stanzas, err := rec.Wrap(fileKey)
	if err != nil {
		return err
	}
	if len(stanzas) != 1 {
		return fmt.Errorf("slot %s: age gave %d stanzas", s.ID, len(stanzas))
	}
	st := stanzas[0]
	s.Stanza = &Stanza{Type: st.Type, Args: st.Args, Body: st.Body}
	k, err := hkdfKey(fileKey, nil, dekInfo(vaultID, s))
	if err != nil {
		return err
	}
	defer zero(k)
	s.WrappedDEK, err = seal(r, k, dek, []byte(dekInfo(vaultID, s)))
	return err
}

// errNotThisIdentity means an identity does not open a slot's stanza.
var errNotThisIdentity = errors.New("the identity does not open this slot")

// unwrapDEK opens s's data key with id: errNotThisIdentity when id is not
// the slot's identity, another error when the slot is damaged.
func unwrapDEK(id age.Identity, vaultID string, s *Slot) ([]byte, error) {
	st := &age.Stanza{Type: s.Stanza.Type, Args: s.Stanza.Args, Body: s.Stanza.Body}
	fileKey, err := id.Unwrap([]*age.Stanza{st})
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, errNotThisIdentity
	}
	if err != nil {
		return nil, fmt.Errorf("slot %s: the file key does not unwrap: %v", s.ID, err)
	}
	defer zero(fileKey)
	k, err := hkdfKey(fileKey, nil, dekInfo(vaultID, s))
	if err != nil {
		return nil, err
	}
	defer zero(k)
	dek, err := unseal(k, s.WrappedDEK, []byte(dekInfo(vaultID, s)))
	if err != nil {
		return nil, fmt.Errorf("slot %s: data key does not unwrap", s.ID)
	}
	return dek, nil
}

// newIdentity returns a fresh slot identity in its text form
// (AGE-SECRET-KEY-1…) and its recipient.
func newIdentity() ([]byte, string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, "", err
	}
	return []byte(id.String()), id.Recipient().String(), nil
}

// parseIdentity reads an identity in text form; the caller still owns b.
func parseIdentity(b []byte) (*age.X25519Identity, error) {
	return age.ParseX25519Identity(string(b))
}

// wrapAll gives every slot of st a fresh wrap of st.dek (format 2).
func wrapAll(r io.Reader, st *state) error {
	for i := range st.hdr.Slots {
		if err := wrapDEK(r, st.hdr.VaultID, &st.hdr.Slots[i], st.dek); err != nil {
			return err
		}
	}
	return nil
}

// validate2 checks the fields of a format-2 slot.
func (s *Slot) validate2() error {
	if _, err := age.ParseX25519Recipient(s.Recipient); err != nil {
		return corruptf("slot %s: bad recipient", s.ID)
	}
	st := s.Stanza
	switch {
	case st == nil || st.Type != "X25519" || len(st.Args) != 1 || len(st.Args[0]) > 64 || len(st.Body) != fileKeyLen+tagLen:
		return corruptf("slot %s: bad stanza", s.ID)
	case len(s.WrappedDEK) != wrappedLen:
		return corruptf("slot %s: wrapped key has the wrong length", s.ID)
	case s.Type == SlotAge && (len(s.Wrapped) != 0 || len(s.Legacy) != 0):
		return corruptf("slot %s: an age slot stores no identity", s.ID)
	case s.Type != SlotAge && len(s.Legacy) == 0 && (len(s.Wrapped) < nonceLen+tagLen+1 || len(s.Wrapped) > maxSealedIdentityLen):
		return corruptf("slot %s: sealed identity has the wrong length", s.ID)
	case len(s.Legacy) != 0 && (len(s.Wrapped) != wrappedLen || len(s.Legacy) > maxSealedIdentityLen):
		return corruptf("slot %s: legacy wrap has the wrong length", s.ID)
	}
	return nil
}

// AgeRecipient is the credential that enrols an age slot: the data key is
// wrapped to Recipient (an "age1…" X25519 recipient), and the matching
// identity opens the vault (AgeIdentities). Nothing secret is stored.
type AgeRecipient struct{ Recipient string }

// SlotType implements Credential.
func (AgeRecipient) SlotType() SlotType { return SlotAge }

// Enrol implements Credential; the vault enrols age slots itself.
func (AgeRecipient) Enrol(string, *Slot) ([]byte, error) {
	return nil, errors.New("an age slot has no key-encryption key")
}

// Derive implements Credential; AgeIdentities opens age slots.
func (AgeRecipient) Derive(string, *Slot) ([]byte, error) {
	return nil, errors.New("unlock an age slot with its identity")
}

// AgeIdentities is the credential that opens age slots: any of the
// identities whose recipient a slot names.
type AgeIdentities struct{ Identities []age.Identity }

// SlotType implements Credential.
func (AgeIdentities) SlotType() SlotType { return SlotAge }

// Enrol implements Credential; AgeRecipient enrols age slots.
func (AgeIdentities) Enrol(string, *Slot) ([]byte, error) {
	return nil, errors.New("enrol an age slot with its recipient")
}

// Derive implements Credential; the vault opens age slots itself.
func (AgeIdentities) Derive(string, *Slot) ([]byte, error) {
	return nil, errors.New("an age slot has no key-encryption key")
}

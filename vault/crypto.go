package vault

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// NewID returns 16 random bytes from r (crypto/rand when r is nil), hex
// encoded. It panics if r fails, as crypto/rand does.
func NewID(r io.Reader) string {
	var b [16]byte
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b[:]); err != nil {
		panic("vault: random source failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

func randomBytes(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("failed to read randomness: %w", err)
	}
	return b, nil
}

// seal returns nonce‖XChaCha20-Poly1305(key, plain, ad) with a fresh nonce.
func seal(r io.Reader, key, plain, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	nonce, err := randomBytes(r, nonceLen)
	if err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, ad), nil
}

// unseal opens a box made by seal.
func unseal(key, box, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(box) < nonceLen+tagLen {
		return nil, fmt.Errorf("sealed box too short")
	}
	return aead.Open(nil, box[:nonceLen], box[nonceLen:], ad)
}

// slotAD is the associated data of Slot.Wrapped.
func slotAD(vaultID string, s *Slot) []byte {
	return []byte(vaultID + s.ID + string(s.Type))
}

// dekAD is the associated data of Slot.WrappedDEK.
func dekAD(vaultID string, s *Slot) []byte {
	return []byte(vaultID + s.ID + "dek")
}

// hkdfKey derives a 32-byte key with HKDF-SHA256.
func hkdfKey(secret, salt []byte, info string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, salt, info, keyLen)
}

// zero overwrites b.
func zero(b []byte) {
	clear(b)
}

package vault

import (
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// A Credential derives the key-encryption key (KEK) of slots of one type.
//
// Enrol is called for a new slot whose ID, Type, Label, Created and a fresh
// random 32-byte Salt are already set; it may fill further public parameters
// (KDF cost, FIDO2 credential id …) and returns the slot's 32-byte KEK.
// Derive returns the KEK of an existing slot from its stored parameters; it
// must not modify the slot. Errors other than a wrong secret (a keyring that
// does not answer, a missing hardware key) are returned as is; the vault
// reports a KEK that fails to unwrap the slot as ErrWrongCredential.
type Credential interface {
	SlotType() SlotType
	Enrol(vaultID string, s *Slot) ([]byte, error)
	Derive(vaultID string, s *Slot) ([]byte, error)
}

var (
	_ Credential = Password{}
	_ Credential = RecoveryKey{}
	_ Credential = Keyring{}
)

// KDFParams are Argon2id costs: Memory in KiB, Time in passes, Threads in
// lanes (and goroutines).
type KDFParams struct {
	Memory  uint32 `json:"memory"`
	Time    uint32 `json:"time"`
	Threads uint8  `json:"threads"`
}

// String is "m=131072 KiB t=3 p=4".
func (k KDFParams) String() string {
	return fmt.Sprintf("m=%d KiB t=%d p=%d", k.Memory, k.Time, k.Threads)
}

// DefaultKDF is the cost of a new password slot when Password.KDF is zero:
// 128 MiB, 3 passes, 4 lanes. The faces calibrate the passes to the
// machine instead (CalibrateKDF); DefaultKDF.Time is the floor of that.
var DefaultKDF = KDFParams{Memory: 128 * 1024, Time: 3, Threads: 4}

// KDF bounds, checked before any key derivation. maxKDFWork bounds memory
// × passes (2 GiB of memory passes), so that no file costs more than a few
// seconds to try; maxKDFThreads bounds the goroutines one attempt starts.
const (
	minKDFMemory  = 19 * 1024
	maxKDFMemory  = 1024 * 1024
	minKDFTime    = 2
	maxKDFTime    = 16
	maxKDFThreads = 16
	maxKDFWork    = 2 * 1024 * 1024
)

// check describes why costs are outside the bounds, "" when they are not;
// weak skips the lower bounds (tests only, through Options.AllowWeakKDF).
func (k KDFParams) check(weak bool) string {
	switch {
	case k.Threads == 0 || k.Time == 0 || k.Memory == 0:
		return fmt.Sprintf("argon2id cost %v: every parameter must be positive", k)
	case k.Memory > maxKDFMemory || k.Time > maxKDFTime || k.Threads > maxKDFThreads:
		return fmt.Sprintf("argon2id cost %v above m=%d KiB t=%d p=%d", k, maxKDFMemory, maxKDFTime, maxKDFThreads)
	case uint64(k.Memory)*uint64(k.Time) > maxKDFWork:
		return fmt.Sprintf("argon2id cost %v above %d MiB × passes", k, maxKDFWork/1024)
	case !weak && (k.Memory < minKDFMemory || k.Time < minKDFTime):
		return fmt.Sprintf("argon2id cost %v below m=%d KiB t=%d", k, minKDFMemory, minKDFTime)
	}
	return ""
}

// Password is a password slot credential. Enrol uses KDF (the zero value
// means DefaultKDF) and refuses costs outside the bounds with ErrLimit;
// Derive uses the slot's stored parameters and reports costs outside the
// bounds as ErrCorrupt, before any Argon2id work. The password is
// normalised to Unicode NFC, never truncated.
type Password struct {
	Secret []byte
	KDF    KDFParams

	weak bool // set by the vault from Options.AllowWeakKDF
}

// SlotType implements Credential.
func (Password) SlotType() SlotType { return SlotPassword }

// Enrol implements Credential.
func (p Password) Enrol(vaultID string, s *Slot) ([]byte, error) {
	k := p.KDF
	if k == (KDFParams{}) {
		k = DefaultKDF
	}
	if why := k.check(p.weak); why != "" {
		return nil, fmt.Errorf("%s: %w", why, ErrLimit)
	}
	if err := ensureSalt(s); err != nil {
		return nil, err
	}
	s.KDF = &k
	return p.derive(k, s.Salt), nil
}

// Derive implements Credential.
func (p Password) Derive(vaultID string, s *Slot) ([]byte, error) {
	if s.KDF == nil {
		return nil, corruptf("password slot %s has no kdf parameters", s.ID)
	}
	if why := s.KDF.check(p.weak); why != "" {
		return nil, corruptf("password slot %s: %s", s.ID, why)
	}
	if len(s.Salt) < 16 {
		return nil, corruptf("password slot %s has a short salt", s.ID)
	}
	return p.derive(*s.KDF, s.Salt), nil
}

func (p Password) derive(k KDFParams, salt []byte) []byte {
	secret := p.Secret
	if !norm.NFC.IsNormal(secret) {
		secret = norm.NFC.Bytes(secret)
		defer zero(secret)
	}
	return argon2.IDKey(secret, salt, k.Time, k.Memory, k.Threads, keyLen)
}

// RecoveryKey is a recovery slot credential: KEK = HKDF-SHA256(Key, salt,
// "otter recovery slot"). Key has at least 128 bits (see NewRecoveryKey).
type RecoveryKey struct {
	Key []byte
}

// SlotType implements Credential.
func (RecoveryKey) SlotType() SlotType { return SlotRecovery }

// Enrol implements Credential.
func (r RecoveryKey) Enrol(vaultID string, s *Slot) ([]byte, error) {
	if err := ensureSalt(s); err != nil {
		return nil, err
	}
	return r.Derive(vaultID, s)
}

// Derive implements Credential.
func (r RecoveryKey) Derive(vaultID string, s *Slot) ([]byte, error) {
	if len(r.Key) < 16 {
		return nil, fmt.Errorf("recovery key shorter than 128 bits")
	}
	return hkdfKey(r.Key, s.Salt, "otter recovery slot")
}

// SecretStore is the part of an OS keyring the vault needs. Get returns the
// store's own error when the secret is missing or the keyring is locked.
type SecretStore interface {
	Get(account string) ([]byte, error)
	Set(account string, secret []byte) error
	Delete(account string) error
}

// Keyring is a keyring slot credential: a random 32-byte secret kept in Store
// under the account vaultID+"/"+slotID; KEK = HKDF-SHA256(secret, salt,
// "otter keyring slot").
type Keyring struct {
	Store SecretStore
}

// SlotType implements Credential.
func (Keyring) SlotType() SlotType { return SlotKeyring }

// keyringAccount is the keyring account name of a slot.
func keyringAccount(vaultID, slotID string) string { return vaultID + "/" + slotID }

// Enrol implements Credential.
func (k Keyring) Enrol(vaultID string, s *Slot) ([]byte, error) {
	secret, err := randomBytes(rand.Reader, keyLen)
	if err != nil {
		return nil, err
	}
	defer zero(secret)
	if err := k.Store.Set(keyringAccount(vaultID, s.ID), secret); err != nil {
		return nil, fmt.Errorf("failed to store the key in the keyring: %w", err)
	}
	return hkdfKey(secret, s.Salt, "otter keyring slot")
}

// Derive implements Credential.
func (k Keyring) Derive(vaultID string, s *Slot) ([]byte, error) {
	secret, err := k.Store.Get(keyringAccount(vaultID, s.ID))
	if err != nil {
		return nil, fmt.Errorf("failed to read the key from the keyring: %w", err)
	}
	defer zero(secret)
	if len(secret) != keyLen {
		return nil, fmt.Errorf("keyring secret has %d bytes: %w", len(secret), ErrWrongCredential)
	}
	return hkdfKey(secret, s.Salt, "otter keyring slot")
}

// ensureSalt gives s a random 32-byte salt unless the vault already did.
func ensureSalt(s *Slot) error {
	if len(s.Salt) >= 16 {
		return nil
	}
	salt, err := randomBytes(rand.Reader, 32)
	s.Salt = salt
	return err
}

// withOptions applies vault options that a credential needs to know about.
func withOptions(c Credential, weak bool) Credential {
	switch p := c.(type) {
	case Password:
		p.weak = weak
		return p
	case *Password:
		cp := *p
		cp.weak = weak
		return cp
	}
	return c
}

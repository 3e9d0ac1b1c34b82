package vault

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
)

// DeriveKey returns a new 32-byte key for purpose (a short name such as
// "journal"), derived from the data key with HKDF-SHA256: no salt, info =
// "otter " ‖ purpose ‖ vault id. It lets a package outside the vault
// authenticate something it keeps beside the vault, for this vault only,
// without holding the data key. The key changes when the data key is
// rotated (RemoveSlot, here or in another process this Vault followed).
// The caller zeroes it when done. It fails once the Vault is closed.
func (v *Vault) DeriveKey(purpose string) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dek == nil {
		return nil, errClosed
	}
	if purpose == "" {
		return nil, fmt.Errorf("derive key: empty purpose")
	}
	return hkdf.Key(sha256.New, v.dek, nil, "otter "+purpose+v.hdr.VaultID, 32)
}

package vault

// VaultID returns the vault's random id (keyring entries are filed under
// it).
func (v *Vault) VaultID() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.hdr.VaultID
}

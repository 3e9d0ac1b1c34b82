package vault

// KeyMemory returns the buffers that hold this open Vault's key material
// and secrets now: the data key, the slot identities and keys it knows,
// and every account's secret (trash included). They are the Vault's own
// slices, for a caller that pins them in RAM (mlock): a caller must not
// write to them or keep them past the next Update, Refresh or Close,
// which may replace or zero them. A closed Vault has none.
func (v *Vault) KeyMemory() [][]byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dek == nil {
		return nil
	}
	out := [][]byte{v.dek}
	for _, k := range v.keys {
		out = append(out, k)
	}
	for _, k := range v.old {
		out = append(out, k)
	}
	for _, u := range v.upgrades {
		out = append(out, u.identity)
	}
	if v.data != nil {
		for i := range v.data.Accounts {
			out = append(out, v.data.Accounts[i].Secret)
		}
		for i := range v.data.Trash {
			out = append(out, v.data.Trash[i].Account.Secret)
		}
	}
	return out
}

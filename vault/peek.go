package vault

import "encoding/hex"

// Info is what a vault file says of itself before it is unlocked.
type Info struct {
	VaultID    string
	Generation uint64
	// Sum is the file's checksum (its last 32 bytes), in hex.
	Sum string
}

// Peek checks raw as Load does — length, checksum, magic, version, header —
// but not its authenticity, which needs a key, and returns what its header
// says. Sync uses it to compare files it cannot open yet.
func Peek(raw []byte) (Info, error) {
	p, err := parse(raw)
	if err != nil {
		return Info{}, err
	}
	return Info{VaultID: p.hdr.VaultID, Generation: p.hdr.Generation, Sum: hex.EncodeToString(p.sum[:])}, nil
}

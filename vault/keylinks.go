package vault

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Key links: every time a data key is replaced (a slot removed, format 1
// migrated, a merge that rotates), the new file's header carries a link
// from the new key back to the one it replaces —
// nonce‖XChaCha20-Poly1305(HKDF-SHA256(new DEK, info = "otter/v2 key link"
// ‖ vault id), old DEK, ad = "otter/v2 key link" ‖ vault id). A newer key
// opens its file's links to older keys, never the reverse. A copy whose
// data key is not one this Vault trusts is accepted (Adopt, MergeIn) only
// when following its links reaches one: only a holder of a trusted key can
// have written that link (see docs/vault-format.md, "Key links").

const (
	// maxKeyLinks bounds header.KeyLinks; the oldest links go first.
	maxKeyLinks = 64
	keyLinkLen  = nonceLen + keyLen + tagLen
	keyLinkInfo = "otter/v2 key link"
)

// ErrUnvouched means another copy of the vault (Adopt, MergeIn) is under a
// data key that no link connects to a key this Vault trusts: it may have
// been written by anyone who read a header (the sync server). Nothing was
// written.
var ErrUnvouched = errors.New("the other copy is under a data key no device of this vault made: it may be forged")

// keyFP is the fingerprint of a data key: what a Vault remembers of the
// keys it held, so that it keeps no old key.
type keyFP [sha256.Size]byte

func fingerprint(dek []byte) keyFP {
	h := sha256.New()
	h.Write([]byte("otter/v2 key fingerprint"))
	h.Write(dek)
	return keyFP(h.Sum(nil))
}

func linkAD(vaultID string) []byte { return []byte(keyLinkInfo + vaultID) }

// sealLink returns the link from newDEK back to prev.
func sealLink(r io.Reader, vaultID string, newDEK, prev []byte) ([]byte, error) {
	k, err := hkdfKey(newDEK, nil, keyLinkInfo+vaultID)
	if err != nil {
		return nil, err
	}
	defer zero(k)
	return seal(r, k, prev, linkAD(vaultID))
}

// reachKeys returns dek and every data key reached from it through links:
// each link is tried with every key reached so far. The caller owns and
// zeroes the keys after the first (the first is dek itself).
func reachKeys(vaultID string, dek []byte, links [][]byte) [][]byte {
	reached := [][]byte{dek}
	open := make([]bool, len(links))
	for i := 0; i < len(reached); i++ {
		k, err := hkdfKey(reached[i], nil, keyLinkInfo+vaultID)
		if err != nil {
			continue
		}
		for j, l := range links {
			if open[j] {
				continue
			}
			if prev, err := unseal(k, l, linkAD(vaultID)); err == nil && len(prev) == keyLen {
				open[j] = true
				reached = append(reached, prev)
			}
		}
		zero(k)
	}
	return reached
}

// reaches reports whether following links from dek reaches a key whose
// fingerprint is in trusted.
func reaches(vaultID string, dek []byte, links [][]byte, trusted map[keyFP]bool) bool {
	keys := reachKeys(vaultID, dek, links)
	defer func() {
		for _, k := range keys[1:] {
			zero(k)
		}
	}()
	for _, k := range keys {
		if trusted[fingerprint(k)] {
			return true
		}
	}
	return false
}

// trust records dek as a key this Vault held.
func (v *Vault) trust(dek []byte) {
	if len(dek) == 0 {
		return
	}
	if v.held == nil {
		v.held = make(map[keyFP]bool)
	}
	v.held[fingerprint(dek)] = true
}

// removes reports whether to records a removed slot from records not.
func removes(from, to *header) bool {
	for _, id := range to.RemovedSlots {
		if !slices.Contains(from.RemovedSlots, id) {
			return true
		}
	}
	return false
}

// vouch refuses c unless its data key is one this Vault held since the
// last removal it saw (Vault.held; the current key always), the data key
// of base (when base's own key is one this Vault held or an ancestor of its
// current key), or links back to one of these.
func (v *Vault) vouch(base, c *Copy) error {
	trusted := make(map[keyFP]bool, len(v.held)+1)
	for fp := range v.held {
		trusted[fp] = true
	}
	trusted[fingerprint(v.dek)] = true
	if base != nil && base.dek != nil && !trusted[fingerprint(base.dek)] {
		fp := fingerprint(base.dek)
		for _, k := range reachKeys(v.hdr.VaultID, v.dek, v.hdr.KeyLinks)[1:] {
			if fingerprint(k) == fp {
				trusted[fp] = true
			}
			zero(k)
		}
	}
	if reaches(c.hdr.VaultID, c.dek, c.hdr.KeyLinks, trusted) {
		return nil
	}
	return fmt.Errorf("%w (generation %d, fingerprint %.16s)", ErrUnvouched, c.hdr.Generation, c.Sum())
}

// linkTo sets st.hdr.KeyLinks for st.dek, a new key replacing prevs (their
// links are theirLinks, besides st's own): one new link per distinct
// previous key, then st's and theirs interleaved, newest first, without
// duplicates, at most maxKeyLinks.
func (v *Vault) linkTo(st *state, prevs [][]byte, theirLinks [][]byte) error {
	var links [][]byte
	add := func(l []byte) {
		for _, x := range links {
			if bytes.Equal(x, l) {
				return
			}
		}
		links = append(links, l)
	}
	for i, p := range prevs {
		if len(p) == 0 || bytes.Equal(p, st.dek) || containsKey(prevs[:i], p) {
			continue
		}
		l, err := sealLink(v.o.rand, st.hdr.VaultID, st.dek, p)
		if err != nil {
			return err
		}
		links = append(links, l)
	}
	ours := st.hdr.KeyLinks
	for i := 0; i < len(ours) || i < len(theirLinks); i++ {
		if i < len(ours) {
			add(ours[i])
		}
		if i < len(theirLinks) {
			add(theirLinks[i])
		}
	}
	if len(links) > maxKeyLinks {
		links = links[:maxKeyLinks]
	}
	st.hdr.KeyLinks = links
	return nil
}

func containsKey(keys [][]byte, k []byte) bool {
	for _, x := range keys {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// Vouched reports whether the copy's data key is one the Vault that
// opened it held, or links back to one (see ErrUnvouched): only then do
// Adopt and MergeIn take it. MergeIn also accepts a copy that links to
// the data key of the base it merges on.
func (c *Copy) Vouched() bool { return c.vouched }

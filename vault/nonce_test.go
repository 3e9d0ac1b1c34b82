package vault

import (
	"encoding/binary"
	"testing"
)

// payloadNonce returns the payload nonce of an encoded file.
func payloadNonce(b []byte) [nonceLen]byte {
	hlen := int(binary.BigEndian.Uint32(b[len(magic)+2:]))
	return [nonceLen]byte(b[prefixLen+hlen : prefixLen+hlen+nonceLen])
}

// Why 10^6 saves never repeat a nonce. Every save seals the payload under
// the same DEK with a fresh 24-byte (192-bit) nonce read from crypto/rand
// (encode, in format.go); nothing else picks nonces, and nothing derives
// them from a counter that a restored backup could rewind. For n random
// 192-bit nonces the birthday bound gives
//
//	P(some two are equal) ≤ n(n-1)/2 / 2^192
//
// which for n = 10^6 saves (≈ 2^20) is below 2^39 / 2^192 = 2^-153, and
// stays below 2^-32 (the usual AEAD safety margin) up to n ≈ 2^80 saves.
// XChaCha20-Poly1305 was chosen for exactly this: with the 12-byte nonces
// of plain ChaCha20-Poly1305 or AES-GCM, random nonces under one key reach
// 2^-32 after about 2^32 saves. The slot wrappings (Wrapped, WrappedDEK)
// use fresh random 24-byte nonces the same way. A DEK rotation
// (RemoveSlot) starts a new key, which only lowers the bound.
//
// The argument needs only that every save asks crypto/rand for a new
// nonce. The test checks that on real saves and on the encode path alone:
// 10 000 encodes in `make test`, the full 10^6 under OTTER_STRESS. A
// repeat would mean a bug (a nonce reused or derived), not bad luck.
func TestEverySaveHasAFreshNonce(t *testing.T) {
	v, _ := newVault(t)
	seen := map[[nonceLen]byte]bool{payloadNonce(readFile(t, v.Path())): true}
	fresh := func(what string, i int, out []byte) {
		n := payloadNonce(out)
		if seen[n] {
			t.Fatalf("%s %d reused a payload nonce", what, i)
		}
		seen[n] = true
	}
	// The save path without the disk: the same encode of the same (empty)
	// vault, many times.
	st := v.snapshot()
	plain, err := marshalPayload(st.data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sized(10_000, 1_000_000) {
		st.hdr.Generation++
		out, err := encode(&st.hdr, plain, st.dek, v.o.rand)
		if err != nil {
			t.Fatal(err)
		}
		fresh("encode", i, out)
	}
	for i := range sized(20, 1000) { // real saves
		addAccount(t, v, "x")
		fresh("save", i, readFile(t, v.Path()))
	}
	t.Logf("%d distinct payload nonces", len(seen))
}

package vault

import (
	"encoding/binary"
	"testing"
)

// payloadNonce returns the payload nonce of an encoded file.
func payloadNonce(b []byte) string {
	hlen := int(binary.BigEndian.Uint32(b[len(magic)+2:]))
	return string(b[prefixLen+hlen : prefixLen+hlen+nonceLen])
}

func TestEverySaveHasAFreshNonce(t *testing.T) {
	v, _ := newVault(t)
	seen := map[string]bool{payloadNonce(readFile(t, v.Path())): true}
	for range 20 { // real saves
		addAccount(t, v, "x")
		n := payloadNonce(readFile(t, v.Path()))
		if seen[n] {
			t.Fatal("a real save reused a payload nonce")
		}
		seen[n] = true
	}
	// The save path without the disk: the same encode, 10 000 times.
	st := v.snapshot()
	plain, err := marshalPayload(st.data, st.keys)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10_000 {
		st.hdr.Generation++
		out, err := encode(&st.hdr, plain, st.dek, v.o.rand)
		if err != nil {
			t.Fatal(err)
		}
		n := payloadNonce(out)
		if seen[n] {
			t.Fatalf("save %d reused a payload nonce", i)
		}
		seen[n] = true
	}
}

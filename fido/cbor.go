package fido

import "encoding/binary"

// cborBytes unwraps a CBOR definite byte string (libfido2 hands out
// authenticator data CBOR-encoded); anything else is returned unchanged.
func cborBytes(b []byte) []byte {
	if len(b) == 0 || b[0]>>5 != 2 {
		return b
	}
	var n uint64
	hdr := 1
	switch ai := b[0] & 0x1f; {
	case ai < 24:
		n = uint64(ai)
	case ai == 24 && len(b) >= 2:
		n, hdr = uint64(b[1]), 2
	case ai == 25 && len(b) >= 3:
		n, hdr = uint64(binary.BigEndian.Uint16(b[1:])), 3
	case ai == 26 && len(b) >= 5:
		n, hdr = uint64(binary.BigEndian.Uint32(b[1:])), 5
	default:
		return b
	}
	if uint64(len(b)-hdr) != n {
		return b
	}
	return b[hdr:]
}

// wipeAssertions zeroes the hmac-secret outputs of as.
func wipeAssertions(as []Assertion) {
	for _, a := range as {
		clear(a.HMACSecret)
	}
}

// Wipe zeroes the hmac-secret output of every assertion.
func Wipe(as []Assertion) { wipeAssertions(as) }

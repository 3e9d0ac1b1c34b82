//go:build cgo

package fido

import "testing"

// The error table is written in pure Go; libfido2 names each code, so
// the table cannot drift from fido/err.h unnoticed.
func TestErrorTableMatchesLibfido2(t *testing.T) {
	for code, c := range codes {
		if got := strerr(code); got != c.name {
			t.Errorf("code %d: libfido2 calls it %s, the table %s", code, got, c.name)
		}
	}
}

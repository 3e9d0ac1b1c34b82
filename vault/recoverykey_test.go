package vault

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseRecoveryKey: parsing what a person typed never panics; whatever
// parses is a 160-bit key whose display form parses back to it, and an
// error never repeats the input.
func FuzzParseRecoveryKey(f *testing.F) {
	_, display, err := NewRecoveryKey(bytes.NewReader(bytes.Repeat([]byte{0xa5}, recoveryKeyLen)))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{display, strings.ToLower(display), strings.ReplaceAll(display, "-", " \t"),
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ", "OIL0-oil1-" + display[10:], "", "-", "ÿ" + display} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := ParseRecoveryKey([]byte(s))
		if err != nil {
			if key != nil {
				t.Fatalf("error %v with a key", err)
			}
			if len(s) >= 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q repeats the input", err)
			}
			return
		}
		if len(key) != recoveryKeyLen {
			t.Fatalf("%q parsed to a %d-byte key", s, len(key))
		}
		_, shown, err := NewRecoveryKey(bytes.NewReader(key))
		if err != nil {
			t.Fatal(err)
		}
		if again, err := ParseRecoveryKey([]byte(shown)); err != nil || !bytes.Equal(again, key) {
			t.Fatalf("%q → %x → %q → %x, %v", s, key, shown, again, err)
		}
	})
}

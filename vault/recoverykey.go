package vault

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"strings"
)

const (
	recoveryKeyLen   = 20 // bytes: 160 bits
	recoveryKeyChars = 32 // Crockford base32 characters
	crockford        = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

var crockfordEncoding = base32.NewEncoding(crockford).WithPadding(base32.NoPadding)

// NewRecoveryKey returns a 160-bit recovery key read from r (crypto/rand when
// nil) and its display form: Crockford base32 in 8 groups of 4 separated by
// "-".
func NewRecoveryKey(r io.Reader) (key []byte, display string, err error) {
	if r == nil {
		r = rand.Reader
	}
	key, err = randomBytes(r, recoveryKeyLen)
	if err != nil {
		return nil, "", err
	}
	enc := crockfordEncoding.EncodeToString(key)
	groups := make([]string, 0, recoveryKeyChars/4)
	for i := 0; i < len(enc); i += 4 {
		groups = append(groups, enc[i:i+4])
	}
	return key, strings.Join(groups, "-"), nil
}

// ParseRecoveryKey decodes a recovery key typed by a person: case, spaces and
// dashes do not matter, and I and L read as 1, O as 0. Errors never repeat
// the input.
func ParseRecoveryKey(s string) ([]byte, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r':
			continue
		case r == 'I' || r == 'L':
			r = '1'
		case r == 'O':
			r = '0'
		case !strings.ContainsRune(crockford, r):
			return nil, fmt.Errorf("recovery key contains a character that is not Crockford base32")
		}
		b.WriteRune(r)
	}
	if b.Len() != recoveryKeyChars {
		return nil, fmt.Errorf("recovery key has %d characters, want %d", b.Len(), recoveryKeyChars)
	}
	return crockfordEncoding.DecodeString(b.String())
}

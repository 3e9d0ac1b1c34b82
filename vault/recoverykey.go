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
// the input. It zeroes typed, on success and on error, and keeps no other
// copy of the text: the caller zeroes only the key it returns.
func ParseRecoveryKey(typed []byte) ([]byte, error) {
	defer clear(typed)
	var buf [recoveryKeyChars]byte
	defer clear(buf[:])
	n := 0
	for _, c := range typed {
		switch c = upper(c); {
		case c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == 'I' || c == 'L':
			c = '1'
		case c == 'O':
			c = '0'
		case strings.IndexByte(crockford, c) < 0:
			return nil, fmt.Errorf("recovery key contains a character that is not Crockford base32")
		}
		if n < len(buf) {
			buf[n] = c
		}
		n++
	}
	if n != recoveryKeyChars {
		return nil, fmt.Errorf("recovery key has %d characters, want %d", n, recoveryKeyChars)
	}
	key := make([]byte, recoveryKeyLen)
	if _, err := crockfordEncoding.Decode(key, buf[:]); err != nil {
		zero(key)
		return nil, fmt.Errorf("recovery key is not valid Crockford base32")
	}
	return key, nil
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

package otp

import (
	"bytes"
	"encoding/base32"
	"errors"
	"fmt"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// DecodeSecret decodes a base32 secret as people and QR codes write it:
// case-insensitive, with spaces, tabs, newlines and dashes ignored and
// padding optional. It returns an error for an empty or invalid secret;
// the error never repeats the secret.
func DecodeSecret(s string) ([]byte, error) {
	b, msg := decodeSecret(s)
	if msg != "" {
		return nil, errors.New("secret " + msg)
	}
	return b, nil
}

// decodeSecret is DecodeSecret with the problem returned as a message
// suitable for ParseError.Msg.
func decodeSecret(s string) ([]byte, string) {
	clean := make([]byte, 0, len(s))
	defer func() { clear(clean[:cap(clean)]) }()
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-':
		case 'a' <= c && c <= 'z':
			clean = append(clean, c-'a'+'A')
		case 'A' <= c && c <= 'Z', '2' <= c && c <= '7', c == '=':
			clean = append(clean, c)
		default:
			return nil, fmt.Sprintf("is not valid base32: invalid character at position %d", i+1)
		}
	}
	clean = bytes.TrimRight(clean, "=")
	if len(clean) == 0 {
		return nil, "is empty"
	}
	if bytes.IndexByte(clean, '=') >= 0 {
		return nil, "is not valid base32: padding in the middle"
	}
	switch len(clean) % 8 {
	case 1, 3, 6:
		return nil, fmt.Sprintf("is not valid base32: %d characters is not a possible length", len(clean))
	}
	b := make([]byte, b32.DecodedLen(len(clean)))
	n, err := b32.Decode(b, clean)
	if err != nil {
		return nil, "is not valid base32"
	}
	return b[:n], ""
}

// EncodeSecret encodes b as upper-case base32 without padding.
func EncodeSecret(b []byte) string {
	return b32.EncodeToString(b)
}

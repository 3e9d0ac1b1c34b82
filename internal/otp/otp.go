// Package otp owns one-time-code arithmetic and the otpauth:// and
// otpauth-migration:// formats.
//
// Everything here is a pure function: time and counters are parameters, no
// clock is read and no I/O is done. Codes follow RFC 4226 (HOTP), RFC 6238
// (TOTP) and Steam Guard's five-character variant of TOTP. Keys are parsed
// from and written to the Key-Uri-Format used by QR codes
// (https://github.com/google/google-authenticator/wiki/Key-Uri-Format) and
// Google Authenticator's export format, a protobuf MigrationPayload carried
// in an otpauth-migration://offline?data=… URI.
package otp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"strconv"
	"strings"
	"time"
)

// Type is the kind of one-time code a Key produces.
type Type string

// The supported code types.
const (
	TypeTOTP  Type = "totp"
	TypeHOTP  Type = "hotp"
	TypeSteam Type = "steam"
)

// Algorithm is the HMAC hash function used to compute codes.
type Algorithm string

// The supported algorithms, spelled as in otpauth URIs.
const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

// Limits shared by the parsers and Key.Validate.
const (
	// maxDigits is the largest supported number of digits.
	maxDigits = 10
	// defaultDigits is the code length when none is given.
	defaultDigits = 6
	// DefaultPeriod is the TOTP step in seconds when none is given.
	DefaultPeriod = 30
	// maxPeriod bounds the TOTP step (one day); longer steps are absurd.
	maxPeriod = 86400
	// maxSecret bounds the secret length in bytes.
	maxSecret = 1024
	// maxName bounds issuer and account names in bytes.
	maxName = 256
	// maxInput bounds the length of a URI given to a parser.
	maxInput = 64 << 10
	// weakSecret is the secret length in bytes (128 bits) below which a
	// key is Weak.
	weakSecret = 16
	// steamDigits is the length of a Steam Guard code.
	steamDigits = 5
	// steamAlphabet is the alphabet of Steam Guard codes.
	steamAlphabet = "23456789BCDFGHJKMNPQRTVWXY"
)

// hashFunc returns the constructor for alg, or nil if alg is not supported.
func (alg Algorithm) hashFunc() func() hash.Hash {
	switch alg {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return nil
}

// parseAlgorithm maps a case-insensitive name to an Algorithm.
func parseAlgorithm(s string) (Algorithm, bool) {
	alg := Algorithm(strings.ToUpper(s))
	return alg, alg.hashFunc() != nil
}

// truncate returns the RFC 4226 dynamic truncation of
// HMAC(secret, counter): a 31-bit integer. It panics if alg is not supported.
func truncate(secret []byte, counter uint64, alg Algorithm) uint32 {
	h := alg.hashFunc()
	if h == nil {
		panic("otp: unsupported algorithm " + strconv.Quote(string(alg)))
	}
	mac := hmac.New(h, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
}

// HOTP returns the RFC 4226 code for counter: the dynamically truncated
// HMAC modulo 10^digits, zero-padded to digits characters.
//
// HOTP panics if digits is not between 1 and maxDigits or alg is not one of
// SHA1, SHA256 and SHA512; Key.Validate checks both.
func HOTP(secret []byte, counter uint64, digits int, alg Algorithm) string {
	if digits < 1 || digits > maxDigits {
		panic("otp: digits must be between 1 and 10, got " + strconv.Itoa(digits))
	}
	v := uint64(truncate(secret, counter, alg))
	mod := uint64(1)
	for range digits {
		mod *= 10
	}
	s := strconv.FormatUint(v%mod, 10)
	return strings.Repeat("0", digits-len(s)) + s
}

// TOTP returns the RFC 6238 code at time t: HOTP with the counter
// floor(unix(t) / period). It panics under the same conditions as HOTP, or
// if period is not positive.
func TOTP(secret []byte, t time.Time, period, digits int, alg Algorithm) string {
	return HOTP(secret, Counter(t, period), digits, alg)
}

// Steam returns the Steam Guard code at time t: the SHA-1 TOTP truncation
// for a 30-second period, written as five base-26 characters, least
// significant first, in the alphabet "23456789BCDFGHJKMNPQRTVWXY".
func Steam(secret []byte, t time.Time) string {
	v := truncate(secret, Counter(t, DefaultPeriod), SHA1)
	var code [steamDigits]byte
	for i := range code {
		code[i] = steamAlphabet[v%uint32(len(steamAlphabet))]
		v /= uint32(len(steamAlphabet))
	}
	return string(code[:])
}

// Counter returns the TOTP step counter at time t, floor(unix(t) / period).
// Times before 1970 give negative steps, which wrap around as uint64. It
// panics if period is not positive.
func Counter(t time.Time, period int) uint64 {
	if period <= 0 {
		panic("otp: period must be positive, got " + strconv.Itoa(period))
	}
	return uint64(stepStart(t.Unix(), int64(period)) / int64(period))
}

// stepStart returns the first second of the step of length p containing s.
func stepStart(s, p int64) int64 {
	r := s % p
	if r < 0 {
		r += p
	}
	return s - r
}

// Remaining returns the time from t until the end of the current TOTP step
// of period seconds, in (0, period]. It returns 0 if period is not positive.
func Remaining(t time.Time, period int) time.Duration {
	if period <= 0 {
		return 0
	}
	end := time.Unix(stepStart(t.Unix(), int64(period))+int64(period), 0)
	return end.Sub(t)
}

// Code returns the code for k at time t, dispatching on k.Type; HOTP keys
// use k.Counter and ignore t. Code returns "" if k fails ValidateParams or
// its secret is empty or too long; the names do not matter.
func (k *Key) Code(t time.Time) string {
	if k.ValidateParams() != nil || len(k.Secret) == 0 || len(k.Secret) > maxSecret {
		return ""
	}
	switch k.Type {
	case TypeHOTP:
		return HOTP(k.Secret, k.Counter, k.Digits, k.Algorithm)
	case TypeSteam:
		return Steam(k.Secret, t)
	default:
		return TOTP(k.Secret, t, k.Period, k.Digits, k.Algorithm)
	}
}

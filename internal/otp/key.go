package otp

import (
	"bytes"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Key is one account's OTP parameters.
//
// Key's String, Format and LogValue methods redact the secret, so a Key can
// be printed or logged with any verb without leaking it.
type Key struct {
	Type      Type
	Issuer    string
	Account   string
	Secret    []byte    // raw bytes (already base32-decoded)
	Algorithm Algorithm // SHA1, SHA256 or SHA512; Steam uses SHA1
	Digits    int       // 1..10; Steam uses 5
	Period    int       // seconds, > 0 for totp and steam (30); 0 or > 0 for hotp
	Counter   uint64    // the next HOTP counter
}

// ParseError is returned by the parsers and Key.Validate. Field names the
// offending part of the input ("uri", "type", "label", "issuer", "account",
// "secret", "algorithm", "digits", "period", "counter", "data").
type ParseError struct{ Field, Msg string }

// Error returns a message like
// "invalid otpauth URI: digits: must be between 1 and 10, got 11".
func (e *ParseError) Error() string {
	return "invalid otpauth URI: " + e.Field + ": " + e.Msg
}

func errorf(field, format string, args ...any) *ParseError {
	return &ParseError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks k against the rules the parsers apply and returns a
// *ParseError naming the first field that is wrong.
func (k *Key) Validate() error {
	if err := k.ValidateParams(); err != nil {
		return err
	}
	if err := validateName("issuer", k.Issuer); err != nil {
		return err
	}
	if err := validateName("account", k.Account); err != nil {
		return err
	}
	if len(k.Secret) == 0 {
		return errorf("secret", "is empty")
	}
	if len(k.Secret) > maxSecret {
		return errorf("secret", "too long (%d bytes, max %d)", len(k.Secret), maxSecret)
	}
	return nil
}

// ValidateParams checks the parameters codes are computed from: type,
// algorithm, digits and period. It returns a *ParseError naming the first
// that is not one otter can compute with. Unlike Validate it ignores the
// names and the secret, so that a store can check what it holds without
// the parsers' rules for labels.
func (k *Key) ValidateParams() error {
	if err := k.validateType(); err != nil {
		return err
	}
	if k.Algorithm.hashFunc() == nil {
		return errorf("algorithm", "unsupported algorithm %q (want SHA1, SHA256 or SHA512)", short(string(k.Algorithm)))
	}
	if k.Digits < 1 || k.Digits > maxDigits {
		return errorf("digits", "must be between 1 and %d, got %d", maxDigits, k.Digits)
	}
	return k.validatePeriod()
}

// FillDefaults gives the zero parameters of k the values an otpauth URI
// implies when it leaves them out: type totp, algorithm SHA1, 6 digits (5
// for steam) and a 30-second period (none for hotp). Stored accounts may
// leave these fields zero.
func (k *Key) FillDefaults() {
	if k.Type == "" {
		k.Type = TypeTOTP
	}
	if k.Algorithm == "" {
		k.Algorithm = SHA1
	}
	if k.Digits == 0 {
		k.Digits = defaultDigits
		if k.Type == TypeSteam {
			k.Digits = steamDigits
		}
	}
	if k.Period == 0 && k.Type != TypeHOTP {
		k.Period = DefaultPeriod
	}
}

func (k *Key) validateType() error {
	switch k.Type {
	case TypeTOTP, TypeHOTP:
		return nil
	case TypeSteam:
		switch {
		case k.Algorithm != SHA1:
			return errorf("algorithm", "must be SHA1 for steam, got %q", short(string(k.Algorithm)))
		case k.Digits != steamDigits:
			return errorf("digits", "must be %d for steam, got %d", steamDigits, k.Digits)
		case k.Period != DefaultPeriod:
			return errorf("period", "must be %d for steam, got %d", DefaultPeriod, k.Period)
		}
		return nil
	}
	return errorf("type", "unknown type %q (want totp, hotp or steam)", short(string(k.Type)))
}

func (k *Key) validatePeriod() error {
	if k.Type == TypeHOTP && k.Period == 0 {
		return nil
	}
	if k.Period < 1 || k.Period > maxPeriod {
		return errorf("period", "must be between 1 and %d seconds, got %d", maxPeriod, k.Period)
	}
	return nil
}

// validateName checks an issuer or account name: valid UTF-8 without
// control characters or surrounding spaces (the parsers trim them), at
// most maxName bytes.
func validateName(field, s string) error {
	if len(s) > maxName {
		return errorf(field, "too long (%d bytes, max %d)", len(s), maxName)
	}
	if !utf8.ValidString(s) {
		return errorf(field, "is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errorf(field, "contains control character %U", r)
		}
	}
	if s != strings.TrimSpace(s) {
		return errorf(field, "must not begin or end with spaces")
	}
	return nil
}

// Weak reports whether k's secret is shorter than 128 bits. Such keys are
// accepted, but callers should warn about them.
func (k *Key) Weak() bool {
	return len(k.Secret) < weakSecret
}

// Equal reports whether k and o hold the same parameters and secret.
func (k *Key) Equal(o *Key) bool {
	return k.Type == o.Type && k.Issuer == o.Issuer && k.Account == o.Account &&
		bytes.Equal(k.Secret, o.Secret) && k.Algorithm == o.Algorithm &&
		k.Digits == o.Digits && k.Period == o.Period && k.Counter == o.Counter
}

// Wipe zeroes k's secret in place.
func (k *Key) Wipe() {
	clear(k.Secret)
}

// String describes k with its secret redacted.
func (k Key) String() string {
	s := "otp.Key{Type: " + string(k.Type) +
		", Issuer: " + strconv.Quote(k.Issuer) +
		", Account: " + strconv.Quote(k.Account) +
		", Secret: REDACTED (" + strconv.Itoa(len(k.Secret)) + " bytes)" +
		", Algorithm: " + string(k.Algorithm) +
		", Digits: " + strconv.Itoa(k.Digits) +
		", Period: " + strconv.Itoa(k.Period)
	if k.Type == TypeHOTP {
		s += ", Counter: " + strconv.FormatUint(k.Counter, 10)
	}
	return s + "}"
}

// Format implements fmt.Formatter so that every verb, including %#v, %d
// and %x, prints String's redacted form.
func (k Key) Format(f fmt.State, verb rune) {
	fmt.Fprint(f, k.String())
}

// LogValue implements slog.LogValuer with the secret redacted.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", string(k.Type)),
		slog.String("issuer", k.Issuer),
		slog.String("account", k.Account),
		slog.String("secret", "REDACTED"),
	)
}

// short truncates s for inclusion in an error message.
func short(s string) string {
	const n = 32
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return s[:n] + "…"
}

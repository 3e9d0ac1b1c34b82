package importers

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/otterauth/otter/internal/otp"
)

// keySpec is an entry's OTP parameters as the JSON formats spell them.
// Zero values mean the format's defaults: TOTP, SHA1, 6 digits, 30 s.
type keySpec struct {
	typ       string
	issuer    string
	account   string
	secret    string // base32
	algorithm string
	digits    int
	period    int
	counter   int64
}

// key converts s to a validated key. The error is a reason for a Problem.
func (s *keySpec) key() (*otp.Key, error) {
	secret, err := otp.DecodeSecret(s.secret)
	if err != nil {
		return nil, err
	}
	k := &otp.Key{
		Issuer:  strings.TrimSpace(s.issuer),
		Account: strings.TrimSpace(s.account),
		Secret:  secret,
		Digits:  s.digits,
		Period:  s.period,
	}
	if err := s.setType(k); err != nil {
		k.Wipe()
		return nil, err
	}
	if err := k.Validate(); err != nil {
		k.Wipe()
		return nil, reason(err)
	}
	return k, nil
}

func (s *keySpec) setType(k *otp.Key) error {
	alg, err := algorithm(s.algorithm)
	if err != nil {
		return err
	}
	k.Algorithm = alg
	if k.Digits == 0 {
		k.Digits = 6
	}
	switch t := strings.ToLower(strings.TrimSpace(s.typ)); t {
	case "", "totp":
		k.Type = otp.TypeTOTP
		if k.Period == 0 {
			k.Period = otp.DefaultPeriod
		}
	case "hotp":
		k.Type = otp.TypeHOTP
		if s.counter < 0 {
			return errors.New("counter: is negative")
		}
		k.Counter = uint64(s.counter)
	case "steam":
		k.Type = otp.TypeSteam
		k.Algorithm, k.Digits, k.Period = otp.SHA1, 5, otp.DefaultPeriod
	default:
		return fmt.Errorf("type: %q is not supported (otter reads totp, hotp and steam)", clip(t))
	}
	return nil
}

// algorithm maps "SHA1", "sha-256" and the like to an otp.Algorithm.
func algorithm(a string) (otp.Algorithm, error) {
	switch strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(a)), "-", "") {
	case "", "SHA1":
		return otp.SHA1, nil
	case "SHA256":
		return otp.SHA256, nil
	case "SHA512":
		return otp.SHA512, nil
	}
	return "", fmt.Errorf("algorithm: %q is not supported (otter reads SHA1, SHA256 and SHA512)", clip(a))
}

// reason turns a parser error into a Problem reason without the
// "invalid otpauth URI" prefix, which would mislead for JSON formats.
func reason(err error) error {
	var pe *otp.ParseError
	if errors.As(err, &pe) {
		return errors.New(pe.Field + ": " + pe.Msg)
	}
	return err
}

// splitEntries decodes a JSON array into its raw elements, so that one bad
// element is a Problem rather than a failure of the whole file.
func splitEntries(raw json.RawMessage) ([]json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, jsonErr(err)
	}
	return list, nil
}

// jsonErr describes a JSON decoding error briefly, without quoting input.
func jsonErr(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end"):
		return errors.New("the JSON ends too early (truncated file?)")
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Errorf("%s: a JSON %s where %s was expected", te.Field, te.Value, te.Type)
		}
		return fmt.Errorf("a JSON %s where %s was expected", te.Value, te.Type)
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

// jsonName reads the best name it can from a JSON entry for a Problem.
func jsonName(raw json.RawMessage, fields ...string) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	var parts []string
	for _, f := range fields {
		if s, ok := m[f].(string); ok && strings.TrimSpace(s) != "" {
			parts = append(parts, strings.TrimSpace(s))
		}
	}
	return strings.Join(parts, ":")
}

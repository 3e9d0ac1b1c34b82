package otp

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseURI parses an otpauth:// URI in the Key-Uri-Format:
//
//	otpauth://TYPE/LABEL?secret=…&issuer=…&algorithm=…&digits=…&period=…&counter=…
//
// TYPE is totp, hotp or steam (also totp with encoder=steam). LABEL is
// "issuer:account" or "account"; the colon may be written %3A and spaces
// after it are ignored. An issuer parameter wins over the label's prefix.
// The secret is base32 as accepted by DecodeSecret. Unknown parameters are
// ignored. Defaults are SHA1, 6 digits and a 30-second period; Steam keys
// always use SHA1, 5 characters and 30 seconds, whatever the URI says.
//
// Surrounding white space is ignored. Errors are *ParseError values naming
// the offending field. Secrets shorter than 128 bits are accepted; see
// Key.Weak.
func ParseURI(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxInput {
		return nil, errorf("uri", "too long (%d bytes, max %d)", len(s), maxInput)
	}
	u, err := parseURL(s, "otpauth")
	if err != nil {
		return nil, err
	}
	q, err := parseQuery(u.RawQuery)
	if err != nil {
		return nil, err
	}
	k := &Key{Algorithm: SHA1, Digits: defaultDigits}
	if err := k.parseType(u.Host, q); err != nil {
		return nil, err
	}
	if err := k.parseNames(strings.TrimPrefix(u.Path, "/"), q); err != nil {
		return nil, err
	}
	if err := k.parseParams(q); err != nil {
		return nil, err
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return k, nil
}

// parseURL parses s as scheme://host/path?query, with the error never
// quoting s (it may hold a secret).
func parseURL(s, scheme string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, errorf("uri", "not a valid URI: %v", err)
	}
	if !strings.EqualFold(u.Scheme, scheme) {
		return nil, errorf("uri", "scheme is %q, want %q", short(u.Scheme), scheme)
	}
	if u.Opaque != "" || u.User != nil {
		return nil, errorf("uri", "must have the form %s://TYPE/LABEL?PARAMETERS", scheme)
	}
	return u, nil
}

// parseQuery splits a raw query into its parameters; the first occurrence
// of a name wins and names are case-insensitive. Unlike url.ParseQuery it
// does not reject semicolons.
func parseQuery(raw string) (map[string]string, error) {
	q := make(map[string]string)
	for part := range strings.SplitSeq(raw, "&") {
		name, value, _ := strings.Cut(part, "=")
		name, err1 := url.QueryUnescape(name)
		value, err2 := url.QueryUnescape(value)
		if err := errors.Join(err1, err2); err != nil {
			return nil, errorf("uri", "invalid query: %v", err)
		}
		name = strings.ToLower(name)
		if _, dup := q[name]; !dup && name != "" {
			q[name] = value
		}
	}
	return q, nil
}

func (k *Key) parseType(host string, q map[string]string) error {
	switch t := Type(strings.ToLower(host)); t {
	case TypeTOTP, TypeHOTP, TypeSteam:
		k.Type = t
	case "":
		return errorf("type", "missing (want totp, hotp or steam)")
	default:
		return errorf("type", "unknown type %q (want totp, hotp or steam)", short(host))
	}
	if k.Type == TypeTOTP && strings.EqualFold(q["encoder"], "steam") {
		k.Type = TypeSteam
	}
	return nil
}

func (k *Key) parseNames(label string, q map[string]string) error {
	issuer, account, err := splitLabel("label", label)
	if err != nil {
		return err
	}
	if p := q["issuer"]; p != "" {
		if !utf8.ValidString(p) {
			return errorf("issuer", "is not valid UTF-8")
		}
		if p = strings.TrimSpace(p); p != "" {
			issuer = p
		}
	}
	k.Issuer, k.Account = issuer, account
	return nil
}

// splitLabel splits "issuer:account" at the first colon, trimming spaces
// around both parts. A label without a colon is just an account. Either
// part longer than 256 bytes is an error.
func splitLabel(field, label string) (issuer, account string, err error) {
	if !utf8.ValidString(label) {
		return "", "", errorf(field, "is not valid UTF-8")
	}
	if i := strings.IndexFunc(label, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(label[i:])
		return "", "", errorf(field, "contains control character %U", r)
	}
	prefix, account, ok := strings.Cut(label, ":")
	if !ok {
		prefix, account = "", label
	}
	issuer, account = strings.TrimSpace(prefix), strings.TrimSpace(account)
	if len(issuer) > maxName || len(account) > maxName {
		return "", "", errorf(field, "too long (%d bytes, max %d for each of issuer and account)", len(label), maxName)
	}
	return issuer, account, nil
}

func (k *Key) parseParams(q map[string]string) error {
	enc, present := q["secret"]
	if !present {
		return errorf("secret", "is missing")
	}
	secret, msg := decodeSecret(enc)
	if msg != "" {
		return errorf("secret", "%s", msg)
	}
	k.Secret = secret
	if a := q["algorithm"]; a != "" {
		alg, ok := parseAlgorithm(a)
		if !ok {
			return errorf("algorithm", "unsupported algorithm %q (want SHA1, SHA256 or SHA512)", short(a))
		}
		k.Algorithm = alg
	}
	var err error
	if d := q["digits"]; d != "" {
		if k.Digits, err = parseInt("digits", d, 1, maxDigits); err != nil {
			return err
		}
	}
	if k.Type != TypeHOTP {
		k.Period = DefaultPeriod
	}
	if p := q["period"]; p != "" {
		if k.Period, err = parseInt("period", p, 1, maxPeriod); err != nil {
			return err
		}
	}
	if err := k.parseCounter(q["counter"]); err != nil {
		return err
	}
	if k.Type == TypeSteam {
		k.Algorithm, k.Digits, k.Period = SHA1, steamDigits, DefaultPeriod
	}
	return nil
}

func (k *Key) parseCounter(c string) error {
	if c == "" {
		if k.Type == TypeHOTP {
			return errorf("counter", "is required for hotp")
		}
		return nil
	}
	n, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return errorf("counter", "must be a non-negative integer, got %q", short(c))
	}
	k.Counter = n
	return nil
}

// parseInt parses a decimal parameter that must lie in [lo, hi].
func parseInt(field, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errorf(field, "must be an integer, got %q", short(s))
	}
	if n < lo || n > hi {
		return 0, errorf(field, "must be between %d and %d, got %d", lo, hi, n)
	}
	return n, nil
}

// URI returns k as an otpauth:// URI that ParseURI turns back into a key
// equal to k, for any k that passes Validate. The label is
// "issuer:account" when the issuer contains no colon; the issuer is also
// given as a parameter. Steam keys use the type steam.
func (k *Key) URI() string {
	var b strings.Builder
	b.WriteString("otpauth://" + string(k.Type) + "/" + k.label())
	b.WriteString("?secret=" + EncodeSecret(k.Secret))
	if k.Issuer != "" {
		b.WriteString("&issuer=" + queryEscape(k.Issuer))
	}
	b.WriteString("&algorithm=" + queryEscape(string(k.Algorithm)))
	b.WriteString("&digits=" + strconv.Itoa(k.Digits))
	if k.Type != TypeHOTP || k.Period != 0 {
		b.WriteString("&period=" + strconv.Itoa(k.Period))
	}
	if k.Type == TypeHOTP || k.Counter != 0 {
		b.WriteString("&counter=" + strconv.FormatUint(k.Counter, 10))
	}
	return b.String()
}

// label returns the escaped URI label for k.
func (k *Key) label() string {
	return joinLabel(k.Issuer, k.Account, pathEscape)
}

// joinLabel is the inverse of splitLabel: "issuer:account" if the issuer
// has no colon, else the account alone, with an empty prefix if the account
// has a colon. escape is applied to both parts.
func joinLabel(issuer, account string, escape func(string) string) string {
	switch {
	case issuer != "" && !strings.Contains(issuer, ":"):
		return escape(issuer) + ":" + escape(account)
	case strings.Contains(account, ":"):
		return ":" + escape(account)
	}
	return escape(account)
}

// pathEscape escapes a label part, including "+", which some readers
// decode as a space.
func pathEscape(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "+", "%2B")
}

// queryEscape escapes a parameter value with spaces as %20, which every
// reader decodes, rather than "+".
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

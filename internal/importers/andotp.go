package importers

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strings"

	"golang.org/x/crypto/pbkdf2"
)

// andOTP's backups. A plain backup is a JSON array of entries:
//
//	{"secret": BASE32, "issuer", "label", "digits", "type": "TOTP"|"HOTP"|"STEAM",
//	 "algorithm", "period", "counter", "tags": [...]}
//
// (old versions have no issuer and write "Issuer - Account" as the label).
// An encrypted backup (.json.aes) is binary:
//
//	iterations (4 bytes, big endian) | salt (12) | nonce (12) | ciphertext | GCM tag (16)
//
// with the AES-256-GCM key PBKDF2-HMAC-SHA1(password, salt, iterations, 32
// bytes). The oldest encrypted format is nonce | ciphertext | tag under
// SHA-256(password); it is tried when the first fails.

const andOTPName = "andOTP"

const andOTPMaxIterations = 10_000_000

type andOTPEntry struct {
	Secret    string   `json:"secret"`
	Issuer    *string  `json:"issuer"`
	Label     string   `json:"label"`
	Digits    int      `json:"digits"`
	Type      string   `json:"type"`
	Algorithm string   `json:"algorithm"`
	Period    int      `json:"period"`
	Counter   int64    `json:"counter"`
	Tags      []string `json:"tags"`
}

func parseAndOTP(data []byte, o *Options) (*Result, error) {
	// An encrypted backup is random bytes that may well start with '[' or
	// '{' (one in 128): only text is taken for a plain export.
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') && !notText(trimmed) {
		if trimmed[0] == '{' {
			return nil, formatErr(andOTPName, "a JSON object, where andOTP writes an array")
		}
		return andOTPContent(trimmed)
	}
	if len(data) < 12+16 {
		return nil, formatErr(andOTPName, "too short for an encrypted backup")
	}
	if len(o.Passphrase) == 0 {
		return nil, ErrPassphraseRequired
	}
	plain, err := andOTPDecrypt(data, o.Passphrase)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return andOTPContent(plain)
}

func andOTPDecrypt(data, pass []byte) ([]byte, error) {
	const header = 4 + 12
	if len(data) >= header+12+16 {
		iter := binary.BigEndian.Uint32(data)
		if iter >= 1 && iter <= andOTPMaxIterations {
			key := pbkdf2.Key(pass, data[4:header], int(iter), 32, sha1.New)
			plain, err := aesGCMOpen(key, data[header:header+12], data[header+12:])
			clear(key)
			if err == nil {
				return plain, nil
			}
		}
	}
	key := sha256.Sum256(pass)
	plain, err := aesGCMOpen(key[:], data[:12], data[12:])
	clear(key[:])
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return plain, nil
}

func andOTPContent(data []byte) (*Result, error) {
	raws, err := splitEntries(data)
	if err != nil {
		return nil, &FormatError{Format: andOTPName, Err: err}
	}
	var c collector
	for i, raw := range raws {
		if err := andOTPEntryTo(&c, i+1, raw); err != nil {
			return nil, &FormatError{Format: andOTPName, Err: err}
		}
	}
	return c.result(), nil
}

func andOTPEntryTo(c *collector, i int, raw json.RawMessage) error {
	var e andOTPEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return c.problem(i, jsonName(raw, "issuer", "label"), jsonErr(err).Error())
	}
	issuer, account := "", e.Label
	if e.Issuer != nil {
		issuer = *e.Issuer
	} else if is, acc, ok := strings.Cut(e.Label, " - "); ok {
		issuer, account = is, acc
	}
	if e.Type == "" {
		return c.problem(i, displayName(issuer, account), "type: is missing")
	}
	spec := keySpec{typ: e.Type, issuer: issuer, account: account, secret: e.Secret,
		algorithm: e.Algorithm, digits: e.Digits, period: e.Period, counter: e.Counter}
	k, err := spec.key()
	if err != nil {
		return c.problem(i, displayName(strings.TrimSpace(issuer), strings.TrimSpace(account)), err.Error())
	}
	var tags []string
	for _, t := range e.Tags {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return c.add(i, Entry{Key: k, Tags: tags})
}

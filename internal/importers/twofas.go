package importers

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"golang.org/x/crypto/pbkdf2"
)

// 2FAS Authenticator's backup (.2fas), schema versions 1 to 4:
//
//	{"schemaVersion": 4, "services": [...], "groups": [{"id", "name"}],
//	 "servicesEncrypted": "DATA:SALT:IV", "reference": "DATA:SALT:IV"}
//
// A plain backup lists its services; an encrypted one has an empty
// services list and servicesEncrypted: three base64 parts, the AES-256-GCM
// ciphertext with its 16-byte tag appended, the PBKDF2 salt and the 12-byte
// IV. The key is PBKDF2-HMAC-SHA256(password, salt, 10 000 iterations, 32
// bytes). The plaintext is the JSON array of services. reference, when
// present, is a known text sealed the same way: it tells a wrong password
// from a damaged file.

const twoFASName = "2FAS"

const twoFASIterations = 10_000

type twoFASFile struct {
	SchemaVersion     *int            `json:"schemaVersion"`
	Services          json.RawMessage `json:"services"`
	ServicesEncrypted *string         `json:"servicesEncrypted"`
	Reference         string          `json:"reference"`
	Groups            []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"groups"`
}

type twoFASService struct {
	Name    string `json:"name"`
	Secret  string `json:"secret"`
	GroupID string `json:"groupId"`
	OTP     struct {
		Label     string `json:"label"`
		Account   string `json:"account"`
		Issuer    string `json:"issuer"`
		Digits    int    `json:"digits"`
		Period    int    `json:"period"`
		Algorithm string `json:"algorithm"`
		TokenType string `json:"tokenType"`
		Counter   int64  `json:"counter"`
	} `json:"otp"`
}

func parse2FAS(data []byte, o *Options) (*Result, error) {
	var f twoFASFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &FormatError{Format: twoFASName, Err: jsonErr(err)}
	}
	if f.SchemaVersion == nil {
		return nil, formatErr(twoFASName, "schemaVersion is missing")
	}
	if v := *f.SchemaVersion; v < 1 || v > 4 {
		return nil, &VersionError{Format: twoFASName, Got: v, Known: "1 to 4"}
	}
	services := []byte(f.Services)
	if f.ServicesEncrypted != nil && *f.ServicesEncrypted != "" {
		plain, err := f.decrypt(o.Passphrase)
		if err != nil {
			return nil, err
		}
		defer clear(plain)
		services = plain
	}
	raws, err := splitEntries(services)
	if err != nil {
		return nil, &FormatError{Format: twoFASName, Err: err}
	}
	groups := map[string]string{}
	for _, g := range f.Groups {
		groups[g.ID] = g.Name
	}
	var c collector
	for i, raw := range raws {
		if err := twoFASEntryTo(&c, i+1, raw, groups); err != nil {
			return nil, &FormatError{Format: twoFASName, Err: err}
		}
	}
	return c.result(), nil
}

// twoFASSealed is one "DATA:SALT:IV" value.
type twoFASSealed struct{ data, salt, iv []byte }

func parseTwoFASSealed(s string) (*twoFASSealed, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, formatErr(twoFASName, "the encrypted services have %d parts, not 3 (data:salt:iv)", len(parts))
	}
	var out [3][]byte
	for i, p := range parts {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil {
			return nil, formatErr(twoFASName, "part %d of the encrypted services is not valid base64 (truncated?)", i+1)
		}
		out[i] = b
	}
	if len(out[2]) != 12 || len(out[1]) == 0 || len(out[1]) > 1024 {
		return nil, formatErr(twoFASName, "the encryption salt or IV has the wrong length")
	}
	return &twoFASSealed{data: out[0], salt: out[1], iv: out[2]}, nil
}

func (s *twoFASSealed) open(pass []byte) ([]byte, error) {
	key := pbkdf2.Key(pass, s.salt, twoFASIterations, 32, sha256.New)
	defer clear(key)
	return aesGCMOpen(key, s.iv, s.data)
}

func (f *twoFASFile) decrypt(pass []byte) ([]byte, error) {
	sealed, err := parseTwoFASSealed(*f.ServicesEncrypted)
	if err != nil {
		return nil, err
	}
	if len(pass) == 0 {
		return nil, ErrPassphraseRequired
	}
	refOK := false
	if f.Reference != "" {
		ref, err := parseTwoFASSealed(f.Reference)
		if err == nil {
			plain, err := ref.open(pass)
			if errors.Is(err, errAuth) {
				return nil, ErrWrongPassphrase
			}
			refOK = err == nil
			clear(plain)
		}
	}
	plain, err := sealed.open(pass)
	switch {
	case errors.Is(err, errAuth) && refOK:
		return nil, formatErr(twoFASName, "the encrypted services fail authentication (damaged file)")
	case errors.Is(err, errAuth):
		return nil, ErrWrongPassphrase
	case err != nil:
		return nil, &FormatError{Format: twoFASName, Err: err}
	}
	return plain, nil
}

func twoFASEntryTo(c *collector, i int, raw json.RawMessage, groups map[string]string) error {
	var s twoFASService
	if err := json.Unmarshal(raw, &s); err != nil {
		return c.problem(i, jsonName(raw, "name"), jsonErr(err).Error())
	}
	issuer := s.Name
	if strings.TrimSpace(issuer) == "" {
		issuer = s.OTP.Issuer
	}
	account := s.OTP.Account
	if strings.TrimSpace(account) == "" {
		account = s.OTP.Label
	}
	spec := keySpec{typ: s.OTP.TokenType, issuer: issuer, account: account, secret: s.Secret,
		algorithm: s.OTP.Algorithm, digits: s.OTP.Digits, period: s.OTP.Period, counter: s.OTP.Counter}
	k, err := spec.key()
	if err != nil {
		return c.problem(i, displayName(strings.TrimSpace(issuer), strings.TrimSpace(account)), err.Error())
	}
	e := Entry{Key: k}
	if g := strings.TrimSpace(groups[s.GroupID]); g != "" {
		e.Tags = []string{g}
	}
	return c.add(i, e)
}

package otp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// Batch describes one otpauth-migration URI's place in a multi-part export:
// Google Authenticator splits large exports into Size URIs sharing ID, with
// Index counting from 0.
type Batch struct{ Version, Size, Index, ID int }

// MigrationPayload and OtpParameters field numbers, from Google
// Authenticator's export format.
const (
	fieldOtpParameters = 1
	fieldVersion       = 2
	fieldBatchSize     = 3
	fieldBatchIndex    = 4
	fieldBatchID       = 5

	fieldSecret    = 1
	fieldName      = 2
	fieldIssuer    = 3
	fieldAlgorithm = 4
	fieldDigits    = 5
	fieldType      = 6
	fieldCounter   = 7
)

// Enum values of OtpParameters.
var (
	migrationAlgorithms = map[uint64]Algorithm{0: SHA1, 1: SHA1, 2: SHA256, 3: SHA512}
	migrationDigits     = map[uint64]int{0: 6, 1: 6, 2: 8}
	migrationTypes      = map[uint64]Type{0: TypeTOTP, 1: TypeHOTP, 2: TypeTOTP}
)

// ParseMigration parses a Google Authenticator export URI,
// otpauth-migration://offline?data=…, where data is the base64 (standard
// or URL-safe, padding optional, usually URL-escaped) encoding of a
// protobuf MigrationPayload. It returns the keys in order and the batch
// they belong to. Names of the form "issuer:account" are split as in
// ParseURI. Surrounding white space is ignored. Errors are *ParseError
// values.
func ParseMigration(s string) ([]*Key, *Batch, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxInput {
		return nil, nil, errorf("uri", "too long (%d bytes, max %d)", len(s), maxInput)
	}
	u, err := parseURL(s, "otpauth-migration")
	if err != nil {
		return nil, nil, err
	}
	if !strings.EqualFold(u.Host, "offline") {
		return nil, nil, errorf("uri", "host is %q, want \"offline\"", short(u.Host))
	}
	payload, err := migrationData(u.RawQuery)
	if err != nil {
		return nil, nil, err
	}
	defer clear(payload)
	return decodePayload(payload)
}

// migrationData extracts and decodes the data parameter. It unescapes with
// PathUnescape so that an unescaped "+" stays a "+".
func migrationData(rawQuery string) ([]byte, error) {
	var data string
	found := false
	for part := range strings.SplitSeq(rawQuery, "&") {
		name, value, _ := strings.Cut(part, "=")
		if strings.EqualFold(name, "data") {
			data, found = value, true
			break
		}
	}
	if !found || data == "" {
		return nil, errorf("data", "is missing")
	}
	data, err := url.PathUnescape(data)
	if err != nil {
		return nil, errorf("data", "invalid URL escape")
	}
	data = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '=':
			return -1
		case '-':
			return '+'
		case '_':
			return '/'
		}
		return r
	}, data)
	b, err := base64.RawStdEncoding.DecodeString(data)
	if err != nil {
		return nil, errorf("data", "is not valid base64")
	}
	return b, nil
}

// decodePayload decodes a MigrationPayload.
func decodePayload(b []byte) ([]*Key, *Batch, error) {
	var keys []*Key
	batch := new(Batch)
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, nil, protoError(protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == fieldOtpParameters && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, nil, protoError(protowire.ParseError(n))
			}
			k, err := decodeParameters(v, len(keys)+1)
			if err != nil {
				return nil, nil, err
			}
			keys = append(keys, k)
			b = b[n:]
		case num >= fieldVersion && num <= fieldBatchID && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, nil, protoError(protowire.ParseError(n))
			}
			batch.set(num, int(int32(v)))
			b = b[n:]
		case num <= fieldBatchID:
			return nil, nil, errorf("data", "field %d has wire type %d", num, typ)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, nil, protoError(protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	if len(keys) == 0 {
		return nil, nil, errorf("data", "contains no accounts")
	}
	return keys, batch, nil
}

func (b *Batch) set(num protowire.Number, v int) {
	switch num {
	case fieldVersion:
		b.Version = v
	case fieldBatchSize:
		b.Size = v
	case fieldBatchIndex:
		b.Index = v
	case fieldBatchID:
		b.ID = v
	}
}

func protoError(err error) error {
	return errorf("data", "malformed protobuf: %v", err)
}

// otpParameters holds an OtpParameters message as it is on the wire.
type otpParameters struct {
	secret                 []byte
	name, issuer           string
	algorithm, digits, typ uint64
	counter                uint64
}

// decodeParameters decodes the OtpParameters message of entry i (from 1)
// into a validated Key.
func decodeParameters(b []byte, i int) (*Key, error) {
	var p otpParameters
	if err := p.unmarshal(b); err != nil {
		return nil, entryError(err, i)
	}
	k, err := p.key()
	if err == nil {
		err = k.Validate()
	}
	if err != nil {
		return nil, entryError(err, i)
	}
	return k, nil
}

// entryError adds the entry number to a *ParseError.
func entryError(err error, i int) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		return err
	}
	return &ParseError{Field: pe.Field, Msg: fmt.Sprintf("%s (account %d)", pe.Msg, i)}
}

func (p *otpParameters) unmarshal(b []byte) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protoError(protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num >= fieldSecret && num <= fieldIssuer && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protoError(protowire.ParseError(n))
			}
			p.setBytes(num, v)
			b = b[n:]
		case num >= fieldAlgorithm && num <= fieldCounter && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protoError(protowire.ParseError(n))
			}
			p.setVarint(num, v)
			b = b[n:]
		case num <= fieldCounter:
			return errorf("data", "field %d has wire type %d", num, typ)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protoError(protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	return nil
}

func (p *otpParameters) setBytes(num protowire.Number, v []byte) {
	switch num {
	case fieldSecret:
		clear(p.secret)
		p.secret = append([]byte(nil), v...)
	case fieldName:
		p.name = string(v)
	case fieldIssuer:
		p.issuer = string(v)
	}
}

func (p *otpParameters) setVarint(num protowire.Number, v uint64) {
	switch num {
	case fieldAlgorithm:
		p.algorithm = v
	case fieldDigits:
		p.digits = v
	case fieldType:
		p.typ = v
	case fieldCounter:
		p.counter = v
	}
}

// key converts p to a Key, not yet validated.
func (p *otpParameters) key() (*Key, error) {
	k := &Key{Secret: p.secret}
	var ok bool
	if k.Algorithm, ok = migrationAlgorithms[p.algorithm]; !ok {
		if p.algorithm == 4 {
			return nil, errorf("algorithm", "unsupported algorithm MD5")
		}
		return nil, errorf("algorithm", "unknown algorithm %d", p.algorithm)
	}
	if k.Digits, ok = migrationDigits[p.digits]; !ok {
		return nil, errorf("digits", "unknown digit count %d", p.digits)
	}
	if k.Type, ok = migrationTypes[p.typ]; !ok {
		return nil, errorf("type", "unknown type %d", p.typ)
	}
	if int64(p.counter) < 0 {
		return nil, errorf("counter", "is negative")
	}
	k.Counter = p.counter
	if k.Type == TypeTOTP {
		k.Period = DefaultPeriod
	}
	issuer, account, err := splitLabel("label", p.name)
	if err != nil {
		return nil, err
	}
	if i := strings.TrimSpace(p.issuer); i != "" {
		issuer = i
	}
	k.Issuer, k.Account = issuer, account
	return k, nil
}

// EncodeMigration returns an otpauth-migration URI holding keys, the
// inverse of ParseMigration. The format cannot express Steam keys, digits
// other than 6 and 8, or TOTP periods other than 30 seconds; such keys are
// an error, as are keys that fail Validate. HOTP keys lose their Period,
// which does not affect their codes.
func EncodeMigration(keys []*Key, b Batch) (string, error) {
	var buf []byte
	for i, k := range keys {
		msg, err := encodeParameters(k)
		if err != nil {
			return "", fmt.Errorf("failed to encode account %d: %w", i+1, err)
		}
		buf = protowire.AppendTag(buf, fieldOtpParameters, protowire.BytesType)
		buf = protowire.AppendBytes(buf, msg)
		clear(msg)
	}
	for _, f := range []struct {
		num protowire.Number
		v   int
	}{{fieldVersion, b.Version}, {fieldBatchSize, b.Size}, {fieldBatchIndex, b.Index}, {fieldBatchID, b.ID}} {
		if f.v < math.MinInt32 || f.v > math.MaxInt32 {
			return "", fmt.Errorf("failed to encode batch: field %d out of int32 range", f.num)
		}
		if f.v != 0 {
			buf = protowire.AppendTag(buf, f.num, protowire.VarintType)
			buf = protowire.AppendVarint(buf, uint64(int64(f.v)))
		}
	}
	data := base64.StdEncoding.EncodeToString(buf)
	clear(buf)
	return "otpauth-migration://offline?data=" + url.QueryEscape(data), nil
}

// encodeParameters encodes k as an OtpParameters message.
func encodeParameters(k *Key) ([]byte, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	p, err := newOtpParameters(k)
	if err != nil {
		return nil, err
	}
	var b []byte
	b = protowire.AppendTag(b, fieldSecret, protowire.BytesType)
	b = protowire.AppendBytes(b, p.secret)
	for _, f := range []struct {
		num protowire.Number
		v   string
	}{{fieldName, p.name}, {fieldIssuer, p.issuer}} {
		if f.v != "" {
			b = protowire.AppendTag(b, f.num, protowire.BytesType)
			b = protowire.AppendString(b, f.v)
		}
	}
	for _, f := range []struct {
		num protowire.Number
		v   uint64
	}{{fieldAlgorithm, p.algorithm}, {fieldDigits, p.digits}, {fieldType, p.typ}, {fieldCounter, p.counter}} {
		if f.v != 0 {
			b = protowire.AppendTag(b, f.num, protowire.VarintType)
			b = protowire.AppendVarint(b, f.v)
		}
	}
	return b, nil
}

// newOtpParameters maps a valid Key to its wire form.
func newOtpParameters(k *Key) (*otpParameters, error) {
	p := &otpParameters{secret: k.Secret, issuer: k.Issuer, name: k.Account, counter: k.Counter}
	switch k.Type {
	case TypeTOTP:
		if k.Period != DefaultPeriod {
			return nil, fmt.Errorf("period %d cannot be exported, only %d", k.Period, DefaultPeriod)
		}
		p.typ = 2
	case TypeHOTP:
		p.typ = 1
	default:
		return nil, fmt.Errorf("type %s cannot be exported", k.Type)
	}
	switch k.Digits {
	case 6:
		p.digits = 1
	case 8:
		p.digits = 2
	default:
		return nil, fmt.Errorf("%d digits cannot be exported, only 6 or 8", k.Digits)
	}
	p.algorithm = map[Algorithm]uint64{SHA1: 1, SHA256: 2, SHA512: 3}[k.Algorithm]
	if k.Counter > math.MaxInt64 {
		return nil, fmt.Errorf("counter %d cannot be exported", k.Counter)
	}
	if strings.Contains(k.Account, ":") {
		p.name = joinLabel(k.Issuer, k.Account, func(s string) string { return s })
	}
	return p, nil
}

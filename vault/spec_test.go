package vault

// An independent reader of formats 1 and 2, written from
// docs/vault-format.md alone: it uses x/crypto, x/text and protowire
// directly and none of this package's code (only the test vectors' file
// names and the schemas of expected.json and keys.json from vectors_test.go
// and vectors2_test.go). If it stops agreeing with the vectors, either the
// format or the document changed. The format 2 parts are in spec2_test.go.

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/text/unicode/norm"
	"google.golang.org/protobuf/encoding/protowire"
)

var (
	errSpecCorrupt = errors.New("corrupt")
	errSpecVersion = errors.New("unsupported version")
	errSpecWrong   = errors.New("wrong credential")
)

func specCorrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errSpecCorrupt, fmt.Sprintf(format, args...))
}

type specHeader struct {
	Version    uint16     `json:"-"` // of the prefix
	VaultID    string     `json:"vault_id"`
	Generation uint64     `json:"generation"`
	Created    time.Time  `json:"created"`
	Updated    time.Time  `json:"updated"`
	Slots      []specSlot `json:"slots"`
	// RemovedSlots: format 2, "Removed slots".
	RemovedSlots []string `json:"removed_slots"`
	// KeyLinks: format 2, "Key links".
	KeyLinks [][]byte `json:"key_links"`
}

type specSlot struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	KDF  *struct {
		Memory  uint32 `json:"memory"`
		Time    uint32 `json:"time"`
		Threads uint8  `json:"threads"`
	} `json:"kdf"`
	Salt         []byte `json:"salt"` // encoding/json: standard base64
	CredentialID []byte `json:"credential_id"`
	RPID         string `json:"rp_id"`
	UV           bool   `json:"uv"`
	PIN          bool   `json:"pin"`
	Wrapped      []byte `json:"wrapped"`
	WrappedDEK   []byte `json:"wrapped_dek"`
	// Format 2 ("Slot fields (format 2)").
	Recipient string      `json:"recipient"`
	Stanza    *specStanza `json:"stanza"`
	Legacy    []byte      `json:"legacy"`
}

// specFile is a file that passed the checks made before any key.
type specFile struct {
	hdr    specHeader
	ad     []byte // bytes [0, 14+H)
	nonce  []byte
	sealed []byte
}

// specParse follows "File layout" and "Header".
func specParse(b []byte) (*specFile, error) {
	if len(b) > 64<<20 {
		return nil, errors.New("too large")
	}
	if len(b) < 86 {
		return nil, specCorrupt("short")
	}
	body := b[:len(b)-32]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], b[len(body):]) {
		return nil, specCorrupt("checksum")
	}
	if string(b[:8]) != "OTTERVLT" {
		return nil, specCorrupt("magic")
	}
	v := binary.BigEndian.Uint16(b[8:10])
	if v != 1 && v != 2 {
		return nil, fmt.Errorf("%w %d", errSpecVersion, v)
	}
	h := binary.BigEndian.Uint32(b[10:14])
	if h > 1<<20 || int64(h) > int64(len(b))-86 {
		return nil, specCorrupt("header length")
	}
	end := 14 + int(h)
	f := &specFile{ad: b[:end], nonce: b[end : end+24], sealed: body[end+24:]}
	if err := json.Unmarshal(b[14:end], &f.hdr); err != nil {
		return nil, specCorrupt("header: %v", err)
	}
	f.hdr.Version = v
	return f, specValidate(&f.hdr)
}

func specIsID(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 32 && err == nil
}

func specValidate(h *specHeader) error {
	if !specIsID(h.VaultID) || h.Generation == 0 || len(h.Slots) < 1 || len(h.Slots) > 16 {
		return specCorrupt("header fields")
	}
	seen := map[string]bool{}
	for _, s := range h.Slots {
		switch {
		case !specIsID(s.ID) || seen[s.ID]:
			return specCorrupt("slot id")
		case len(s.Type) < 1 || len(s.Type) > 32, len(s.Salt) > 64, len(s.CredentialID) > 1024, len(s.RPID) > 256:
			return specCorrupt("slot fields")
		case h.Version == 2:
			if err := specValidate2(&s); err != nil {
				return err
			}
		case len(s.Wrapped) != 72 || len(s.WrappedDEK) != 72:
			return specCorrupt("wrapped key length")
		}
		seen[s.ID] = true
	}
	if len(h.RemovedSlots) > 256 {
		return specCorrupt("removed slots")
	}
	removed := map[string]bool{}
	for _, id := range h.RemovedSlots {
		if !specIsID(id) || removed[id] || seen[id] {
			return specCorrupt("removed slot id")
		}
		removed[id] = true
	}
	if len(h.KeyLinks) > 64 {
		return specCorrupt("key links")
	}
	for _, l := range h.KeyLinks {
		if len(l) != 72 {
			return specCorrupt("key link length")
		}
	}
	return nil
}

func specUnseal(key, box, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	return aead.Open(nil, box[:24], box[24:], ad)
}

// specCred derives a slot's KEK ("Credentials and KEKs").
type specCred struct {
	typ    string
	secret []byte // password text, recovery key, keyring secret or hmac-secret output
	uv     bool   // fido2: the assertion's user-verification flag
}

func (c specCred) kek(vaultID string, s *specSlot) ([]byte, error) {
	switch c.typ {
	case "password":
		k := s.KDF
		switch {
		case k == nil || len(s.Salt) < 16:
			return nil, errors.New("password slot without kdf or salt")
		case k.Memory == 0 || k.Time == 0 || k.Threads == 0 || k.Memory > 1<<20 || k.Time > 16 || k.Threads > 16 ||
			uint64(k.Memory)*uint64(k.Time) > 2<<20:
			return nil, errors.New("argon2id cost out of bounds")
		}
		// Test mode: the vector's costs are below otter's minimum.
		return argon2.IDKey(norm.NFC.Bytes(c.secret), s.Salt, k.Time, k.Memory, k.Threads, 32), nil
	case "recovery":
		return hkdf.Key(sha256.New, c.secret, s.Salt, "otter recovery slot", 32)
	case "keyring":
		if len(c.secret) != 32 {
			return nil, errSpecWrong
		}
		return hkdf.Key(sha256.New, c.secret, s.Salt, "otter keyring slot", 32)
	case "fido2":
		if len(s.Salt) != 32 || s.RPID != "otter" || len(s.CredentialID) == 0 || c.uv != s.UV {
			return nil, errors.New("malformed fido2 slot")
		}
		return hkdf.Key(sha256.New, c.secret, s.Salt, "otter fido2 slot"+vaultID, 32)
	}
	return nil, errors.New("unknown credential")
}

// specOpened is what an unlock yields, with the intermediate keys.
type specOpened struct {
	slot           *specSlot
	kek, sk, dek   []byte
	identity       []byte // format 2: the identity's text form
	fileKey, k     []byte // format 2
	plain          []byte
	data           vecData
	slotKeysInFile map[string][]byte
}

// specUnlock follows "Unlocking".
func specUnlock(f *specFile, c specCred) (*specOpened, error) {
	vid := f.hdr.VaultID
	tried := false
	for i := range f.hdr.Slots {
		s := &f.hdr.Slots[i]
		if s.Type != c.typ {
			continue
		}
		tried = true
		kek, err := c.kek(vid, s)
		if err != nil {
			return nil, err
		}
		if f.hdr.Version == 2 {
			o, err := specUnlockSlot2(f, s, kek)
			if errors.Is(err, errSpecWrong) {
				continue
			}
			return o, err
		}
		sk, err := specUnseal(kek, s.Wrapped, []byte(vid+s.ID+s.Type))
		if err != nil {
			continue // not this slot's credential
		}
		o := &specOpened{slot: s, kek: kek, sk: sk}
		return o, o.open(f)
	}
	if !tried {
		return nil, errors.New("no usable slot")
	}
	return nil, errSpecWrong
}

func (o *specOpened) open(f *specFile) error {
	vid := f.hdr.VaultID
	var err error
	if f.hdr.Version == 2 {
		err = o.slotDEK2(vid)
	} else if o.dek, err = specUnseal(o.sk, o.slot.WrappedDEK, []byte(vid+o.slot.ID+"dek")); err != nil {
		err = specCorrupt("dek does not unwrap")
	}
	if err != nil {
		return err
	}
	aead, err := chacha20poly1305.NewX(o.dek)
	if err != nil {
		return err
	}
	if o.plain, err = aead.Open(nil, f.nonce, f.sealed, f.ad); err != nil {
		return specCorrupt("payload does not open")
	}
	o.data = vecData{VaultID: vid, Generation: f.hdr.Generation}
	if err := o.decodePayload(o.plain); err != nil {
		return specCorrupt("payload: %v", err)
	}
	return specCheckAccounts(o.data.Accounts)
}

// specField is one field of a protobuf message.
type specField struct {
	num protowire.Number
	typ protowire.Type
	u   uint64 // varint or fixed64
	b   []byte // length-delimited
}

func (f specField) is(num protowire.Number, typ protowire.Type) bool {
	return f.num == num && f.typ == typ
}

func (f specField) str() string { return string(f.b) }
func (f specField) i64() int64  { return int64(f.u) }

// time is an sfixed64 of unix nanoseconds as expected.json writes it.
func (f specField) time() string {
	return time.Unix(0, int64(f.u)).UTC().Format(time.RFC3339Nano)
}

// specWalk calls fn for every field of msg, skipping nothing itself: fn
// ignores the fields it does not know.
func specWalk(msg []byte, fn func(specField) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return protowire.ParseError(n)
		}
		msg = msg[n:]
		f := specField{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.u, n = protowire.ConsumeVarint(msg)
		case protowire.Fixed64Type:
			f.u, n = protowire.ConsumeFixed64(msg)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(msg)
		default:
			n = protowire.ConsumeFieldValue(num, typ, msg)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		msg = msg[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

const (
	specVarint = protowire.VarintType
	specFixed  = protowire.Fixed64Type
	specBytes  = protowire.BytesType
)

func (o *specOpened) decodePayload(b []byte) error {
	hasData := false
	o.slotKeysInFile = map[string][]byte{}
	err := specWalk(b, func(f specField) error {
		switch {
		case f.is(1, specBytes):
			hasData = true
			return specData(f.b, &o.data)
		case f.is(2, specBytes):
			var id string
			var key []byte
			err := specWalk(f.b, func(f specField) error {
				switch {
				case f.is(1, specBytes):
					id = f.str()
				case f.is(2, specBytes):
					key = f.b
				}
				return nil
			})
			if err == nil && len(key) != 32 {
				err = errors.New("slot key is not 32 bytes")
			}
			o.slotKeysInFile[id] = key
			if len(o.slotKeysInFile) > 16 {
				err = errors.New("more than 16 slot keys")
			}
			return err
		}
		return nil
	})
	if err == nil && !hasData {
		err = errors.New("no data")
	}
	return err
}

func specData(b []byte, d *vecData) error {
	return specWalk(b, func(f specField) error {
		switch {
		case f.is(1, specBytes):
			d.DeviceID = f.str()
		case f.is(2, specBytes):
			var a vecAccount
			err := specAccount(f.b, &a)
			d.Accounts = append(d.Accounts, a)
			return err
		case f.is(3, specBytes):
			var r vecRecovery
			err := specRecoverySet(f.b, &r)
			d.Recovery = append(d.Recovery, r)
			return err
		case f.is(4, specBytes):
			var k vecKey
			err := specHardwareKey(f.b, &k)
			d.Keys = append(d.Keys, k)
			return err
		case f.is(5, specBytes):
			var e vecEvent
			err := specWalk(f.b, func(f specField) error {
				switch {
				case f.is(1, specBytes):
					e.ID = f.str()
				case f.is(2, specFixed):
					e.At = f.time()
				case f.is(3, specBytes):
					e.Kind = f.str()
				case f.is(4, specBytes):
					e.Detail = f.str()
				}
				return nil
			})
			d.Audit = append(d.Audit, e)
			return err
		case f.is(6, specBytes):
			return specWalk(f.b, func(f specField) error {
				switch {
				case f.is(1, specVarint):
					d.Settings.ClipboardClear = f.i64()
				case f.is(2, specVarint):
					d.Settings.AutoLock = f.i64()
				}
				return nil
			})
		case f.is(7, specBytes):
			return specStamp(f.b, &d.Clock)
		}
		return nil
	})
}

func specStamp(b []byte, s *vecStamp) error {
	return specWalk(b, func(f specField) error {
		switch {
		case f.is(1, specVarint):
			s.MS = f.i64()
		case f.is(2, specVarint):
			s.C = uint32(f.u)
		case f.is(3, specBytes):
			s.Dev = f.str()
		}
		return nil
	})
}

var specBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func specAccount(b []byte, a *vecAccount) error {
	return specWalk(b, func(f specField) error {
		switch {
		case f.is(1, specBytes):
			a.ID = f.str()
		case f.is(2, specBytes):
			a.Issuer = f.str()
		case f.is(3, specBytes):
			a.Name = f.str()
		case f.is(4, specBytes):
			a.Secret = specBase32.EncodeToString(f.b)
		case f.is(5, specBytes):
			a.Type = f.str()
		case f.is(6, specBytes):
			a.Algorithm = f.str()
		case f.is(7, specVarint):
			a.Digits = f.i64()
		case f.is(8, specVarint):
			a.Period = f.i64()
		case f.is(9, specVarint):
			a.Counter = f.u
		case f.is(10, specFixed):
			a.Created = f.time()
		case f.is(11, specFixed):
			a.Updated = f.time()
		case f.is(12, specBytes):
			return specStamp(f.b, &a.Stamp)
		case f.is(13, specFixed):
			a.LastUsed = f.time()
		case f.is(14, specVarint):
			a.UseCount = f.i64()
		case f.is(15, specVarint):
			a.Deleted = f.u != 0
		case f.is(16, specVarint):
			a.Pinned = f.u != 0
		case f.is(17, specBytes):
			a.Tags = append(a.Tags, f.str())
		case f.is(18, specBytes):
			a.Notes = f.str()
		case f.is(19, specBytes):
			a.URL = f.str()
		}
		return nil
	})
}

func specRecoverySet(b []byte, r *vecRecovery) error {
	return specWalk(b, func(f specField) error {
		switch {
		case f.is(1, specBytes):
			r.ID = f.str()
		case f.is(2, specBytes):
			r.AccountID = f.str()
		case f.is(3, specBytes):
			var c vecCode
			err := specWalk(f.b, func(f specField) error {
				switch {
				case f.is(1, specBytes):
					c.Code = f.str()
				case f.is(2, specFixed):
					c.Added = f.time()
				case f.is(3, specFixed):
					c.UsedAt = f.time()
				}
				return nil
			})
			r.Codes = append(r.Codes, c)
			return err
		case f.is(4, specBytes):
			return specStamp(f.b, &r.Stamp)
		case f.is(5, specVarint):
			r.Deleted = f.u != 0
		}
		return nil
	})
}

func specHardwareKey(b []byte, k *vecKey) error {
	return specWalk(b, func(f specField) error {
		switch {
		case f.is(1, specBytes):
			k.ID = f.str()
		case f.is(2, specBytes):
			k.Nickname = f.str()
		case f.is(3, specBytes):
			k.AAGUID = f.str()
		case f.is(4, specBytes):
			k.Product = f.str()
		case f.is(5, specFixed):
			k.Added = f.time()
		case f.is(6, specVarint):
			k.Lost = f.u != 0
		case f.is(7, specBytes):
			k.Accounts = append(k.Accounts, f.str())
		case f.is(8, specBytes):
			k.SlotID = f.str()
		case f.is(9, specBytes):
			return specStamp(f.b, &k.Stamp)
		case f.is(10, specVarint):
			k.Deleted = f.u != 0
		}
		return nil
	})
}

// specCheckAccounts follows "Accounts a reader refuses".
func specCheckAccounts(accounts []vecAccount) error {
	for _, a := range accounts {
		if a.Deleted {
			continue
		}
		typ, alg, digits, period := a.Type, a.Algorithm, a.Digits, a.Period
		if typ == "" {
			typ = "totp"
		}
		if alg == "" {
			alg = "SHA1"
		}
		if digits == 0 {
			digits = map[bool]int64{true: 5, false: 6}[typ == "steam"]
		}
		if period == 0 && typ != "hotp" {
			period = 30
		}
		ok := (typ == "totp" || typ == "hotp" || typ == "steam") &&
			(alg == "SHA1" || alg == "SHA256" || alg == "SHA512") &&
			digits >= 1 && digits <= 10 &&
			(period >= 1 && period <= 86400 || typ == "hotp" && period == 0) &&
			(typ != "steam" || alg == "SHA1" && digits == 5 && period == 30)
		if !ok {
			return specCorrupt("account %s: codes cannot be computed", a.ID)
		}
	}
	return nil
}

// specParseRecoveryKey follows the recovery key's text form.
func specParseRecoveryKey(s string) ([]byte, error) {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var vals []byte
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ', '\t', '\r', '\n':
			continue
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		i := strings.IndexRune(alphabet, r)
		if i < 0 {
			return nil, errors.New("not Crockford base32")
		}
		vals = append(vals, byte(i))
	}
	if len(vals) != 32 {
		return nil, errors.New("not 32 characters")
	}
	key := make([]byte, 0, 20)
	var acc uint64
	bits := 0
	for _, v := range vals {
		acc, bits = acc<<5|uint64(v), bits+5
		if bits >= 8 {
			key = append(key, byte(acc>>(bits-8)))
			bits -= 8
		}
	}
	return key, nil
}

func specHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSpecReaderOpensVector opens the format 1 vector with each of its
// four credentials, using only docs/vault-format.md, and finds the
// expected data and the intermediate keys.
func TestSpecReaderOpensVector(t *testing.T) {
	pw, rkText, want, keys := readVector(t)
	rk, err := specParseRecoveryKey(rkText)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatal(err)
	}
	f, err := specParse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if f.hdr.VaultID != keys.VaultID || len(f.ad)-14 != keys.HeaderLength || hex.EncodeToString(f.nonce) != keys.PayloadNonce {
		t.Errorf("header: vault id %s, length %d, nonce %x; %s says otherwise", f.hdr.VaultID, len(f.ad)-14, f.nonce, vectorKeysFile)
	}
	input := map[string][]byte{}
	for _, s := range keys.Slots {
		input[s.Type] = specHex(t, s.Input)
	}
	if !bytes.Equal(rk, input["recovery"]) || !bytes.Equal(norm.NFC.Bytes([]byte(pw)), input["password"]) {
		t.Errorf("recovery key %x or password %q differ from %s", rk, pw, vectorKeysFile)
	}
	creds := []specCred{{typ: "password", secret: []byte(pw)}, {typ: "recovery", secret: rk},
		{typ: "keyring", secret: input["keyring"]}, {typ: "fido2", secret: input["fido2"], uv: true}}
	for _, c := range creds {
		o, err := specUnlock(f, c)
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		ks := keys.Slots[slotIndex(t, keys, o.slot.ID)]
		for _, v := range []struct {
			name string
			got  []byte
			want string
		}{{"kek", o.kek, ks.KEK}, {"slot key", o.sk, ks.SlotKey}, {"dek", o.dek, keys.DEK}, {"payload", o.plain, keys.Payload}} {
			if hex.EncodeToString(v.got) != v.want {
				t.Errorf("%s: %s %x, %s says %s", c.typ, v.name, v.got, vectorKeysFile, v.want)
			}
		}
		if g, w := jsonOf(t, o.data), jsonOf(t, want); !bytes.Equal(g, w) {
			t.Errorf("%s: data differs from %s:\n%s", c.typ, vectorDataFile, g)
		}
		for _, s := range f.hdr.Slots {
			if !bytes.Equal(o.slotKeysInFile[s.ID], specHex(t, keys.Slots[slotIndex(t, keys, s.ID)].SlotKey)) {
				t.Errorf("%s: the payload's slot key of %s differs from %s", c.typ, s.ID, vectorKeysFile)
			}
		}
	}
}

func slotIndex(t *testing.T, k vecKeys, id string) int {
	t.Helper()
	for i, s := range k.Slots {
		if s.ID == id {
			return i
		}
	}
	t.Fatalf("slot %s is not in %s", id, vectorKeysFile)
	return -1
}

// TestSpecReaderRefuses: the document's distinctions hold on the vector —
// damage is corruption, never a wrong credential; a newer version is its
// own error; a wrong secret is a wrong credential.
func TestSpecReaderRefuses(t *testing.T) {
	raw, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(raw)
	flipped[40] ^= 1
	v3 := bytes.Clone(raw)
	v3[9] = 3
	sum := sha256.Sum256(v3[:len(v3)-32])
	copy(v3[len(v3)-32:], sum[:])
	for _, tc := range []struct {
		name string
		file []byte
		want error
	}{{"flipped bit", flipped, errSpecCorrupt}, {"truncated", raw[:len(raw)-1], errSpecCorrupt}, {"version 3", v3, errSpecVersion}} {
		if _, err := specParse(tc.file); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	f, err := specParse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := specUnlock(f, specCred{typ: "recovery", secret: make([]byte, 20)}); !errors.Is(err, errSpecWrong) {
		t.Errorf("wrong recovery key: %v", err)
	}
}

package vault

// The format 2 part of the independent reader of spec_test.go, written from
// docs/vault-format.md ("Format 2") alone: Bech32, the age X25519 stanza
// and the otter wraps are implemented here with x/crypto primitives; no
// code of this package or of filippo.io/age is used.

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/text/unicode/norm"
)

// specStanza is a slot's age recipient stanza.
type specStanza struct {
	Type string   `json:"type"`
	Args []string `json:"args"`
	Body []byte   `json:"body"`
}

// specValidate2 follows "Slot fields (format 2)".
func specValidate2(s *specSlot) error {
	st := s.Stanza
	if _, err := specRecipientKey(s.Recipient); err != nil {
		return specCorrupt("slot %s: recipient: %v", s.ID, err)
	}
	switch {
	case st == nil || st.Type != "X25519" || len(st.Args) != 1 || len(st.Body) != 32:
		return specCorrupt("slot %s: stanza", s.ID)
	case len(s.WrappedDEK) != 72:
		return specCorrupt("slot %s: wrapped_dek length", s.ID)
	case s.Type == "age" && (len(s.Wrapped) != 0 || len(s.Legacy) != 0):
		return specCorrupt("slot %s: an age slot with a sealed identity", s.ID)
	case s.Type != "age" && len(s.Legacy) == 0 && len(s.Wrapped) == 0:
		return specCorrupt("slot %s: no sealed identity", s.ID)
	case len(s.Legacy) != 0 && len(s.Wrapped) != 72:
		return specCorrupt("slot %s: legacy slot's wrapped length", s.ID)
	}
	return nil
}

// Bech32 (BIP 173), as age writes its recipients and identities.
const specBech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func specBech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if top>>i&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// specBech32Decode returns the human-readable part (lower case) and the
// data of a Bech32 string.
func specBech32Decode(s string) (string, []byte, error) {
	lower := strings.ToLower(s)
	if s != lower && s != strings.ToUpper(s) {
		return "", nil, errors.New("mixed case")
	}
	s = lower
	pos := strings.LastIndexByte(s, '1')
	if pos < 1 || pos+7 > len(s) {
		return "", nil, errors.New("no separator")
	}
	hrp := s[:pos]
	var values []byte
	for _, c := range []byte(hrp) {
		values = append(values, c>>5)
	}
	values = append(values, 0)
	for _, c := range []byte(hrp) {
		values = append(values, c&31)
	}
	var data []byte
	for _, c := range []byte(s[pos+1:]) {
		i := strings.IndexByte(specBech32Charset, c)
		if i < 0 {
			return "", nil, errors.New("bad character")
		}
		data = append(data, byte(i))
	}
	if specBech32Polymod(append(values, data...)) != 1 {
		return "", nil, errors.New("bad checksum")
	}
	var out []byte
	acc, bits := 0, 0
	for _, v := range data[:len(data)-6] {
		acc, bits = acc<<5|int(v), bits+5
		if bits >= 8 {
			out = append(out, byte(acc>>(bits-8)))
			bits -= 8
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return "", nil, errors.New("bad padding")
	}
	return hrp, out, nil
}

// specRecipientKey returns the X25519 public key of an "age1…" recipient.
func specRecipientKey(s string) ([]byte, error) {
	hrp, key, err := specBech32Decode(s)
	switch {
	case err != nil:
		return nil, err
	case hrp != "age" || len(key) != 32:
		return nil, errors.New("not an age X25519 recipient")
	}
	return key, nil
}

// specIdentityScalar returns the X25519 private key of an
// "AGE-SECRET-KEY-1…" identity.
func specIdentityScalar(s string) ([]byte, error) {
	hrp, key, err := specBech32Decode(s)
	switch {
	case err != nil:
		return nil, err
	case hrp != "age-secret-key-" || len(key) != 32:
		return nil, errors.New("not an age X25519 identity")
	}
	return key, nil
}

// specUnwrapStanza opens an age X25519 stanza with an identity's scalar:
// the file key, or an error if the stanza is not to this identity.
func specUnwrapStanza(scalar []byte, st *specStanza) ([]byte, error) {
	share, err := base64.RawStdEncoding.Strict().DecodeString(st.Args[0])
	if err != nil || len(share) != 32 {
		return nil, errors.New("bad ephemeral share")
	}
	shared, err := curve25519.X25519(scalar, share)
	if err != nil {
		return nil, err
	}
	pub, err := curve25519.X25519(scalar, curve25519.Basepoint)
	if err != nil {
		return nil, err
	}
	wrapKey, err := hkdf.Key(sha256.New, shared, append(share, pub...), "age-encryption.org/v1/X25519", 32)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.New(wrapKey)
	if err != nil {
		return nil, err
	}
	return aead.Open(nil, make([]byte, 12), st.Body, nil)
}

// specUnlockSlot2 opens the identity of s with its credential's KEK
// ("Unlocking (format 2)"; a legacy slot through its format 1 slot key) and
// then the data: errSpecWrong when the KEK does not open s.
func specUnlockSlot2(f *specFile, s *specSlot, kek []byte) (*specOpened, error) {
	vid := f.hdr.VaultID
	o := &specOpened{slot: s, kek: kek}
	var err error
	if len(s.Legacy) == 0 {
		if o.identity, err = specUnseal(kek, s.Wrapped, []byte("otter/v2 identity"+vid+s.ID+s.Type)); err != nil {
			return nil, errSpecWrong
		}
		return o, o.open(f)
	}
	if o.sk, err = specUnseal(kek, s.Wrapped, []byte(vid+s.ID+s.Type)); err != nil {
		return nil, errSpecWrong
	}
	if len(s.Legacy) < 40 {
		return nil, specCorrupt("slot %s: legacy too short", s.ID)
	}
	if o.identity, err = specUnseal(o.sk, s.Legacy, []byte("otter/v2 legacy"+vid+s.ID+s.Type)); err != nil {
		return nil, specCorrupt("slot %s: legacy identity does not open", s.ID)
	}
	return o, o.open(f)
}

// specUnlockAge opens f with an age identity through the age slot that
// names its recipient.
func specUnlockAge(f *specFile, identity string) (*specOpened, error) {
	scalar, err := specIdentityScalar(identity)
	if err != nil {
		return nil, err
	}
	pub, err := curve25519.X25519(scalar, curve25519.Basepoint)
	if err != nil {
		return nil, err
	}
	tried := false
	for i := range f.hdr.Slots {
		s := &f.hdr.Slots[i]
		if s.Type != "age" {
			continue
		}
		tried = true
		if rec, err := specRecipientKey(s.Recipient); err == nil && bytes.Equal(rec, pub) {
			o := &specOpened{slot: s, identity: []byte(identity)}
			return o, o.open(f)
		}
	}
	if !tried {
		return nil, errors.New("no usable slot")
	}
	return nil, errSpecWrong
}

// slotDEK2 unwraps the file key with o.identity, derives K and opens the
// data key; every failure is corruption.
func (o *specOpened) slotDEK2(vid string) error {
	s := o.slot
	scalar, err := specIdentityScalar(string(o.identity))
	if err != nil {
		return specCorrupt("slot %s: identity: %v", s.ID, err)
	}
	if o.fileKey, err = specUnwrapStanza(scalar, s.Stanza); err != nil {
		return specCorrupt("slot %s: the file key does not unwrap", s.ID)
	}
	info := "otter/v2 dek" + vid + s.ID + s.Type
	if o.k, err = hkdf.Key(sha256.New, o.fileKey, nil, info, 32); err != nil {
		return err
	}
	if o.dek, err = specUnseal(o.k, s.WrappedDEK, []byte(info)); err != nil {
		return specCorrupt("slot %s: dek does not unwrap", s.ID)
	}
	return nil
}

func specReadLine(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func specReadFile(t *testing.T, path string) *specFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := specParse(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// specCheck2 compares what an unlock found with keys.json and expected.json.
func specCheck2(t *testing.T, name string, f *specFile, o *specOpened, keys vec2Keys, want vecData) {
	t.Helper()
	i := -1
	for j, s := range keys.Slots {
		if s.ID == o.slot.ID {
			i = j
		}
	}
	if i < 0 {
		t.Fatalf("%s: slot %s is not in keys.json", name, o.slot.ID)
	}
	ks := keys.Slots[i]
	for _, v := range []struct {
		name      string
		got, want string
	}{{"kek", hex.EncodeToString(o.kek), ks.KEK}, {"slot key", hex.EncodeToString(o.sk), ks.SlotKey},
		{"identity", string(o.identity), ks.Identity}, {"recipient", o.slot.Recipient, ks.Recipient},
		{"file key", hex.EncodeToString(o.fileKey), ks.FileKey}, {"K", hex.EncodeToString(o.k), ks.K},
		{"dek", hex.EncodeToString(o.dek), keys.DEK}, {"payload", hex.EncodeToString(o.plain), keys.Payload}} {
		if v.got != v.want {
			t.Errorf("%s: %s %s, keys.json says %s", name, v.name, v.got, v.want)
		}
	}
	if ks.Legacy != (len(o.slot.Legacy) > 0) {
		t.Errorf("%s: legacy %v, keys.json says %v", name, len(o.slot.Legacy) > 0, ks.Legacy)
	}
	if len(o.slotKeysInFile) != 0 {
		t.Errorf("%s: a format 2 payload holds %d slot keys", name, len(o.slotKeysInFile))
	}
	if g, w := jsonOf(t, o.data), jsonOf(t, want); !bytes.Equal(g, w) {
		t.Errorf("%s: data differs from expected.json:\n%s", name, g)
	}
}

func specKeysOf(t *testing.T, f *specFile, keysFile string) (map[string][]byte, vec2Keys) {
	t.Helper()
	var keys vec2Keys
	readJSON(t, keysFile, &keys)
	if f.hdr.VaultID != keys.VaultID || int(f.hdr.Version) != keys.Version || len(f.ad)-14 != keys.HeaderLength ||
		hex.EncodeToString(f.nonce) != keys.PayloadNonce {
		t.Errorf("%s: header differs from keys.json", keysFile)
	}
	input := map[string][]byte{}
	for _, s := range keys.Slots {
		input[s.Type] = specHex(t, s.Input)
	}
	return input, keys
}

// TestSpecReaderOpensVectorV2 opens the format 2 vector with each of its
// five credentials and the migrated format 1 vector with each of its four
// (three through legacy slots), using only docs/vault-format.md, and finds
// the expected data and intermediate values.
func TestSpecReaderOpensVectorV2(t *testing.T) {
	for _, tc := range []struct {
		file, pwFile, rkFile, dataFile, keysFile, ageFile string
		legacy                                            int
	}{
		{vector2File, vector2PwFile, vector2RKFile, vector2DataFile, vector2KeysFile, vector2AgeFile, 0},
		{vector2MigFile, vectorPwFile, vectorRKFile, vector2MigDataFile, vector2MigKeysFile, "", 3},
	} {
		f := specReadFile(t, tc.file)
		input, keys := specKeysOf(t, f, tc.keysFile)
		var want vecData
		readJSON(t, tc.dataFile, &want)
		pw := specReadLine(t, tc.pwFile)
		rk, err := specParseRecoveryKey(specReadLine(t, tc.rkFile))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rk, input["recovery"]) || !bytes.Equal(norm.NFC.Bytes([]byte(pw)), input["password"]) {
			t.Errorf("%s: recovery key %x or password %q differ from keys.json", tc.file, rk, pw)
		}
		legacy := 0
		for _, c := range []specCred{{typ: "password", secret: []byte(pw)}, {typ: "recovery", secret: rk},
			{typ: "keyring", secret: input["keyring"]}, {typ: "fido2", secret: input["fido2"], uv: true}} {
			o, err := specUnlock(f, c)
			if err != nil {
				t.Fatalf("%s: %s: %v", tc.file, c.typ, err)
			}
			if len(o.slot.Legacy) > 0 {
				legacy++
			}
			specCheck2(t, tc.file+": "+c.typ, f, o, keys, want)
		}
		if legacy != tc.legacy {
			t.Errorf("%s: %d slots opened through legacy, want %d", tc.file, legacy, tc.legacy)
		}
		if tc.ageFile == "" {
			continue
		}
		o, err := specUnlockAge(f, specReadLine(t, tc.ageFile))
		if err != nil {
			t.Fatalf("%s: age: %v", tc.file, err)
		}
		specCheck2(t, tc.file+": age", f, o, keys, want)
	}
}

// TestSpecReaderRefusesV2: on the format 2 vector a wrong password or age
// identity is a wrong credential, and boxes moved to another slot, kind or
// vault do not open: the identity box under another slot is a wrong
// credential, a data-key wrap under another slot is corruption.
func TestSpecReaderRefusesV2(t *testing.T) {
	f := specReadFile(t, vector2File)
	pw := []byte(specReadLine(t, vector2PwFile))
	if _, err := specUnlock(f, specCred{typ: "password", secret: append(pw, '!')}); !errors.Is(err, errSpecWrong) {
		t.Errorf("wrong password: %v", err)
	}
	// An identity of no age slot (the password slot's).
	_, keys := specKeysOf(t, f, vector2KeysFile)
	if _, err := specUnlockAge(f, keys.Slots[0].Identity); !errors.Is(err, errSpecWrong) {
		t.Errorf("identity of no age slot: %v", err)
	}
	ageText := specReadLine(t, vector2AgeFile)
	otherID := strings.Repeat("0", 32)
	edits := map[string]func(g *specFile, s *specSlot){
		"another slot":  func(_ *specFile, s *specSlot) { s.ID = otherID },
		"another kind":  func(_ *specFile, s *specSlot) { s.Type = "recovery" },
		"another vault": func(g *specFile, _ *specSlot) { g.hdr.VaultID = otherID },
	}
	// The password slot's identity box under another slot id or kind, or
	// in another vault, with the password slot's KEK.
	kek := specHex(t, keys.Slots[0].KEK)
	for name, edit := range edits {
		g, s := *f, specSlotOf(t, f, "password")
		edit(&g, &s)
		if _, err := specUnlockSlot2(&g, &s, kek); !errors.Is(err, errSpecWrong) {
			t.Errorf("identity box moved to %s: %v", name, err)
		}
	}
	if s := specSlotOf(t, f, "password"); s.ID != keys.Slots[0].ID {
		t.Fatal("keys.json's first slot is not the password slot")
	}
	// The age slot's stanza and wrapped_dek under another slot id or kind,
	// or in another vault: the file key unwraps, the data key does not.
	for name, edit := range edits {
		g, s := *f, specSlotOf(t, f, "age")
		edit(&g, &s)
		o := &specOpened{slot: &s, identity: []byte(ageText)}
		if err := o.slotDEK2(g.hdr.VaultID); !errors.Is(err, errSpecCorrupt) || o.fileKey == nil {
			t.Errorf("data-key wrap moved to %s: %v (file key %x)", name, err, o.fileKey)
		}
	}
	// Control: in place it opens.
	s := specSlotOf(t, f, "age")
	o := &specOpened{slot: &s, identity: []byte(ageText)}
	if err := o.slotDEK2(f.hdr.VaultID); err != nil {
		t.Errorf("age slot in place: %v", err)
	}
	s = specSlotOf(t, f, "password")
	if _, err := specUnlockSlot2(f, &s, kek); err != nil {
		t.Errorf("password slot in place: %v", err)
	}
}

// specSlotOf returns a copy of f's first slot of type typ.
func specSlotOf(t *testing.T, f *specFile, typ string) specSlot {
	t.Helper()
	for _, s := range f.hdr.Slots {
		if s.Type == typ {
			return s
		}
	}
	t.Fatalf("no %s slot", typ)
	return specSlot{}
}

// specOpenLink opens a key link with the newer data key ("Key links").
func specOpenLink(vaultID string, dek, link []byte) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, dek, nil, "otter/v2 key link"+vaultID, 32)
	if err != nil {
		return nil, err
	}
	return specUnseal(k, link, []byte("otter/v2 key link"+vaultID))
}

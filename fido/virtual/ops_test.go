package virtual

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// Platform-side makeCredential and getAssertion helpers.

var testCDH = sha256.Sum256([]byte("client data"))

type mcOpts struct {
	rpID        string
	userID      string
	userName    string
	rk          bool
	exclude     [][]byte
	credProtect int
	hmacSecret  bool
	s           *pinSession // with tok: sends pinUvAuthParam
	tok         []byte
}

func (o mcOpts) request() map[int]any {
	rpID := o.rpID
	if rpID == "" {
		rpID = "example.com"
	}
	userID := o.userID
	if userID == "" {
		userID = "user"
	}
	req := map[int]any{
		1: testCDH[:],
		2: map[string]any{"id": rpID, "name": "Example " + rpID},
		3: map[string]any{"id": []byte(userID), "name": o.userName + userID, "displayName": "User " + userID},
		4: []any{map[string]any{"type": "public-key", "alg": -8}, map[string]any{"type": "public-key", "alg": -7}},
	}
	if len(o.exclude) > 0 {
		var list []any
		for _, id := range o.exclude {
			list = append(list, map[string]any{"type": "public-key", "id": id})
		}
		req[5] = list
	}
	ext := map[string]any{}
	if o.credProtect != 0 {
		ext["credProtect"] = o.credProtect
	}
	if o.hmacSecret {
		ext["hmac-secret"] = true
	}
	if len(ext) > 0 {
		req[6] = ext
	}
	if o.rk {
		req[7] = map[string]bool{"rk": true}
	}
	if o.tok != nil {
		req[8] = o.s.auth(o.tok, testCDH[:])
		req[9] = o.s.proto
	}
	return req
}

// madeCred is a parsed makeCredential response.
type madeCred struct {
	id    []byte
	pub   *ecdsa.PublicKey
	flags byte
	count uint32
	ext   map[string]any
}

func (k *testKey) makeCred(o mcOpts) (byte, *madeCred) {
	k.t.Helper()
	st, m := k.call(cmdMakeCredential, o.request())
	if st != 0 {
		return st, nil
	}
	return 0, parseAttestation(k.t, m, o)
}

func (k *testKey) mustMakeCred(o mcOpts) *madeCred {
	k.t.Helper()
	st, c := k.makeCred(o)
	if st != 0 {
		k.t.Fatalf("makeCredential: status %#x", st)
	}
	return c
}

// parseAttestation checks a packed self-attestation and returns the credential.
func parseAttestation(t *testing.T, m map[int]cbor.RawMessage, o mcOpts) *madeCred {
	t.Helper()
	if f := decodeAs[string](t, m[1]); f != "packed" {
		t.Fatalf("fmt %q", f)
	}
	ad := decodeAs[[]byte](t, m[2])
	att := decodeAs[map[string]cbor.RawMessage](t, m[3])
	if alg := decodeAs[int](t, att["alg"]); alg != -7 || att["x5c"] != nil {
		t.Fatalf("attStmt alg %d, x5c present %t", alg, att["x5c"] != nil)
	}
	rpID := o.rpID
	if rpID == "" {
		rpID = "example.com"
	}
	c := &madeCred{}
	rest := checkAuthDataHead(t, ad, rpID, &c.flags, &c.count)
	if c.flags&flagAT == 0 || len(rest) < 18 {
		t.Fatalf("no attested credential data (flags %#x)", c.flags)
	}
	if hex.EncodeToString(rest[:16]) != AAGUIDHex {
		t.Fatalf("aaguid % x", rest[:16])
	}
	n := int(binary.BigEndian.Uint16(rest[16:]))
	c.id, rest = rest[18:18+n], rest[18+n:]
	var key map[int]cbor.RawMessage
	rest, err := cbor.UnmarshalFirst(rest, &key)
	if err != nil {
		t.Fatalf("credential public key: %v", err)
	}
	c.pub = parseCOSEKey(t, key)
	if c.flags&flagED != 0 {
		if rest, err = cbor.UnmarshalFirst(rest, &c.ext); err != nil {
			t.Fatalf("extensions: %v", err)
		}
	}
	if len(rest) != 0 {
		t.Fatalf("%d trailing bytes in authData", len(rest))
	}
	verifySig(t, c.pub, ad, decodeAs[[]byte](t, att["sig"]))
	return c
}

// checkAuthDataHead checks rpIdHash and returns the rest after the counter.
func checkAuthDataHead(t *testing.T, ad []byte, rpID string, flags *byte, count *uint32) []byte {
	t.Helper()
	if len(ad) < 37 {
		t.Fatalf("authData of %d bytes", len(ad))
	}
	h := sha256.Sum256([]byte(rpID))
	if !bytes.Equal(ad[:32], h[:]) {
		t.Fatal("rpIdHash mismatch")
	}
	*flags, *count = ad[32], binary.BigEndian.Uint32(ad[33:])
	return ad[37:]
}

func parseCOSEKey(t *testing.T, key map[int]cbor.RawMessage) *ecdsa.PublicKey {
	t.Helper()
	if decodeAs[int](t, key[1]) != 2 || decodeAs[int](t, key[3]) != -7 || decodeAs[int](t, key[-1]) != 1 {
		t.Fatalf("not an ES256 COSE key")
	}
	pt := append(append([]byte{4}, decodeAs[[]byte](t, key[-2])...), decodeAs[[]byte](t, key[-3])...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pt)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func verifySig(t *testing.T, pub *ecdsa.PublicKey, ad, sig []byte) {
	t.Helper()
	h := sha256.Sum256(append(append([]byte(nil), ad...), testCDH[:]...))
	if !ecdsa.VerifyASN1(pub, h[:], sig) {
		t.Fatal("signature does not verify over authData || clientDataHash")
	}
}

type gaOpts struct {
	rpID  string
	allow [][]byte
	noUP  bool
	s     *pinSession // with tok: pinUvAuthParam; with salts: hmac-secret
	tok   []byte
	salts []byte
}

func (o gaOpts) request() map[int]any {
	rpID := o.rpID
	if rpID == "" {
		rpID = "example.com"
	}
	req := map[int]any{1: rpID, 2: testCDH[:]}
	if len(o.allow) > 0 {
		var list []any
		for _, id := range o.allow {
			list = append(list, map[string]any{"type": "public-key", "id": id})
		}
		req[3] = list
	}
	if o.salts != nil {
		saltEnc := o.s.enc(o.salts)
		in := map[int]any{1: o.s.cose, 2: saltEnc, 3: o.s.auth(o.s.shared, saltEnc)}
		if o.s.proto != 1 {
			in[4] = o.s.proto
		}
		req[4] = map[string]any{"hmac-secret": in}
	}
	if o.noUP {
		req[5] = map[string]bool{"up": false}
	}
	if o.tok != nil {
		req[6] = o.s.auth(o.tok, testCDH[:])
		req[7] = o.s.proto
	}
	return req
}

// assertion is a parsed getAssertion or getNextAssertion response.
type assertion struct {
	credID   []byte
	ad       []byte
	sig      []byte
	flags    byte
	count    uint32
	userID   []byte
	userName string
	total    int
	hmac     []byte // decrypted hmac-secret output
}

func (k *testKey) parseAssertion(m map[int]cbor.RawMessage, o gaOpts) *assertion {
	k.t.Helper()
	rpID := o.rpID
	if rpID == "" {
		rpID = "example.com"
	}
	desc := decodeAs[map[string]cbor.RawMessage](k.t, m[1])
	as := &assertion{credID: decodeAs[[]byte](k.t, desc["id"]), ad: decodeAs[[]byte](k.t, m[2]),
		sig: decodeAs[[]byte](k.t, m[3])}
	rest := checkAuthDataHead(k.t, as.ad, rpID, &as.flags, &as.count)
	if as.flags&flagED != 0 {
		var ext map[string]cbor.RawMessage
		if _, err := cbor.UnmarshalFirst(rest, &ext); err != nil {
			k.t.Fatalf("extensions: %v", err)
		}
		if raw := ext["hmac-secret"]; raw != nil {
			as.hmac = o.s.dec(decodeAs[[]byte](k.t, raw))
		}
	}
	if m[4] != nil {
		u := decodeAs[map[string]cbor.RawMessage](k.t, m[4])
		as.userID = decodeAs[[]byte](k.t, u["id"])
		if u["name"] != nil {
			as.userName = decodeAs[string](k.t, u["name"])
		}
	}
	if m[5] != nil {
		as.total = decodeAs[int](k.t, m[5])
	}
	return as
}

func (k *testKey) getAssert(o gaOpts) (byte, *assertion) {
	k.t.Helper()
	st, m := k.call(cmdGetAssertion, o.request())
	if st != 0 {
		return st, nil
	}
	return 0, k.parseAssertion(m, o)
}

func (k *testKey) mustGetAssert(o gaOpts) *assertion {
	k.t.Helper()
	st, as := k.getAssert(o)
	if st != 0 {
		k.t.Fatalf("getAssertion: status %#x", st)
	}
	return as
}

func (k *testKey) getNext(o gaOpts) (byte, *assertion) {
	k.t.Helper()
	st, m := k.call(cmdGetNextAssertion, nil)
	if st != 0 {
		return st, nil
	}
	return 0, k.parseAssertion(m, o)
}

package virtual

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// credMgmt sends a credentialManagement subcommand with a pinUvAuthParam
// over subCommand || subCommandParams (as libfido2 computes it) when tok is set.
func (k *testKey) credMgmt(cmd byte, sub int, sp map[int]any, s *pinSession, tok []byte) (byte, map[int]cbor.RawMessage) {
	k.t.Helper()
	req := map[int]any{1: sub}
	msg := []byte{byte(sub)}
	if sp != nil {
		req[2] = sp
		enc, err := testEnc.Marshal(sp)
		if err != nil {
			k.t.Fatal(err)
		}
		msg = append(msg, enc...)
	}
	if tok != nil {
		req[3], req[4] = s.proto, s.auth(tok, msg)
	}
	return k.call(cmd, req)
}

func rpHash(rpID string) []byte {
	h := sha256.Sum256([]byte(rpID))
	return h[:]
}

func TestCredentialManagement(t *testing.T) {
	for _, cmd := range []byte{cmdCredMgmt, cmdCredMgmtPreview} {
		t.Run(fmt.Sprintf("%#x", cmd), func(t *testing.T) { testCredMgmt(t, cmd) })
	}
}

func testCredMgmt(t *testing.T, cmd byte) {
	k := newKey(t)
	k.setPIN(2, "1234")
	made := map[string]*madeCred{}
	for _, u := range []struct{ rp, user string }{{"a.example", "alice"}, {"b.example", "bob"}, {"a.example", "carol"}} {
		s, tok := k.mustToken(2, "1234", permMakeCredential, "")
		made[u.user] = k.mustMakeCred(mcOpts{rk: true, rpID: u.rp, userID: u.user, credProtect: 2, s: s, tok: tok})
	}
	s, tok := k.mustToken(2, "1234", permCredMgmt, "")
	call := func(sub int, sp map[int]any) map[int]cbor.RawMessage {
		t.Helper()
		st, m := k.credMgmt(cmd, sub, sp, s, tok)
		if st != 0 {
			t.Fatalf("subcommand %d: status %#x", sub, st)
		}
		return m
	}

	m := call(cmGetCredsMetadata, nil)
	if decodeAs[int](t, m[1]) != 3 || decodeAs[int](t, m[2]) != 22 {
		t.Errorf("metadata %d existing, %d remaining", decodeAs[int](t, m[1]), decodeAs[int](t, m[2]))
	}

	m = call(cmEnumerateRPsBegin, nil)
	if n := decodeAs[int](t, m[5]); n != 2 {
		t.Fatalf("totalRPs %d", n)
	}
	rps := []map[string]string{decodeAs[map[string]string](t, m[3])}
	if !bytes.Equal(decodeAs[[]byte](t, m[4]), rpHash("a.example")) {
		t.Error("rpIDHash mismatch")
	}
	rps = append(rps, decodeAs[map[string]string](t, call(cmEnumerateRPsNext, nil)[3]))
	if rps[0]["id"] != "a.example" || rps[1]["id"] != "b.example" || rps[1]["name"] != "Example b.example" {
		t.Errorf("RPs %v", rps)
	}
	if st, _ := k.credMgmt(cmd, cmEnumerateRPsNext, nil, nil, nil); st != byte(errNotAllowed) {
		t.Errorf("past the last RP: %#x", st)
	}

	m = call(cmEnumerateCredsBegin, map[int]any{1: rpHash("a.example")})
	if n := decodeAs[int](t, m[9]); n != 2 {
		t.Fatalf("totalCredentials %d", n)
	}
	list := []map[int]cbor.RawMessage{m, call(cmEnumerateCredsNext, nil)}
	for i, user := range []string{"alice", "carol"} {
		u := decodeAs[map[string]cbor.RawMessage](t, list[i][6])
		id := decodeAs[map[string]cbor.RawMessage](t, list[i][7])
		pub := parseCOSEKey(t, decodeAs[map[int]cbor.RawMessage](t, list[i][8]))
		if string(decodeAs[[]byte](t, u["id"])) != user || decodeAs[string](t, u["displayName"]) != "User "+user ||
			!bytes.Equal(decodeAs[[]byte](t, id["id"]), made[user].id) || !pub.Equal(made[user].pub) ||
			decodeAs[int](t, list[i][10]) != 2 {
			t.Errorf("credential %d does not describe %s", i, user)
		}
	}

	// Update the user's names, then delete the credential.
	desc := map[string]any{"type": "public-key", "id": made["alice"].id}
	call(cmUpdateUser, map[int]any{2: desc, 3: map[string]any{"id": []byte("alice"), "name": "alice2"}})
	call(cmDeleteCredential, map[int]any{2: desc})
	if st, _ := k.credMgmt(cmd, cmDeleteCredential, map[int]any{2: desc}, s, tok); st != byte(errNoCredentials) {
		t.Errorf("deleting twice: %#x", st)
	}
	if n := decodeAs[int](t, call(cmGetCredsMetadata, nil)[1]); n != 2 {
		t.Errorf("%d credentials after deleting one", n)
	}
	if st, _ := k.getAssert(gaOpts{rpID: "a.example", allow: [][]byte{made["alice"].id}}); st != byte(errNoCredentials) {
		t.Errorf("deleted credential still asserts: %#x", st)
	}
	if st, _ := k.credMgmt(cmd, cmEnumerateCredsBegin, map[int]any{1: rpHash("c.example")}, s, tok); st != byte(errNoCredentials) {
		t.Errorf("RP without credentials: %#x", st)
	}

	// Without a token, or with one lacking cm, nothing is listed.
	if st, _ := k.credMgmt(cmd, cmGetCredsMetadata, nil, nil, nil); st != byte(errPUATRequired) {
		t.Errorf("no pinUvAuthParam: %#x", st)
	}
	s2, ga := k.mustToken(2, "1234", permGetAssertion, "")
	if st, _ := k.credMgmt(cmd, cmGetCredsMetadata, nil, s2, ga); st != byte(errPINAuthInvalid) {
		t.Errorf("token without cm: %#x", st)
	}
	s3, legacy := k.mustToken(1, "1234", 0, "")
	want := byte(errPINAuthInvalid)
	if cmd == cmdCredMgmtPreview {
		want = 0 // CTAP 2.0 platforms use getPinToken with the prototype
	}
	if st, _ := k.credMgmt(cmd, cmGetCredsMetadata, nil, s3, legacy); st != want {
		t.Errorf("legacy token: %#x, want %#x", st, want)
	}
	// A token bound to an RP lists only that RP's credentials.
	s4, bound := k.mustToken(2, "1234", permCredMgmt, "b.example")
	if st, _ := k.credMgmt(cmd, cmEnumerateRPsBegin, nil, s4, bound); st != byte(errPINAuthInvalid) {
		t.Errorf("bound token enumerating RPs: %#x", st)
	}
	if st, _ := k.credMgmt(cmd, cmEnumerateCredsBegin, map[int]any{1: rpHash("a.example")}, s4, bound); st != byte(errPINAuthInvalid) {
		t.Errorf("bound token listing another RP: %#x", st)
	}
	if st, _ := k.credMgmt(cmd, cmEnumerateCredsBegin, map[int]any{1: rpHash("b.example")}, s4, bound); st != 0 {
		t.Errorf("bound token listing its RP: %#x", st)
	}
}

func TestCredMgmtEmpty(t *testing.T) {
	k := newKey(t)
	k.setPIN(1, "1234")
	s, tok := k.mustToken(1, "1234", permCredMgmt, "")
	if st, _ := k.credMgmt(cmdCredMgmt, cmEnumerateRPsBegin, nil, s, tok); st != byte(errNoCredentials) {
		t.Errorf("enumerating no RPs: %#x, want NO_CREDENTIALS", st)
	}
	if st, _ := k.credMgmt(cmdCredMgmt, 0x20, nil, s, tok); st != byte(errInvalidSubcommand) {
		t.Errorf("unknown subcommand: %#x", st)
	}
}

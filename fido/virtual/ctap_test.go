package virtual

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
)

func TestGetInfo(t *testing.T) {
	k := newKey(t)
	m := k.mustCall(cmdGetInfo, nil)
	if v := decodeAs[[]string](t, m[1]); !slices.Equal(v, []string{"FIDO_2_0", "FIDO_2_1"}) {
		t.Errorf("versions %q", v)
	}
	if v := decodeAs[[]string](t, m[2]); !slices.Contains(v, "credProtect") || !slices.Contains(v, "hmac-secret") {
		t.Errorf("extensions %q", v)
	}
	if v := decodeAs[[]byte](t, m[3]); hex.EncodeToString(v) != AAGUIDHex {
		t.Errorf("aaguid %x", v)
	}
	opts := decodeAs[map[string]bool](t, m[4])
	want := map[string]bool{"rk": true, "up": true, "plat": false, "clientPin": false, "credMgmt": true, "pinUvAuthToken": true}
	for name, v := range want {
		if got, ok := opts[name]; !ok || got != v {
			t.Errorf("option %s = %v (present %t), want %v", name, got, ok, v)
		}
	}
	if _, ok := opts["uv"]; ok {
		t.Error("option uv present on a key without built-in user verification")
	}
	if v := decodeAs[int](t, m[5]); v < 7609 {
		t.Errorf("maxMsgSize %d", v)
	}
	if v := decodeAs[[]int](t, m[6]); !slices.Equal(v, []int{2, 1}) {
		t.Errorf("pinUvAuthProtocols %v", v)
	}
	if v := decodeAs[int](t, m[0x14]); v != 25 {
		t.Errorf("remainingDiscoverableCredentials %d", v)
	}

	if st := k.setPIN(2, "1234"); st != 0 {
		t.Fatalf("setPIN: %#x", st)
	}
	s, tok := k.mustToken(2, "1234", permMakeCredential, "")
	k.mustMakeCred(mcOpts{rk: true, s: s, tok: tok})
	m = k.mustCall(cmdGetInfo, nil)
	if !decodeAs[map[string]bool](t, m[4])["clientPin"] {
		t.Error("clientPin false after setPIN")
	}
	if v := decodeAs[int](t, m[0x14]); v != 24 {
		t.Errorf("remainingDiscoverableCredentials %d after one resident credential", v)
	}
}

func TestMakeCredentialThenAssert(t *testing.T) {
	k := newKey(t)
	c := k.mustMakeCred(mcOpts{})
	if c.flags&flagUP == 0 || c.flags&flagUV != 0 {
		t.Errorf("makeCredential flags %#x, want UP without UV", c.flags)
	}
	as := k.mustGetAssert(gaOpts{allow: [][]byte{[]byte("not ours"), c.id}})
	if !bytes.Equal(as.credID, c.id) {
		t.Fatal("assertion for another credential")
	}
	verifySig(t, c.pub, as.ad, as.sig)
	if as.flags != flagUP || as.count <= c.count || as.userID != nil || as.total != 0 {
		t.Errorf("assertion flags %#x count %d (made at %d) user %q total %d", as.flags, as.count, c.count, as.userID, as.total)
	}
	silent := k.mustGetAssert(gaOpts{allow: [][]byte{c.id}, noUP: true})
	if silent.flags&flagUP != 0 || silent.count <= as.count {
		t.Errorf("up=false assertion: flags %#x count %d", silent.flags, silent.count)
	}
	// The credential ID is bound to its RP.
	if st, _ := k.getAssert(gaOpts{rpID: "evil.example", allow: [][]byte{c.id}}); st != byte(errNoCredentials) {
		t.Errorf("assertion for another RP: status %#x", st)
	}
	tampered := bytes.Clone(c.id)
	tampered[len(tampered)-1] ^= 1
	if st, _ := k.getAssert(gaOpts{allow: [][]byte{tampered}}); st != byte(errNoCredentials) {
		t.Errorf("tampered credential ID: status %#x", st)
	}
}

func TestMakeCredentialErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(map[int]any)
		want status
	}{
		{"no ES256", func(r map[int]any) { r[4] = []any{map[string]any{"type": "public-key", "alg": -257}} }, errUnsupportedAlgorithm},
		{"no clientDataHash", func(r map[int]any) { delete(r, 1) }, errMissingParameter},
		{"rp not a map", func(r map[int]any) { r[2] = "example.com" }, errCBORUnexpectedType},
		{"user without id", func(r map[int]any) { r[3] = map[string]any{"name": "x"} }, errMissingParameter},
		{"up false", func(r map[int]any) { r[7] = map[string]bool{"up": false} }, errInvalidOption},
		{"uv without built-in UV", func(r map[int]any) { r[7] = map[string]bool{"uv": true} }, errInvalidOption},
		{"pinUvAuthParam without PIN", func(r map[int]any) { r[8], r[9] = make([]byte, 32), 2 }, errPINNotSet},
		{"bad pinUvAuthProtocol", func(r map[int]any) { r[8], r[9] = make([]byte, 32), 3 }, errInvalidParameter},
	}
	k := newKey(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := mcOpts{}.request()
			tt.edit(req)
			if st, _ := k.call(cmdMakeCredential, req); st != byte(tt.want) {
				t.Fatalf("status %#x, want %#x", st, byte(tt.want))
			}
		})
	}
	for _, body := range [][]byte{{0xa1}, {0x80}, {0xa1, 0x01}} {
		k.send(k.cid, hidCBOR, append([]byte{cmdMakeCredential}, body...))
		if st, _, _ := k.response(); st != byte(errInvalidCBOR) && st != byte(errCBORUnexpectedType) {
			t.Errorf("body % x: status %#x", body, st)
		}
	}
}

func TestExcludeList(t *testing.T) {
	k := newKey(t)
	c := k.mustMakeCred(mcOpts{})
	r := k.mustMakeCred(mcOpts{rk: true, userID: "other"})
	for _, id := range [][]byte{c.id, r.id} {
		if st, _ := k.makeCred(mcOpts{exclude: [][]byte{[]byte("unknown"), id}}); st != byte(errCredentialExcluded) {
			t.Errorf("status %#x, want CREDENTIAL_EXCLUDED", st)
		}
	}
	// An excluded credential of another RP does not count.
	k.mustMakeCred(mcOpts{rpID: "other.example", exclude: [][]byte{c.id}})
}

func TestResidentCredentials(t *testing.T) {
	k := newKey(t)
	var ids [][]byte
	for i := range 3 {
		ids = append(ids, k.mustMakeCred(mcOpts{rk: true, userID: fmt.Sprint("user", i)}).id)
	}
	k.mustMakeCred(mcOpts{rk: true, rpID: "other.example"})
	k.mustMakeCred(mcOpts{}) // not discoverable
	first := k.mustGetAssert(gaOpts{})
	if first.total != 3 {
		t.Fatalf("numberOfCredentials %d, want 3", first.total)
	}
	got := []*assertion{first}
	for range 2 {
		st, as := k.getNext(gaOpts{})
		if st != 0 {
			t.Fatalf("getNextAssertion: status %#x", st)
		}
		got = append(got, as)
	}
	for i, as := range got { // newest first
		if want := ids[2-i]; !bytes.Equal(as.credID, want) || string(as.userID) != fmt.Sprint("user", 2-i) {
			t.Errorf("assertion %d: credential %x user %q", i, as.credID[:4], as.userID)
		}
		if as.userName != "" {
			t.Errorf("assertion %d: user name %q returned without user verification", i, as.userName)
		}
	}
	if st, _ := k.getNext(gaOpts{}); st != byte(errNotAllowed) {
		t.Errorf("getNextAssertion past the end: status %#x", st)
	}
	// A new credential for the same RP and user replaces the old one.
	again := k.mustMakeCred(mcOpts{rk: true, userID: "user0"})
	if as := k.mustGetAssert(gaOpts{}); as.total != 3 || !bytes.Equal(as.credID, again.id) {
		t.Errorf("after replacing: total %d", as.total)
	}
	if st, _ := k.getAssert(gaOpts{allow: [][]byte{ids[0]}}); st != byte(errNoCredentials) {
		t.Errorf("replaced credential still works: status %#x", st)
	}
	k.mustCall(cmdGetInfo, nil)
	if st, _ := k.getNext(gaOpts{}); st != byte(errNotAllowed) {
		t.Errorf("getNextAssertion after another command: status %#x", st)
	}
}

func TestKeyStoreFull(t *testing.T) {
	k := newKey(t)
	for i := range residentSlots {
		k.mustMakeCred(mcOpts{rk: true, userID: fmt.Sprint(i)})
	}
	if st, _ := k.makeCred(mcOpts{rk: true, userID: "one more"}); st != byte(errKeyStoreFull) {
		t.Fatalf("status %#x, want KEY_STORE_FULL", st)
	}
	k.mustMakeCred(mcOpts{rk: true, userID: "3"}) // replacing still fits
}

func TestTouchProbe(t *testing.T) {
	k := newKey(t)
	probe := func() byte {
		req := mcOpts{rpID: ".dummy"}.request()
		req[8], req[9] = []byte{}, 1
		st, _ := k.call(cmdMakeCredential, req)
		return st
	}
	if st := probe(); st != byte(errPINNotSet) {
		t.Errorf("touch without PIN: %#x, want PIN_NOT_SET", st)
	}
	k.setPIN(1, "1234")
	if st := probe(); st != byte(errPINInvalid) {
		t.Errorf("touch with PIN: %#x, want PIN_INVALID", st)
	}
	k.a.SetPresence(Deny)
	if st := probe(); st != byte(errOperationDenied) {
		t.Errorf("refused touch: %#x, want OPERATION_DENIED", st)
	}
	k.a.SetPresence(Approve)
	if st, _ := k.call(cmdSelection, nil); st != 0 {
		t.Errorf("selection: %#x", st)
	}
}

func TestUnknownCommand(t *testing.T) {
	k := newKey(t)
	for _, cmd := range []byte{0x00, 0x09, 0x0c, 0x40, 0xff} {
		if st, _ := k.call(cmd, nil); st != byte(errInvalidCommand) {
			t.Errorf("command %#x: status %#x", cmd, st)
		}
	}
	k.send(k.cid, hidCBOR, append([]byte{cmdGetInfo}, 0xa0))
	k.expectErrorStatus(errInvalidLength)
}

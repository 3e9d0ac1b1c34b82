package virtual

import (
	"fmt"
	"strings"
	"testing"
)

func TestPINLifecycle(t *testing.T) {
	for _, proto := range []uint64{1, 2} {
		t.Run(fmt.Sprint("protocol", proto), func(t *testing.T) {
			k := newKey(t)
			for _, pin := range []string{"123", strings.Repeat("9", 64)} {
				if st := k.setPIN(proto, pin); st != byte(errPINPolicyViolation) {
					t.Errorf("PIN of %d digits: %#x, want PIN_POLICY_VIOLATION", len(pin), st)
				}
			}
			if st := k.changePIN(proto, "1234", "5678"); st != byte(errPINNotSet) {
				t.Errorf("changePIN without PIN: %#x", st)
			}
			if st := k.setPIN(proto, "1234"); st != 0 {
				t.Fatalf("setPIN: %#x", st)
			}
			if st := k.setPIN(proto, "9999"); st != byte(errNotAllowed) {
				t.Errorf("second setPIN: %#x, want NOT_ALLOWED", st)
			}
			if st := k.changePIN(proto, "0000", "5678"); st != byte(errPINInvalid) {
				t.Errorf("changePIN with a wrong PIN: %#x, want PIN_INVALID", st)
			}
			if n := k.retries(); n != 7 {
				t.Errorf("retries %d after one wrong PIN, want 7", n)
			}
			if st := k.changePIN(proto, "1234", "5678"); st != 0 {
				t.Fatalf("changePIN: %#x", st)
			}
			if n := k.retries(); n != 8 {
				t.Errorf("retries %d after the right PIN, want 8", n)
			}
			if _, st := k.session(proto).token("1234", permMakeCredential, ""); st != byte(errPINInvalid) {
				t.Errorf("token with the old PIN: %#x", st)
			}
			s, tok := k.mustToken(proto, "5678", permMakeCredential, "")
			if c := k.mustMakeCred(mcOpts{s: s, tok: tok}); c.flags&flagUV == 0 {
				t.Errorf("makeCredential with a token: flags %#x, want UV", c.flags)
			}
		})
	}
}

func TestPINBlocking(t *testing.T) {
	k := newKey(t)
	k.setPIN(2, "1234")
	wrong := func(want status) {
		t.Helper()
		if _, st := k.session(2).token("0000", permGetAssertion, ""); st != byte(want) {
			t.Fatalf("wrong PIN: status %#x, want %#x", st, byte(want))
		}
	}
	wrong(errPINInvalid)
	wrong(errPINInvalid)
	wrong(errPINAuthBlocked)
	// Blocked until power cycle, even with the right PIN, and it costs no retry.
	if _, st := k.session(2).token("1234", permGetAssertion, ""); st != byte(errPINAuthBlocked) {
		t.Fatalf("right PIN while blocked: %#x", st)
	}
	if n := k.retries(); n != 5 {
		t.Fatalf("retries %d, want 5", n)
	}
	k = k.reopen()
	k.mustToken(1, "1234", permGetAssertion, "") // a right PIN restores the retries
	for range 2 {
		wrong(errPINInvalid)
		wrong(errPINInvalid)
		wrong(errPINAuthBlocked)
		k = k.reopen()
	}
	wrong(errPINInvalid)
	wrong(errPINBlocked) // the 8th in a row
	if n := k.retries(); n != 0 {
		t.Fatalf("retries %d after 8 wrong PINs, want 0", n)
	}
	wrong(errPINBlocked)
	k = k.reopen()
	if n := k.retries(); n != 0 {
		t.Fatalf("retries %d after power cycle, want 0", n)
	}
	if _, st := k.session(2).token("1234", permGetAssertion, ""); st != byte(errPINBlocked) {
		t.Fatalf("right PIN once blocked: %#x, want PIN_BLOCKED", st)
	}
	if st := k.changePIN(2, "1234", "5678"); st != byte(errPINBlocked) {
		t.Fatalf("changePIN once blocked: %#x, want PIN_BLOCKED", st)
	}
}

func TestPINRequired(t *testing.T) {
	k := newKey(t)
	c := k.mustMakeCred(mcOpts{})
	k.setPIN(2, "1234")
	if st, _ := k.makeCred(mcOpts{}); st != byte(errPUATRequired) {
		t.Fatalf("makeCredential without PIN: %#x, want PIN_REQUIRED", st)
	}
	// Assertions need no PIN: they just lack UV.
	if as := k.mustGetAssert(gaOpts{allow: [][]byte{c.id}}); as.flags&flagUV != 0 {
		t.Errorf("assertion without PIN has UV")
	}
	s, tok := k.mustToken(2, "1234", permGetAssertion, "")
	if as := k.mustGetAssert(gaOpts{allow: [][]byte{c.id}, s: s, tok: tok}); as.flags != flagUP|flagUV {
		t.Errorf("assertion with PIN: flags %#x", as.flags)
	}
}

func TestTokenPermissions(t *testing.T) {
	k := newKey(t)
	k.setPIN(2, "1234")
	tests := []struct {
		name   string
		proto  uint64
		perms  byte
		rpID   string
		mc, ga status
	}{
		{"mc only", 2, permMakeCredential, "", 0, errPINAuthInvalid},
		{"ga only", 1, permGetAssertion, "", errPINAuthInvalid, 0},
		{"mc+ga bound", 2, permMakeCredential | permGetAssertion, "example.com", 0, 0},
		{"legacy getPinToken", 1, 0, "", 0, 0},
		{"cm only", 2, permCredMgmt, "", errPINAuthInvalid, errPINAuthInvalid},
	}
	s, tok := k.mustToken(2, "1234", permMakeCredential, "")
	c := k.mustMakeCred(mcOpts{s: s, tok: tok})
	s, tok = k.mustToken(2, "1234", permMakeCredential, "")
	other := k.mustMakeCred(mcOpts{rpID: "other.example", s: s, tok: tok})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, tok := k.mustToken(tt.proto, "1234", tt.perms, tt.rpID)
			if st, _ := k.makeCred(mcOpts{s: s, tok: tok}); st != byte(tt.mc) {
				t.Errorf("makeCredential: %#x, want %#x", st, byte(tt.mc))
			}
			if st, _ := k.getAssert(gaOpts{allow: [][]byte{c.id}, s: s, tok: tok}); st != byte(tt.ga) {
				t.Errorf("getAssertion: %#x, want %#x", st, byte(tt.ga))
			}
			if tt.ga == 0 { // the token is now bound to example.com
				st, _ := k.getAssert(gaOpts{rpID: "other.example", allow: [][]byte{other.id}, s: s, tok: tok})
				if st != byte(errPINAuthInvalid) {
					t.Errorf("getAssertion for another RP: %#x, want PIN_AUTH_INVALID", st)
				}
			}
		})
	}
	s, tok = k.mustToken(2, "1234", permGetAssertion, "")
	wrong := bytes32(tok)
	wrong[0] ^= 1
	if st, _ := k.getAssert(gaOpts{allow: [][]byte{c.id}, s: s, tok: wrong}); st != byte(errPINAuthInvalid) {
		t.Errorf("forged pinUvAuthParam: %#x", st)
	}
	if _, st := k.session(2).token("1234", 0x08, ""); st != byte(errUnauthorizedPermission) {
		t.Errorf("bio enrollment permission: %#x, want UNAUTHORIZED_PERMISSION", st)
	}
	// A new token voids the old one.
	s1, tok1 := k.mustToken(2, "1234", permGetAssertion, "")
	k.mustToken(2, "1234", permGetAssertion, "")
	if st, _ := k.getAssert(gaOpts{allow: [][]byte{c.id}, s: s1, tok: tok1}); st != byte(errPINAuthInvalid) {
		t.Errorf("superseded token: %#x", st)
	}
}

func bytes32(b []byte) []byte { return append([]byte(nil), b...) }

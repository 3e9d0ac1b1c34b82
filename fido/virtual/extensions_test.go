package virtual

import (
	"bytes"
	"fmt"
	"testing"
)

func salt(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestHMACSecret(t *testing.T) {
	for _, proto := range []uint64{1, 2} {
		for _, rk := range []bool{false, true} {
			t.Run(fmt.Sprintf("protocol%d/rk=%t", proto, rk), func(t *testing.T) {
				testHMACSecret(t, proto, rk)
			})
		}
	}
}

func testHMACSecret(t *testing.T, proto uint64, rk bool) {
	k := newKey(t)
	c := k.mustMakeCred(mcOpts{rk: rk, hmacSecret: true})
	if c.ext["hmac-secret"] != true {
		t.Fatalf("makeCredential extensions %v, want hmac-secret: true", c.ext)
	}
	plain := k.mustMakeCred(mcOpts{userID: "plain"})
	get := func(salts []byte, uv bool) []byte {
		t.Helper()
		s := k.session(proto) // libfido2 does getKeyAgreement each time
		o := gaOpts{allow: [][]byte{c.id}, s: s, salts: salts}
		if uv {
			var st byte
			if o.tok, st = s.token("1234", permGetAssertion, ""); st != 0 {
				t.Fatalf("token: %#x", st)
			}
		}
		as := k.mustGetAssert(o)
		if len(as.hmac) != len(salts) {
			t.Fatalf("hmac-secret output of %d bytes for %d bytes of salt", len(as.hmac), len(salts))
		}
		verifySig(t, c.pub, as.ad, as.sig)
		return as.hmac
	}
	a1, a2, b := get(salt(1), false), get(salt(1), false), get(salt(2), false)
	if !bytes.Equal(a1, a2) {
		t.Error("same salt, different outputs")
	}
	if bytes.Equal(a1, b) {
		t.Error("different salts, same output")
	}
	two := get(append(salt(1), salt(2)...), false)
	if !bytes.Equal(two[:32], a1) || !bytes.Equal(two[32:], b) {
		t.Error("salt1 || salt2 does not give output1 || output2")
	}
	k.setPIN(proto, "1234")
	uv := get(salt(1), true)
	if bytes.Equal(uv, a1) {
		t.Error("same output with and without user verification")
	}
	if again := get(salt(1), true); !bytes.Equal(uv, again) {
		t.Error("same salt with UV, different outputs")
	}
	if after := get(salt(1), false); !bytes.Equal(after, a1) {
		t.Error("output without UV changed after setting a PIN")
	}
	k = k.reopen()
	if after := get(salt(1), false); !bytes.Equal(after, a1) {
		t.Error("output changed across power cycles")
	}

	// A credential without hmac-secret gives no output.
	s := k.session(proto)
	as := k.mustGetAssert(gaOpts{allow: [][]byte{plain.id}, s: s, salts: salt(1)})
	if as.flags&flagED != 0 || as.hmac != nil {
		t.Error("hmac-secret output for a credential made without it")
	}
	// A wrong saltAuth is refused.
	req := gaOpts{allow: [][]byte{c.id}, s: s, salts: salt(1)}.request()
	req[4].(map[string]any)["hmac-secret"].(map[int]any)[3] = make([]byte, map[uint64]int{1: 16, 2: 32}[proto])
	if st, _ := k.call(cmdGetAssertion, req); st != byte(errPINAuthInvalid) {
		t.Errorf("wrong saltAuth: %#x, want PIN_AUTH_INVALID", st)
	}
}

func TestCredProtect(t *testing.T) {
	k := newKey(t)
	creds := map[int]*madeCred{}
	for _, level := range []int{1, 2, 3} {
		c := k.mustMakeCred(mcOpts{rk: true, userID: fmt.Sprint("level", level), credProtect: level})
		if got := c.ext["credProtect"]; got != uint64(level) {
			t.Fatalf("credProtect output %v (%T), want %d", got, got, level)
		}
		creds[level] = c
	}
	nonRK := k.mustMakeCred(mcOpts{userID: "nonrk", credProtect: 3})

	// Without user verification: discoverable only at level 1, with an
	// allowList up to level 2.
	if as := k.mustGetAssert(gaOpts{}); as.total != 1 || !bytes.Equal(as.credID, creds[1].id) {
		t.Errorf("without UV: %d credentials", as.total)
	}
	for level, c := range creds {
		st, _ := k.getAssert(gaOpts{allow: [][]byte{c.id}})
		if want := level < 3; (st == 0) != want {
			t.Errorf("level %d with allowList and no UV: status %#x", level, st)
		}
	}
	if st, _ := k.getAssert(gaOpts{allow: [][]byte{nonRK.id}}); st != byte(errNoCredentials) {
		t.Errorf("non-resident level 3 without UV: status %#x", st)
	}
	// A level 3 credential does not exclude without UV.
	k.mustMakeCred(mcOpts{userID: "new", exclude: [][]byte{creds[3].id}})
	if st, _ := k.makeCred(mcOpts{userID: "new", exclude: [][]byte{creds[2].id}}); st != byte(errCredentialExcluded) {
		t.Errorf("level 2 exclude: status %#x", st)
	}

	k.setPIN(2, "1234")
	s, tok := k.mustToken(2, "1234", permGetAssertion, "")
	if as := k.mustGetAssert(gaOpts{s: s, tok: tok}); as.total != 3 || as.userName == "" {
		t.Errorf("with UV: %d credentials, user name %q", as.total, as.userName)
	}
	s, tok = k.mustToken(2, "1234", permGetAssertion, "")
	k.mustGetAssert(gaOpts{allow: [][]byte{nonRK.id}, s: s, tok: tok})
}

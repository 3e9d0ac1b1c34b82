package virtual

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

func TestReset(t *testing.T) {
	k := newKey(t)
	c := k.mustMakeCred(mcOpts{})
	k.mustMakeCred(mcOpts{rk: true})
	k.setPIN(2, "1234")

	k.a.SetPresence(Deny)
	if st, _ := k.call(cmdReset, nil); st != byte(errOperationDenied) {
		t.Fatalf("refused reset: %#x", st)
	}
	k.a.SetPresence(Approve)
	if st, _ := k.call(cmdReset, nil); st != 0 {
		t.Fatalf("reset: %#x", st)
	}
	m := k.mustCall(cmdGetInfo, nil)
	if decodeAs[map[string]bool](t, m[4])["clientPin"] || decodeAs[int](t, m[0x14]) != residentSlots {
		t.Error("PIN or resident credentials survived reset")
	}
	if st, _ := k.getAssert(gaOpts{allow: [][]byte{c.id}}); st != byte(errNoCredentials) {
		t.Errorf("non-resident credential survived reset: %#x", st)
	}
	if st, _ := k.getAssert(gaOpts{}); st != byte(errNoCredentials) {
		t.Errorf("resident credential survived reset: %#x", st)
	}
	k.mustMakeCred(mcOpts{}) // usable without PIN again
}

func TestResetWindow(t *testing.T) {
	k := newKey(t)
	k.a.dev.now = func() time.Time { return time.Now().Add(11 * time.Second) }
	if st, _ := k.call(cmdReset, nil); st != byte(errNotAllowed) {
		t.Fatalf("reset 11 s after power-up: %#x, want NOT_ALLOWED", st)
	}
	k.a.SetResetWindow(0)
	if st, _ := k.call(cmdReset, nil); st != 0 {
		t.Fatalf("reset with no window: %#x", st)
	}
	k.a.SetResetWindow(time.Minute)
	if st, _ := k.call(cmdReset, nil); st != 0 {
		t.Fatalf("reset within a 1-minute window: %#x", st)
	}
}

func TestStatePersisted(t *testing.T) {
	k := newKey(t)
	k.setPIN(1, "1234")
	s, tok := k.mustToken(1, "1234", permMakeCredential, "")
	c := k.mustMakeCred(mcOpts{rk: true, hmacSecret: true, s: s, tok: tok})
	s, tok = k.mustToken(1, "1234", permMakeCredential, "")
	plain := k.mustMakeCred(mcOpts{userID: "plain", s: s, tok: tok})
	before := k.mustGetAssert(gaOpts{allow: [][]byte{c.id}, s: k.session(2), salts: salt(7)})
	plainBefore := k.mustGetAssert(gaOpts{allow: [][]byte{plain.id}})

	fi, err := os.Stat(k.path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(k.path)
	var st persisted
	if err := json.Unmarshal(data, &st); err != nil || len(st.Credentials) != 1 || st.PINRetries != 8 {
		t.Fatalf("state file: %v, %v", err, &st)
	}

	k = k.reopen()
	m := k.mustCall(cmdGetInfo, nil)
	if !decodeAs[map[string]bool](t, m[4])["clientPin"] || decodeAs[int](t, m[0x14]) != residentSlots-1 {
		t.Error("PIN or resident credential lost across Open")
	}
	after := k.mustGetAssert(gaOpts{s: k.session(2), salts: salt(7)})
	verifySig(t, c.pub, after.ad, after.sig)
	if after.count <= before.count || string(after.hmac) != string(before.hmac) {
		t.Errorf("counter %d after %d, hmac-secret equal %t", after.count, before.count, string(after.hmac) == string(before.hmac))
	}
	plainAfter := k.mustGetAssert(gaOpts{allow: [][]byte{plain.id}})
	verifySig(t, plain.pub, plainAfter.ad, plainAfter.sig)
	if plainAfter.count <= plainBefore.count {
		t.Errorf("global counter went from %d to %d", plainBefore.count, plainAfter.count)
	}
	k.mustToken(2, "1234", permGetAssertion, "")
}

func TestCorruptState(t *testing.T) {
	for name, content := range map[string]string{
		"not json":      "{",
		"short key":     `{"version":1,"master_key":"AAAA","pin_retries":8}`,
		"retries":       `{"version":1,"master_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","pin_retries":9}`,
		"future format": `{"version":2}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := t.TempDir() + "/state.json"
			os.WriteFile(path, []byte(content), 0o600)
			if a, err := Open(path); err == nil {
				a.Close()
				t.Fatal("Open accepted a corrupt state file")
			}
		})
	}
}

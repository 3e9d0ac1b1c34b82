package fido

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestErrorCarriesSentinelAndRetries(t *testing.T) {
	err := codeError(0x31).(*Error)
	err.Op, err.RetriesLeft = "get assertion", 1
	if !errors.Is(err, ErrPinInvalid) || err.Code != 0x31 {
		t.Fatalf("code 0x31 = %v (code %d), want ErrPinInvalid", err, err.Code)
	}
	if got, want := err.Error(), "get assertion: wrong PIN (1 attempt left)"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if Retries(err) != 1 || Retries(errors.New("x")) != -1 {
		t.Errorf("Retries = %d / %d, want 1 / -1", Retries(err), Retries(errors.New("x")))
	}
	if codeError(0) != nil {
		t.Error("FIDO_OK is an error")
	}
	unknown := codeError(0x7f)
	if !errors.Is(unknown, ErrDevice) || !strings.Contains(unknown.Error(), "0x7f") {
		t.Errorf("unknown code = %v, want ErrDevice naming 0x7f", unknown)
	}
}

func TestErrorTableCoversTheFaults(t *testing.T) {
	for code, want := range map[int]error{
		0x31: ErrPinInvalid, 0x32: ErrPinBlocked, 0x34: ErrPinAuthBlocked, 0x36: ErrPinRequired,
		0x2e: ErrNoCredentials, 0x2f: ErrActionTimeout, 0x27: ErrOperationDenied, 0x30: ErrNotAllowed,
		0x2d: ErrCanceled, -1: ErrTx, -2: ErrRx, 0x16: ErrUnsupported,
	} {
		if err := codeError(code); !errors.Is(err, want) {
			t.Errorf("code %#x = %v, want %v", code, err, want)
		}
	}
}

func TestCBORBytes(t *testing.T) {
	long := make([]byte, 300)
	for _, tc := range []struct {
		in, want []byte
	}{
		{[]byte{0x43, 1, 2, 3}, []byte{1, 2, 3}},
		{append([]byte{0x58, 37}, make([]byte, 37)...), make([]byte, 37)},
		{append([]byte{0x59, 1, 44}, long...), long},
		{[]byte{0x43, 1, 2}, []byte{0x43, 1, 2}}, // wrong length: unchanged
		{[]byte{0xa1, 1, 2}, []byte{0xa1, 1, 2}}, // not a byte string
		{nil, nil},
	} {
		if got := cborBytes(tc.in); string(got) != string(tc.want) {
			t.Errorf("cborBytes(% x) = % x, want % x", tc.in, got, tc.want)
		}
	}
}

func TestPINRules(t *testing.T) {
	for pin, ok := range map[string]bool{"1234": true, "123": false, "ünïc": true, "12\x0034": false,
		strings.Repeat("x", 63): true, strings.Repeat("x", 64): false, "\xff\xfe\xfd\xfc": false} {
		if err := checkNewPIN([]byte(pin)); (err == nil) != ok {
			t.Errorf("checkNewPIN(%q) = %v, want ok=%t", pin, err, ok)
		}
	}
	if checkPIN(nil) != nil || checkPIN([]byte{}) == nil || checkPIN([]byte("a\x00")) == nil {
		t.Error("checkPIN: nil means no PIN; empty or NUL-bearing PINs are refused")
	}
}

func TestMillis(t *testing.T) {
	if millis(time.Time{}) != -1 {
		t.Error("no deadline should be -1 (wait for ever)")
	}
	if ms := millis(time.Now().Add(-time.Second)); ms != 1 {
		t.Errorf("a past deadline = %d ms, want 1 (libfido2 treats 0 as poll)", ms)
	}
	if ms := millis(time.Now().Add(2 * time.Second)); ms < 1900 || ms > 2000 {
		t.Errorf("2 s ahead = %d ms", ms)
	}
}

func TestAssertionStringRedactsSecret(t *testing.T) {
	a := Assertion{CredentialID: []byte{1}, HMACSecret: []byte("topsecret-topsecret-topsecret-32")}
	for _, s := range []string{a.String(), a.GoString()} {
		if strings.Contains(s, "topsecret") || strings.Contains(s, "746f70") || !strings.Contains(s, "redacted") {
			t.Errorf("%q shows the hmac-secret output", s)
		}
	}
}

func TestKnobs(t *testing.T) {
	t.Setenv("OTTER_FIDO_VIRTUAL_PRESENCE", "deny, timeout")
	t.Setenv("OTTER_FIDO_VIRTUAL_UNPLUG_AFTER", "3")
	t.Setenv("OTTER_FIDO_VIRTUAL_RESET_WINDOW", "1ms")
	for i, want := range []knobs{
		{presence: "deny", unplugAfter: 3, resetWindow: time.Millisecond, hasResetWindow: true},
		{presence: "timeout", unplugAfter: 3, resetWindow: time.Millisecond, hasResetWindow: true},
		{presence: "timeout", unplugAfter: 3, resetWindow: time.Millisecond, hasResetWindow: true},
	} {
		if got, err := envKnobs(i); err != nil || got != want {
			t.Errorf("key %d knobs = %+v, %v; want %+v", i, got, err, want)
		}
	}
	t.Setenv("OTTER_FIDO_VIRTUAL_UNPLUG_AFTER", "soon")
	if _, err := envKnobs(0); err == nil {
		t.Error("a malformed knob was accepted")
	}
}

//go:build cgo

package fido

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/otterauth/otter/fido/virtual"
)

// These tests drive the real libfido2 against fido/virtual keys plugged in
// through fido_dev_set_io_functions.

// plug adds a fresh virtual key and returns it open.
func plug(t *testing.T) (*virtual.Authenticator, *device) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "key.state")
	a, err := AddVirtual(state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { RemoveVirtual(state) })
	d, err := open(context.Background(), virtualPrefix+state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return a, d
}

var bg = context.Background()

func mustCred(t *testing.T, d *device, o CredentialOptions) Credential {
	t.Helper()
	if o.RPID == "" {
		o.RPID = "example.org"
	}
	if o.UserID == nil {
		o.UserID, o.UserName = []byte("alice-id"), "alice"
	}
	c, err := d.MakeCredential(bg, o)
	if err != nil {
		t.Fatalf("make credential: %v", err)
	}
	return c
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	var e *Error
	if !errors.Is(err, want) || !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error matching %v", err, want)
	}
}

func TestFIDOListAndInfo(t *testing.T) {
	_, d := plug(t)
	devs, err := List()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(devs, func(di DeviceInfo) bool { return di == d.DeviceInfo() && di.Virtual }) {
		t.Fatalf("List() = %v, missing %v", devs, d.DeviceInfo())
	}
	info, err := d.Info(bg)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(info.AAGUID) != virtual.AAGUIDHex || !info.Supports("hmac-secret") ||
		!slices.Contains(info.Versions, "FIDO_2_1") || info.HasPIN() || !info.SupportsPIN() ||
		info.PINRetries != 8 || info.RemainingResident != 25 || info.MaxMsgSize < 1024 || !slices.Equal(info.Protocols, []int{2, 1}) {
		t.Errorf("info = %+v", info)
	}
}

func TestFIDOHMACSecret(t *testing.T) {
	_, d := plug(t)
	c := mustCred(t, d, CredentialOptions{HMACSecret: true})
	if len(c.ID) == 0 || len(c.PublicKey) != 64 || c.Format != "packed" || !c.HMACSecret {
		t.Fatalf("credential = %+v", c)
	}
	salt1, salt2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	secret := func(salt, pin []byte) []byte {
		as, err := d.GetAssertion(bg, AssertionOptions{RPID: "example.org", Allow: [][]byte{c.ID}, HMACSalt: salt, PIN: pin, PublicKey: c.PublicKey})
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 1 || !as[0].UP || as[0].UV != (pin != nil) || len(as[0].HMACSecret) != 32 || !bytes.Equal(as[0].CredentialID, c.ID) {
			t.Fatalf("assertions = %v", as)
		}
		return as[0].HMACSecret
	}
	a, b := secret(salt1, nil), secret(salt1, nil)
	if !bytes.Equal(a, b) || bytes.Equal(a, secret(salt2, nil)) {
		t.Fatal("hmac-secret is not a function of the salt")
	}
	if err := d.SetPIN(bg, []byte("1234")); err != nil {
		t.Fatal(err)
	}
	if withPIN := secret(salt1, []byte("1234")); bytes.Equal(withPIN, a) {
		t.Error("the output with a PIN (UV) equals the one without: the slot's PIN state would not matter")
	}
	if !bytes.Equal(secret(salt1, nil), a) {
		t.Error("setting a PIN changed the output without UV")
	}
	other := mustCred(t, d, CredentialOptions{PIN: []byte("1234")})
	_, err := d.GetAssertion(bg, AssertionOptions{RPID: "example.org", Allow: [][]byte{c.ID}, PublicKey: other.PublicKey})
	wantErr(t, err, ErrInvalidSignature)
}

func TestFIDOPIN(t *testing.T) {
	_, d := plug(t)
	if err := d.SetPIN(bg, []byte("12")); !errors.Is(err, ErrPinPolicy) {
		t.Fatalf("a 2-digit PIN: %v, want ErrPinPolicy", err)
	}
	if err := d.SetPIN(bg, []byte("1234")); err != nil {
		t.Fatal(err)
	}
	_, err := d.MakeCredential(bg, CredentialOptions{RPID: "x", UserID: []byte("u"), UserName: "u"})
	wantErr(t, err, ErrPinRequired)
	err = d.ChangePIN(bg, []byte("0000"), []byte("5678"))
	wantErr(t, err, ErrPinInvalid)
	if Retries(err) != 7 {
		t.Errorf("retries after one wrong PIN = %d, want 7 (%v)", Retries(err), err)
	}
	if err := d.ChangePIN(bg, []byte("1234"), []byte("5678")); err != nil {
		t.Fatal(err)
	}
	if n, err := d.PINRetries(bg); err != nil || n != 8 {
		t.Errorf("retries after the right PIN = %d, %v; want 8", n, err)
	}
	mustCred(t, d, CredentialOptions{PIN: []byte("5678")})
}

func TestFIDOPINBlocks(t *testing.T) {
	state := filepath.Join(t.TempDir(), "key.state")
	replug := func() *device {
		RemoveVirtual(state)
		if _, err := AddVirtual(state); err != nil {
			t.Fatal(err)
		}
		d, err := open(bg, virtualPrefix+state)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	t.Cleanup(func() { RemoveVirtual(state) })
	d := replug()
	if err := d.SetPIN(bg, []byte("1234")); err != nil {
		t.Fatal(err)
	}
	wrong := func(d *device) error {
		_, err := d.CredentialsMetadata(bg, []byte("0000"))
		return err
	}
	for range 2 {
		wantErr(t, wrong(d), ErrPinInvalid)
	}
	wantErr(t, wrong(d), ErrPinAuthBlocked) // three in a row: power cycle needed
	wantErr(t, wrong(d), ErrPinAuthBlocked)
	d = replug()
	for range 3 {
		wrong(d)
	}
	d = replug()
	wantErr(t, wrong(d), ErrPinInvalid)
	err := wrong(d)
	wantErr(t, err, ErrPinBlocked)
	if _, err := d.CredentialsMetadata(bg, []byte("1234")); !errors.Is(err, ErrPinBlocked) {
		t.Errorf("the right PIN after blocking: %v, want ErrPinBlocked", err)
	}
}

func TestFIDOResidentCredentials(t *testing.T) {
	_, d := plug(t)
	pin := []byte("1234")
	if err := d.SetPIN(bg, pin); err != nil {
		t.Fatal(err)
	}
	a := mustCred(t, d, CredentialOptions{Resident: true, PIN: pin, CredProtect: CredProtectUVOptionalWithID})
	mustCred(t, d, CredentialOptions{Resident: true, PIN: pin, UserID: []byte("bob-id"), UserName: "bob", DisplayName: "Bob"})
	mustCred(t, d, CredentialOptions{RPID: "other.example", Resident: true, PIN: pin})
	_, err := d.MakeCredential(bg, CredentialOptions{RPID: "example.org", UserID: []byte("x"), UserName: "x", PIN: pin, Exclude: [][]byte{a.ID}})
	wantErr(t, err, ErrCredentialExcluded)

	as, err := d.GetAssertion(bg, AssertionOptions{RPID: "example.org", PIN: pin})
	if err != nil || len(as) != 2 {
		t.Fatalf("discoverable assertions = %v, %v; want both example.org credentials", as, err)
	}
	md, err := d.CredentialsMetadata(bg, pin)
	if err != nil || md.Existing != 3 || md.Remaining != 22 {
		t.Fatalf("metadata = %+v, %v", md, err)
	}
	rps, err := d.RPs(bg, pin)
	if err != nil || len(rps) != 2 {
		t.Fatalf("rps = %+v, %v", rps, err)
	}
	creds, err := d.Credentials(bg, "example.org", pin)
	if err != nil || len(creds) != 2 {
		t.Fatalf("credentials = %+v, %v", creds, err)
	}
	i := slices.IndexFunc(creds, func(c Credential) bool { return bytes.Equal(c.ID, a.ID) })
	if i < 0 || creds[i].UserName != "alice" || creds[i].CredProtect != CredProtectUVOptionalWithID || !bytes.Equal(creds[i].PublicKey, a.PublicKey) {
		t.Fatalf("alice's credential = %+v", creds)
	}
	if err := d.DeleteCredential(bg, a.ID, pin); err != nil {
		t.Fatal(err)
	}
	wantErr(t, d.DeleteCredential(bg, a.ID, pin), ErrNoCredentials)
	if _, err := d.RPs(bg, nil); !errors.Is(err, ErrPinRequired) {
		t.Errorf("credential management without a PIN: %v", err)
	}
}

func TestFIDONoCredentials(t *testing.T) {
	_, d1 := plug(t)
	_, d2 := plug(t)
	c := mustCred(t, d1, CredentialOptions{HMACSecret: true})
	_, err := d2.GetAssertion(bg, AssertionOptions{RPID: "example.org", Allow: [][]byte{c.ID}, HMACSalt: make([]byte, 32)})
	wantErr(t, err, ErrNoCredentials)
	_, err = d1.GetAssertion(bg, AssertionOptions{RPID: "evil.example", Allow: [][]byte{c.ID}})
	wantErr(t, err, ErrNoCredentials)
	if _, err := d1.GetAssertion(bg, AssertionOptions{RPID: "example.org", Allow: [][]byte{c.ID}, NoPresence: true}); err != nil {
		t.Errorf("silent probe: %v", err)
	}
}

func TestFIDOPresenceFaults(t *testing.T) {
	a, d := plug(t)
	c := mustCred(t, d, CredentialOptions{})
	get := func(ctx context.Context) error {
		_, err := d.GetAssertion(ctx, AssertionOptions{RPID: "example.org", Allow: [][]byte{c.ID}})
		return err
	}
	a.SetPresence(virtual.Deny)
	wantErr(t, get(bg), ErrOperationDenied)

	a.SetPresence(virtual.TimeOut)
	a.SetPresenceTimeout(200 * time.Millisecond)
	wantErr(t, get(bg), ErrActionTimeout)

	a.SetPresenceTimeout(10 * time.Second)
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	wantErr(t, get(ctx), ErrTimeout)
	if time.Since(start) > 3*time.Second {
		t.Errorf("the context deadline was not honoured: %v", time.Since(start))
	}
	ctx, cancel = context.WithCancel(bg)
	time.AfterFunc(200*time.Millisecond, cancel)
	wantErr(t, get(ctx), ErrCanceled)

	a.SetPresence(virtual.Approve) // the key is still usable after all that
	if err := get(bg); err != nil {
		t.Fatalf("after the faults: %v", err)
	}
}

func TestFIDOKeyRemoved(t *testing.T) {
	a, d := plug(t)
	c := mustCred(t, d, CredentialOptions{})
	a.SetPresence(virtual.TimeOut)
	time.AfterFunc(200*time.Millisecond, a.Unplug)
	_, err := d.GetAssertion(bg, AssertionOptions{RPID: "example.org", Allow: [][]byte{c.ID}})
	wantErr(t, err, ErrKeyRemoved)
	devs, _ := List()
	if slices.Contains(devs, d.DeviceInfo()) {
		t.Error("an unplugged key is still listed")
	}
	if _, err := Open(bg, d.DeviceInfo().Path); !errors.Is(err, ErrNotFound) {
		t.Errorf("opening an unplugged key: %v", err)
	}
	if _, err := AddVirtual(d.DeviceInfo().Path[len(virtualPrefix):]); err != nil {
		t.Fatal(err)
	}
	d2, err := Open(bg, d.DeviceInfo().Path)
	if err != nil {
		t.Fatalf("plugged back in: %v", err)
	}
	defer d2.Close()
	if _, err := d2.GetAssertion(bg, AssertionOptions{RPID: "example.org", Allow: [][]byte{c.ID}}); err != nil {
		t.Errorf("the replugged key lost its credential: %v", err)
	}
}

func TestFIDOReset(t *testing.T) {
	a, d := plug(t)
	if err := d.SetPIN(bg, []byte("1234")); err != nil {
		t.Fatal(err)
	}
	a.SetResetWindow(time.Nanosecond)
	wantErr(t, d.Reset(bg), ErrNotAllowed)
	a.SetResetWindow(0)
	if err := d.Reset(bg); err != nil {
		t.Fatal(err)
	}
	if info, err := d.Info(bg); err != nil || info.HasPIN() {
		t.Errorf("after reset: PIN set %t, %v", info.HasPIN(), err)
	}
}

func TestFIDOSelect(t *testing.T) {
	slow, d1 := plug(t)
	_, d2 := plug(t)
	slow.SetPresence(virtual.TimeOut)
	devs := []DeviceInfo{d1.DeviceInfo(), d2.DeviceInfo()}
	got, err := Select(bg, devs)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.DeviceInfo() != d2.DeviceInfo() {
		t.Errorf("selected %v, want the key that was touched (%v)", got.DeviceInfo(), d2.DeviceInfo())
	}
	if _, err := got.Info(bg); err != nil {
		t.Errorf("the selected key does not answer: %v", err)
	}
	slow.SetPresence(virtual.Deny)
	// Denied presence: a touch request would fail at once, so the deadline
	// only bounds the open; under load libfido2's getInfo at open can take
	// over 500 ms, which it then reports as a U2F-only key.
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	if _, err := Select(ctx, devs[:1]); err != nil {
		t.Errorf("one key needs no touch: %v", err)
	}
}

func TestFIDOClosedDevice(t *testing.T) {
	_, d := plug(t)
	d.Close()
	if _, err := d.Info(bg); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("info on a closed device: %v", err)
	}
	d.Close() // twice is fine
}

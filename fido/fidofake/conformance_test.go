package fidofake

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/fido/virtual"
)

// One conformance suite, run against every fido.Backend otter has: the
// fake, and fido/virtual keys driven through the real libfido2 (cgo), so
// that the fake cannot drift from what the binding really does.

// rig is one key of a backend under test and the test's hands on it.
type rig struct {
	b           fido.Backend
	path        string
	presence    func(p Presence, wait time.Duration)
	resetWindow func(time.Duration)
	unplug      func()
	replug      func() // a power cycle
}

type impl struct {
	name string
	plug func(t *testing.T, name string) rig
}

var impls = []impl{
	{"fake", plugFake},
	{"libfido2", plugVirtual},
}

func plugFake(t *testing.T, name string) rig {
	b := New()
	k := b.Add(fido.DeviceInfo{Path: "fake:" + name, Virtual: true})
	return rig{b: b, path: "fake:" + name,
		presence:    func(p Presence, d time.Duration) { k.SetPresence(p); k.SetPresenceTimeout(d) },
		resetWindow: k.SetResetWindow, unplug: k.Unplug, replug: k.Replug}
}

func plugVirtual(t *testing.T, name string) rig {
	state := filepath.Join(t.TempDir(), name+".state")
	a, err := fido.AddVirtual(state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fido.RemoveVirtual(state) })
	r := rig{b: fido.LibFIDO2(), path: "virtual:" + state}
	r.presence = func(p Presence, d time.Duration) {
		a.SetPresence([]virtual.Presence{virtual.Approve, virtual.Deny, virtual.TimeOut}[p])
		a.SetPresenceTimeout(d)
	}
	r.resetWindow = func(d time.Duration) { a.SetResetWindow(d) }
	r.unplug = func() { fido.RemoveVirtual(state) }
	r.replug = func() {
		fido.RemoveVirtual(state)
		if a, err = fido.AddVirtual(state); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (r rig) open(t *testing.T) fido.Device {
	t.Helper()
	d, err := r.b.Open(context.Background(), r.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

var bg = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	var fe *fido.Error
	if !errors.Is(err, want) || !errors.As(err, &fe) {
		t.Fatalf("%s: %v, want a *fido.Error matching %v", what, err, want)
	}
}

func TestConformance(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			if im.name == "libfido2" && !fido.Supported() {
				t.Skip("skipped: this build has no libfido2 (cgo), which the virtual keys are driven through; the fake ran")
			}
			for _, tc := range []struct {
				name string
				f    func(t *testing.T, plug func(string) rig)
			}{
				{"Info", testInfo},
				{"PIN", testPIN},
				{"PINBlocks", testPINBlocks},
				{"HMACSecret", testHMACSecret},
				{"Probe", testProbe},
				{"Resident", testResident},
				{"Presence", testPresence},
				{"Unplug", testUnplug},
				{"Reset", testReset},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tc.f(t, func(name string) rig { return im.plug(t, name) })
				})
			}
		})
	}
}

func testInfo(t *testing.T, plug func(string) rig) {
	r := plug("a")
	devs, err := r.b.List()
	must(t, err)
	if !slices.ContainsFunc(devs, func(d fido.DeviceInfo) bool { return d.Path == r.path }) {
		t.Fatalf("List = %v, lacks %s", devs, r.path)
	}
	d := r.open(t)
	if d.DeviceInfo().Path != r.path {
		t.Errorf("DeviceInfo = %+v", d.DeviceInfo())
	}
	info, err := d.Info(bg)
	must(t, err)
	if info.HasPIN() || !info.SupportsPIN() || info.PINRetries != 8 || info.RemainingResident != 25 ||
		!info.Supports("hmac-secret") || !info.Options["credMgmt"] || len(info.AAGUID) != 16 {
		t.Errorf("Info = %+v", info)
	}
	if _, err := r.b.Open(bg, r.path+"-nothing"); !errors.Is(err, fido.ErrNotFound) {
		t.Errorf("Open of a path not plugged in: %v", err)
	}
}

func testPIN(t *testing.T, plug func(string) rig) {
	d := plug("a").open(t)
	pin := []byte("1234")
	uid := []byte("user")
	wantErr(t, "short PIN", d.SetPIN(bg, []byte("12")), fido.ErrPinPolicy)
	_, err := d.CredentialsMetadata(bg, pin)
	wantErr(t, "credential management without a PIN set", err, fido.ErrPinNotSet)
	must(t, d.SetPIN(bg, pin))
	wantErr(t, "set PIN twice", d.SetPIN(bg, pin), fido.ErrNotAllowed)
	err = d.ChangePIN(bg, []byte("0000"), []byte("5678"))
	wantErr(t, "wrong old PIN", err, fido.ErrPinInvalid)
	if n := fido.Retries(err); n != 7 {
		t.Errorf("retries after a wrong PIN = %d, want 7", n)
	}
	must(t, d.ChangePIN(bg, pin, []byte("5678")))
	if n, err := d.PINRetries(bg); err != nil || n != 8 {
		t.Errorf("PINRetries after the right PIN = %d, %v; want 8", n, err)
	}
	_, err = d.MakeCredential(bg, fido.CredentialOptions{RPID: "otter", UserID: uid, UserName: "u"})
	wantErr(t, "make credential without the PIN", err, fido.ErrPinRequired)
	_, err = d.RPs(bg, nil)
	wantErr(t, "credential management without the PIN", err, fido.ErrPinRequired)
	_, err = d.MakeCredential(bg, fido.CredentialOptions{RPID: "otter", UserID: uid, UserName: "u", PIN: []byte("5678")})
	must(t, err)
	info, err := d.Info(bg)
	must(t, err)
	if !info.HasPIN() {
		t.Error("Info says no PIN after SetPIN")
	}
}

func testPINBlocks(t *testing.T, plug func(string) rig) {
	r := plug("a")
	d := r.open(t)
	pin, bad := []byte("1234"), []byte("0000")
	must(t, d.SetPIN(bg, pin))
	wrong := func(d fido.Device) error { _, err := d.CredentialsMetadata(bg, bad); return err }
	wantErr(t, "1st wrong PIN", wrong(d), fido.ErrPinInvalid)
	wantErr(t, "2nd wrong PIN", wrong(d), fido.ErrPinInvalid)
	wantErr(t, "3rd wrong PIN in a row", wrong(d), fido.ErrPinAuthBlocked)
	_, err := d.CredentialsMetadata(bg, pin)
	wantErr(t, "the right PIN before a power cycle", err, fido.ErrPinAuthBlocked)
	d.Close()
	for range 2 { // 5 attempts left: 3, a power cycle, 1 more, then it blocks
		r.replug()
		d = r.open(t)
		for range 3 {
			if err = wrong(d); errors.Is(err, fido.ErrPinBlocked) {
				break
			}
		}
		d.Close()
	}
	wantErr(t, "the last attempt", err, fido.ErrPinBlocked)
	r.replug()
	d = r.open(t)
	_, err = d.CredentialsMetadata(bg, pin)
	wantErr(t, "the right PIN once blocked", err, fido.ErrPinBlocked)
	if n, err := d.PINRetries(bg); err != nil || n != 0 {
		t.Errorf("PINRetries when blocked = %d, %v", n, err)
	}
}

func testHMACSecret(t *testing.T, plug func(string) rig) {
	salt1, salt2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	secret := func(d fido.Device, id, salt []byte) []byte {
		t.Helper()
		as, err := d.GetAssertion(bg, fido.AssertionOptions{RPID: "otter", Allow: [][]byte{id}, HMACSalt: salt})
		must(t, err)
		if len(as) != 1 || !bytes.Equal(as[0].CredentialID, id) || !as[0].UP || len(as[0].HMACSecret) != len(salt) {
			t.Fatalf("assertions = %v", as)
		}
		return as[0].HMACSecret
	}
	mk := func(d fido.Device) fido.Credential {
		t.Helper()
		c, err := d.MakeCredential(bg, fido.CredentialOptions{RPID: "otter", UserID: []byte("vault"), UserName: "vault", HMACSecret: true})
		must(t, err)
		if len(c.ID) == 0 || len(c.PublicKey) != 64 || !c.HMACSecret {
			t.Fatalf("credential = %+v", c)
		}
		return c
	}
	a, b := plug("a").open(t), plug("b").open(t)
	ca, ca2, cb := mk(a), mk(a), mk(b)
	s := secret(a, ca.ID, salt1)
	if !bytes.Equal(s, secret(a, ca.ID, salt1)) {
		t.Error("the same salt gave another secret")
	}
	for what, other := range map[string][]byte{"another salt": secret(a, ca.ID, salt2),
		"another credential": secret(a, ca2.ID, salt1), "another key": secret(b, cb.ID, salt1)} {
		if bytes.Equal(s, other) {
			t.Errorf("%s gave the same secret", what)
		}
	}
	if two := secret(a, ca.ID, append(bytes.Clone(salt1), salt2...)); !bytes.Equal(two[:32], s) {
		t.Error("the first half of a two-salt output differs from the one-salt output")
	}
	_, err := a.GetAssertion(bg, fido.AssertionOptions{RPID: "otter", Allow: [][]byte{ca.ID}, PublicKey: ca.PublicKey})
	must(t, err)
	_, err = a.GetAssertion(bg, fido.AssertionOptions{RPID: "otter", Allow: [][]byte{ca.ID}, PublicKey: ca2.PublicKey})
	wantErr(t, "assertion checked with another credential's key", err, fido.ErrInvalidSignature)
}

func testProbe(t *testing.T, plug func(string) rig) {
	r := plug("a")
	d := r.open(t)
	r.presence(Deny, 0) // a probe never asks for a touch
	_, err := d.MakeCredential(bg, fido.CredentialOptions{RPID: "otter", UserID: []byte("u"), UserName: "u"})
	wantErr(t, "make credential, presence denied", err, fido.ErrOperationDenied)
	r.presence(Approve, 0)
	c, err := d.MakeCredential(bg, fido.CredentialOptions{RPID: "otter", UserID: []byte("u"), UserName: "u"})
	must(t, err)
	r.presence(Deny, 0)
	as, err := d.GetAssertion(bg, fido.AssertionOptions{RPID: "otter", Allow: [][]byte{c.ID}, NoPresence: true})
	must(t, err)
	if len(as) != 1 || as[0].UP {
		t.Errorf("probe = %v, want one assertion without UP", as)
	}
	_, err = d.GetAssertion(bg, fido.AssertionOptions{RPID: "otter", Allow: [][]byte{bytes.Repeat([]byte{7}, 64)}, NoPresence: true})
	wantErr(t, "probe of an unknown credential", err, fido.ErrNoCredentials)
	_, err = d.GetAssertion(bg, fido.AssertionOptions{RPID: "other", Allow: [][]byte{c.ID}, NoPresence: true})
	wantErr(t, "probe for another rp", err, fido.ErrNoCredentials)
}

func testResident(t *testing.T, plug func(string) rig) {
	d := plug("a").open(t)
	pin := []byte("1234")
	must(t, d.SetPIN(bg, pin))
	for _, u := range []string{"alice", "bob"} {
		_, err := d.MakeCredential(bg, fido.CredentialOptions{RPID: "github.com", UserID: []byte(u), UserName: u,
			Resident: true, PIN: pin, CredProtect: fido.CredProtectUVRequired})
		must(t, err)
	}
	_, err := d.MakeCredential(bg, fido.CredentialOptions{RPID: "otter", UserID: []byte("v"), UserName: "v", PIN: pin})
	must(t, err) // not resident: not listed
	md, err := d.CredentialsMetadata(bg, pin)
	must(t, err)
	if md.Existing != 2 || md.Remaining != 23 {
		t.Errorf("metadata = %+v", md)
	}
	rps, err := d.RPs(bg, pin)
	must(t, err)
	if len(rps) != 1 || rps[0].ID != "github.com" {
		t.Fatalf("RPs = %+v", rps)
	}
	creds, err := d.Credentials(bg, "github.com", pin)
	must(t, err)
	if len(creds) != 2 || creds[0].CredProtect != 3 || creds[0].RPID != "github.com" {
		t.Fatalf("credentials = %+v", creds)
	}
	_, err = d.GetAssertion(bg, fido.AssertionOptions{RPID: "github.com", Allow: [][]byte{creds[0].ID}, NoPresence: true})
	wantErr(t, "a credProtect 3 credential without the PIN", err, fido.ErrNoCredentials)
	as, err := d.GetAssertion(bg, fido.AssertionOptions{RPID: "github.com", PIN: pin})
	must(t, err)
	if len(as) != 2 || !as[0].UV {
		t.Errorf("discoverable assertions = %v", as)
	}
	must(t, d.DeleteCredential(bg, creds[0].ID, pin))
	wantErr(t, "delete it again", d.DeleteCredential(bg, creds[0].ID, pin), fido.ErrNoCredentials)
	if md, _ = d.CredentialsMetadata(bg, pin); md.Existing != 1 {
		t.Errorf("after delete: %+v", md)
	}
}

func testPresence(t *testing.T, plug func(string) rig) {
	r := plug("a")
	d := r.open(t)
	mk := func(ctx context.Context) error {
		_, err := d.MakeCredential(ctx, fido.CredentialOptions{RPID: "otter", UserID: []byte("u"), UserName: "u"})
		return err
	}
	r.presence(Deny, 0)
	wantErr(t, "denied", mk(bg), fido.ErrOperationDenied)
	r.presence(TimeOut, 100*time.Millisecond)
	wantErr(t, "nobody touches", mk(bg), fido.ErrActionTimeout)
	r.presence(TimeOut, time.Minute)
	time.AfterFunc(200*time.Millisecond, d.Cancel)
	wantErr(t, "Cancel", mk(bg), fido.ErrCanceled)
	ctx, cancel := context.WithCancel(bg)
	time.AfterFunc(200*time.Millisecond, cancel)
	wantErr(t, "context cancelled", mk(ctx), fido.ErrCanceled)
	r.presence(Approve, 0)
	must(t, mk(bg))
}

func testUnplug(t *testing.T, plug func(string) rig) {
	r := plug("a")
	d := r.open(t)
	r.unplug()
	_, err := d.Info(bg)
	wantErr(t, "info of an unplugged key", err, fido.ErrKeyRemoved)
	devs, _ := r.b.List()
	if slices.ContainsFunc(devs, func(d fido.DeviceInfo) bool { return d.Path == r.path }) {
		t.Errorf("List still has the unplugged key: %v", devs)
	}
	_, err = r.b.Open(bg, r.path)
	wantErr(t, "open an unplugged key", err, fido.ErrNotFound)
}

func testReset(t *testing.T, plug func(string) rig) {
	r := plug("a")
	d := r.open(t)
	pin := []byte("1234")
	must(t, d.SetPIN(bg, pin))
	c, err := d.MakeCredential(bg, fido.CredentialOptions{RPID: "otter", UserID: []byte("u"), UserName: "u", PIN: pin})
	must(t, err)
	r.resetWindow(time.Nanosecond)
	wantErr(t, "reset out of its window", d.Reset(bg), fido.ErrNotAllowed)
	d.Close()
	r.replug()
	r.resetWindow(time.Minute)
	d = r.open(t)
	must(t, d.Reset(bg))
	info, err := d.Info(bg)
	must(t, err)
	if info.HasPIN() {
		t.Error("the PIN survived the reset")
	}
	_, err = d.GetAssertion(bg, fido.AssertionOptions{RPID: "otter", Allow: [][]byte{c.ID}, NoPresence: true})
	wantErr(t, "a credential made before the reset", err, fido.ErrNoCredentials)
	d.Close()
	_, err = d.Info(bg)
	wantErr(t, "info after Close", err, fido.ErrInvalidArgument)
}

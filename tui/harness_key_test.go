package tui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/fido/fidofake"
	"github.com/otterauth/otter/fido/virtual"
	"github.com/otterauth/otter/vault"
)

// This file gives the harness security keys: virtual keys driven through
// the real libfido2 when this build has it (cgo), else fido/fidofake keys
// (OTTER_TEST_FIDO=fake picks those always), a fido2 slot credential for
// them, and background device commands for the flows that press esc while
// a key waits.

// keyPIN is the PIN the tests give their keys.
const keyPIN = "1234"

// useFake reports whether the harness plugs in fake keys.
func useFake() bool { return !fido.Supported() || os.Getenv("OTTER_TEST_FIDO") == "fake" }

// testKey is the test's hands on a key the harness plugged in.
type testKey struct {
	presence func(virtual.Presence)
	timeout  func(time.Duration)
	unplug   func()
}

func (k *testKey) SetPresence(p virtual.Presence)     { k.presence(p) }
func (k *testKey) SetPresenceTimeout(d time.Duration) { k.timeout(d) }

// plugKey plugs in a fresh key (state file name in the test's directory)
// that only this harness lists, and returns it and its path. Fake keys
// describe themselves as the virtual ones do, so that views read the same.
func (h *harness) plugKey(name string) (*testKey, string) {
	h.t.Helper()
	state := filepath.Join(h.dir, name)
	var k *testKey
	if useFake() {
		k = h.plugFake(state)
	} else {
		a, err := fido.AddVirtual(state)
		if err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(func() { fido.RemoveVirtual(state) })
		k = &testKey{presence: a.SetPresence, timeout: a.SetPresenceTimeout, unplug: func() { fido.RemoveVirtual(state) }}
		h.backend = fido.LibFIDO2()
	}
	if h.plugged == nil {
		h.plugged = map[string]*testKey{}
	}
	h.plugged[name] = k
	h.keys = append(h.keys, "virtual:"+state)
	h.m.c.listKeys = h.listKeys
	h.m.c.backend = h.backend
	return k, "virtual:" + state
}

func (h *harness) plugFake(state string) *testKey {
	b, ok := h.backend.(*fidofake.Backend)
	if !ok {
		b = fidofake.New()
		h.backend = b
	}
	k := b.Add(fido.DeviceInfo{Path: "virtual:" + state, Product: "otter virtual key", Manufacturer: "otter", Virtual: true})
	k.SetAAGUID(virtualAAGUID)
	presence := func(p virtual.Presence) {
		switch p {
		case virtual.Deny:
			k.SetPresence(fidofake.Deny)
		case virtual.TimeOut:
			k.SetPresence(fidofake.TimeOut)
		default:
			k.SetPresence(fidofake.Approve)
		}
	}
	return &testKey{presence: presence, timeout: k.SetPresenceTimeout, unplug: k.Unplug}
}

// virtualAAGUID is the AAGUID of fido/virtual keys.
var virtualAAGUID, _ = hex.DecodeString(virtual.AAGUIDHex)

// unplug pulls out the key plugKey(name) plugged in.
func (h *harness) unplug(name string) { h.plugged[name].unplug() }

// listKeys lists the keys this harness plugged in and that are still in.
func (h *harness) listKeys() ([]fido.DeviceInfo, error) {
	if h.backend == nil {
		return nil, nil
	}
	all, err := h.backend.List()
	var out []fido.DeviceInfo
	for _, d := range all {
		if slices.Contains(h.keys, d.Path) {
			out = append(out, d)
		}
	}
	return out, err
}

// openKey opens the key at path for the test to prepare it.
func (h *harness) openKey(path string) fido.Device {
	h.t.Helper()
	d, err := h.backend.Open(context.Background(), path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { d.Close() })
	return d
}

// background makes device commands run in goroutines; await delivers
// their results.
func (h *harness) background() {
	h.pending = make(chan tea.Msg, 16)
	var running sync.WaitGroup
	h.m.c.device = func(cmd tea.Cmd) tea.Cmd {
		return func() tea.Msg {
			running.Go(func() { h.pending <- cmd() })
			return nil
		}
	}
	// Before the test's folder is removed: cancel what still waits for a
	// key, and let it end — an unlock records its attempt in the state
	// folder as it ends.
	h.t.Cleanup(func() {
		h.m.shutdown()
		done := make(chan struct{})
		go func() { running.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			h.t.Error("a key operation did not end within 20 s of the test")
		}
	})
}

// await delivers the result of the next device command to end.
func (h *harness) await() {
	h.t.Helper()
	select {
	case msg := <-h.pending:
		h.send(msg)
	case <-time.After(20 * time.Second):
		h.t.Fatalf("no key operation ended within 20 s:\n%s", h.screen())
	}
}

// slotCred is a fido2 slot credential for tests: cmd/otter's scheme in
// short (the hmac-secret of a non-resident credential for rp "otter",
// with the slot salt), holding a PIN or not. Like cmd/otter's TUI
// credential, it answers a slot enrolled with the PIN, when it has none,
// with a plain error that names the PIN.
type slotCred struct {
	h   *harness
	ctx context.Context
	pin []byte
}

func (c *slotCred) SlotType() vault.SlotType { return vault.SlotFIDO2 }

func (c *slotCred) Enrol(vaultID string, s *vault.Slot) ([]byte, error) {
	devs, _ := c.h.listKeys()
	if len(devs) == 0 {
		return nil, errNoKey
	}
	d := c.h.openKey(devs[len(devs)-1].Path) // the key plugged in last
	cred, err := d.MakeCredential(c.ctx, fido.CredentialOptions{RPID: "otter", UserID: []byte(vaultID),
		UserName: "vault", HMACSecret: true, PIN: c.pin})
	if err != nil {
		return nil, err
	}
	s.CredentialID, s.RPID, s.PIN = cred.ID, "otter", c.pin != nil
	return c.kek(d, s)
}

func (c *slotCred) Derive(_ string, s *vault.Slot) ([]byte, error) {
	defer clear(c.pin)
	d, err := c.holder(s.CredentialID)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if s.PIN && c.pin == nil {
		return nil, fmt.Errorf("this fido2 slot was enrolled with the key's PIN, so unlocking needs it too: %w", fido.ErrPinRequired)
	}
	return c.kek(d, s)
}

// holder is the plugged-in key that holds credential id (a silent probe).
func (c *slotCred) holder(id []byte) (fido.Device, error) {
	devs, err := c.h.listKeys()
	if err != nil {
		return nil, err
	}
	for _, di := range devs {
		d, err := c.h.backend.Open(c.ctx, di.Path)
		if err != nil {
			return nil, err
		}
		_, err = d.GetAssertion(c.ctx, fido.AssertionOptions{RPID: "otter", Allow: [][]byte{id}, NoPresence: true})
		if err == nil {
			return d, nil
		}
		d.Close()
		if !errors.Is(err, fido.ErrNoCredentials) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no plugged-in key holds the slot's credential: %w", fido.ErrNoCredentials)
}

func (c *slotCred) kek(d fido.Device, s *vault.Slot) ([]byte, error) {
	pin := c.pin
	if !s.PIN {
		pin = nil
	}
	as, err := d.GetAssertion(c.ctx, fido.AssertionOptions{RPID: "otter", Allow: [][]byte{s.CredentialID},
		HMACSalt: s.Salt, PIN: pin})
	if err != nil {
		return nil, err
	}
	defer fido.Wipe(as)
	sum := sha256.Sum256(as[0].HMACSecret)
	return sum[:], nil
}

// seedKeyVault creates a vault that a recovery key and the key plugged in
// last open (with keyPIN when withPIN), holding accounts, and wires the
// unlock seam to slotCred.
func (h *harness) seedKeyVault(withPIN bool, accounts ...vault.Account) {
	h.t.Helper()
	key, _, err := vault.NewRecoveryKey(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	enrol := &slotCred{h: h, ctx: context.Background()}
	if withPIN {
		enrol.pin = []byte(keyPIN)
	}
	v, err := vault.Create(h.cfg.VaultPath, h.cfg.Options, vault.RecoveryKey{Key: key}, enrol)
	if err != nil {
		h.t.Fatal(err)
	}
	defer v.Close()
	err = v.Update(func(d *vault.Data) error {
		for _, a := range accounts {
			d.AddAccount(a, t0.Add(-24*time.Hour))
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.m.cfg.FIDOWithPIN = func(ctx context.Context, pin []byte) (vault.Credential, error) {
		return &slotCred{h: h, ctx: ctx, pin: pin}, nil
	}
}

package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/fido/virtual"
)

// The golden views of the security-key screens. They drive virtual keys
// through libfido2, so they skip in builds without it.

// keyWithCreds plugs in a key with keyPIN and two resident credentials.
func keyWithCreds(h *harness) {
	_, path := h.plugKey("key.state")
	d := h.openKey(path)
	bg := context.Background()
	if err := d.SetPIN(bg, []byte(keyPIN)); err != nil {
		h.t.Fatal(err)
	}
	for _, c := range []struct{ rp, user, name string }{
		{"example.org", "alice", "Alice Example"}, {"github.com", "bob-the-builder", "Bob"}} {
		_, err := d.MakeCredential(bg, fido.CredentialOptions{RPID: c.rp, UserID: []byte(c.user), UserName: c.user,
			DisplayName: c.name, Resident: true, PIN: []byte(keyPIN)})
		if err != nil {
			h.t.Fatal(err)
		}
	}
}

// sampleWithKeys is the sample vault with an inventory, a key plugged in
// and the keys screen open.
func sampleWithKeys(h *harness) {
	h.seed(true, sample()...)
	h.seedInventory()
	h.plugKey("key.state")
	h.start()
	h.press("K")
}

// onKey opens the screen of the key plugged in.
func onKey(h *harness) {
	h.seed(true)
	h.start()
	h.press("K", "enter")
}

// waitForTouch makes the key wait for a touch that never comes.
func waitForTouch(h *harness, a *testKey) {
	a.SetPresence(virtual.TimeOut)
	a.SetPresenceTimeout(time.Minute)
	h.background()
}

var keyGoldens = []struct {
	name  string
	setup func(h *harness)
}{
	{"unlock_key", func(h *harness) { h.plugKey("key.state"); h.seedKeyVault(false); h.start() }},
	{"unlock_key_touch", func(h *harness) {
		a, _ := h.plugKey("key.state")
		h.seedKeyVault(false)
		waitForTouch(h, a)
		h.start()
		h.press("enter")
	}},
	{"unlock_key_pin", func(h *harness) {
		_, path := h.plugKey("key.state")
		if err := h.openKey(path).SetPIN(context.Background(), []byte(keyPIN)); err != nil {
			h.t.Fatal(err)
		}
		h.seedKeyVault(true)
		h.start()
		h.press("enter")
		h.typeText("9999")
		h.press("enter")
	}},
	{"keys", sampleWithKeys},
	{"keys_registered", func(h *harness) { sampleWithKeys(h); h.press("down") }},
	{"keys_lost_confirm", func(h *harness) { sampleWithKeys(h); h.press("down", "L") }},
	{"keys_lost", func(h *harness) { sampleWithKeys(h); h.press("down", "L", "y") }},
	{"key_info", func(h *harness) { h.plugKey("key.state"); onKey(h) }},
	{"key_pin", func(h *harness) { keyWithCreds(h); onKey(h); h.press("p"); h.typeText("0000") }},
	{"key_register", func(h *harness) { h.plugKey("key.state"); onKey(h); h.press("r"); h.typeText("desk key") }},
	{"key_register_touch", func(h *harness) {
		a, _ := h.plugKey("key.state")
		onKey(h)
		h.press("r")
		h.typeText("desk key")
		waitForTouch(h, a)
		h.press("enter")
	}},
	{"key_creds_pin", func(h *harness) { keyWithCreds(h); onKey(h); h.press("c"); h.typeText("12") }},
	{"key_creds", func(h *harness) {
		keyWithCreds(h)
		onKey(h)
		h.press("c")
		h.typeText(keyPIN)
		h.press("enter")
	}},
	{"key_creds_delete", func(h *harness) {
		keyWithCreds(h)
		onKey(h)
		h.press("c")
		h.typeText(keyPIN)
		h.press("enter", "down", "x")
	}},
}

func TestGoldenKeys(t *testing.T) {
	for _, g := range keyGoldens {
		t.Run(g.name, func(t *testing.T) {
			var b strings.Builder
			for _, sz := range sizes {
				h := newHarness(t, sz[0], sz[1])
				g.setup(h)
				head := fmt.Sprintf("── %d×%d ", sz[0], sz[1])
				b.WriteString(head + strings.Repeat("─", sz[0]-len([]rune(head))) + "\n")
				b.WriteString(h.screen() + "\n")
			}
			compareGolden(t, g.name, b.String())
		})
	}
}

func TestKeyViewsFitTheTerminal(t *testing.T) {
	for _, g := range keyGoldens {
		for _, sz := range [][2]int{{57, 15}, {20, 6}} {
			h := newHarness(t, sz[0], sz[1])
			g.setup(h)
			lines := strings.Split(h.screen(), "\n")
			if len(lines) > sz[1] {
				t.Errorf("%s at %v: %d lines", g.name, sz, len(lines))
			}
			for _, l := range lines {
				if w := cellWidth(l); w > sz[0] {
					t.Errorf("%s at %v: line of %d cells: %q", g.name, sz, w, l)
				}
			}
		}
	}
}

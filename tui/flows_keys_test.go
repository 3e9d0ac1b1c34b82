package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/fido/virtual"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/vault"
)

var ghAccount = vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}

func TestUnlockWithKey(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.plugKey("key.state")
	h.seedKeyVault(false, ghAccount)
	h.start()
	h.see("Unlock with your security key: press enter, then touch it.", "enter unlock", "tab recovery key")
	h.press("enter")
	h.see("Codes (1)", "GitHub alice", group(totp(githubSecret, h.now)))
	h.notSee("failed unlock")
}

func TestUnlockWithKeyWrongThenRightPIN(t *testing.T) {
	h := newHarness(t, 80, 24)
	_, path := h.plugKey("key.state")
	if err := h.openKey(path).SetPIN(context.Background(), []byte(keyPIN)); err != nil {
		t.Fatal(err)
	}
	h.seedKeyVault(true, ghAccount)
	h.start()
	h.press("enter") // the slot needs the PIN: it is asked before the touch
	h.see("Key PIN", "esc back")
	h.typeText("9999")
	h.notSee("9999")
	h.press("enter")
	h.see("Wrong PIN: 7 attempts left before the key blocks its PIN. 1 failed attempt.", "Key PIN")
	h.typeText("12") // too short: refused before the key is asked
	h.press("enter")
	h.see("A PIN has at least 4 characters.")
	h.press("backspace", "backspace")
	h.typeText(keyPIN)
	h.press("enter")
	h.see("Codes (1)", "1 failed unlock attempt since your last unlock")
	if n, err := h.openKey(path).PINRetries(context.Background()); err != nil || n != 8 {
		t.Fatalf("PIN retries %d, %v; want 8 after the right PIN", n, err)
	}
}

// TestUnlockAsksPINWhenTheKeySaysSo has two fido2 slots, one enrolled
// with the PIN (key A) and one without (key B, now unplugged): the first
// try goes without a PIN, and the credential's complaint brings the PIN
// field up.
func TestUnlockAsksPINWhenTheKeySaysSo(t *testing.T) {
	h := newHarness(t, 80, 24)
	_, pathA := h.plugKey("a.state")
	if err := h.openKey(pathA).SetPIN(context.Background(), []byte(keyPIN)); err != nil {
		t.Fatal(err)
	}
	h.seedKeyVault(true, ghAccount)
	h.plugKey("b.state")
	pass := h.reopen(&slotCred{h: h, ctx: context.Background(), pin: []byte(keyPIN)})
	if _, err := pass.AddSlot(&slotCred{h: h, ctx: context.Background()}, "key b"); err != nil {
		t.Fatal(err)
	}
	pass.Close()
	h.unplug("b.state")
	h.start()
	h.press("enter")
	h.see("Your security key needs its PIN to unlock this vault.", "Key PIN")
	h.typeText(keyPIN)
	h.press("enter")
	h.see("Codes (1)")
}

func TestKeyUnlockEscCancelsTheTouch(t *testing.T) {
	h := newHarness(t, 80, 24)
	a, _ := h.plugKey("key.state")
	h.seedKeyVault(false, ghAccount)
	a.SetPresence(virtual.TimeOut)
	a.SetPresenceTimeout(time.Minute)
	h.background()
	h.start()
	h.press("enter")
	h.see("Touch your security key… (esc cancels)", "esc cancel")
	h.press("esc")
	h.see("Cancelling…")
	h.await()
	h.see("Cancelled.", "Unlock with your security key")
	h.notSee("✗")
	h.notSee("failed attempt", "Codes")

	a.SetPresence(virtual.Deny) // a refused touch
	h.press("enter")
	h.await()
	h.see("The key refused: presence was denied.")

	a.SetPresence(virtual.TimeOut) // nobody touches it
	a.SetPresenceTimeout(100 * time.Millisecond)
	h.press("enter")
	h.await()
	h.see("The key was not touched in time.")

	a.SetPresence(virtual.Approve)
	h.press("enter")
	h.await()
	h.see("Codes (1)")
	h.notSee("failed unlock") // none of that counted as a failed attempt
}

func TestKeyUnlockWithoutKeyOrRemoved(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.plugKey("key.state")
	h.seedKeyVault(false)
	h.unplug("key.state")
	h.start()
	h.press("enter")
	h.see("No security key is plugged in. Plug it in and try again.")
	h.press("tab")
	h.see("Recovery key")
}

func TestKeyUnlockLockedOut(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.plugKey("key.state")
	h.seedKeyVault(false)
	l, err := vault.Load(h.cfg.VaultPath, h.cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	tr := lockout.Open(h.cfg.LockoutDir, l.VaultID(), func() time.Time { return h.now })
	for range 10 {
		tr.Fail("password")
	}
	h.start()
	h.press("enter")
	h.see("Too many failed unlock attempts: locked until")
}

// openDevice goes from the codes list to the screen of the only key.
func openDevice(h *harness) {
	h.t.Helper()
	h.press("K")
	h.see("Security keys", "Plugged in", "otter virtual key", "virtual")
	h.press("enter")
	h.see("AAGUID", "6f747465-722d-7669-7274-75616c2d3031", "hmac-secret")
}

func TestSetAndChangeKeyPIN(t *testing.T) {
	h := newHarness(t, 80, 24)
	_, path := h.plugKey("key.state")
	h.seed(true)
	h.start()
	openDevice(h)
	h.see("PIN        not set", "p set PIN")
	h.press("p")
	h.see("Set the key's PIN: 4 to 63 characters.", "New PIN", "Repeat")
	h.typeText("12")
	h.press("enter")
	h.typeText("12")
	h.press("enter")
	h.see("A PIN has at least 4 characters.")
	h.press("backspace", "backspace") // the focus is back on the new PIN
	h.typeText("4321")
	h.press("tab", "backspace", "backspace")
	h.typeText("4322")
	h.press("enter")
	h.see("The two new PINs differ.")
	h.press("backspace")
	h.typeText("1")
	h.notSee("4321")
	h.press("enter")
	h.see("✓ PIN set.", "PIN        set, 8 attempts left", "p change PIN")

	h.press("p")
	h.see("Change the key's PIN", "Current")
	h.typeText("0000")
	h.press("tab")
	h.typeText(keyPIN)
	h.press("tab")
	h.typeText(keyPIN)
	h.press("enter")
	h.see("Wrong PIN: 7 attempts left before the key blocks its PIN.")
	h.typeText("4321") // the current PIN field was emptied and has the focus
	h.press("enter")
	h.see("✓ PIN changed.", "PIN        set, 8 attempts left")
	if _, err := h.openKey(path).CredentialsMetadata(context.Background(), []byte(keyPIN)); err != nil {
		t.Fatalf("the new PIN does not work: %v", err)
	}
}

func TestListAndDeleteResidentCredential(t *testing.T) {
	h := newHarness(t, 80, 24)
	_, path := h.plugKey("key.state")
	d := h.openKey(path)
	bg := context.Background()
	if err := d.SetPIN(bg, []byte(keyPIN)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ rp, user string }{{"example.org", "alice"}, {"github.com", "bob"}} {
		_, err := d.MakeCredential(bg, fido.CredentialOptions{RPID: c.rp, UserID: []byte(c.user), UserName: c.user,
			Resident: true, PIN: []byte(keyPIN)})
		if err != nil {
			t.Fatal(err)
		}
	}
	h.seed(true)
	h.start()
	openDevice(h)
	h.press("c")
	h.see("Resident credentials", "needs the key's PIN", "Key PIN")
	h.typeText("0000")
	h.press("enter")
	h.see("Wrong PIN: 7 attempts left")
	h.typeText(keyPIN)
	h.press("enter")
	h.see("2 resident credentials, room for 23 more.", "example.org  alice", "github.com   bob")
	h.press("x")
	h.see("Delete the credential of alice on example.org?", "y yes, delete")
	h.press("n")
	h.notSee("Delete the credential")
	h.press("x", "y")
	h.see("✓ Deleted the credential of alice on example.org.", "1 resident credential, room for 24 more.", "github.com")
	h.notSee("example.org  alice")
	md, err := d.CredentialsMetadata(bg, []byte(keyPIN))
	if err != nil || md.Existing != 1 {
		t.Fatalf("metadata %+v, %v; want 1 credential left", md, err)
	}
	h.press("esc")
	h.see("AAGUID")
	if s := h.m.stack[len(h.m.stack)-1]; s.Title() != "Security key" {
		t.Fatalf("esc led to %q", s.Title())
	}
}

func TestRegisterKey(t *testing.T) {
	h := newHarness(t, 80, 24)
	a, _ := h.plugKey("key.state")
	h.seed(true)
	h.start()
	h.press("K")
	h.see("None yet: select a key plugged in and press r.")
	h.press("r")
	h.see("Name the key for the vault's inventory", "Name")
	h.typeText("desk key")
	a.SetPresence(virtual.Deny)
	h.press("enter")
	h.see("The key refused: presence was denied.", "Name      desk key")
	a.SetPresence(virtual.Approve)
	h.press("enter")
	h.see("Registered “desk key”", "Registered “desk key” in the vault's key inventory.")
	h.press("esc")
	h.see("Registered in this vault", "desk key")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	keys := v.Data().Keys
	if len(keys) != 1 || keys[0].Nickname != "desk key" || keys[0].Product != "otter virtual key (virtual)" ||
		keys[0].AAGUID != "6f747465-722d-7669-7274-75616c2d3031" || !keys[0].Added.Equal(h.now) {
		t.Fatalf("inventory %+v", keys)
	}
}

// seedInventory gives the vault a registered key on GitHub's account and a
// key already lost. The registered key's unlock slot is the vault's last
// slot (the keyring's, when seeded with it: a stand-in for a fido2 slot).
func (h *harness) seedInventory() {
	h.t.Helper()
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	slots := v.Slots()
	slotID := slots[len(slots)-1].ID
	err := v.Update(func(d *vault.Data) error {
		var ids []string
		for _, a := range d.Live() {
			if a.Issuer == "GitHub" || a.Issuer == "Google" {
				ids = append(ids, a.ID)
			}
		}
		added := t0.Add(-90 * 24 * time.Hour)
		d.Keys = append(d.Keys,
			vault.HardwareKey{ID: "k1", Nickname: "work key", Product: "YubiKey 5 NFC", Added: added, Accounts: ids, SlotID: slotID},
			vault.HardwareKey{ID: "k2", Nickname: "old key", Product: "Security Key NFC", Added: added.Add(-400 * 24 * time.Hour), Lost: true})
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func TestMarkKeyLost(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, sample()...)
	h.seedInventory()
	h.start()
	h.press("K")
	h.see("work key", "old key", "lost", "Accounts   GitHub:alice@example.com, Google:bob@gmail.com", "L mark lost")
	h.press("down")
	h.see("Security Key NFC")
	h.notSee("L mark lost") // already lost
	h.press("up", "L")
	h.see("Mark “work key” as lost?")
	h.press("n")
	h.press("L", "y")
	h.see("Marked “work key” lost.", "no longer unlocks this vault.", "It was registered on", "GitHub:alice@example.com,", "Google:bob@gmail.com:")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	if n := len(v.Slots()); n != 2 {
		t.Fatalf("%d slots after marking the key lost, want 2: its slot must go", n)
	}
	d := v.Data()
	if !d.Keys[0].Lost || d.Keys[0].SlotID != "" || d.Audit[len(d.Audit)-1].Kind != "key.lost" {
		t.Fatalf("key %+v, last audit %+v", d.Keys[0], d.Audit[len(d.Audit)-1])
	}
}

func TestLockWipesKeyScreens(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.plugKey("key.state")
	h.seed(true)
	h.start()
	openDevice(h)
	h.press("p")
	h.typeText("5678")
	cs := h.m.stack[len(h.m.stack)-1].(*deviceScreen)
	h.press("ctrl+l")
	h.see("Unlock the vault")
	for _, f := range cs.fields {
		if !f.Empty() || strings.ContainsRune(string(f.value[:cap(f.value)]), '5') {
			t.Fatal("a typed PIN survived the lock")
		}
	}
}

// A security-key unlock calls Config.AfterUnlock too, with no secret: the
// key's answer stays with the credential (cmd/otter hands it on).
func TestUnlockWithKeyCallsAfterUnlock(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.plugKey("key.state")
	h.seedKeyVault(false, ghAccount)
	var hows []UnlockMethod
	h.m.cfg.AfterUnlock = func(how UnlockMethod, secret []byte) string {
		if secret != nil {
			t.Errorf("AfterUnlock after a key unlock got a secret (%d bytes)", len(secret))
		}
		hows = append(hows, how)
		return "Started an agent."
	}
	h.start()
	h.press("enter")
	h.see("Codes (1)", "Started an agent.")
	if len(hows) != 1 || hows[0] != UnlockFIDO2 {
		t.Errorf("AfterUnlock calls: %v, want one UnlockFIDO2", hows)
	}
}

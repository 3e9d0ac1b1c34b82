package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/clipboard"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

const githubURI = "otpauth://totp/GitHub:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub"

var githubSecret, _ = otp.DecodeSecret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")

func totp(secret []byte, t time.Time) string { return otp.TOTP(secret, t, 30, 6, otp.SHA1) }

// onboard walks the onboarding screens with the default choices and
// returns the recovery key shown.
func onboard(h *harness) string {
	h.t.Helper()
	h.start()
	h.see("Welcome! There is no vault yet.", "[x] the OS keyring", "[ ] a password", "[x] a recovery key")
	h.press("enter")
	h.see("Your recovery key", "No support team will ever ask you for it.")
	key := recoveryKeyOnScreen(h)
	h.press("enter")
	h.see("Type the last group")
	h.typeText("XXXX")
	h.press("enter")
	h.see("That is not the last group.")
	h.press("backspace", "backspace", "backspace", "backspace")
	h.typeText(strings.ToLower(lastGroup(key)))
	h.press("enter")
	h.see("Codes (0)", "No accounts yet.", "Vault created.")
	return key
}

// recoveryKeyOnScreen reads the key off the screen, as a person would.
func recoveryKeyOnScreen(h *harness) string {
	var groups []string
	for _, l := range strings.Split(h.screen(), "\n") {
		l = strings.TrimSpace(l)
		if len(l) >= 19 && strings.Count(l, "-") >= 3 && !strings.Contains(l, " ") {
			groups = append(groups, l)
		}
	}
	if len(groups) == 0 {
		h.t.Fatalf("no recovery key on screen:\n%s", h.screen())
	}
	return strings.Join(groups, "-")
}

func TestOnboardAddCopy(t *testing.T) {
	h := newHarness(t, 80, 24)
	key := onboard(h)

	h.press("a")
	h.see("Add account", "URI")
	h.paste(githubURI)
	h.see("Preview "+group(totp(githubSecret, h.now)), "Issuer     GitHub", "alice@example.com")
	h.notSee("GEZDGNBV") // the secret stays masked
	h.press("enter")
	h.see("Codes (1)", "GitHub alice@example.com", group(totp(githubSecret, h.now)), "Added GitHub")

	h.press("enter")
	h.see("✓ copied — clears in 20 s")
	if got, want := h.clip.value, totp(githubSecret, h.now); got != want {
		t.Fatalf("clipboard holds %q, want %q", got, want)
	}

	// The vault on disk opens with the recovery key shown and the keyring.
	rk, err := vault.ParseRecoveryKey([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	v := h.reopen(vault.RecoveryKey{Key: rk})
	accs := v.Data().Live()
	if len(accs) != 1 || accs[0].Issuer != "GitHub" {
		t.Fatalf("vault holds %v", accs)
	}
	// The copy is counted in this device's state, not in the vault.
	if use := vaultops.New(v, h.cfg.LockoutDir, nil).Usage()[accs[0].ID]; use.Count != 1 || !use.Last.Equal(h.now) || accs[0].UseCount != 0 {
		t.Fatalf("local usage %+v, vault's count %d; want one use, none in the vault", use, accs[0].UseCount)
	}
	h.reopen(vault.Keyring{Store: h.store})
	if slots := v.Slots(); len(slots) != 2 {
		t.Fatalf("want recovery + keyring slots, got %v", slots)
	}
}

func TestOnboardPasswordWhenNoKeyring(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.store.down = true
	h.start()
	h.see("the OS keyring: none answered", "[x] a password (needed)")
	h.press("enter")
	h.typeText("short")
	h.see("The password must be at least 10 characters long")
	h.press("backspace", "backspace", "backspace", "backspace", "backspace")
	h.typeText(testPass)
	h.see("✓ Meets the policy.", "Strength")
	h.press("enter")
	h.typeText(testPass + "x")
	h.press("enter")
	h.see("The two passwords differ.")
	h.press("backspace", "enter")
	key := recoveryKeyOnScreen(h)
	h.press("enter")
	h.typeText(lastGroup(key))
	h.press("enter")
	h.see("Codes (0)")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	if s := v.Slots(); len(s) != 2 || s[0].Type != vault.SlotRecovery || s[1].Type != vault.SlotPassword {
		t.Fatalf("slots %v", s)
	}
}

func TestWrongThenRightPassword(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(false, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	h.see("Unlock the vault", "Password", "tab recovery key")
	h.typeText("not-the-password")
	h.notSee("not-the-password")
	h.press("enter")
	h.see("Wrong password. 1 failed attempt.")
	h.typeText("still-wrong")
	h.press("enter")
	h.see("Wrong password. 2 failed attempts.")
	h.typeText(testPass)
	h.press("enter")
	h.see("Codes (1)", "GitHub alice", group(totp(githubSecret, h.now)),
		"2 failed unlock attempts since your last unlock")
	// The failures were counted by the lockout record and cleared by the
	// successful unlock: a second session reports none.
	h.press("ctrl+l")
	h.see("Unlock the vault", "Locked.")
	h.typeText(testPass)
	h.press("enter")
	h.notSee("failed unlock")
}

func TestUnlockWithRecoveryKey(t *testing.T) {
	h := newHarness(t, 80, 24)
	key := h.seed(false)
	h.start()
	h.press("tab")
	h.see("Recovery key", "tab password")
	h.typeText("not a key")
	h.press("enter")
	h.see("That is not a recovery key")
	for range len("not a key") {
		h.press("backspace")
	}
	_, display, _ := vault.NewRecoveryKey(strings.NewReader(string(key)))
	h.typeText(strings.ToLower(display))
	h.press("enter")
	h.see("Codes (0)", "Unlocked with the recovery key")
}

func TestSilentKeyringUnlockAndFallback(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true)
	h.start()
	h.see("Codes (0)") // no prompt at all

	h2 := newHarness(t, 80, 24)
	h2.seed(true)
	h2.store.m = map[string][]byte{} // the keyring lost its entry
	h2.start()
	h2.see("Password", "The keyring has no otter entry for this vault")
}

func TestRecoveryCodeUse(t *testing.T) {
	h := newHarness(t, 80, 24)
	key := h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.addRecovery("GitHub", "ab12-cd34", "ef56-gh78", "jk90-lm12")
	h.start()
	h.press("r")
	h.see("Recovery codes", "3 of 3 left", "••••••••")
	h.notSee("ab12-cd34", supportReminder)
	h.press("u")
	h.see("ab12-cd34", supportReminder, "⚠ 2 of 3 left", "✓ copied — clears in 20 s")
	if h.clip.value != "ab12-cd34" {
		t.Fatalf("clipboard holds %q", h.clip.value)
	}
	h.press("down", "v")
	h.see("ef56-gh78")
	h.notSee("ab12-cd34") // one code at a time

	h.press("a")
	h.paste("1. zz11-yy22\n2. xx33-ww44\n3. ab12-cd34\n")
	h.press("enter")
	h.see("3 recovery codes read from what you pasted:", "first zz11-yy22", "last  ab12-cd34",
		"▸ add them to the 3 codes it has (2 unused)", "enter save")
	h.press("enter")
	h.see("Added 2 recovery codes (1 already there).", "4 of 5 left")

	v := h.reopen(vault.RecoveryKey{Key: key})
	set := v.Data().RecoveryFor(v.Data().Live()[0].ID)
	if set == nil || len(set.Codes) != 5 || set.Codes[0].UsedAt.IsZero() || !set.Codes[1].UsedAt.IsZero() {
		t.Fatalf("recovery set %+v", set)
	}
	kinds := map[string]int{}
	for _, e := range v.Data().Audit {
		kinds[e.Kind]++
	}
	if kinds["recovery.use"] != 1 || kinds["recovery.reveal"] != 1 {
		t.Fatalf("audit %v", kinds)
	}
}

// A block copied from a site, with its header lines and Google's
// "1234 5678", is previewed as the codes it holds; esc goes back to the
// paste, and the preview can replace the codes the account had.
func TestRecoveryPastePreviewAndReplace(t *testing.T) {
	h := newHarness(t, 80, 24)
	key := h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.addRecovery("GitHub", "ab12-cd34", "ef56-gh78")
	h.start()
	h.press("r", "a")
	h.paste("Example Bank backup codes\nKeep these safe!\n1234 5678\n2345 6789\n")
	h.press("enter")
	h.see("2 recovery codes read from what you pasted:", "first 1234 5678", "last  2345 6789", supportReminder,
		"▸ add them to the 2 codes it has (2 unused)", "replace those", "←/→ add/replace")
	h.notSee("Example")
	h.press("esc")
	h.see("Paste the codes", "enter preview")
	h.press("enter", "right")
	h.see("▸ replace those: the site generated a new batch")
	h.press("enter")
	h.see("Replaced the recovery codes: 2 new.", "2 of 2 left")

	v := h.reopen(vault.RecoveryKey{Key: key})
	set := v.Data().RecoveryFor(v.Data().Live()[0].ID)
	if set == nil || len(set.Codes) != 2 || set.Codes[0].Code != "1234 5678" || set.Codes[1].Code != "2345 6789" {
		t.Fatalf("recovery set after replace: %+v", set)
	}
}

// An account without codes opens on the paste; its preview has nothing to
// replace, and prose alone is refused with the catalogue's words.
func TestRecoveryPreviewFirstCodes(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	h.press("r")
	h.paste("Keep these safe!\n")
	h.press("enter")
	h.see("No recovery codes found")
	h.paste("\n0f3a9-b27c4\n")
	h.press("enter")
	h.see("1 recovery code read from what you pasted:", "first 0f3a9-b27c4")
	h.notSee("last ", "replace those", "add/replace")
	h.press("right", "enter")
	h.see("Added 1 recovery codes.", "1 of 1 left")
}

func TestHOTPCounterPersistedBeforeCode(t *testing.T) {
	h := newHarness(t, 80, 24)
	secret := []byte("12345678901234567890")
	h.seed(true, vault.Account{Issuer: "Bank", Name: "me", Secret: secret, Type: "hotp", Algorithm: "SHA1", Digits: 6, Counter: 3})
	h.start()
	h.see("••• •••", "enter: code")
	h.notSee(group(otp.HOTP(secret, 3, 6, otp.SHA1)))
	h.press("enter")
	// The counter shown is the code's own, as otter code --json says.
	h.see(group(otp.HOTP(secret, 3, 6, otp.SHA1)), "counter 3", "copied")
	h.notSee("counter 4")
	h.press("right")
	h.see("counter 3 · next code: counter 4")
	h.press("esc")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	if c := v.Data().Live()[0].Counter; c != 4 {
		t.Fatalf("counter on disk %d, want 4", c)
	}
	h.press("enter")
	h.see(group(otp.HOTP(secret, 4, 6, otp.SHA1)), "counter 4")
	h.tick(hotpShown)
	h.see("••• •••")
}

func TestClipboardClearedOnlyIfStillOurs(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	h.press("enter")
	h.now = h.now.Add(20 * time.Second)
	if n := h.fire(func(m tea.Msg) bool { _, ok := m.(clipDueMsg); return ok }); n != 1 {
		t.Fatalf("%d clearing timers", n)
	}
	if h.clip.cleared != 1 || h.clip.value != "" {
		t.Fatalf("clipboard not cleared: %+v", h.clip)
	}
	h.see("Clipboard cleared.")

	h.press("enter")
	h.clip.value = "something the user copied since"
	h.fire(func(m tea.Msg) bool { _, ok := m.(clipDueMsg); return ok })
	if h.clip.cleared != 1 || h.clip.value != "something the user copied since" {
		t.Fatalf("the user's own clipboard was cleared: %+v", h.clip)
	}
}

func TestOSC52Clipboard(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.m.clip.backend = nil // no system clipboard: OSC 52 through Bubble Tea
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	h.press("enter")
	if len(h.osc52) != 1 || h.osc52[0] != totp(githubSecret, h.now) {
		t.Fatalf("OSC 52 writes %q", h.osc52)
	}
	h.fire(func(m tea.Msg) bool { _, ok := m.(clipDueMsg); return ok })
	h.send(tea.ClipboardMsg{Content: "the user's"}) // the terminal answers the read
	if len(h.osc52) != 1 {
		t.Fatalf("cleared a clipboard that no longer held our code: %q", h.osc52)
	}
	h.press("enter")
	h.fire(func(m tea.Msg) bool { _, ok := m.(clipDueMsg); return ok })
	h.fire(func(m tea.Msg) bool { _, ok := m.(clipAnswerTimeoutMsg); return ok }) // no answer
	if got := h.osc52[len(h.osc52)-1]; got != "" {
		t.Fatalf("OSC 52 writes %q: no empty write last", h.osc52)
	}
	if got := tmuxHolds(h.osc52); got != clipboard.OSC52Placeholder {
		t.Fatalf("tmux still holds %q", got)
	}
}

// tmuxHolds is what tmux (set-clipboard on) keeps of OSC 52 writes: the
// newest non-empty one, as it ignores empty writes.
func tmuxHolds(writes []string) string {
	held := ""
	for _, w := range writes {
		if w != "" {
			held = w
		}
	}
	return held
}

func TestOSC52ClipboardClearedInTmux(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.m.clip.backend = nil
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	h.press("enter")
	h.fire(func(m tea.Msg) bool { _, ok := m.(clipDueMsg); return ok })
	// tmux answers "52;;DATA", which Bubble Tea reports with no content.
	h.send(tea.ClipboardMsg{})
	if got := tmuxHolds(h.osc52); got == totp(githubSecret, h.now) {
		t.Fatalf("tmux still holds the code; OSC 52 writes %q", h.osc52)
	}
	h.see("Clipboard cleared.")
}

func TestAutoLockWipesAndReturnsToUnlock(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	v := h.m.sess.v
	h.tick(4*time.Minute + 40*time.Second)
	h.see("Locking in 20 s")
	h.press("down") // any key keeps it open
	h.tick(4 * time.Minute)
	h.see("GitHub")
	h.tick(time.Minute + time.Second)
	h.see("Unlock the vault", "Locked after 5 min without input.", "Press enter to unlock with the OS keyring.")
	h.notSee("GitHub", totp(githubSecret, h.now))
	if v.Data() != nil || h.m.sess != nil || h.m.stack != nil {
		t.Fatal("keys or data survived the lock")
	}
	h.press("enter")
	h.see("GitHub")
}

func TestOtherProcessChangesAppear(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true)
	h.start()
	h.see("Codes (0)")
	other := h.reopen(vault.Password{Secret: []byte(testPass)})
	err := other.Update(func(d *vault.Data) error {
		d.AddAccount(vault.Account{Issuer: "Added", Name: "elsewhere", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}, h.now)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.tick(time.Second)
	h.notSee("elsewhere") // polled every 2 s
	h.tick(time.Second)
	h.see("Codes (1)", "Added elsewhere")
}

func TestQuitFromAnywhere(t *testing.T) {
	for _, keys := range [][]string{{}, {"a"}, {"/"}, {"?"}} {
		h := newHarness(t, 80, 24)
		h.seed(true)
		h.start()
		h.press(keys...)
		h.press("ctrl+c")
		if !h.quit {
			t.Fatalf("ctrl+c after %v did not quit", keys)
		}
	}
}

// TestUnlockIsAudited: a password unlock and the failure before it reach
// the vault's audit log with the session's first write (a pin here: a copy
// writes nothing to the vault).
func TestUnlockIsAudited(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(false, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	h.typeText("not-the-password")
	h.press("enter")
	h.see("Wrong password. 1 failed attempt.")
	h.typeText(testPass)
	h.press("enter")
	h.see("Codes (1)")
	h.press("p")
	h.see("Pinned")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	got := map[string]string{}
	for _, e := range v.Data().Audit {
		got[e.Kind] = e.Detail
	}
	if !strings.Contains(got["unlock"], "password") || !strings.Contains(got["unlock.failed"], "1 failed") {
		t.Fatalf("audit log after a TUI unlock: %v", got)
	}
}

// TestFailedCopyAfterASaveIsAWarning: a copy to the backup folder that
// fails after a save (Config.SaveWarning) is on the status line, and the
// save stands.
func TestFailedCopyAfterASaveIsAWarning(t *testing.T) {
	h := newHarness(t, 100, 24)
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	var failed error
	h.m.cfg.SaveWarning = func() error { err := failed; failed = nil; return err }
	opts := *h.m.cfg.Options
	unplugged := true
	opts.AfterSave = func(string, uint64, []byte) {
		if !unplugged {
			return
		}
		unplugged = false
		failed = errors.New("the vault was saved, but copying it to the backup folder /media/usb failed: no such file or directory")
	}
	h.m.cfg.Options = &opts
	h.start()
	h.see("Codes (1)")
	h.press("p")
	h.see("The vault was saved, but copying it to the backup folder")
	h.notSee("Pinned")
	if v := h.reopen(vault.Password{Secret: []byte(testPass), KDF: tinyKDF}); !v.Data().Accounts[0].Pinned {
		t.Error("the pin was not saved")
	}
	h.press("p")
	h.see("Unpinned")
	h.notSee("copying it")
}

// Config.AfterUnlock gets how the vault was unlocked and what was typed,
// which the TUI wipes once it returns; its line shows on the status bar.
// A keyring unlock passes no secret.
func TestAfterUnlock(t *testing.T) {
	type call struct {
		how    UnlockMethod
		typed  string
		secret []byte
	}
	var calls []call
	after := func(how UnlockMethod, secret []byte) string {
		calls = append(calls, call{how, string(secret), secret})
		return "Started an agent."
	}
	h := newHarness(t, 80, 24)
	key := h.seed(false)
	h.m.cfg.AfterUnlock = after
	h.start()
	h.typeText(testPass)
	h.press("enter")
	h.see("Codes (0)", "Started an agent.")
	h.press("ctrl+l")
	h.see("Unlock the vault")
	h.press("tab")
	_, display, _ := vault.NewRecoveryKey(strings.NewReader(string(key)))
	h.typeText(display)
	h.press("enter")
	h.see("Codes (0)", "Unlocked with the recovery key") // the warning wins the status bar

	h2 := newHarness(t, 80, 24)
	h2.seed(true)
	h2.m.cfg.AfterUnlock = after
	h2.start()
	h2.see("Codes (0)", "Started an agent.")

	want := []call{{how: UnlockPassword, typed: testPass}, {how: UnlockRecovery, typed: display}, {how: UnlockKeyring}}
	if len(calls) != len(want) {
		t.Fatalf("AfterUnlock called %d times, want %d", len(calls), len(want))
	}
	for i, c := range calls {
		if c.how != want[i].how || c.typed != want[i].typed {
			t.Errorf("call %d: %v %q, want %v %q", i, c.how, c.typed, want[i].how, want[i].typed)
		}
		if strings.Trim(string(c.secret), "\x00") != "" {
			t.Errorf("call %d: the secret was not wiped: %q", i, c.secret)
		}
	}
}

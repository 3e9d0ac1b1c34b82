package tui

import (
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

func totpAccount(issuer, name string) vault.Account {
	return vault.Account{Issuer: issuer, Name: name, Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}
}

func TestLockoutAfterTooManyFailures(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(false)
	h.start()
	for range 10 {
		h.typeText("wrong")
		h.press("enter")
	}
	h.see("Too many failed unlock attempts: locked until")
	h.typeText(testPass) // refused before any key derivation
	h.press("enter")
	h.see("Too many failed unlock attempts")
	h.notSee("Codes")
}

func TestPasteOnListOpensAdd(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true)
	h.start()
	h.paste(githubURI + "\n")
	h.see("Add account", "Preview "+group(totp(githubSecret, h.now)))
	h.press("enter")
	h.see("Codes (1)", "GitHub")
}

func TestMigrationAddsEveryAccount(t *testing.T) {
	keys := []*otp.Key{
		{Type: otp.TypeTOTP, Issuer: "One", Account: "a", Secret: githubSecret, Algorithm: otp.SHA1, Digits: 6, Period: 30},
		{Type: otp.TypeHOTP, Issuer: "Two", Account: "b", Secret: githubSecret, Algorithm: otp.SHA1, Digits: 6, Counter: 5},
	}
	uri, err := otp.EncodeMigration(keys, otp.Batch{Version: 1, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, 80, 24)
	h.seed(true, totpAccount("One", "a"))
	h.start()
	h.press("a")
	h.paste(uri)
	h.see("2 accounts in this export", "One:a", "Two:b")
	h.press("enter")
	h.see("Codes (2)", "Added Two:b (1 already there).")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	if got := v.Data().Find("two"); len(got) != 1 || got[0].Type != "hotp" || got[0].Counter != 5 {
		t.Fatalf("vault holds %v", got)
	}
}

func TestFormValidationAndSave(t *testing.T) {
	h := newHarness(t, 40, 12)
	h.seed(true)
	h.start()
	h.press("a", "tab")
	h.typeText("Example")
	h.press("tab", "tab")
	h.typeText("JBSWY3DPEHPK3PX1")
	h.see("✗ Secret: is not valid base32")
	h.press("backspace")
	h.typeText("P")
	h.see("Preview", "(secret")
	h.press("tab", "tab", "tab", "enter", "tab", "right", "right") // advanced: type steam
	h.see("‹ steam ›")
	h.send(keyMsg("ctrl+s"))
	h.see("Codes (1)", "Example")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	a := v.Data().Live()[0]
	if a.Type != "steam" || a.Digits != 5 || a.Issuer != "Example" {
		t.Fatalf("saved %v", a)
	}
}

func TestEditPinDelete(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, totpAccount("Alpha", "a"), totpAccount("Beta", "b"))
	h.start()
	h.see("▸   Alpha a")
	h.press("down", "p")
	h.see("▸ ★ Beta b", "Pinned Beta:b.") // pinned rows come first
	h.press("right", "e")
	h.see("Edit account", "Preview")
	h.press("ctrl+u")
	h.typeText("Gamma")
	h.press("tab", "tab", "tab")
	h.typeText("work, home")
	h.press("ctrl+s")
	h.see("Gamma", "★ pinned", "work, home", "Saved Gamma:b.")
	h.press("x")
	h.see("Delete Gamma:b? It and its recovery codes stay 30 days in the trash.")
	h.press("n")
	h.notSee("Delete Gamma")
	h.press("x", "y")
	h.see("Codes (1)", "Deleted Gamma:b.")
	h.notSee("Gamma b")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	if live := v.Data().Live(); len(live) != 1 || live[0].Issuer != "Alpha" {
		t.Fatalf("vault holds %v", live)
	}
}

// Undo after a delete: the account comes back from the trash, with its
// secret (its codes show again), and the undo key is gone from the help.
func TestDeleteThenUndo(t *testing.T) {
	h := newHarness(t, 100, 24)
	h.seed(true, totpAccount("Alpha", "a"), totpAccount("Beta", "b"))
	h.start()
	h.press("down", "right", "x", "y")
	h.see("Codes (1)", "Deleted Beta:b. Press u to undo", "u undo delete")
	h.press("u")
	h.see("Codes (2)", "Restored Beta:b from the trash.", "Beta b")
	h.notSee("u undo delete")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	d := v.Data()
	if live := d.Live(); len(live) != 2 || len(d.Trash) != 0 {
		t.Fatalf("vault holds %v, trash %d", live, len(d.Trash))
	}
	if b := d.Find("beta"); len(b) != 1 || len(b[0].Secret) == 0 {
		t.Fatalf("restored Beta: %v", b)
	}
}

func TestFilter(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, totpAccount("GitHub", "alice"), totpAccount("GitLab", "bob"), totpAccount("Google", "carol"))
	h.start()
	h.press("/")
	h.typeText("glab")
	h.see("Codes (1 of 3)", "GitLab bob")
	h.notSee("GitHub", "Google")
	h.press("esc")
	h.see("Codes (3)", "GitHub", "Google")
	h.press("/")
	h.typeText("carol") // account names match too
	h.see("Google carol")
	h.press("enter")
	h.see("copied")
	if h.clip.value == "" {
		t.Fatal("enter in the filter did not copy")
	}
}

func TestBackspaceInEmptyFilterStaysInFilter(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, totpAccount("GitHub", "alice"), totpAccount("GitLab", "bob"), totpAccount("Google", "carol"))
	h.start()
	h.press("/")
	h.typeText("g")
	h.press("backspace", "backspace") // the second one finds the field empty
	h.typeText("ab")                  // "a" would open the add form outside the filter
	h.see("Codes (1 of 3)", "GitLab bob")
	h.notSee("Add account")
	h.press("esc")
	h.see("Codes (3)")
	h.typeText("a")
	h.see("Add account")
}

func TestResize(t *testing.T) {
	h := newHarness(t, 120, 30)
	h.seed(true, sample()...)
	h.start()
	h.press("G") // the last row selected
	for _, sz := range [][2]int{{40, 12}, {80, 24}, {30, 8}, {120, 30}} {
		h.size(sz[0], sz[1])
		s := h.screen()
		if n := len(strings.Split(s, "\n")); n != sz[1] {
			t.Fatalf("at %v the view has %d lines:\n%s", sz, n, s)
		}
		h.see("▸   Very Long") // the selection stays in view
	}
}

// In the add form Enter moves to the next field and never saves a
// half-typed form; ctrl+s saves and the footer says so on every field,
// Enter on Advanced opens it (the footer does not claim it saves), the ?
// help lists ctrl+s, and HOTP shows a counter but no period.
func TestAddFormOneWayToSave(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.seed(true)
	h.start()
	h.press("a", "tab")
	h.typeText("Example")
	h.see("ctrl+s save", "enter next")
	h.press("enter") // to Account: nothing saved
	h.see("Add account", "▸ Account")
	h.press("tab")
	h.typeText("JBSWY3DPEHPK3PXP")
	h.press("tab", "tab", "tab")
	h.see("▸ Advanced", "ctrl+s save", "enter advanced")
	h.notSee("enter save")
	h.press("?")
	h.see("ctrl+s      save", "close help")
	h.press("?", "enter", "tab", "right") // advanced open, type hotp
	h.see("‹ hotp ›", "Counter", "ctrl+s save")
	h.notSee("Period", "enter save")
	h.press("ctrl+s")
	h.see("Codes (1)", "Example")
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	if a := v.Data().Live()[0]; a.Type != "hotp" || a.Issuer != "Example" {
		t.Fatalf("saved %v", a)
	}
}

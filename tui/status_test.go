package tui

import (
	"testing"

	"github.com/otterauth/otter/vault"
)

// TestStatusBelongsToItsScreen checks that a status line does not follow
// the user to another screen: "Locked." is gone once unlocked, and
// "Vault created." does not show inside the add form; the report of an
// action that closes a screen still shows on the screen below.
func TestStatusBelongsToItsScreen(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(false, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	h.typeText(testPass)
	h.press("enter")
	h.press("ctrl+l")
	h.see("Unlock the vault", "Locked.")
	h.typeText(testPass)
	h.press("enter")
	h.see("Codes (1)")
	h.notSee("Locked.")

	h = newHarness(t, 80, 24)
	onboard(h)
	h.press("a")
	h.see("Add account")
	h.notSee("Vault created.")
	h.paste(githubURI)
	h.press("enter")
	h.see("Codes (1)", "Added GitHub")
	h.press("right")
	h.notSee("Added GitHub")
	h.press("esc")
	h.see("Codes (1)")
}

package tui

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// An account deleted while its detail screen is open, under an edit form,
// takes both screens with it: nothing offers to edit a deleted account.
func TestDeletedAccountLeavesItsScreens(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	h.press("right", "e")
	h.see("Edit")
	other := h.reopen(vault.Password{Secret: []byte(testPass)})
	if _, err := vaultops.New(other, filepath.Join(h.dir, "other"), func() time.Time { return h.now }).Delete(other.Data().Live()[0].ID); err != nil {
		t.Fatal(err)
	}
	h.tick(2 * time.Second)
	h.see("Codes (0)")
	h.notSee("This account was deleted", "e edit")
	if n := len(h.m.stack); n != 1 {
		t.Fatalf("%d screens open, want the codes list only", n)
	}
}

// A detail screen whose account is gone offers no action on it.
func TestDeletedAccountDetailOffersNoActions(t *testing.T) {
	h := newHarness(t, 80, 24)
	h.seed(true, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	h.start()
	d := newDetailScreen(h.m.c, h.m.sess, "no-such-account")
	for _, b := range d.ShortHelp() {
		if b.Enabled() && b.Help().Desc != "back" {
			t.Errorf("a deleted account's detail offers %q", b.Help().Desc)
		}
	}
	if cmd := d.key(keyMsg("e")); cmd != nil {
		t.Error("e on a deleted account's detail does something")
	}
}

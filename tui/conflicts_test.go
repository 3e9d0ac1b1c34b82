package tui

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/otterauth/otter/vault"
)

// A Syncthing conflict copy beside the vault is merged in by the TUI's
// unlock (the shared vaultops.Unlocker) and reported on the status line.
func TestUnlockMergesAConflictCopy(t *testing.T) {
	h := newHarness(t, 200, 24)
	h.seed(false, vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30})
	other := filepath.Join(t.TempDir(), "vault.otter")
	raw, err := os.ReadFile(h.cfg.VaultPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := vault.Load(other, &vault.Options{AllowWeakKDF: true, DeviceID: "other"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := l.Unlock(vault.Password{Secret: []byte(testPass)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Update(func(d *vault.Data) error {
		d.AddAccount(vault.Account{Issuer: "Example", Name: "bob", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}, t0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	name := "vault.sync-conflict-20261204-101512-ABCDEFG.otter"
	if err := os.WriteFile(filepath.Join(filepath.Dir(h.cfg.VaultPath), name), v.Raw(), 0o600); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.typeText(testPass)
	h.press("enter")
	h.see("Codes (2)", "merged Syncthing conflict copy "+name+": 1 account added")
}

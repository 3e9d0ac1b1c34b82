package vault

import (
	"bytes"
	"errors"
	"testing"
)

// TestDeriveKey: a derived key is the same for every slot that opens the
// vault, differs by purpose and by vault, changes when the data key is
// rotated, and is refused once the vault is closed.
func TestDeriveKey(t *testing.T) {
	v, c := newVault(t)
	derive := func(v *Vault, purpose string) []byte {
		t.Helper()
		k, err := v.DeriveKey(purpose)
		if err != nil || len(k) != 32 {
			t.Fatalf("DeriveKey(%q) = %x, %v", purpose, k, err)
		}
		return k
	}
	k := derive(v, "journal")
	if byRecovery := derive(open(t, v.Path(), c.rk), "journal"); !bytes.Equal(k, byRecovery) {
		t.Fatal("the recovery slot derives another key than the password slot")
	}
	if bytes.Equal(k, derive(v, "other")) {
		t.Fatal("two purposes derive the same key")
	}
	other, _ := newVault(t)
	if bytes.Equal(k, derive(other, "journal")) {
		t.Fatal("two vaults derive the same key")
	}
	if _, err := v.DeriveKey(""); err == nil {
		t.Fatal("an empty purpose was accepted")
	}
	s, err := v.AddSlot(Password{Secret: []byte("third password"), KDF: weakKDF}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.RemoveSlot(s.ID); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(k, derive(v, "journal")) {
		t.Fatal("the key did not change with the data key")
	}
	v.Close()
	if _, err := v.DeriveKey("journal"); !errors.Is(err, errClosed) {
		t.Fatalf("DeriveKey after Close: %v", err)
	}
}

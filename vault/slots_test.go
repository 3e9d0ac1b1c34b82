package vault

import (
	"bytes"
	"errors"
	"testing"
)

func TestRemoveSlotRotatesTheDataKey(t *testing.T) {
	v, c := newVault(t)
	addAccount(t, v, "GitHub")
	other := open(t, v.Path(), c.rk) // opened before the rotation
	newPw := Password{Secret: []byte("a new passphrase"), KDF: weakKDF}
	added, err := v.AddSlot(newPw, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if added.Label != "laptop" || added.Type != SlotPassword || len(v.Slots()) != 3 {
		t.Fatalf("AddSlot = %+v, %d slots", added, len(v.Slots()))
	}
	open(t, v.Path(), newPw)

	oldDEK := bytes.Clone(v.dek)
	oldSlots := v.Slots()
	if err := v.RemoveSlot(oldSlots[0].ID); err != nil { // the first password
		t.Fatal(err)
	}
	for i, s := range v.Slots() {
		if bytes.Equal(s.WrappedDEK, oldSlots[i+1].WrappedDEK) {
			t.Errorf("slot %s still wraps the old data key", s.Type)
		}
	}
	l, err := Load(v.Path(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.p.openPayload(oldDEK); !errors.Is(err, ErrCorrupt) {
		t.Error("a copy of the old data key still decrypts the new payload")
	}
	if _, err := l.Unlock(c.pw); !errors.Is(err, ErrWrongCredential) {
		t.Errorf("removed password: Unlock = %v, want ErrWrongCredential", err)
	}
	open(t, v.Path(), newPw)
	open(t, v.Path(), c.rk)

	addAccount(t, other, "GitLab") // follows the rotation through a slot key
	final := open(t, v.Path(), newPw)
	if got := issuers(final.Data()); len(got) != 2 {
		t.Errorf("after the rotation: %v, want GitHub and GitLab", got)
	}
}

func TestRemoveSlotKeepsTwo(t *testing.T) {
	v, c := newVault(t)
	for _, s := range v.Slots() {
		if err := v.RemoveSlot(s.ID); !errors.Is(err, ErrTooFewSlots) {
			t.Errorf("removing one of two slots = %v, want ErrTooFewSlots", err)
		}
	}
	if err := v.RemoveSlot("no-such-slot"); err == nil {
		t.Error("removing an unknown slot succeeded")
	}
	open(t, v.Path(), c.pw)
	open(t, v.Path(), c.rk)
}

func TestSlotLimit(t *testing.T) {
	v, _ := newVault(t)
	for len(v.Slots()) < maxSlots {
		key, _, _ := NewRecoveryKey(nil)
		if _, err := v.AddSlot(RecoveryKey{Key: key}, ""); err != nil {
			t.Fatal(err)
		}
	}
	key, _, _ := NewRecoveryKey(nil)
	if _, err := v.AddSlot(RecoveryKey{Key: key}, ""); !errors.Is(err, ErrLimit) {
		t.Errorf("slot %d: AddSlot = %v, want ErrLimit", maxSlots+1, err)
	}
	if _, err := Load(v.Path(), testOptions()); err != nil {
		t.Errorf("a vault with %d slots does not load: %v", maxSlots, err)
	}
}

func TestAnotherProcessReplacedEverySlot(t *testing.T) {
	v, c := newVault(t)
	stale := open(t, v.Path(), c.rk)
	k1, _, _ := NewRecoveryKey(nil)
	k2, _, _ := NewRecoveryKey(nil)
	for _, k := range [][]byte{k1, k2} {
		if _, err := v.AddSlot(RecoveryKey{Key: k}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range v.Slots()[:2] {
		if err := v.RemoveSlot(s.ID); err != nil {
			t.Fatal(err)
		}
	}
	// stale knows the slot keys of the first two slots only: it must ask for
	// a credential again rather than fail open or overwrite the file.
	before := readFile(t, v.Path())
	err := stale.Update(func(*Data) error { return nil })
	if !errors.Is(err, ErrNoUsableSlot) || !bytes.Equal(before, readFile(t, v.Path())) {
		t.Errorf("stale handle: Update = %v", err)
	}
}

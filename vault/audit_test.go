package vault

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Close zeroes what it promises to: the data key, every slot key and every
// account secret, in the very slices the vault held.
func TestCloseZeroesKeys(t *testing.T) {
	v, _ := newVault(t)
	addAccount(t, v, "GitHub")
	dek := v.dek
	var keys [][]byte
	for _, k := range v.keys {
		keys = append(keys, k)
	}
	secret := v.Data().Accounts[0].Secret
	if allZero(dek) || allZero(secret) || len(keys) != 2 {
		t.Fatalf("before Close: dek zero %t, secret zero %t, %d slot keys", allZero(dek), allZero(secret), len(keys))
	}
	v.Close()
	if !allZero(dek) || !allZero(secret) {
		t.Errorf("after Close: dek zero %t, account secret zero %t", allZero(dek), allZero(secret))
	}
	for i, k := range keys {
		if !allZero(k) {
			t.Errorf("slot key %d not zeroed by Close", i)
		}
	}
	if v.Data() != nil || v.Update(func(*Data) error { return nil }) == nil {
		t.Error("a closed vault still gives its data or accepts writes")
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return len(b) > 0
}

// Carried events ride along on the next write, once, even when two
// processes carry the same event; a failed write keeps them queued.
func TestCarryRidesOnTheNextWrite(t *testing.T) {
	v, c := newVault(t)
	gen := v.Generation()
	unlock := AuditEvent{ID: NewID(nil), At: testNow, Kind: "unlock", Detail: "password slot 12345678"}
	junk := AuditEvent{ID: "not an id", At: testNow, Kind: "unlock.failed", Detail: strings.Repeat("x", 2000)}
	v.Carry(unlock, junk)
	if v.Generation() != gen {
		t.Fatal("Carry wrote the vault")
	}
	boom := errors.New("boom")
	if err := v.Update(func(*Data) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing Update = %v", err)
	}
	addAccount(t, v, "GitHub")
	got := kinds(v.Data())
	if got != "unlock,unlock.failed" {
		t.Fatalf("audit after the write = %s, want the carried events", got)
	}
	if e := v.Data().Audit[1]; !isID(e.ID) || len(e.Detail) > 1024 {
		t.Errorf("an invalid carried event was stored as is: id %q, %d-byte detail", e.ID, len(e.Detail))
	}

	other := open(t, v.Path(), c.rk)
	other.Carry(unlock) // the same event, carried by a second process
	addAccount(t, other, "GitLab")
	addAccount(t, v, "Bank") // nothing left to carry
	if got := kinds(open(t, v.Path(), c.pw).Data()); got != "unlock,unlock.failed" {
		t.Errorf("audit = %s: an event was carried twice", got)
	}
}

func kinds(d *Data) string {
	var k []string
	for _, e := range d.Audit {
		k = append(k, e.Kind)
	}
	return strings.Join(k, ",")
}

// Slot changes are audited in the write that makes them.
func TestSlotChangesAreAudited(t *testing.T) {
	v, _ := newVault(t)
	gen := v.Generation()
	s, err := v.AddSlot(Password{Secret: []byte("another passphrase"), KDF: weakKDF}, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.RemoveSlot(s.ID); err != nil {
		t.Fatal(err)
	}
	d := v.Data()
	if v.Generation() != gen+2 || len(d.Audit) != 2 {
		t.Fatalf("generation %d → %d with %d audit events; want one write each", gen, v.Generation(), len(d.Audit))
	}
	want := []string{`slot.add password slot ` + s.ID[:8] + ` "laptop"`, `slot.remove password slot ` + s.ID[:8] + ` "laptop", data key rotated`}
	for i, e := range d.Audit {
		if got := e.Kind + " " + e.Detail; got != want[i] || e.At.IsZero() || time.Since(e.At) > time.Hour {
			t.Errorf("event %d = %q at %v, want %q", i, got, e.At, want[i])
		}
	}
}

package vault

import (
	"bytes"
	"testing"
	"time"
)

// A deleted account waits in the trash with its secret and recovery codes;
// restoring it makes a new account, and the tombstone stays.
func TestTrashRestoreMakesANewAccount(t *testing.T) {
	v, c := newVault(t)
	now := time.Now().Round(0) // the trash is purged against the real clock
	addAccount(t, v, "GitHub")
	old := v.Data().Accounts[0].ID
	err := v.Update(func(d *Data) error {
		d.AddRecoveryCodes(old, []string{"1111", "2222"}, now)
		d.UseRecoveryCode(old, now)
		d.DeleteAccount(old, now)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d := open(t, v.Path(), c.pw).Data()
	tr := d.TrashedAt(old)
	if tr == nil || string(tr.Account.Secret) != "JBSWY3DPEHPK3PXP" || len(tr.Recovery) != 2 || !tr.DeletedAt.Equal(now) {
		t.Fatalf("trash = %+v", d.Trash)
	}
	var id string
	err = v.Update(func(d *Data) error {
		id = d.RestoreTrashed(old, now.Add(time.Hour)).ID
		return nil
	})
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	d = open(t, v.Path(), c.pw).Data()
	a := d.Account(id)
	if id == old || a == nil || a.Label() != "GitHub:me" || !bytes.Equal(a.Secret, []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatalf("restored account %v (old id %s)", a, old)
	}
	if d.Account(old) != nil || len(d.Trash) != 0 {
		t.Errorf("the tombstone came back or the trash kept the entry: %v", d.Trash)
	}
	set := d.RecoveryFor(id)
	if set == nil || len(set.Codes) != 2 || set.Codes[0].UsedAt.IsZero() || !set.Codes[1].UsedAt.IsZero() {
		t.Errorf("restored recovery codes %+v", set)
	}
}

// Entries deleted more than 30 days before a write are purged by it.
func TestTrashIsPurgedAfterThirtyDays(t *testing.T) {
	v, _ := newVault(t)
	addAccount(t, v, "old")
	addAccount(t, v, "new")
	now := time.Now()
	err := v.Update(func(d *Data) error {
		d.DeleteAccount(d.Accounts[0].ID, now.AddDate(0, 0, -31))
		d.DeleteAccount(d.Accounts[1].ID, now.AddDate(0, 0, -29))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tr := v.Data().Trash; len(tr) != 1 || tr[0].Account.Issuer != "new" {
		t.Errorf("trash after a write = %+v, want only the account deleted 29 days ago", tr)
	}
}

// The device id comes from Options, is not stored, and each device that
// opens the vault stamps its changes with its own.
func TestDeviceIDIsLocal(t *testing.T) {
	c := newCreds(t)
	path := t.TempDir() + "/vault.otter"
	v, err := Create(path, &Options{AllowWeakKDF: true, DeviceID: id('a')}, c.pw, c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	addAccount(t, v, "GitHub")
	if dev := v.Data().Accounts[0].Stamp.Dev; dev != id('a') {
		t.Errorf("stamped by %q, want device a", dev)
	}
	l, err := Load(path, &Options{AllowWeakKDF: true, DeviceID: id('b')})
	if err != nil {
		t.Fatal(err)
	}
	u, err := l.Unlock(c.pw)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if u.Data().DeviceID != id('b') {
		t.Errorf("device b sees device id %q", u.Data().DeviceID)
	}
	addAccount(t, u, "GitLab")
	if dev := u.Data().Accounts[1].Stamp.Dev; dev != id('b') {
		t.Errorf("device b stamped %q", dev)
	}
}

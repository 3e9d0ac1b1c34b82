package vaultops

import (
	"slices"
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

func labels(d *vault.Data) []string {
	var out []string
	for _, a := range d.Live() {
		out = append(out, a.Label())
	}
	slices.Sort(out)
	return out
}

// history saves generations 2 to 5: +A, +B, -A, +C.
func history(t *testing.T) *fixture {
	f := newFixture(t)
	a := f.add("A", "me", "JBSWY3DPEHPK3PXP")
	f.add("B", "me", "JBSWY3DPEHPK3PXQ")
	if _, err := f.s.Delete(a.ID); err != nil {
		t.Fatal(err)
	}
	f.add("C", "me", "JBSWY3DPEHPK3PXR")
	if g := f.s.Vault().Generation(); g != 5 {
		t.Fatalf("generation %d, want 5", g)
	}
	return f
}

func TestRestoreRoundTrip(t *testing.T) {
	f := history(t)
	gen, err := f.s.Restore(3)
	if err != nil {
		t.Fatalf("Restore(3): %v", err)
	}
	if gen != 6 {
		t.Errorf("restore saved generation %d, want 6 (above everything)", gen)
	}
	if got := labels(f.s.Data()); !slices.Equal(got, []string{"A:me", "B:me"}) {
		t.Errorf("after restoring generation 3: %v, want A:me and B:me", got)
	}
	v, err := f.reopen("pw1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Generation() != 6 || !slices.Equal(labels(v.Data()), []string{"A:me", "B:me"}) {
		t.Errorf("on disk: generation %d %v", v.Generation(), labels(v.Data()))
	}
	last := v.Data().Audit[len(v.Data().Audit)-1]
	if last.Kind != "backup.restore" || !strings.Contains(last.Detail, "generation 3") {
		t.Errorf("last audit event %+v, want the restore", last)
	}
	// The generation it replaced is a backup: restoring it undoes the restore.
	was, err := f.s.ShowBackup(5)
	if err != nil || len(was.Accounts) != 2 {
		t.Fatalf("ShowBackup(5) = %+v, %v", was, err)
	}
	if _, err := f.s.Restore(5); err != nil {
		t.Fatalf("Restore(5): %v", err)
	}
	if got := labels(f.s.Data()); !slices.Equal(got, []string{"B:me", "C:me"}) {
		t.Errorf("after undoing the restore: %v, want B:me and C:me", got)
	}
}

func TestRestoreKeepsCounterAndUsedCodes(t *testing.T) {
	f := newFixture(t)
	k := &otp.Key{Type: otp.TypeHOTP, Issuer: "H", Account: "me", Secret: []byte("12345678901234567890"), Digits: 6}
	res, err := f.s.Add([]NewAccount{{Account: AccountOf(k)}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Added[0].ID
	if _, err := f.s.AddRecovery(id, []string{"one", "two"}); err != nil {
		t.Fatal(err)
	}
	gen := f.s.Vault().Generation()
	for range 3 {
		if _, err := f.s.NextHOTP(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.s.UseRecovery(id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Restore(gen); err != nil {
		t.Fatalf("Restore(%d): %v", gen, err)
	}
	a := f.s.Data().Account(id)
	if a == nil || a.Counter != 3 {
		t.Fatalf("after restore the HOTP account is %v; want it live with counter 3", a)
	}
	if set := f.s.Data().RecoveryFor(id); set == nil || set.Unused() != 1 {
		t.Errorf("after restore the recovery codes are %+v; the used one must stay used", set)
	}
}

func TestGenerationsAndShowAreReadOnly(t *testing.T) {
	f := history(t)
	list := f.s.Generations()
	if len(list) != 5 || !list[0].Current || list[0].Generation != 5 || list[4].Generation != 1 {
		t.Fatalf("Generations() = %+v", list)
	}
	want := []string{"+C:me", "-A:me", "+B:me", "+A:me", ""}
	for i, g := range list {
		if g.Changes != want[i] || g.Err != nil {
			t.Errorf("generation %d: changes %q (err %v), want %q", g.Generation, g.Changes, g.Err, want[i])
		}
	}
	view, err := f.s.ShowBackup(2)
	if err != nil || len(view.Accounts) != 1 || view.Accounts[0].Label() != "A:me" || view.Accounts[0].Secret != nil {
		t.Fatalf("ShowBackup(2) = %+v, %v; want A:me without its secret", view, err)
	}
	if g := f.s.Vault().Generation(); g != 5 {
		t.Errorf("listing and showing moved the vault to generation %d", g)
	}
}

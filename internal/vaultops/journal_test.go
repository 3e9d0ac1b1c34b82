package vaultops

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/journal"
	"github.com/otterauth/otter/vault"
)

// journalFixture is a password+recovery vault, its state folder and a
// clock for unlocks.
type journalFixture struct {
	t     *testing.T
	path  string
	state string
	opts  *vault.Options
	pw    vault.Password
	now   time.Time
}

func newJournalFixture(t *testing.T) *journalFixture {
	f := &journalFixture{t: t, path: filepath.Join(t.TempDir(), "vault.otter"), state: t.TempDir(),
		pw:  vault.Password{Secret: []byte("correct horse"), KDF: weakKDF},
		now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	f.opts = &vault.Options{AllowWeakKDF: true, Now: func() time.Time { return f.now }}
	key, _, _ := vault.NewRecoveryKey(nil)
	v, err := vault.Create(f.path, f.opts, f.pw, vault.RecoveryKey{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	if err := New(v, "", nil).Log("test", "real"); err != nil {
		t.Fatal(err)
	}
	return f
}

// unlock opens the vault with the password through the unlock sequence,
// then writes it once (a use of the vault) and returns it.
func (f *journalFixture) unlockAndWrite() *vault.Vault {
	f.t.Helper()
	f.now = f.now.Add(time.Hour)
	l, err := vault.Load(f.path, f.opts)
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := NewUnlocker(l, f.state, func() time.Time { return f.now }).Unlock(f.pw)
	if err != nil || len(r.Warnings) > 0 {
		f.t.Fatalf("unlock: %v %v", err, r.Warnings)
	}
	f.t.Cleanup(r.Vault().Close)
	if err := r.Log("test", "write"); err != nil {
		f.t.Fatal(err)
	}
	return r.Vault()
}

// journal is the fixture vault's journal, opened with v's key.
func (f *journalFixture) journal(v *vault.Vault) *journal.Journal {
	j, err := journal.Open(f.state, v)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(j.Close)
	return j
}

func kinds(v *vault.Vault) map[string]int {
	out := map[string]int{}
	for _, e := range v.Data().Audit {
		out[e.Kind+" "+e.Detail]++
	}
	return out
}

// More than CarryMax pending events: one unlock's write carries at most
// CarryMax of them (the oldest, and this unlock's own event), the next
// unlock's write the rest; none is stored twice.
func TestUnlockCarriesAtMostCarryMax(t *testing.T) {
	f := newJournalFixture(t)
	v := f.unlockAndWrite() // an empty journal: carries its own unlock
	var backlog []vault.AuditEvent
	for i := range 150 {
		backlog = append(backlog, vault.AuditEvent{ID: vault.NewID(nil), At: f.now.Add(time.Duration(i) * time.Second),
			Kind: "unlock", Detail: fmt.Sprintf("backlog %03d", i)})
	}
	if err := f.journal(v).Append(backlog); err != nil {
		t.Fatal(err)
	}
	before := len(v.Data().Audit)
	v = f.unlockAndWrite()
	if got := len(v.Data().Audit) - before - 1; got != CarryMax { // -1: the write's own event
		t.Fatalf("one write carried %d events, want %d", got, CarryMax)
	}
	k := kinds(v)
	if k["unlock backlog 098"] != 1 || k["unlock backlog 099"] != 0 {
		t.Fatalf("the first write did not carry the oldest %d backlog events and its unlock: %v", CarryMax-1, k)
	}
	v = f.unlockAndWrite()
	k = kinds(v)
	for i := range 150 {
		if n := k[fmt.Sprintf("unlock backlog %03d", i)]; n != 1 {
			t.Fatalf("backlog event %d is in the audit log %d times after two writes", i, n)
		}
	}
	if k["unlock password slot "+ShortID(v.Unlocked().SlotID)] != 3 {
		t.Fatalf("audit log holds the three unlocks %d times", k["unlock password slot "+ShortID(v.Unlocked().SlotID)])
	}
	if p, err := f.journal(v).Pending(v.Data()); err != nil || len(p) != 0 {
		t.Fatalf("journal still pending: %d events, %v", len(p), err)
	}
}

// Issue 11: 10 000 forged journal lines (right JSON, no valid MAC) once
// evicted the whole real audit log. They never reach it now, and neither
// do lines copied from another vault's journal.
func TestForgedJournalLinesNeverReachTheAuditLog(t *testing.T) {
	f := newJournalFixture(t)
	other := newJournalFixture(t)
	ov := other.unlockAndWrite()
	l, err := vault.Load(f.path, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	var forged bytes.Buffer
	for i := range 10000 {
		fmt.Fprintf(&forged, `{"id":"%s","at":"2026-03-04T05:06:%02dZ","kind":"unlock","detail":"forged","mac":"%s"}`+"\n",
			vault.NewID(nil), i%60, strings.Repeat("00", 32))
	}
	// The other vault's journal line, under its own key, moved to this one.
	if err := other.journal(ov).Append([]vault.AuditEvent{{ID: vault.NewID(nil), At: f.now, Kind: "unlock", Detail: "other vault"}}); err != nil {
		t.Fatal(err)
	}
	copied, err := os.ReadFile(other.journal(ov).Path())
	if err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(f.state, "audit-"+l.VaultID()+".jsonl")
	if err := os.WriteFile(mine, append(forged.Bytes(), copied...), 0o600); err != nil {
		t.Fatal(err)
	}
	v := f.unlockAndWrite()
	k := kinds(v)
	if k["unlock forged"] != 0 || k["unlock other vault"] != 0 {
		t.Fatalf("forged or foreign lines reached the audit log: %d, %d", k["unlock forged"], k["unlock other vault"])
	}
	if k["test real"] != 1 || k["test write"] != 1 || len(v.Data().Audit) != 3 {
		t.Fatalf("audit log = %v, want the real event, the unlock and the write", k)
	}
	if b, _ := os.ReadFile(mine); bytes.Contains(b, []byte("forged")) || bytes.Contains(b, []byte("other vault")) {
		t.Fatal("the forged lines are still in the journal after the unlock")
	}
}

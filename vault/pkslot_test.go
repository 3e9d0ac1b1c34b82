package vault

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// material is every key a holder of a credential can get out of a file it
// opens: the data key, the identities and slot keys the payload or the
// header give away.
type material struct {
	deks    [][]byte
	secrets [][]byte // identities (text) and format-1 slot keys
}

func (m *material) take(v *Vault) {
	m.deks = append(m.deks, append([]byte(nil), v.dek...))
	for _, k := range v.keys {
		m.secrets = append(m.secrets, append([]byte(nil), k...))
	}
	for _, k := range v.old {
		m.secrets = append(m.secrets, append([]byte(nil), k...))
	}
}

// opens reports whether any of m opens the payload of the file at path.
func (m *material) opens(t *testing.T, path string) bool {
	t.Helper()
	p, err := parse(readFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	for _, dek := range m.deks {
		if _, err := p.openPayload(dek); err == nil {
			return true
		}
	}
	for i := range p.hdr.Slots {
		s := &p.hdr.Slots[i]
		for _, k := range m.secrets {
			if dek, err := slotDEK(p, s, k); err == nil {
				if _, err := p.openPayload(dek); err == nil {
					return true
				}
			}
			if len(s.Legacy) > 0 { // a format-1 slot key opens a legacy identity
				if id, err := unseal(k, s.Legacy, legacyAD(p.hdr.VaultID, s)); err == nil {
					if dek, err := slotDEK(p, s, id); err == nil {
						if _, err := p.openPayload(dek); err == nil {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// The attack of format 1: init with password P1 and a recovery key, add a
// password P2, remove P1, add an account. P1 still opens the backups otter
// keeps; nothing found in them — data keys, identities, slot keys — may
// open the current file.
func TestRemovedSlotOpensNothingCurrent(t *testing.T) {
	v, c := newVault(t)
	p2 := Password{Secret: []byte("the second password"), KDF: weakKDF}
	s2, err := v.AddSlot(p2, "p2")
	if err != nil {
		t.Fatal(err)
	}
	p1ID := v.Slots()[0].ID
	if err := v.RemoveSlot(p1ID); err != nil {
		t.Fatal(err)
	}
	addAccount(t, v, "AfterRemoval")
	var m material
	backups, _ := filepath.Glob(filepath.Join(filepath.Dir(v.Path()), "backups", "*"))
	opened := 0
	for _, b := range backups {
		l, err := Load(b, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		bv, err := l.Unlock(c.pw)
		if errors.Is(err, ErrWrongCredential) || errors.Is(err, ErrNoUsableSlot) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		opened++
		m.take(bv)
		bv.Close()
	}
	if opened == 0 {
		t.Fatal("the removed password opened no backup: the test proves nothing")
	}
	if m.opens(t, v.Path()) {
		t.Fatal("key material from backups opened with the removed password opens the current vault")
	}
	// The remaining credentials still open it, without having been asked
	// for when the slot was removed.
	for _, cred := range []Credential{p2, c.rk} {
		l, err := Load(v.Path(), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		w, err := l.Unlock(cred)
		if err != nil {
			t.Fatalf("%s after the removal: %v", cred.SlotType(), err)
		}
		if len(w.Data().Live()) != 1 {
			t.Fatalf("%s: %d accounts", cred.SlotType(), len(w.Data().Live()))
		}
		w.Close()
	}
	_ = s2
	p, err := parse(readFile(t, v.Path()))
	if err != nil {
		t.Fatal(err)
	}
	if p.hdr.Version != 2 {
		t.Fatalf("file version %d, want 2", p.hdr.Version)
	}
	pl := openedPayload(t, v)
	if len(pl.SlotKeys) != 0 {
		t.Fatalf("the format-2 payload holds %d slot keys", len(pl.SlotKeys))
	}
}

// openedPayload decrypts v's file with v's data key.
func openedPayload(t *testing.T, v *Vault) *payload {
	t.Helper()
	p, err := parse(readFile(t, v.Path()))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := p.openPayload(v.dek)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := unmarshalPayload(plain)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// A format-1 vault (the committed vector) opens, and its next write makes
// it format 2 with a new data key, keeping the format-1 file as a backup.
// The slot that unlocked is a full format-2 slot at once; the others stay
// legacy until their credential is used, then are upgraded.
func TestFormatOneMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.otter")
	writeFile(t, path, readFile(t, vectorFile))
	pw := Password{Secret: []byte(vectorPasswordText)}
	rkey, err := ParseRecoveryKey([]byte(vectorRecoveryKey))
	if err != nil {
		t.Fatal(err)
	}
	rk := RecoveryKey{Key: rkey}
	l, err := Load(path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	v, err := l.Unlock(pw)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	oldDEK := append([]byte(nil), v.dek...)
	before := len(v.Data().Live())
	addAccount(t, v, "Migrated")
	p, err := parse(readFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if p.hdr.Version != 2 {
		t.Fatalf("after a write the file is version %d, want 2", p.hdr.Version)
	}
	if _, err := p.openPayload(oldDEK); err == nil {
		t.Fatal("the migrated file opens with the format-1 data key")
	}
	legacy := 0
	for _, s := range p.hdr.Slots {
		if s.Recipient == "" || s.Stanza == nil {
			t.Fatalf("slot %s has no key pair", s.Type)
		}
		if len(s.Legacy) > 0 {
			legacy++
		} else if s.Type != SlotPassword {
			t.Fatalf("slot %s is not legacy, but only the password unlocked", s.Type)
		}
	}
	if legacy != len(p.hdr.Slots)-1 {
		t.Fatalf("%d legacy slots, want %d", legacy, len(p.hdr.Slots)-1)
	}
	if len(openedPayload(t, v).SlotKeys) != 0 {
		t.Fatal("the migrated payload still holds slot keys")
	}
	if b := filepath.Join(filepath.Dir(path), "backups", "vault.otter.3"); !sameFile(t, b, vectorFile) {
		t.Fatal("the format-1 file is not kept as a backup")
	}
	if v.Data().Audit[len(v.Data().Audit)-1].Kind != "vault.format" && !hasEvent(v.Data(), "vault.format") {
		t.Fatal("the migration is not in the audit log")
	}
	// The recovery key (a legacy slot now) opens it, and its next write
	// upgrades the slot.
	l, err = Load(path, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.Unlock(rk)
	if err != nil {
		t.Fatalf("the recovery key after migration: %v", err)
	}
	defer w.Close()
	if n := len(w.Data().Live()); n != before+1 {
		t.Fatalf("%d accounts after migration, want %d", n, before+1)
	}
	addAccount(t, w, "Upgrade")
	p, _ = parse(readFile(t, path))
	for _, s := range p.hdr.Slots {
		if s.Type == SlotRecovery && len(s.Legacy) > 0 {
			t.Fatal("the recovery slot is still legacy after its credential unlocked and a write followed")
		}
	}
	for _, cred := range []Credential{pw, rk} {
		l, _ := Load(path, testOptions())
		x, err := l.Unlock(cred)
		if err != nil {
			t.Fatalf("%s after the upgrade: %v", cred.SlotType(), err)
		}
		x.Close()
	}
	// The other process (v) follows the writes of w.
	if _, err := v.Refresh(); err != nil {
		t.Fatalf("the first process does not follow: %v", err)
	}
	// A format-1 backup still opens from the session that migrated.
	if d, err := v.OpenBackup(3); err != nil || len(d.Live()) != before {
		t.Fatalf("OpenBackup of the format-1 generation: %v", err)
	}
}

func hasEvent(d *Data, kind string) bool {
	for _, e := range d.Audit {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		return false
	}
	return string(x) == string(readFile(t, b))
}

// An age slot: the data key is wrapped to the user's recipient, and the
// matching identity, and only it, opens the vault.
func TestAgeSlot(t *testing.T) {
	v, _ := newVault(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	s, err := v.AddSlot(AgeRecipient{Recipient: id.Recipient().String()}, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != SlotAge || s.Recipient != id.Recipient().String() || len(s.Wrapped) != 0 {
		t.Fatalf("age slot %+v", s)
	}
	addAccount(t, v, "ViaAge")
	l, err := Load(v.Path(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Unlock(AgeIdentities{Identities: []age.Identity{other}}); !errors.Is(err, ErrWrongCredential) {
		t.Fatalf("another identity: %v, want ErrWrongCredential", err)
	}
	w, err := l.Unlock(AgeIdentities{Identities: []age.Identity{other, id}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(w.Data().Live()) != 1 || w.Unlocked().SlotType != SlotAge {
		t.Fatalf("opened by %+v with %d accounts", w.Unlocked(), len(w.Data().Live()))
	}
	// A session opened with the identity writes and follows other writers.
	addAccount(t, w, "Second")
	if _, err := v.Refresh(); err != nil || len(v.Data().Live()) != 2 {
		t.Fatalf("refresh: %v", err)
	}
	if _, err := v.AddSlot(AgeRecipient{Recipient: "age1notarecipient"}, ""); !errors.Is(err, ErrLimit) {
		t.Fatalf("a bad recipient: %v, want ErrLimit", err)
	}
}

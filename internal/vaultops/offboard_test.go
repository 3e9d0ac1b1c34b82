package vaultops

import (
	"testing"
	"time"

	"filippo.io/age"

	"github.com/otterauth/otter/vault"
)

// The playbook of a member's age slot lists every live account, with its
// unused recovery codes, and the accounts deleted in otter after the slot
// was created, but not those deleted before.
func TestOffboardingListsWhatTheMemberCouldRead(t *testing.T) {
	f := newFixture(t)
	before := f.add("Before", "x", "12345678901234567890")
	forgotten := f.add("Forgotten", "x", "12345678901234567890")
	f.now = f.now.Add(time.Hour)
	if _, err := f.s.Delete(before.ID); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	slot, err := f.s.Vault().AddSlot(vault.AgeRecipient{Recipient: id.Recipient().String()}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	gh := f.add("GitHub", "alice", "12345678901234567890")
	if _, err := f.s.AddRecovery(gh.ID, []string{"aaaa-1111", "bbbb-2222", "cccc-3333"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.UseRecovery(gh.ID); err != nil {
		t.Fatal(err)
	}
	bank := f.add("Bank", "", "12345678901234567890")
	if _, err := f.s.AddRecovery(bank.ID, []string{"dddd-4444"}); err != nil {
		t.Fatal(err)
	}
	f.add("Aws", "root", "12345678901234567890")
	f.now = f.now.Add(time.Hour)
	if _, err := f.s.Delete(bank.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Delete(forgotten.ID); err != nil {
		t.Fatal(err)
	}
	// forgotten's trash entry is purged: otter no longer knows its name
	if err := f.s.Vault().Update(func(d *vault.Data) error {
		for i := range d.Trash {
			if d.Trash[i].Account.ID == forgotten.ID {
				d.Trash = append(d.Trash[:i], d.Trash[i+1:]...)
				break
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	p, ok := f.s.Offboarding(slot.ID)
	if !ok {
		t.Fatal("no playbook for the age slot")
	}
	if !p.Member || p.Unsure || p.Slot.ID != slot.ID {
		t.Errorf("playbook: member %t unsure %t slot %.8s, want a member, sure, slot %.8s", p.Member, p.Unsure, p.Slot.ID, slot.ID)
	}
	type row struct {
		label   string
		unused  int
		deleted bool
	}
	var got []row
	for _, a := range p.Accounts {
		got = append(got, row{a.Label, a.Unused, !a.Deleted.IsZero()})
	}
	want := []row{{"Aws:root", 0, false}, {"GitHub:alice", 2, false}, {"Bank", 1, true}}
	if len(got) != len(want) {
		t.Fatalf("accounts %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("account %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if p.Forgotten != 1 {
		t.Errorf("forgotten = %d, want 1 (deleted after the slot was created, purged from the trash)", p.Forgotten)
	}

	// a slot of unknown age: every deleted account otter knows is listed
	s := slot
	s.Created = time.Time{}
	u := OffboardingOf(f.s.Data(), s)
	if !u.Unsure || len(u.Accounts) != 4 || u.Accounts[3].Label != "Before:x" {
		t.Errorf("unknown creation time: unsure %t, %d accounts %+v; want Before:x listed too", u.Unsure, len(u.Accounts), u.Accounts)
	}
	if _, ok := f.s.Offboarding("nope"); ok {
		t.Error("a playbook for a slot the vault does not have")
	}
	if IsMember(vault.Slot{Type: vault.SlotAge}) || IsMember(vault.Slot{Type: vault.SlotPassword, Label: "x"}) {
		t.Error("IsMember: an unlabelled age slot or a password slot is not a member")
	}
}

package syncer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/otterauth/otter/vault"
)

// A slot another device added comes in as a notice naming that device,
// kept until acknowledged; this device's own slot changes are none.
func TestSlotChangeOfAnotherDeviceIsANotice(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	alice, err := a.v.AddSlot(vault.AgeRecipient{Recipient: id.Recipient().String()}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if rep := a.sync(); len(rep.Members) != 0 {
		t.Errorf("a's own slot change made a notice on a: %+v", rep.Members)
	}
	rep := b.sync()
	if rep.Action != "pulled" || len(rep.Members) != 1 {
		t.Fatalf("b's sync: %q with %d notices, want pulled with 1", rep.Action, len(rep.Members))
	}
	n := rep.Members[0]
	if got := n.Changes(); got != "added age slot alice" {
		t.Errorf("notice says %q, want added age slot alice", got)
	}
	if len(n.Devices) != 1 || n.Devices[0] != "aaaa" {
		t.Errorf("notice attributes it to %q, want a's device id aaaa", n.Devices)
	}
	if len(n.Added) != 1 || n.Added[0].ID != alice.ID {
		t.Errorf("notice's slot: %+v, want %.8s", n.Added, alice.ID)
	}
	st, err := StatusOf(b.repo, b.v.Raw(), b.name)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Members) != 1 || st.Members[0].Changes() != "added age slot alice" {
		t.Errorf("status shows %+v, want the notice", st.Members)
	}
	// it stays until acknowledged, and a sync with nothing new adds none
	if rep := b.sync(); len(rep.Members) != 0 {
		t.Errorf("a sync with no slot change reported %+v", rep.Members)
	}
	if list, _ := Notices(b.repo); len(list) != 1 {
		t.Errorf("after another sync, %d notices, want the 1 unacknowledged", len(list))
	}
	if n, err := AckNotices(b.repo); n != 1 || err != nil {
		t.Errorf("ack: %d, %v; want 1 cleared", n, err)
	}
	if st, _ := StatusOf(b.repo, b.v.Raw(), b.name); len(st.Members) != 0 {
		t.Errorf("status after ack: %+v", st.Members)
	}

	// a removal that comes in through a merge (b changed something too)
	b.add("Local", "b")
	if err := a.v.RemoveSlot(alice.ID); err != nil {
		t.Fatal(err)
	}
	a.sync()
	rep = b.sync()
	if rep.Action != "merged" || len(rep.Members) != 1 || rep.Members[0].Changes() != "removed age slot alice" || len(rep.Members[0].Devices) != 1 {
		t.Errorf("merge: %q, notices %+v; want merged with removed age slot alice by aaaa", rep.Action, rep.Members)
	}
	if rep := a.sync(); len(rep.Members) != 0 {
		t.Errorf("a pulling b's merge reported its own removal back: %+v", rep.Members)
	}
}

// A shared vault: the owner adds member bob (an age slot), bob joins with
// his identity, the owner removes bob's slot and syncs; bob's next sync
// fails with ErrSlotRemoved, leaving his vault as it was, and the remote's
// new generation does not open with bob's identity.
func TestRemovedMemberIsLockedOut(t *testing.T) {
	remote := bareRemote(t)
	owner := newDevice(t, "owner", remote)
	owner.add("Company", "root")
	bobID, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	bobSlot, err := owner.v.AddSlot(vault.AgeRecipient{Recipient: bobID.Recipient().String()}, "bob")
	if err != nil {
		t.Fatal(err)
	}
	owner.sync()

	bob := &device{t: t, name: "bob0", dir: t.TempDir(), now: time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC)}
	f, err := Fetch(context.Background(), filepath.Join(bob.dir, "sync.git"), remote)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bob.path(), f.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	bobCred := vault.AgeIdentities{Identities: []age.Identity{bobID}}
	l, err := vault.Load(bob.path(), bob.opts())
	if err != nil {
		t.Fatal(err)
	}
	if bob.v, err = l.Unlock(bobCred); err != nil {
		t.Fatalf("bob unlocks the joined vault with his identity: %v", err)
	}
	t.Cleanup(bob.v.Close)
	if err := f.Joined(); err != nil {
		t.Fatal(err)
	}
	bob.repo = f.Repo
	if got := bob.labels(); len(got) != 1 {
		t.Fatalf("bob sees %q", got)
	}
	bob.add("Bob's", "own")
	bob.sync()
	owner.sync()
	if got := owner.labels(); len(got) != 2 {
		t.Fatalf("owner after bob's sync: %q", got)
	}

	if err := owner.v.RemoveSlot(bobSlot.ID); err != nil {
		t.Fatal(err)
	}
	owner.add("After", "bob")
	owner.sync()

	bob.add("Unsynced", "bob")
	before := bob.v.Raw()
	_, err = New(bob.repo, bob.v, bob.name, bob.clock).Sync(context.Background())
	if !errors.Is(err, vault.ErrSlotRemoved) {
		t.Fatalf("bob's sync after his removal: %v, want ErrSlotRemoved", err)
	}
	if !bytes.Equal(before, bob.v.Raw()) {
		t.Error("the refused sync changed bob's vault")
	}
	if onDisk, _ := os.ReadFile(bob.path()); !bytes.Equal(before, onDisk) {
		t.Error("the refused sync changed bob's vault file")
	}

	// the remote's newest vault does not open with bob's identity
	r, err := bob.repo.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bob.repo.ReadFile(r, VaultFile)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "remote.otter")
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	rl, err := vault.Load(p, &vault.Options{AllowWeakKDF: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rl.Unlock(bobCred); err == nil {
		v.Close()
		t.Fatal("the remote's vault after bob's removal opens with bob's identity")
	} else if !errors.Is(err, vault.ErrNoUsableSlot) {
		t.Logf("unlocking the remote's vault with bob's identity: %v", err)
	}
}

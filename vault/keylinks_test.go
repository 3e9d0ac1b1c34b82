package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// forgeCopy writes what a reader of raw's header can write: a "copy" of
// the vault under dek (a fresh key when nil), its header raw's with a
// higher generation, links (if any) and an age slot of evil's added. The
// payload is empty data.
func forgeCopy(t *testing.T, raw, dek []byte, links [][]byte, evil *age.X25519Identity) []byte {
	t.Helper()
	p := syncMustParse(t, raw)
	st := &state{hdr: p.hdr.clone(), dek: dek}
	if st.dek == nil {
		st.dek = make([]byte, keyLen)
		rand.Read(st.dek)
	}
	st.hdr.Generation += 10
	st.hdr.KeyLinks = links
	st.hdr.Slots = append(st.hdr.Slots, Slot{ID: NewID(nil), Type: SlotAge, Created: testNow, Recipient: evil.Recipient().String()})
	if err := wrapAll(rand.Reader, st); err != nil {
		t.Fatal(err)
	}
	plain, err := marshalPayload(&Data{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := encode(&st.hdr, plain, st.dek, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return forged
}

// refusesForged checks that v refuses forged (it opens, but is not
// vouched) through Adopt and MergeIn, with and without base, and that the
// local file stays byte for byte.
func refusesForged(t *testing.T, v *Vault, forged []byte, base *Copy) {
	t.Helper()
	before := readFile(t, v.Path())
	c := mustOpenCopy(t, v, forged)
	if c.Vouched() {
		t.Fatal("the forged copy is vouched")
	}
	if err := v.Adopt(forged); !errors.Is(err, ErrUnvouched) {
		t.Fatalf("Adopt of a forged copy: %v, want ErrUnvouched", err)
	}
	for _, b := range []*Copy{nil, base, c} { // c: a forged base vouches nothing
		if err := v.MergeIn(b, c, syncTestMerge); !errors.Is(err, ErrUnvouched) {
			t.Fatalf("MergeIn of a forged copy: %v, want ErrUnvouched", err)
		}
	}
	fileUnchanged(t, v, before, "a refused forged copy")
}

// The copy TestForgedCopyOpensButIsNotSameKey forges (a key of the
// forger's, wrapped to the vault's public recipients, a slot added) opens
// but is taken neither by Adopt nor by MergeIn.
func TestForgedCopyIsUnvouched(t *testing.T) {
	a, _, _ := twoMachines(t)
	addAccount(t, a, "Real")
	forged := forgeCopy(t, a.Raw(), nil, nil, syncAgeIdentity(t))
	refusesForged(t, a, forged, mustOpenCopy(t, a, a.Raw()))
	if !mustOpenCopy(t, a, a.Raw()).Vouched() {
		t.Fatal("the vault's own file is not vouched")
	}
	// Garbage links (the forger knows no key to seal one under) do not help.
	junk := make([]byte, keyLinkLen)
	rand.Read(junk)
	refusesForged(t, a, forgeCopy(t, a.Raw(), nil, [][]byte{junk}, syncAgeIdentity(t)), nil)
}

// Device B removes a slot, then another (two rotations); device A, which
// never saw the middle file, takes the latest through two links.
func TestKeyLinksThroughTwoRotations(t *testing.T) {
	a, b, c := twoMachines(t)
	var ids []string
	for range 2 {
		s, err := b.AddSlot(AgeRecipient{Recipient: syncAgeIdentity(t).Recipient().String()}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	dek0 := bytes.Clone(b.dek)
	for _, id := range ids {
		if err := b.RemoveSlot(id); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.hdr.KeyLinks); n != 2 {
		t.Fatalf("%d key links after two removals", n)
	}
	got := reachKeys(b.hdr.VaultID, b.dek, b.hdr.KeyLinks)
	if len(got) != 3 || !bytes.Equal(got[2], dek0) {
		t.Fatalf("the links reach %d keys, not back to the first", len(got))
	}
	fresh := open(t, a.Path(), c.pw) // holds only the first key
	if !mustOpenCopy(t, fresh, b.Raw()).Vouched() {
		t.Fatal("B's file is not vouched")
	}
	if err := fresh.Adopt(b.Raw()); err != nil {
		t.Fatalf("Adopt across two rotations: %v", err)
	}
	// a shares fresh's file, which fresh just wrote: ErrChanged
	if err := a.Adopt(b.Raw()); err != nil && !errors.Is(err, ErrChanged) {
		t.Fatalf("Adopt across two rotations: %v", err)
	}
}

// A and B rotate concurrently; A merges (linking to both keys), B adopts
// A's merge. In fresh sessions, theirs is vouched only through the base.
func TestKeyLinksConcurrentRotations(t *testing.T) {
	a, b, c := twoMachines(t)
	base := a.Raw()
	for _, v := range []*Vault{a, b} {
		rotateOnce(t, v)
		addAccount(t, v, "On"+string(v.info.SlotType))
	}
	deka, dekb := bytes.Clone(a.dek), bytes.Clone(b.dek)
	a2 := open(t, a.Path(), c.pw) // holds only A's rotated key
	before := readFile(t, a2.Path())
	theirs := mustOpenCopy(t, a2, b.Raw())
	if theirs.Vouched() {
		t.Fatal("B's key links to the base's key, which this session never held")
	}
	if err := a2.MergeIn(nil, theirs, syncTestMerge); !errors.Is(err, ErrUnvouched) {
		t.Fatalf("MergeIn without the base: %v", err)
	}
	fileUnchanged(t, a2, before, "a refused merge")
	if err := a2.MergeIn(mustOpenCopy(t, a2, base), theirs, syncTestMerge); err != nil {
		t.Fatalf("MergeIn on the base: %v", err)
	}
	if bytes.Equal(a2.dek, deka) || bytes.Equal(a2.dek, dekb) {
		t.Fatal("the merge did not rotate")
	}
	if n := len(a2.hdr.KeyLinks); n != 4 {
		t.Fatalf("the merge has %d links, want 4 (to both keys, and each side's)", n)
	}
	reached := reachKeys(a2.hdr.VaultID, a2.dek, a2.hdr.KeyLinks)
	if !containsKey(reached, deka) || !containsKey(reached, dekb) {
		t.Fatal("the merged key does not link to both parents")
	}
	b2 := open(t, b.Path(), c.rk) // holds only B's rotated key
	if err := b2.Adopt(a2.Raw()); err != nil {
		t.Fatalf("B adopting A's merge: %v", err)
	}
	if len(b2.Data().Live()) != 2 {
		t.Fatalf("B has %d accounts", len(b2.Data().Live()))
	}
}

// The holder of a removed slot knows the key before the removal. A copy
// they forge under a new key, linked to that old key, is refused by a
// device that saw the rotation — whether or not this session held the old
// key before the removal.
func TestRemovedSlotCannotForgeAfterRotation(t *testing.T) {
	v, c := newVault(t)
	idR := syncAgeIdentity(t)
	r, err := v.AddSlot(AgeRecipient{Recipient: idR.Recipient().String()}, "old laptop")
	if err != nil {
		t.Fatal(err)
	}
	addAccount(t, v, "Shared")
	rv := open(t, v.Path(), AgeIdentities{Identities: []age.Identity{idR}})
	old := bytes.Clone(rv.dek) // all the removed slot's holder knows
	if err := v.RemoveSlot(r.ID); err != nil {
		t.Fatal(err)
	}
	evilDEK := make([]byte, keyLen)
	rand.Read(evilDEK)
	link, err := sealLink(rand.Reader, v.hdr.VaultID, evilDEK, old)
	if err != nil {
		t.Fatal(err)
	}
	forged := forgeCopy(t, v.Raw(), evilDEK, [][]byte{link}, syncAgeIdentity(t))
	if got := reachKeys(v.hdr.VaultID, evilDEK, [][]byte{link}); len(got) != 2 || !bytes.Equal(got[1], old) {
		t.Fatal("the forged link does not reach the old key")
	}
	other := open(t, v.Path(), c.rk) // another device, synced since the removal
	refusesForged(t, other, forged, mustOpenCopy(t, other, other.Raw()))
	refusesForged(t, v, forged, mustOpenCopy(t, v, v.Raw())) // held the old key before the removal
	// Also under the old key itself, for Adopt and a merge on a base after
	// the removal.
	underOld := forgeCopy(t, v.Raw(), old, nil, syncAgeIdentity(t))
	oc := mustOpenCopy(t, other, underOld)
	if oc.Vouched() || !errors.Is(other.Adopt(underOld), ErrUnvouched) ||
		!errors.Is(other.MergeIn(mustOpenCopy(t, other, other.Raw()), oc, syncTestMerge), ErrUnvouched) {
		t.Fatal("a copy under the key before the removal was taken")
	}
	// Known weakness (design note 29): a merge on a base from before the
	// removal trusts that base's key, which the removed slot's holder
	// knows. The sync layer's base is the last file both sides synced; once
	// the removal is synced, no later merge has such a base.
	if err := other.MergeIn(mustOpenCopy(t, other, underOld), oc, syncTestMerge); err != nil {
		t.Fatalf("the documented weakness is closed (%v): update design note 29 and this test", err)
	}
}

// A link opens with the newer key only: the old key and the new file's
// links give nothing newer.
func TestKeyLinkDoesNotOpenNewerKey(t *testing.T) {
	v, _ := newVault(t)
	old := rotateOnce(t, v)
	links := syncMustParse(t, v.Raw()).hdr.KeyLinks
	if len(links) != 1 || len(links[0]) != keyLinkLen {
		t.Fatalf("RemoveSlot wrote %d links", len(links))
	}
	if got := reachKeys(v.hdr.VaultID, old, links); len(got) != 1 {
		t.Fatal("the old key opens the new file's link")
	}
	k, _ := hkdfKey(old, nil, keyLinkInfo+v.hdr.VaultID)
	if _, err := unseal(k, links[0], linkAD(v.hdr.VaultID)); err == nil {
		t.Fatal("the old key opens the link")
	}
	if got := reachKeys(v.hdr.VaultID, v.dek, links); len(got) != 2 || !bytes.Equal(got[1], old) {
		t.Fatal("the new key does not open the link to the old")
	}
	// The link is bound to its vault.
	if got := reachKeys(NewID(nil), v.dek, links); len(got) != 1 {
		t.Fatal("the link opens under another vault id")
	}
}

// 65 rotations keep 64 links; a device 64 rotations behind follows them,
// one 65 behind is refused.
func TestKeyLinksBounded(t *testing.T) {
	a, c := newVault(t)
	far, err := Install(filepath.Join(t.TempDir(), "far", "vault.otter"), a.Raw(), testOptions(), c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	var near *Vault
	for i := range maxKeyLinks + 1 {
		rotateOnce(t, a)
		if i == 0 {
			if near, err = Install(filepath.Join(t.TempDir(), "near", "vault.otter"), a.Raw(), testOptions(), c.rk); err != nil {
				t.Fatal(err)
			}
			defer near.Close()
		}
	}
	p := syncMustParse(t, a.Raw())
	if len(p.hdr.KeyLinks) != maxKeyLinks {
		t.Fatalf("%d links", len(p.hdr.KeyLinks))
	}
	if err := near.Adopt(a.Raw()); err != nil {
		t.Fatalf("Adopt across 64 rotations: %v", err)
	}
	before := readFile(t, far.Path())
	if err := far.Adopt(a.Raw()); !errors.Is(err, ErrUnvouched) {
		t.Fatalf("Adopt across 65 rotations: %v, want ErrUnvouched", err)
	}
	fileUnchanged(t, far, before, "a refused Adopt")
}

// A reader refuses too many links or a link of the wrong size; a vault
// that never rotated writes no key_links.
func TestKeyLinksAtParse(t *testing.T) {
	v, _ := newVault(t)
	raw := v.Raw()
	if bytes.Contains(raw, []byte("key_links")) {
		t.Fatal("an empty list was written")
	}
	for name, fn := range map[string]func(h *header){
		"1000 links":      func(h *header) { h.KeyLinks = make([][]byte, 1000); fill(h.KeyLinks, keyLinkLen) },
		"65 links":        func(h *header) { h.KeyLinks = make([][]byte, maxKeyLinks+1); fill(h.KeyLinks, keyLinkLen) },
		"oversized link":  func(h *header) { h.KeyLinks = [][]byte{make([]byte, 4096)} },
		"short link":      func(h *header) { h.KeyLinks = [][]byte{make([]byte, keyLinkLen-1)} },
		"empty link":      func(h *header) { h.KeyLinks = [][]byte{{}} },
		"one byte longer": func(h *header) { h.KeyLinks = [][]byte{make([]byte, keyLinkLen+1)} },
	} {
		forged := retypeHeader(t, raw, fn)
		if _, err := parse(forged); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
		if _, err := specParse(forged); !errors.Is(err, errSpecCorrupt) {
			t.Errorf("spec reader, %s: %v", name, err)
		}
	}
	ok := retypeHeader(t, raw, func(h *header) { h.KeyLinks = make([][]byte, maxKeyLinks); fill(h.KeyLinks, keyLinkLen) })
	if _, err := parse(ok); err != nil {
		t.Fatalf("64 links: %v", err)
	}
	if _, err := specParse(ok); err != nil {
		t.Fatalf("spec reader, 64 links: %v", err)
	}
}

func fill(links [][]byte, n int) {
	for i := range links {
		links[i] = make([]byte, n)
	}
}

// The reader written from docs/vault-format.md follows a file's links.
func TestSpecReaderKeyLinks(t *testing.T) {
	v, c := newVault(t)
	old := rotateOnce(t, v)
	f, err := specParse(v.Raw())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := specUnlock(f, specCred{typ: "recovery", secret: c.rk.Key}); err != nil {
		t.Fatal(err)
	}
	if len(f.hdr.KeyLinks) != 1 {
		t.Fatalf("%d links", len(f.hdr.KeyLinks))
	}
	prev, err := specOpenLink(f.hdr.VaultID, v.dek, f.hdr.KeyLinks[0])
	if err != nil || !bytes.Equal(prev, old) {
		t.Fatalf("spec reader: the link does not open to the old key (%v)", err)
	}
}

// Migrating a format-1 file rotates its data key and links the new key
// to the format-1 one: a device still on the format-1 file takes it.
func TestMigrationLinksToFormatOneKey(t *testing.T) {
	dir := t.TempDir()
	pa, pb := filepath.Join(dir, "a.otter"), filepath.Join(dir, "b.otter")
	writeFile(t, pa, readFile(t, vectorFile))
	writeFile(t, pb, readFile(t, vectorFile))
	rkey, err := ParseRecoveryKey([]byte(vectorRecoveryKey))
	if err != nil {
		t.Fatal(err)
	}
	a := open(t, pa, Password{Secret: []byte(vectorPasswordText)})
	b := open(t, pb, RecoveryKey{Key: rkey})
	old := bytes.Clone(a.dek)
	addAccount(t, a, "Migrated")
	links := a.hdr.KeyLinks
	if got := reachKeys(a.hdr.VaultID, a.dek, links); len(links) != 1 || len(got) != 2 || !bytes.Equal(got[1], old) {
		t.Fatalf("the migration wrote %d links, not one to the format-1 key", len(links))
	}
	if err := b.Adopt(a.Raw()); err != nil {
		t.Fatalf("Adopt of the migrated file on the format-1 device: %v", err)
	}
}

// rotateOnce replaces v's data key once (an age slot added, then
// removed) and returns the key it had before.
func rotateOnce(t *testing.T, v *Vault) []byte {
	t.Helper()
	old := bytes.Clone(v.dek)
	s, err := v.AddSlot(AgeRecipient{Recipient: syncAgeIdentity(t).Recipient().String()}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.RemoveSlot(s.ID); err != nil {
		t.Fatal(err)
	}
	return old
}

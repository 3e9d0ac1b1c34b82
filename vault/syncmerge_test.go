package vault

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
)

// syncTestMerge stands in for the record merge: ours, plus the accounts of
// theirs ours lacks or holds with an older stamp, plus their audit events.
func syncTestMerge(_, ours, theirs *Data) (*Data, error) {
	for _, t := range theirs.Accounts {
		i := slices.IndexFunc(ours.Accounts, func(a Account) bool { return a.ID == t.ID })
		switch {
		case i < 0:
			ours.Accounts = append(ours.Accounts, t)
		case syncStampAfter(t.Stamp, ours.Accounts[i].Stamp):
			ours.Accounts[i] = t
		}
	}
	for _, e := range theirs.Audit {
		if !slices.ContainsFunc(ours.Audit, func(o AuditEvent) bool { return o.ID == e.ID }) {
			ours.Audit = append(ours.Audit, e)
		}
	}
	ours.Clock = syncMaxStamp(ours.Clock, theirs.Clock)
	return ours, nil
}

func syncStampAfter(a, b Stamp) bool {
	if a.MS != b.MS {
		return a.MS > b.MS
	}
	if a.C != b.C {
		return a.C > b.C
	}
	return a.Dev > b.Dev
}

func syncMaxStamp(a, b Stamp) Stamp {
	if syncStampAfter(a, b) {
		return a
	}
	return b
}

// syncOursOnly is a merge that keeps ours whole.
func syncOursOnly(_, ours, _ *Data) (*Data, error) { return ours, nil }

// twoMachines makes a vault on "machine A" (unlocked with the password)
// and installs its file on "machine B" (unlocked with the recovery key).
func twoMachines(t *testing.T) (a, b *Vault, c creds) {
	t.Helper()
	a, c = newVault(t)
	b, err := Install(filepath.Join(t.TempDir(), "b", "vault.otter"), a.Raw(), testOptions(), c.rk)
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	t.Cleanup(b.Close)
	return a, b, c
}

func mustOpenCopy(t *testing.T, v *Vault, raw []byte) *Copy {
	t.Helper()
	c, err := v.OpenCopy(raw)
	if err != nil {
		t.Fatalf("OpenCopy: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// fileUnchanged fails unless the file at v's path is still want.
func fileUnchanged(t *testing.T, v *Vault, want []byte, what string) {
	t.Helper()
	if !bytes.Equal(readFile(t, v.Path()), want) {
		t.Fatalf("%s changed the local file", what)
	}
}

// retypeHeader returns raw with its header changed by fn, the payload
// (nonce, ciphertext) kept and the checksum recomputed: a file the
// checksum accepts, made without the data key.
func retypeHeader(t *testing.T, raw []byte, fn func(h *header)) []byte {
	t.Helper()
	p, err := parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	fn(&p.hdr)
	hj, err := json.Marshal(&p.hdr)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), raw[:len(magic)+2]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(hj)))
	out = append(out, hj...)
	out = append(out, p.nonce...)
	out = append(out, p.ct...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...)
}

func syncAgeIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRawIsTheFile(t *testing.T) {
	a, b, c := twoMachines(t)
	if !bytes.Equal(a.Raw(), readFile(t, a.Path())) || !bytes.Equal(b.Raw(), readFile(t, b.Path())) {
		t.Fatal("Raw after Create / Install is not the file")
	}
	if !bytes.Equal(a.Raw(), b.Raw()) {
		t.Fatal("Install did not write the bytes byte for byte")
	}
	addAccount(t, a, "GitHub")
	if !bytes.Equal(a.Raw(), readFile(t, a.Path())) {
		t.Fatal("Raw after Update is not the file")
	}
	w := open(t, a.Path(), c.rk)
	if !bytes.Equal(w.Raw(), readFile(t, a.Path())) {
		t.Fatal("Raw after Unlock is not the file")
	}
	addAccount(t, w, "GitLab")
	if _, err := a.Refresh(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Raw(), readFile(t, a.Path())) {
		t.Fatal("Raw after Refresh is not the file")
	}
	r := a.Raw()
	r[0] ^= 1
	if bytes.Equal(r, a.Raw()) {
		t.Fatal("Raw returned the vault's own slice")
	}
}

func TestOpenCopy(t *testing.T) {
	a, b, _ := twoMachines(t)
	addAccount(t, b, "FromB")
	c := mustOpenCopy(t, a, b.Raw())
	raw := b.Raw()
	if c.Generation() != b.Generation() || c.Sum() != hex.EncodeToString(raw[len(raw)-sumLen:]) {
		t.Fatalf("generation %d sum %s", c.Generation(), c.Sum())
	}
	if got := issuers(c.Data()); !slices.Equal(got, []string{"FromB"}) {
		t.Fatalf("copy's accounts %v", got)
	}
	d := c.Data()
	d.Accounts[0].Secret[0] = 'X'
	d.Accounts[0].Issuer = "changed"
	if c.Data().Accounts[0].Issuer != "FromB" || c.Data().Accounts[0].Secret[0] == 'X' {
		t.Fatal("Data is not a deep copy")
	}
	if len(c.Slots()) != 2 || len(a.Data().Live()) != 0 {
		t.Fatalf("%d slots; the vault has %d accounts", len(c.Slots()), len(a.Data().Live()))
	}
	secret := c.data.Accounts[0].Secret
	c.Close()
	if c.Data() != nil || !bytes.Equal(secret, make([]byte, len(secret))) {
		t.Fatal("Close left the data or the secret")
	}
	// The vault's own key survives the copy's Close.
	addAccount(t, a, "StillWrites")
}

// Every malformed, foreign or forged copy is refused by OpenCopy, Adopt
// and MergeIn, and none of them changes the local file.
func TestCopyRefusals(t *testing.T) {
	a, b, c := twoMachines(t)
	addAccount(t, a, "Local")
	addAccount(t, b, "Remote")
	good := b.Raw()

	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	other, _ := newVault(t)
	injected := retypeHeader(t, good, func(h *header) {
		s := Slot{ID: NewID(nil), Type: SlotAge, Created: testNow, Recipient: syncAgeIdentity(t).Recipient().String()}
		if err := wrapDEK(rand.Reader, h.VaultID, &s, make([]byte, keyLen)); err != nil { // a key of the attacker's
			t.Fatal(err)
		}
		h.Slots = append(h.Slots, s)
	})
	bumped := retypeHeader(t, good, func(h *header) { h.Generation += 1000 })

	// A genuine file whose generation is 2^32+ above: a writer whose
	// high-water mark was pushed up.
	hw := &memHighWater{}
	o := testOptions()
	o.HighWater, o.AllowRollback = hw, true
	jp := filepath.Join(t.TempDir(), "vault.otter")
	writeFile(t, jp, good)
	l, err := Load(jp, o)
	if err != nil {
		t.Fatal(err)
	}
	jw, err := l.Unlock(c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer jw.Close()
	hw.Raise(jw.hdr.VaultID, a.Generation()+maxGenerationJump+1)
	addAccount(t, jw, "Jumped")

	// A genuine file that removed A's password slot.
	rm := open(t, b.Path(), c.rk)
	if _, err := rm.AddSlot(AgeRecipient{Recipient: syncAgeIdentity(t).Recipient().String()}, ""); err != nil {
		t.Fatal(err)
	}
	if err := rm.RemoveSlot(a.Unlocked().SlotID); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		raw  []byte
		want error
	}{
		{"flipped bit", flipped, ErrCorrupt},
		{"truncated", good[:len(good)-40], ErrCorrupt},
		{"too short", good[:50], ErrCorrupt},
		{"another vault", other.Raw(), ErrOtherVault},
		{"slot injected without the key", injected, ErrCorrupt},
		{"generation changed without the key", bumped, ErrCorrupt},
		{"generation jump", jw.Raw(), ErrGenerationJump},
		{"our slot removed", rm.Raw(), ErrSlotRemoved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := readFile(t, a.Path())
			if _, err := a.OpenCopy(tc.raw); !errors.Is(err, tc.want) {
				t.Errorf("OpenCopy: %v, want %v", err, tc.want)
			}
			if err := a.Adopt(tc.raw); !errors.Is(err, tc.want) {
				t.Errorf("Adopt: %v, want %v", err, tc.want)
			}
			fileUnchanged(t, a, before, "a refused copy")
			if !slices.Equal(issuers(a.Data()), []string{"Local"}) {
				t.Errorf("the vault holds %v", issuers(a.Data()))
			}
		})
	}
	if _, err := a.OpenCopy(rm.Raw()); !errors.Is(err, ErrNoUsableSlot) {
		t.Errorf("a copy without our slot: %v, want it to match ErrNoUsableSlot too", err)
	}
	// MergeIn refuses a copy whose generation jumps, or that removed our
	// slot, even when the copy was opened by another session.
	before := readFile(t, a.Path())
	jc := mustOpenCopy(t, jw, jw.Raw())
	if err := a.MergeIn(nil, jc, syncTestMerge); !errors.Is(err, ErrGenerationJump) {
		t.Errorf("MergeIn of a jump: %v", err)
	}
	rc := mustOpenCopy(t, rm, rm.Raw())
	if err := a.MergeIn(nil, rc, syncTestMerge); !errors.Is(err, ErrSlotRemoved) {
		t.Errorf("MergeIn of a copy without our slot: %v, want ErrSlotRemoved", err)
	}
	fileUnchanged(t, a, before, "a refused merge")
}

func TestAdoptFastForward(t *testing.T) {
	hw := &memHighWater{}
	c := newCreds(t)
	var saved []uint64
	o := testOptions()
	o.HighWater = hw
	o.AfterSave = func(_ string, gen uint64, _ []byte) { saved = append(saved, gen) }
	a, err := Create(filepath.Join(t.TempDir(), "vault.otter"), o, c.pw, c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	first := a.Raw()
	b, err := Install(filepath.Join(t.TempDir(), "vault.otter"), first, testOptions(), c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	addAccount(t, b, "One")
	addAccount(t, b, "Two")
	if err := a.Adopt(b.Raw()); err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	if !bytes.Equal(readFile(t, a.Path()), b.Raw()) || !bytes.Equal(a.Raw(), b.Raw()) {
		t.Fatal("Adopt did not write the copy byte for byte")
	}
	if a.Generation() != 3 || !slices.Equal(issuers(a.Data()), []string{"One", "Two"}) {
		t.Fatalf("generation %d, accounts %v", a.Generation(), issuers(a.Data()))
	}
	if !bytes.Equal(readFile(t, backupFile(a, 1)), first) {
		t.Fatal("the previous file was not kept as a backup")
	}
	if got, _ := hw.Get(a.hdr.VaultID); got != 3 {
		t.Fatalf("high-water mark %d, want 3", got)
	}
	if !slices.Equal(saved, []uint64{1, 3}) {
		t.Fatalf("AfterSave saw %v", saved)
	}
	addAccount(t, a, "Three") // the adopted file is the vault's own now
	if a.Generation() != 4 {
		t.Fatalf("next save is generation %d", a.Generation())
	}
	// Older and equal generations are no fast-forward.
	now := readFile(t, a.Path())
	for _, raw := range [][]byte{first, b.Raw(), a.Raw()} {
		err := a.Adopt(raw)
		var re *RollbackError
		if !errors.As(err, &re) || !errors.Is(err, ErrRollback) {
			t.Fatalf("Adopt of generation %d: %v, want a *RollbackError", syncMustParse(t, raw).hdr.Generation, err)
		}
	}
	fileUnchanged(t, a, now, "a refused Adopt")
}

func syncMustParse(t *testing.T, raw []byte) *parsed {
	t.Helper()
	p, err := parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The test the sync design rests on: one side removes a slot, the other
// adds one; the merge keeps the removal, wraps a new data key to the slot
// added on the other side without its credential, and nothing the removed
// slot ever held opens the result.
func TestMergeInKeepsRemovedSlotOut(t *testing.T) {
	v, c := newVault(t)
	idR, idS := syncAgeIdentity(t), syncAgeIdentity(t)
	r, err := v.AddSlot(AgeRecipient{Recipient: idR.Recipient().String()}, "old laptop")
	if err != nil {
		t.Fatal(err)
	}
	addAccount(t, v, "Shared")
	// Everything the removed slot's holder ever had: the data key and its
	// identity, as of before the fork.
	var held material
	rv := open(t, v.Path(), AgeIdentities{Identities: []age.Identity{idR}})
	held.take(rv)
	held.secrets = append(held.secrets, []byte(idR.String()))

	a := v // machine A, unlocked with the password
	b, err := Install(filepath.Join(t.TempDir(), "vault.otter"), a.Raw(), testOptions(), c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	base := mustOpenCopy(t, a, a.Raw())

	if err := b.RemoveSlot(r.ID); err != nil { // B removes the old laptop
		t.Fatal(err)
	}
	addAccount(t, b, "OnB")
	if _, err := a.AddSlot(AgeRecipient{Recipient: idS.Recipient().String()}, "new phone"); err != nil { // A adds a phone
		t.Fatal(err)
	}
	addAccount(t, a, "OnA")
	if !slices.Contains(b.hdr.RemovedSlots, r.ID) {
		t.Fatal("RemoveSlot did not record the removed slot")
	}

	// B merges A's copy: the phone's slot comes from the other side.
	theirs := mustOpenCopy(t, b, a.Raw())
	bBase := mustOpenCopy(t, b, base.raw)
	want := max(a.Generation(), b.Generation()) + 1
	if err := b.MergeIn(bBase, theirs, syncTestMerge); err != nil {
		t.Fatalf("MergeIn: %v", err)
	}
	if b.Generation() != want {
		t.Fatalf("merged generation %d, want %d", b.Generation(), want)
	}
	if got := issuers(b.Data()); !slices.Equal(got, []string{"Shared", "OnB", "OnA"}) {
		t.Fatalf("merged accounts %v", got)
	}
	if !hasEvent(b.Data(), "vault.merge") {
		t.Fatal("no vault.merge audit event")
	}
	var ids []string
	for _, s := range b.Slots() {
		ids = append(ids, s.Label)
	}
	if !slices.Equal(ids, []string{"", "", "new phone"}) || !slices.Equal(b.hdr.RemovedSlots, []string{r.ID}) {
		t.Fatalf("merged slots %q, removed %v", ids, b.hdr.RemovedSlots)
	}
	if held.opens(t, b.Path()) {
		t.Fatal("the removed slot's key material opens the merged file")
	}
	p := syncMustParse(t, readFile(t, b.Path()))
	for i := range p.hdr.Slots {
		if _, err := unwrapDEK(idR, p.hdr.VaultID, &p.hdr.Slots[i]); err == nil {
			t.Fatalf("the removed identity unwraps slot %d's data key", i)
		}
	}
	l, err := Load(b.Path(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Unlock(AgeIdentities{Identities: []age.Identity{idR}}); !errors.Is(err, ErrWrongCredential) {
		t.Fatalf("the removed identity: %v, want ErrWrongCredential", err)
	}
	phone, err := l.Unlock(AgeIdentities{Identities: []age.Identity{idS}})
	if err != nil {
		t.Fatalf("the slot added on the other side does not open the merge: %v", err)
	}
	phone.Close()
	// Every slot of the merge opens it with its own credential.
	for _, cr := range []Credential{c.pw, c.rk} {
		w := open(t, b.Path(), cr)
		if len(w.Data().Live()) != 3 {
			t.Fatalf("%s opens %d accounts", cr.SlotType(), len(w.Data().Live()))
		}
	}

	// A fast-forwards to B's merge; merging the other way round would
	// also drop the removed slot.
	if err := a.Adopt(b.Raw()); err != nil {
		t.Fatalf("Adopt of the merge: %v", err)
	}
	if a.hdr.slot(r.ID) != nil || !bytes.Equal(readFile(t, a.Path()), b.Raw()) {
		t.Fatal("A did not take the merge")
	}
	addAccount(t, a, "AfterAdopt")
}

// The other direction: A merges a copy that removed a slot A still has.
func TestMergeInRemovalFromTheirs(t *testing.T) {
	a, b, c := twoMachines(t)
	idR := syncAgeIdentity(t)
	r, err := a.AddSlot(AgeRecipient{Recipient: idR.Recipient().String()}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Adopt(a.Raw()); err != nil {
		t.Fatal(err)
	}
	var held material
	held.take(open(t, a.Path(), AgeIdentities{Identities: []age.Identity{idR}}))
	if err := b.RemoveSlot(r.ID); err != nil {
		t.Fatal(err)
	}
	addAccount(t, a, "OnA")
	if err := a.MergeIn(nil, mustOpenCopy(t, a, b.Raw()), syncTestMerge); err != nil {
		t.Fatal(err)
	}
	if a.hdr.slot(r.ID) != nil || !slices.Equal(a.hdr.RemovedSlots, []string{r.ID}) || held.opens(t, a.Path()) {
		t.Fatal("the slot removed on the other side survived the merge")
	}
	open(t, a.Path(), c.rk)
}

// Two copies with the same data key and slots merge without a rotation.
func TestMergeInSameKeyKeepsWraps(t *testing.T) {
	a, b, _ := twoMachines(t)
	addAccount(t, a, "A")
	addAccount(t, b, "B")
	dek, wraps := bytes.Clone(a.dek), a.Slots()
	if err := a.MergeIn(nil, mustOpenCopy(t, a, b.Raw()), syncTestMerge); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.dek, dek) {
		t.Fatal("the data key was rotated")
	}
	for i, s := range a.Slots() {
		if !bytes.Equal(s.WrappedDEK, wraps[i].WrappedDEK) {
			t.Fatal("a wrap changed")
		}
	}
	if !slices.Equal(issuers(a.Data()), []string{"A", "B"}) {
		t.Fatalf("merged %v", issuers(a.Data()))
	}
}

// A merge may bring back an account one side deleted, but never lowers an
// HOTP counter or reverts a used recovery code, relative to either side.
func TestMergeInChecks(t *testing.T) {
	a, b, _ := twoMachines(t)
	err := a.Update(func(d *Data) error {
		d.AddAccount(Account{Issuer: "Counter", Secret: []byte("JBSWY3DPEHPK3PXP"), Type: "hotp", Counter: 3}, testNow)
		d.AddAccount(Account{Issuer: "Gone", Secret: []byte("JBSWY3DPEHPK3PXP")}, testNow)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Adopt(a.Raw()); err != nil {
		t.Fatal(err)
	}
	gone := a.Data().Find("Gone")[0].ID
	counter := a.Data().Find("Counter")[0].ID
	if err := a.Update(func(d *Data) error { d.DeleteAccount(gone, testNow); return nil }); err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(d *Data) error {
		x := d.Account(gone)
		x.Notes, x.Stamp = "edited later", d.Tick(testNow.Add(3600e9))
		ca := d.Account(counter)
		ca.Counter, ca.Stamp = 9, d.Tick(testNow.Add(3600e9))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := readFile(t, a.Path())
	theirs := mustOpenCopy(t, a, b.Raw())
	// Keeping ours whole would lower the counter B advanced to 9.
	if err := a.MergeIn(nil, theirs, syncOursOnly); err == nil {
		t.Fatal("a merge lowering their HOTP counter was saved")
	}
	fileUnchanged(t, a, before, "a refused merge")
	// A merge returning an invalid account or a control character fails as
	// Update does.
	bad := func(base, ours, theirs *Data) (*Data, error) {
		m, _ := syncTestMerge(base, ours, theirs)
		m.Accounts = append(m.Accounts, Account{ID: NewID(nil), Issuer: "bell\a", Secret: []byte("x")})
		return m, nil
	}
	if err := a.MergeIn(nil, theirs, bad); !errors.Is(err, ErrControlChar) {
		t.Fatalf("new control character: %v", err)
	}
	failing := func(_, _, _ *Data) (*Data, error) { return nil, errors.New("no") }
	if err := a.MergeIn(nil, theirs, failing); err == nil || err.Error() != "no" {
		t.Fatalf("the merge's own error: %v", err)
	}
	fileUnchanged(t, a, before, "a refused merge")
	// The real merge revives the account B edited after A deleted it.
	if err := a.MergeIn(nil, theirs, syncTestMerge); err != nil {
		t.Fatalf("MergeIn reviving an edited account: %v", err)
	}
	if got := a.Data().Account(gone); got == nil || got.Notes != "edited later" || a.Data().Account(counter).Counter != 9 {
		t.Fatalf("merged %+v", a.Data().Accounts)
	}
}

func TestMergeInGenerationFollowsTheirs(t *testing.T) {
	a, b, _ := twoMachines(t)
	for i := range 5 {
		addAccount(t, b, fmt.Sprint("b", i))
	}
	addAccount(t, a, "a")
	if err := a.MergeIn(nil, mustOpenCopy(t, a, b.Raw()), syncTestMerge); err != nil {
		t.Fatal(err)
	}
	if a.Generation() != b.Generation()+1 {
		t.Fatalf("merged generation %d, theirs %d", a.Generation(), b.Generation())
	}
	if err := b.Adopt(a.Raw()); err != nil {
		t.Fatal(err)
	}
	if len(b.Data().Live()) != 6 {
		t.Fatalf("B has %d accounts", len(b.Data().Live()))
	}
}

func TestInstall(t *testing.T) {
	a, c := newVault(t)
	addAccount(t, a, "GitHub")
	raw := a.Raw()
	dir := t.TempDir()
	path := filepath.Join(dir, "new", "vault.otter")
	if _, err := Install(path, raw, testOptions(), Password{Secret: []byte("wrong"), KDF: weakKDF}); !errors.Is(err, ErrWrongCredential) {
		t.Fatalf("wrong password: %v", err)
	}
	flipped := bytes.Clone(raw)
	flipped[100] ^= 1
	if _, err := Install(path, flipped, testOptions(), c.pw); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged file: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a failed Install wrote something")
	}
	hw := &memHighWater{}
	hw.Raise(a.hdr.VaultID, a.Generation()+1)
	if _, err := Install(path, raw, &Options{AllowWeakKDF: true, HighWater: hw}, c.pw); !errors.Is(err, ErrRollback) {
		t.Fatalf("a generation below the mark: %v", err)
	}
	v, err := Install(path, raw, testOptions(), c.pw)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if !bytes.Equal(readFile(t, path), raw) || !slices.Equal(issuers(v.Data()), []string{"GitHub"}) {
		t.Fatal("Install did not write the file byte for byte")
	}
	if _, err := Install(path, raw, testOptions(), c.pw); !errors.Is(err, ErrExist) {
		t.Fatalf("over an existing vault: %v", err)
	}
	addAccount(t, v, "GitLab")
}

func TestRemovedSlotsInHeader(t *testing.T) {
	var h header
	for i := range maxRemovedSlots + 10 {
		h.removeSlot(fmt.Sprintf("%032x", i))
	}
	if len(h.RemovedSlots) != maxRemovedSlots || h.RemovedSlots[0] != fmt.Sprintf("%032x", 10) {
		t.Fatalf("%d removed ids, oldest %s", len(h.RemovedSlots), h.RemovedSlots[0])
	}
	h.removeSlot(h.RemovedSlots[5])
	if len(h.RemovedSlots) != maxRemovedSlots {
		t.Fatal("an id was recorded twice")
	}

	v, _ := newVault(t)
	raw := v.Raw()
	if bytes.Contains(raw, []byte("removed_slots")) {
		t.Fatal("an empty list was written")
	}
	live := v.hdr.Slots[0].ID
	for name, fn := range map[string]func(h *header){
		"a live slot listed":   func(h *header) { h.RemovedSlots = []string{live} },
		"a bad id":             func(h *header) { h.RemovedSlots = []string{"xyz"} },
		"an id listed twice":   func(h *header) { id := NewID(nil); h.RemovedSlots = []string{id, id} },
		"more than the bound ": func(h *header) { h.RemovedSlots = make([]string, maxRemovedSlots+1) },
	} {
		if _, err := parse(retypeHeader(t, raw, fn)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	if _, err := parse(retypeHeader(t, raw, func(h *header) { h.RemovedSlots = []string{NewID(nil)} })); err != nil {
		t.Fatalf("a valid list: %v", err)
	}
}

func TestCopySameKey(t *testing.T) {
	a, b, _ := twoMachines(t)
	addAccount(t, b, "B")
	if !mustOpenCopy(t, a, b.Raw()).SameKey() {
		t.Fatal("a copy under the same data key")
	}
	if _, err := b.AddSlot(AgeRecipient{Recipient: syncAgeIdentity(t).Recipient().String()}, ""); err != nil {
		t.Fatal(err)
	}
	if !mustOpenCopy(t, a, b.Raw()).SameKey() {
		t.Fatal("adding a slot does not rotate the data key")
	}
	if err := b.RemoveSlot(b.Slots()[2].ID); err != nil {
		t.Fatal(err)
	}
	if mustOpenCopy(t, a, b.Raw()).SameKey() {
		t.Fatal("a copy under a rotated key reported the same key")
	}
}

// Sixteen slots at most, two at least: a merge beyond either writes
// nothing.
func TestMergeInSlotBounds(t *testing.T) {
	a, b, _ := twoMachines(t)
	for _, v := range []*Vault{a, b} {
		for range 8 {
			if _, err := v.AddSlot(AgeRecipient{Recipient: syncAgeIdentity(t).Recipient().String()}, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := readFile(t, a.Path())
	if err := a.MergeIn(nil, mustOpenCopy(t, a, b.Raw()), syncTestMerge); !errors.Is(err, ErrLimit) {
		t.Fatalf("18 slots: %v, want ErrLimit", err)
	}
	fileUnchanged(t, a, before, "a merge over the slot limit")
}

// MergeIn rereads ours under the writers' lock: a change another process
// saved after the copy was opened is part of the merge, and events queued
// with Carry are written with it.
func TestMergeInRereadsOurs(t *testing.T) {
	a, b, c := twoMachines(t)
	addAccount(t, b, "B")
	theirs := mustOpenCopy(t, a, b.Raw())
	other := open(t, a.Path(), c.pw)
	addAccount(t, other, "OtherProcess")
	a.Carry(AuditEvent{At: testNow, Kind: "unlock", Detail: "carried"})
	if err := a.MergeIn(nil, theirs, syncTestMerge); err != nil {
		t.Fatal(err)
	}
	if got := issuers(a.Data()); !slices.Equal(got, []string{"OtherProcess", "B"}) {
		t.Fatalf("merged %v", got)
	}
	if !slices.ContainsFunc(a.Data().Audit, func(e AuditEvent) bool { return e.Detail == "carried" }) {
		t.Fatal("the carried event was not written")
	}
	if _, err := other.Refresh(); err != nil || len(other.Data().Live()) != 2 {
		t.Fatalf("the other process does not follow the merge: %v", err)
	}
}

// The limit design note 26 records: whoever reads a header can write a
// file that opens, with a slot of their own, because wrapping a data key
// to the slots' recipients needs no secret. OpenCopy cannot tell it from a
// copy whose key was rotated; SameKey is false for it, which is what a
// sync layer asks the user about.
func TestForgedCopyOpensButIsNotSameKey(t *testing.T) {
	a, _ := newVault(t)
	addAccount(t, a, "Real")
	forged := forgeCopy(t, a.Raw(), nil, nil, syncAgeIdentity(t))
	c, err := a.OpenCopy(forged)
	if err != nil {
		t.Fatalf("the forged copy did not open (%v): update design note 26", err)
	}
	defer c.Close()
	if c.SameKey() || c.Vouched() || len(c.Slots()) != 3 {
		t.Fatalf("forged copy: same key %v, vouched %v, %d slots", c.SameKey(), c.Vouched(), len(c.Slots()))
	}
	// Adopt and MergeIn refuse it: TestForgedCopyIsUnvouched.
}

// A legacy slot (migrated from format 1, its credential not used since)
// that the other machine's unlock upgraded comes out of the merge
// upgraded: the only change of a slot a merge takes from theirs.
func TestMergeInTakesTheirUpgradeOfALegacySlot(t *testing.T) {
	mig := readFile(t, vector2MigFile)
	rk, err := ParseRecoveryKey([]byte(readLine(t, vectorRKFile)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Install(filepath.Join(t.TempDir(), "vault.otter"), mig, testOptions(), Password{Secret: []byte(readLine(t, vectorPwFile))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Install(filepath.Join(t.TempDir(), "vault.otter"), mig, testOptions(), RecoveryKey{Key: rk})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	recovery := func(v *Vault) Slot {
		for _, s := range v.Slots() {
			if s.Type == SlotRecovery {
				return s
			}
		}
		t.Fatal("no recovery slot")
		return Slot{}
	}
	if len(recovery(a).Legacy) == 0 {
		t.Fatal("the vector's recovery slot is not legacy")
	}
	addAccount(t, b, "OnB") // B's write stores the upgrade its unlock made
	addAccount(t, a, "OnA")
	up := recovery(b)
	if len(up.Legacy) != 0 || len(recovery(a).Legacy) == 0 {
		t.Fatal("B did not upgrade the slot, or A did")
	}
	if err := a.MergeIn(nil, mustOpenCopy(t, a, b.Raw()), syncTestMerge); err != nil {
		t.Fatal(err)
	}
	if got := recovery(a); len(got.Legacy) != 0 || !bytes.Equal(got.Wrapped, up.Wrapped) {
		t.Fatal("the merge kept the legacy slot")
	}
	w := open(t, a.Path(), RecoveryKey{Key: rk})
	if len(w.Data().Live()) != len(a.Data().Live()) {
		t.Fatal("the upgraded slot does not open the merge")
	}
}

// The reader written from docs/vault-format.md reads removed_slots as
// otter writes it and refuses the lists the document calls corrupt.
func TestSpecReaderRemovedSlots(t *testing.T) {
	v, c := newVault(t)
	s, err := v.AddSlot(RecoveryKey{Key: c.rk.Key}, "second")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.RemoveSlot(s.ID); err != nil {
		t.Fatal(err)
	}
	raw := v.Raw()
	f, err := specParse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.hdr.RemovedSlots, []string{s.ID}) {
		t.Fatalf("removed_slots %v", f.hdr.RemovedSlots)
	}
	if _, err := specUnlock(f, specCred{typ: "recovery", secret: c.rk.Key}); err != nil {
		t.Fatalf("spec reader: %v", err)
	}
	live := v.hdr.Slots[0].ID
	for name, fn := range map[string]func(h *header){
		"a live slot":  func(h *header) { h.RemovedSlots = append(h.RemovedSlots, live) },
		"twice":        func(h *header) { h.RemovedSlots = append(h.RemovedSlots, s.ID) },
		"not hex":      func(h *header) { h.RemovedSlots = []string{strings.Repeat("g", 32)} },
		"over the cap": func(h *header) { h.RemovedSlots = make([]string, maxRemovedSlots+1) },
	} {
		if _, err := specParse(retypeHeader(t, raw, fn)); !errors.Is(err, errSpecCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestAdoptRefusesWhenAnotherProcessSaved: a sync compared the vault, then
// another process saved a change before the fast-forward — adopting the
// remote copy would drop that change, so Adopt refuses and writes nothing.
func TestAdoptRefusesWhenAnotherProcessSaved(t *testing.T) {
	c := newCreds(t)
	a, err := Create(filepath.Join(t.TempDir(), "vault.otter"), testOptions(), c.pw, c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	remote, err := Install(filepath.Join(t.TempDir(), "vault.otter"), a.Raw(), testOptions(), c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	for _, n := range []string{"R1", "R2", "R3"} {
		addAccount(t, remote, n)
	}
	l, err := Load(a.Path(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	other, err := l.Unlock(c.pw) // another process on the same file
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	addAccount(t, other, "Local")
	saved := readFile(t, a.Path())
	if err := a.Adopt(remote.Raw()); !errors.Is(err, ErrChanged) {
		t.Fatalf("Adopt after another process saved: %v, want ErrChanged", err)
	}
	if !bytes.Equal(readFile(t, a.Path()), saved) {
		t.Fatal("the refused Adopt wrote the file")
	}
	if !slices.Contains(issuers(a.Data()), "Local") {
		t.Fatalf("the Vault does not hold the other process's change: %v", issuers(a.Data()))
	}
}

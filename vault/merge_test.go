package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// mergeT0 is the fixtures' clock origin.
var mergeT0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// at is minute n after mergeT0.
func at(n int) time.Time { return mergeT0.Add(time.Duration(n) * time.Minute) }

// canon is d's canonical encoding: equal data, equal bytes (the device id,
// local state, is not part of it).
func canon(t testing.TB, d *Data) []byte {
	t.Helper()
	b, err := marshalPayload(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fork is a copy of d on device dev.
func fork(d *Data, dev string) *Data {
	c := d.clone()
	c.DeviceID = dev
	return c
}

// edit changes the live account id of d at now, stamping it.
func edit(t testing.TB, d *Data, id string, now time.Time, change func(a *Account)) {
	t.Helper()
	a := d.Account(id)
	if a == nil {
		t.Fatalf("no live account %s", id)
	}
	change(a)
	a.Updated, a.Stamp = now, d.Tick(now)
}

// mergeBoth merges ours and theirs in both orders, checks that both give
// the same data and report, that the inputs are unchanged and that the
// result validates, and returns it.
func mergeBoth(t testing.TB, base, ours, theirs *Data) (*Data, MergeReport) {
	t.Helper()
	var before [][]byte
	for _, d := range []*Data{base, ours, theirs} {
		if d != nil {
			before = append(before, canon(t, d))
		}
	}
	m1, r1 := Merge(base, ours, theirs)
	m2, r2 := Merge(base, theirs, ours)
	if !bytes.Equal(canon(t, m1), canon(t, m2)) {
		t.Fatalf("merge is not commutative:\n%s", dataDiff(m1, m2))
	}
	if !reflect.DeepEqual(r1, r2) {
		t.Fatalf("reports differ by order:\n%+v\n%+v", r1, r2)
	}
	if m1.DeviceID != ours.DeviceID {
		t.Errorf("DeviceID = %q, want ours %q", m1.DeviceID, ours.DeviceID)
	}
	if want := laterStamp(ours.Clock, theirs.Clock); m1.Clock != want {
		t.Errorf("Clock = %+v, want %+v", m1.Clock, want)
	}
	i := 0
	for _, d := range []*Data{base, ours, theirs} {
		if d != nil {
			if !bytes.Equal(before[i], canon(t, d)) {
				t.Fatal("Merge changed an input")
			}
			i++
		}
	}
	// The result shares no memory with the inputs: scribbling on it
	// changes none of them.
	scribble(m2)
	i = 0
	for _, d := range []*Data{base, ours, theirs} {
		if d != nil {
			if !bytes.Equal(before[i], canon(t, d)) {
				t.Fatal("the merge result aliases an input")
			}
			i++
		}
	}
	if err := m1.validate(); err != nil {
		t.Fatalf("merged data does not validate: %v", err)
	}
	for _, in := range []*Data{ours, theirs} {
		if err := checkText(in, m1); err != nil {
			t.Fatalf("checkText: %v", err)
		}
	}
	// Merging again with the result changes nothing.
	if again, _ := Merge(base, m1, m1); !bytes.Equal(canon(t, again), canon(t, m1)) {
		t.Fatal("merge(r, r) != r")
	}
	return m1, r1
}

// baseVault is a vault with two accounts, GitHub (HOTP, counter 5, with
// recovery codes a b c) and Mail, made on device "base".
func baseVault(t testing.TB) (d *Data, github, mail string) {
	d = &Data{DeviceID: "base"}
	g := d.AddAccount(Account{Issuer: "GitHub", Name: "alice", Secret: []byte("0123456789"), Type: "hotp", Counter: 5}, at(0))
	github = g.ID
	mail = d.AddAccount(Account{Issuer: "Mail", Name: "alice", Secret: []byte("abcdefghij"), Notes: "old"}, at(0)).ID
	d.AddRecoveryCodes(github, []string{"a", "b", "c"}, at(0))
	return d, github, mail
}

func TestMergeDifferentFieldsKeepsBothEdits(t *testing.T) {
	base, _, mail := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	edit(t, ours, mail, at(1), func(a *Account) { a.Name = "bob" })
	edit(t, theirs, mail, at(2), func(a *Account) { a.Notes = "new"; a.Tags = []string{"work"} })
	m, rep := mergeBoth(t, base, ours, theirs)
	a := m.Account(mail)
	if a.Name != "bob" || a.Notes != "new" || !slices.Equal(a.Tags, []string{"work"}) {
		t.Errorf("merged account = %+v %q %v, want both edits", a, a.Notes, a.Tags)
	}
	if len(rep.Conflicts) != 0 || len(m.Trash) != 0 {
		t.Errorf("conflicts %v, trash %v: want none", rep.Conflicts, m.Trash)
	}
	if a.Stamp != theirs.Account(mail).Stamp || !a.Updated.Equal(at(2)) || !a.Created.Equal(at(0)) {
		t.Errorf("stamp %+v updated %v created %v: want the later stamp and update, the first creation", a.Stamp, a.Updated, a.Created)
	}
}

func TestMergeSameFieldLaterStampWinsAndLoserIsInTheTrash(t *testing.T) {
	base, _, mail := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	edit(t, ours, mail, at(1), func(a *Account) { a.Notes = "laptop's"; a.URL = "https://mail" })
	edit(t, theirs, mail, at(2), func(a *Account) { a.Notes = "phone's" })
	m, rep := mergeBoth(t, base, ours, theirs)
	a := m.Account(mail)
	if a.Notes != "phone's" || a.URL != "https://mail" {
		t.Errorf("notes %q url %q: want the later notes and the url", a.Notes, a.URL)
	}
	want := []Conflict{{Kind: "account", ID: mail, Label: "Mail:alice", Field: "notes", Winner: "phone", Loser: "laptop"}}
	if !reflect.DeepEqual(rep.Conflicts, want) {
		t.Errorf("conflicts = %+v, want %+v", rep.Conflicts, want)
	}
	if len(m.Trash) != 1 || m.Trash[0].Reason != TrashConflict {
		t.Fatalf("trash = %+v, want the loser", m.Trash)
	}
	// The user restores the losing version.
	restored := m.RestoreTrashed(m.Trash[0].Account.ID, at(3))
	if restored == nil || restored.Notes != "laptop's" || restored.Label() != "Mail:alice" || !bytes.Equal(restored.Secret, []byte("abcdefghij")) {
		t.Fatalf("restored = %+v", restored)
	}
	if err := m.validate(); err != nil {
		t.Fatal(err)
	}

	// The same value on both sides is no conflict.
	edit(t, ours, mail, at(3), func(a *Account) { a.Notes = "same" })
	edit(t, theirs, mail, at(4), func(a *Account) { a.Notes = "same" })
	m, rep = mergeBoth(t, base, ours, theirs)
	if m.Account(mail).Notes != "same" || len(rep.Conflicts) != 0 || len(m.Trash) != 0 {
		t.Errorf("same value: notes %q, conflicts %v, trash %d", m.Account(mail).Notes, rep.Conflicts, len(m.Trash))
	}
}

func TestMergeDeleteVersusEdit(t *testing.T) {
	base, github, mail := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	ours.DeleteAccount(github, at(2))
	edit(t, theirs, github, at(1), func(a *Account) { a.Notes = "still mine" })
	ours.DeleteAccount(mail, at(2)) // mail: not edited on the other side
	m, _ := mergeBoth(t, base, ours, theirs)

	g := m.Account(github)
	if g == nil || g.Notes != "still mine" || g.Counter != 5 {
		t.Fatalf("the edited account did not survive its deletion: %+v", g)
	}
	if m.TrashedAt(github) != nil {
		t.Error("the surviving account is still in the trash")
	}
	if set := m.RecoveryFor(github); set.Unused() != 3 {
		t.Errorf("the surviving account lost its recovery codes: %+v", set)
	}
	if m.Account(mail) != nil {
		t.Error("a delete against no edit did not win")
	}
	if tr := m.TrashedAt(mail); tr == nil || tr.Account.Notes != "old" {
		t.Errorf("the deleted account is not restorable: %+v", tr)
	}

	// Both deleted: a tombstone.
	theirs.DeleteAccount(mail, at(3))
	m, _ = mergeBoth(t, base, ours, theirs)
	if m.Account(mail) != nil {
		t.Error("deleted on both sides, yet live")
	}
}

func TestMergeHOTPCounterTakesTheMax(t *testing.T) {
	base, github, _ := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	edit(t, ours, github, at(1), func(a *Account) { a.Counter++ })
	edit(t, theirs, github, at(2), func(a *Account) { a.Counter++ })
	edit(t, theirs, github, at(3), func(a *Account) { a.Counter++ })
	m, rep := mergeBoth(t, base, ours, theirs)
	if got := m.Account(github).Counter; got != 7 {
		t.Errorf("counter = %d, want 5+2 = 7 (no code shown twice)", got)
	}
	if len(rep.Conflicts) != 0 {
		t.Errorf("a counter is no conflict: %v", rep.Conflicts)
	}
}

func TestMergeRecoveryUsedOnOneSideReplacedOnTheOther(t *testing.T) {
	base, github, _ := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	if _, _, err := ours.UseRecoveryCode(github, at(1)); err != nil {
		t.Fatal(err)
	}
	old := theirs.RecoveryFor(github)
	*old = RecoverySet{ID: old.ID, AccountID: github, Stamp: theirs.Tick(at(2)), Deleted: true}
	theirs.AddRecoveryCodes(github, []string{"d", "e", "f"}, at(2))
	m, _ := mergeBoth(t, base, ours, theirs)
	set := m.RecoveryFor(github)
	if got := codeList(set); !slices.Equal(got, []string{"d", "e", "f"}) || set.Unused() != 3 {
		t.Errorf("codes = %v (%d unused), want the replacement d e f", got, set.Unused())
	}
	live := 0
	for _, r := range m.Recovery {
		if r.AccountID == github && !r.Deleted {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d live sets for one account", live)
	}

	// Used on one side, codes added on the other: both.
	ours, theirs = fork(base, "laptop"), fork(base, "phone")
	ours.UseRecoveryCode(github, at(1))
	theirs.AddRecoveryCodes(github, []string{"z"}, at(2))
	m, _ = mergeBoth(t, base, ours, theirs)
	set = m.RecoveryFor(github)
	if got := codeList(set); !slices.Equal(got, []string{"a", "b", "c", "z"}) || set.Codes[0].UsedAt.IsZero() || set.Unused() != 3 {
		t.Errorf("codes = %+v, want a (used) b c z", set.Codes)
	}

	// Removed on one side, one used on the other: the edit survives.
	ours, theirs = fork(base, "laptop"), fork(base, "phone")
	set = ours.RecoveryFor(github)
	*set = RecoverySet{ID: set.ID, AccountID: github, Stamp: ours.Tick(at(3)), Deleted: true}
	theirs.UseRecoveryCode(github, at(1))
	m, _ = mergeBoth(t, base, ours, theirs)
	if set = m.RecoveryFor(github); set.Unused() != 2 || len(set.Codes) != 3 {
		t.Errorf("codes = %+v, want a (used) b c", set)
	}
	// Removed on one side, untouched on the other: removed.
	m, _ = mergeBoth(t, base, ours, fork(base, "phone"))
	if m.RecoveryFor(github) != nil {
		t.Error("removed codes came back")
	}
}

func codeList(r *RecoverySet) []string {
	var out []string
	for _, c := range r.codes() {
		out = append(out, c.Code)
	}
	return out
}

func TestMergeTwoSetsForOneAccountBecomeOne(t *testing.T) {
	base, _, mail := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	ours.AddRecoveryCodes(mail, []string{"x", "y"}, at(1))
	theirs.AddRecoveryCodes(mail, []string{"y", "z"}, at(2))
	theirs.UseRecoveryCode(mail, at(3))
	m, _ := mergeBoth(t, base, ours, theirs)
	set := m.RecoveryFor(mail)
	want := min(ours.RecoveryFor(mail).ID, theirs.RecoveryFor(mail).ID)
	if set.ID != want || !slices.Equal(codeList(set), []string{"x", "y", "z"}) || set.Unused() != 2 {
		t.Errorf("set = %+v, want id %s with x y (used) z", set, want)
	}
	for _, r := range m.Recovery {
		if r.AccountID == mail && r.ID != want && !r.Deleted {
			t.Errorf("second live set %s", r.ID)
		}
	}
}

func TestMergeRecoveryOfADeletedAccountIsDeleted(t *testing.T) {
	base, github, _ := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	ours.DeleteAccount(github, at(1))
	theirs.AddRecoveryCodes(github, []string{"q"}, at(2)) // an edit of the set, not of the account
	m, _ := mergeBoth(t, base, ours, theirs)
	if m.Account(github) != nil || m.RecoveryFor(github) != nil {
		t.Error("codes kept for a deleted account")
	}
}

func TestMergeKeys(t *testing.T) {
	base, github, mail := baseVault(t)
	base.Keys = append(base.Keys, HardwareKey{ID: NewID(nil), Nickname: "blue", Added: at(0), SlotID: "slot1",
		Accounts: []string{github}, Stamp: base.Tick(at(0))})
	key := base.Keys[0].ID
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	k := &ours.Keys[0]
	k.Accounts, k.Stamp = []string{mail}, ours.Tick(at(1)) // unlink github, link mail
	k = &theirs.Keys[0]
	k.Lost, k.SlotID, k.Stamp = true, "", theirs.Tick(at(2))
	m, rep := mergeBoth(t, base, ours, theirs)
	got := m.Keys[0]
	if got.ID != key || !got.Lost || got.SlotID != "" || !slices.Equal(got.Accounts, []string{mail}) {
		t.Errorf("key = %+v, want lost, no slot, linked to mail only", got)
	}
	if len(rep.Conflicts) != 0 {
		t.Errorf("conflicts = %v", rep.Conflicts)
	}

	// Renamed on both sides: the later stamp wins, reported.
	ours, theirs = fork(base, "laptop"), fork(base, "phone")
	ours.Keys[0].Nickname, ours.Keys[0].Stamp = "navy", ours.Tick(at(3))
	theirs.Keys[0].Nickname, theirs.Keys[0].Stamp = "azure", theirs.Tick(at(1))
	m, rep = mergeBoth(t, base, ours, theirs)
	want := []Conflict{{Kind: "key", ID: key, Label: "navy", Field: "nickname", Winner: "laptop", Loser: "phone"}}
	if m.Keys[0].Nickname != "navy" || !reflect.DeepEqual(rep.Conflicts, want) {
		t.Errorf("nickname %q, conflicts %+v", m.Keys[0].Nickname, rep.Conflicts)
	}
}

func TestMergeSettings(t *testing.T) {
	base, _, _ := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	ours.Settings = Settings{ClipboardClear: 10 * time.Second, AutoLock: time.Minute}
	ours.Tick(at(1))
	theirs.Settings.AutoLock = 5 * time.Minute
	theirs.Tick(at(2))
	m, rep := mergeBoth(t, base, ours, theirs)
	if want := (Settings{ClipboardClear: 10 * time.Second, AutoLock: 5 * time.Minute}); m.Settings != want {
		t.Errorf("settings = %+v, want %+v", m.Settings, want)
	}
	want := []Conflict{{Kind: "settings", Field: "auto_lock", Winner: "phone", Loser: "laptop"}}
	if !reflect.DeepEqual(rep.Conflicts, want) {
		t.Errorf("conflicts = %+v, want %+v", rep.Conflicts, want)
	}
}

func TestMergeAddedOnEitherSide(t *testing.T) {
	base, _, _ := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	ours.AddAccount(Account{Issuer: "Bank"}, at(1))
	theirs.AddAccount(Account{Issuer: "Shop"}, at(1))
	m, _ := mergeBoth(t, base, ours, theirs)
	// In the order they were created (then by id).
	got := issuers(m)
	if slices.Sort(got[:2]); !slices.Equal(got[:2], []string{"GitHub", "Mail"}) {
		t.Errorf("accounts = %v", issuers(m))
	}
	if slices.Sort(got[2:]); !slices.Equal(got[2:], []string{"Bank", "Shop"}) {
		t.Errorf("accounts = %v", issuers(m))
	}
	if c := Diff(ours, m); !slices.Equal(c.Added, []string{"Shop"}) || len(c.Changed)+len(c.Deleted) != 0 {
		t.Errorf("Diff(ours, merged) = %+v, want Shop added", c)
	}
}

func TestMergeAuditAndTrash(t *testing.T) {
	base, github, mail := baseVault(t)
	base.Log(at(0), "unlock", "")
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	ours.Log(at(2), "code", "laptop")
	theirs.Log(at(1), "code", "phone")
	ours.DeleteAccount(mail, at(3))
	theirs.DeleteAccount(github, at(4))
	theirs.RestoreTrashed(github, at(5)) // restored there: gone from the trash
	ours2 := ours.clone()
	ours2.DeleteAccount(github, at(6)) // deleted here too, later, before the restore was seen
	m, _ := mergeBoth(t, base, ours2, theirs)
	var kinds []string
	for _, e := range m.Audit {
		kinds = append(kinds, e.Kind+" "+e.Detail)
	}
	if !slices.Equal(kinds, []string{"unlock ", "code phone", "code laptop"}) {
		t.Errorf("audit = %v", kinds)
	}
	if m.TrashedAt(mail) == nil || m.TrashedAt(github) == nil {
		t.Errorf("trash = %+v, want mail and github", m.Trash)
	}
	if !m.TrashedAt(github).DeletedAt.Equal(at(6)) {
		t.Errorf("github deleted at %v, want the later deletion", m.TrashedAt(github).DeletedAt)
	}
	// Restored on one side since the base: gone.
	mid, _ := mergeBoth(t, base, ours, fork(base, "phone"))
	theirs = fork(mid, "phone")
	theirs.RestoreTrashed(mail, at(7))
	m, _ = mergeBoth(t, mid, mid, theirs)
	if m.TrashedAt(mail) != nil {
		t.Error("an entry restored on one side came back")
	}

	// The audit log keeps the newest maxAudit events.
	ours, theirs = fork(base, "laptop"), fork(base, "phone")
	for i := range maxAudit {
		ours.Audit = append(ours.Audit, AuditEvent{ID: NewID(nil), At: at(10).Add(time.Duration(2*i) * time.Millisecond), Kind: "x"})
		theirs.Audit = append(theirs.Audit, AuditEvent{ID: NewID(nil), At: at(10).Add(time.Duration(2*i+1) * time.Millisecond), Kind: "y"})
	}
	ours.Audit, theirs.Audit = ours.Audit[len(ours.Audit)-maxAudit:], theirs.Audit[len(theirs.Audit)-maxAudit:]
	m, _ = mergeBoth(t, base, ours, theirs)
	if len(m.Audit) != maxAudit || !m.Audit[len(m.Audit)-1].At.Equal(theirs.Audit[maxAudit-1].At) ||
		!m.Audit[0].At.Equal(at(10).Add(maxAudit*time.Millisecond)) {
		t.Errorf("audit: %d events from %v", len(m.Audit), m.Audit[0].At)
	}
}

func TestMergeWithoutBase(t *testing.T) {
	base, github, mail := baseVault(t)
	ours, theirs := fork(base, "laptop"), fork(base, "phone")
	theirs.DeleteAccount(mail, at(1))
	edit(t, ours, mail, at(2), func(a *Account) { a.Notes = "later" })
	edit(t, ours, github, at(2), func(a *Account) { a.Notes = "laptop"; a.Counter += 3 })
	edit(t, theirs, github, at(3), func(a *Account) { a.Name = "bob"; a.Counter++ })
	m, rep := mergeBoth(t, nil, ours, theirs)
	g := m.Account(github)
	if g.Name != "bob" || g.Notes != "" || g.Counter != 8 {
		t.Errorf("github = %+v %q counter %d: want theirs whole, counter max 8", g, g.Notes, g.Counter)
	}
	if a := m.Account(mail); a == nil || a.Notes != "later" {
		t.Errorf("mail: the later edit should beat the earlier delete, got %+v", a)
	}
	if len(rep.Conflicts) != 0 {
		t.Errorf("conflicts without a base: %v", rep.Conflicts)
	}
}

func TestDiff(t *testing.T) {
	base, github, mail := baseVault(t)
	to := base.clone()
	to.AddAccount(Account{Issuer: "Bank"}, at(1))
	to.DeleteAccount(mail, at(1))
	to.UseRecoveryCode(github, at(1))
	c := Diff(base, to)
	want := Changes{Added: []string{"Bank"}, Changed: []string{"GitHub:alice"}, Deleted: []string{"Mail:alice"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Diff = %+v, want %+v", c, want)
	}
	if c := Diff(to, to); len(c.Added)+len(c.Changed)+len(c.Deleted) != 0 {
		t.Errorf("Diff(d, d) = %+v", c)
	}
}

// The conflict reason survives the payload encoding, and an entry without
// one encodes as before.
func TestTrashReasonEncoding(t *testing.T) {
	d := &Data{Trash: []TrashedAccount{{Account: Account{ID: NewID(nil), Issuer: "x"}, DeletedAt: at(1), Reason: TrashConflict}}}
	b := canon(t, d)
	pl, err := unmarshalPayload(b)
	if err != nil || pl.Data.Trash[0].Reason != TrashConflict {
		t.Fatalf("decoded %+v, %v", pl, err)
	}
	d.Trash[0].Reason = ""
	if bytes.Contains(canon(t, d), []byte(TrashConflict)) || len(canon(t, d)) != len(b)-2-len(TrashConflict) {
		t.Error("an empty reason is not left out")
	}
}

// version is one state of a replica in a history like git's: a merge has
// two parents.
type version struct {
	d       *Data
	parents []*version
}

func (v *version) ancestors() map[*version]bool {
	seen := map[*version]bool{}
	var walk func(*version)
	walk = func(x *version) {
		if !seen[x] {
			seen[x] = true
			for _, p := range x.parents {
				walk(p)
			}
		}
	}
	walk(v)
	return seen
}

// mergeBase is the common ancestor of a and b that a three-way merge
// starts from, as git's recursive strategy finds it: several best common
// ancestors are merged into a virtual one; none is nil.
func mergeBase(t testing.TB, a, b *version) *version {
	aa, ba := a.ancestors(), b.ancestors()
	var common []*version
	for v := range aa {
		if ba[v] {
			common = append(common, v)
		}
	}
	var best []*version
	for _, c := range common {
		dominated := false
		for _, o := range common {
			if o != c && o.ancestors()[c] {
				dominated = true
				break
			}
		}
		if !dominated {
			best = append(best, c)
		}
	}
	if len(best) == 0 {
		return nil
	}
	slices.SortFunc(best, func(x, y *version) int { return bytes.Compare(canon(t, x.d), canon(t, y.d)) })
	v := best[0]
	for _, o := range best[1:] {
		var bd *Data
		if b := mergeBase(t, v, o); b != nil {
			bd = b.d
		}
		m, _ := Merge(bd, v.d, o.d)
		v = &version{d: m, parents: []*version{v, o}}
	}
	return v
}

// sim is three replicas of one vault doing random operations and syncing
// in random orders.
type sim struct {
	t    testing.TB
	r    *rand.Rand
	ids  *rand.ChaCha8
	now  time.Time
	reps [3]*version
	devs [3]string
	skew [3]time.Duration
}

func newSim(t testing.TB, seed uint64) *sim {
	var s32 [32]byte
	s32[0], s32[1] = byte(seed), byte(seed>>8)
	s := &sim{t: t, r: rand.New(rand.NewPCG(seed, 7)), ids: rand.NewChaCha8(s32), now: mergeT0,
		devs: [3]string{"dev-a", "dev-b", "dev-c"}, skew: [3]time.Duration{0, -3 * time.Second, 2 * time.Millisecond}}
	root := &version{d: &Data{}}
	for i := range s.reps {
		s.reps[i] = root
	}
	return s
}

func (s *sim) pick(list []string) string { return list[s.r.IntN(len(list))] }

// op does one random operation on replica i.
func (s *sim) op(i int) {
	s.now = s.now.Add(time.Duration(s.r.IntN(3)) * time.Millisecond)
	now := s.now.Add(s.skew[i])
	d := fork(s.reps[i].d, s.devs[i])
	live := d.Live()
	var acc *Account
	if len(live) > 0 {
		acc = live[s.r.IntN(len(live))]
	}
	words := []string{"a", "b", "c", "d"}
	switch n := s.r.IntN(14); {
	case n < 2 || acc == nil:
		a := Account{ID: NewID(s.ids), Issuer: s.pick([]string{"GitHub", "Mail", "Bank"}), Name: s.pick(words),
			Secret: []byte(s.pick(words)), Created: now, Updated: now, Stamp: d.Tick(now)}
		if s.r.IntN(2) == 0 {
			a.Type, a.Counter = "hotp", uint64(s.r.IntN(5))
		}
		d.Accounts = append(d.Accounts, a)
	case n < 6:
		edit(s.t, d, acc.ID, now, func(a *Account) {
			for range 1 + s.r.IntN(2) {
				switch s.r.IntN(7) {
				case 0:
					a.Issuer = s.pick([]string{"GitHub", "Mail", "Bank", "Shop"})
				case 1:
					a.Name = s.pick(words)
				case 2:
					a.Notes = s.pick(words)
				case 3:
					a.URL = s.pick(words)
				case 4:
					a.Tags = []string{s.pick(words)}
				case 5:
					a.Pinned = !a.Pinned
				case 6:
					a.Secret = []byte(s.pick(words) + s.pick(words))
				}
			}
		})
	case n < 7:
		d.DeleteAccount(acc.ID, now)
	case n < 8:
		if acc.Type == "hotp" {
			edit(s.t, d, acc.ID, now, func(a *Account) { a.Counter++ })
		}
	case n < 9:
		d.UseRecoveryCode(acc.ID, now)
	case n < 10:
		if s.r.IntN(3) == 0 { // replace
			if set := d.RecoveryFor(acc.ID); set != nil {
				*set = RecoverySet{ID: set.ID, AccountID: acc.ID, Stamp: d.Tick(now), Deleted: true}
			}
		}
		fresh := d.RecoveryFor(acc.ID) == nil
		d.AddRecoveryCodes(acc.ID, []string{s.pick(words) + s.pick(words), s.pick(words)}, now)
		if fresh { // a reproducible id
			d.RecoveryFor(acc.ID).ID = NewID(s.ids)
		}
	case n < 11:
		if len(d.Keys) == 0 || s.r.IntN(4) == 0 {
			d.Keys = append(d.Keys, HardwareKey{ID: NewID(s.ids), Nickname: s.pick(words), Added: now,
				SlotID: NewID(s.ids), Stamp: d.Tick(now)})
		}
		k := &d.Keys[s.r.IntN(len(d.Keys))]
		if j := slices.Index(k.Accounts, acc.ID); j >= 0 {
			k.Accounts = slices.Delete(slices.Clone(k.Accounts), j, j+1)
		} else {
			k.Accounts = append(slices.Clone(k.Accounts), acc.ID)
		}
		k.Stamp = d.Tick(now)
	case n < 12:
		if len(d.Keys) > 0 {
			k := &d.Keys[s.r.IntN(len(d.Keys))]
			k.Lost, k.SlotID, k.Stamp = true, "", d.Tick(now)
		}
	case n < 13:
		d.Settings.AutoLock = time.Duration(s.r.IntN(3)) * time.Minute
		d.Tick(now)
	default:
		if len(d.Trash) > 0 {
			a := d.RestoreTrashed(d.Trash[s.r.IntN(len(d.Trash))].Account.ID, now)
			old := a.ID
			a.ID = NewID(s.ids) // a reproducible id
			if set := d.RecoveryFor(old); set != nil {
				set.ID, set.AccountID = NewID(s.ids), a.ID
			}
		}
	}
	d.logEvent(AuditEvent{ID: NewID(s.ids), At: now, Kind: "op"})
	s.reps[i] = &version{d: d, parents: []*version{s.reps[i]}}
}

// sync merges replica j into replica i, checking the merge's properties,
// and returns the new version (which i adopts).
func (s *sim) sync(i, j int) *version {
	t := s.t
	a, b := s.reps[i], s.reps[j]
	base := mergeBase(t, a, b)
	var bd *Data
	if base != nil {
		bd = base.d
	}
	m, _ := mergeBoth(t, bd, a.d, b.d)
	checkKept(t, a.d, m)
	checkKept(t, b.d, m)
	for _, in := range []*Data{a.d, b.d} {
		if err := checkCodes(in, m); err != nil {
			t.Fatalf("the vault would refuse to save the merge: %v", err)
		}
	}
	if again, _ := Merge(nil, m, m); !bytes.Equal(canon(t, again), canon(t, m)) {
		t.Fatal("merge(nil, m, m) != m")
	}
	switch {
	case base == a: // fast-forward
		if !bytes.Equal(canon(t, m), canon(t, b.d)) {
			t.Fatalf("merging a descendant is not a fast-forward:\n%s", dataDiff(m, b.d))
		}
	case base == b:
		if !bytes.Equal(canon(t, m), canon(t, a.d)) {
			t.Fatalf("merging an ancestor changed the data:\n%s", dataDiff(m, a.d))
		}
	}
	m.DeviceID = s.devs[i]
	v := &version{d: m, parents: []*version{a, b}}
	s.reps[i] = v
	return v
}

// checkKept checks what a merge must never undo of one input: an HOTP
// counter going back, a used recovery code unused.
func checkKept(t testing.TB, in, m *Data) {
	t.Helper()
	for _, a := range in.Live() {
		if r := m.Account(a.ID); r != nil && r.Counter < a.Counter {
			t.Fatalf("account %s: counter went back from %d to %d", a.ID, a.Counter, r.Counter)
		}
		set, out := in.RecoveryFor(a.ID), m.RecoveryFor(a.ID)
		for _, c := range set.codes() {
			for _, o := range out.codes() {
				if o.Code == c.Code && !c.UsedAt.IsZero() && o.UsedAt.IsZero() {
					t.Fatalf("account %s: used code %q became unused\nin: %+v\nout: %+v", a.ID, c.Code, setsOf(in, a.ID), setsOf(m, a.ID))
				}
			}
		}
	}
}

var mergeSeeds, mergeSteps = 40, 80

func TestMergeConverges(t *testing.T) {
	for seed := range uint64(mergeSeeds) {
		s := newSim(t, seed)
		for range mergeSteps {
			if s.r.IntN(4) == 0 {
				i, j := s.r.IntN(3), s.r.IntN(3)
				if i != j {
					v := s.sync(i, j)
					if s.r.IntN(2) == 0 {
						s.reps[j] = v // j pulls the merge too
					}
				}
			} else {
				s.op(s.r.IntN(3))
			}
		}
		// Everyone syncs, in two random orders, from the same state.
		start := s.reps
		var finals [2][]byte
		var fd [2]*Data
		for k := range finals {
			s.reps = start
			order := s.r.Perm(3)
			s.sync(order[0], order[1])
			s.sync(order[2], order[0])
			s.reps[order[0]] = s.reps[order[2]]
			s.reps[order[1]] = s.reps[order[2]]
			finals[k], fd[k] = canon(t, s.reps[0].d), s.reps[0].d
			for _, r := range s.reps {
				if !bytes.Equal(canon(t, r.d), finals[k]) {
					t.Fatalf("seed %d: replicas differ after a full sync", seed)
				}
			}
		}
		if !bytes.Equal(finals[0], finals[1]) && fd[0].Settings != fd[1].Settings {
			t.Logf("seed %d: settings differ by sync order: they have no stamp", seed)
			fd[1].Settings = fd[0].Settings
			finals[1] = canon(t, fd[1])
		}
		if !bytes.Equal(finals[0], finals[1]) {
			t.Errorf("seed %d: the sync order changed the result:\n%s", seed, dataDiff(fd[0], fd[1]))
		}
	}
}

// dataDiff shows the first lines where two copies differ, as JSON.
func dataDiff(a, b *Data) string {
	a, b = a.clone(), b.clone()
	a.DeviceID, b.DeviceID = "", ""
	ja, _ := json.MarshalIndent(a, "", " ")
	jb, _ := json.MarshalIndent(b, "", " ")
	la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			lo := max(0, i-8)
			return "got:\n" + strings.Join(la[lo:min(len(la), i+8)], "\n") + "\nwant:\n" + strings.Join(lb[lo:min(len(lb), i+8)], "\n")
		}
	}
	return fmt.Sprintf("lengths %d, %d", len(la), len(lb))
}

func setsOf(d *Data, id string) []RecoverySet {
	var out []RecoverySet
	if d == nil {
		return nil
	}
	for _, r := range d.Recovery {
		if r.AccountID == id {
			out = append(out, r)
		}
	}
	return out
}

// FuzzMerge runs the replicas of TestMergeConverges from fuzzed seeds:
// every merge is checked as there (both orders, inputs untouched, merge(r,
// r) = r, fast-forwards, counters and used codes kept, what the vault
// would refuse to save).
func FuzzMerge(f *testing.F) {
	f.Add(uint64(1), uint8(40))
	f.Add(uint64(72), uint8(120))
	f.Fuzz(func(t *testing.T, seed uint64, steps uint8) {
		s := newSim(t, seed)
		for range steps {
			if i, j := s.r.IntN(3), s.r.IntN(3); s.r.IntN(4) == 0 && i != j {
				s.sync(i, j)
			} else {
				s.op(i)
			}
		}
		s.sync(0, 1)
		s.sync(2, 0)
	})
}

// scribble overwrites every secret, list item and code of d in place.
func scribble(d *Data) {
	d.wipe()
	for i := range d.Accounts {
		for j := range d.Accounts[i].Tags {
			d.Accounts[i].Tags[j] = "scribbled"
		}
	}
	for i := range d.Trash {
		for j := range d.Trash[i].Recovery {
			d.Trash[i].Recovery[j].Code = "scribbled"
		}
		for j := range d.Trash[i].Account.Tags {
			d.Trash[i].Account.Tags[j] = "scribbled"
		}
	}
	for i := range d.Recovery {
		for j := range d.Recovery[i].Codes {
			d.Recovery[i].Codes[j].Code = "scribbled"
		}
	}
	for i := range d.Keys {
		for j := range d.Keys[i].Accounts {
			d.Keys[i].Accounts[j] = "scribbled"
		}
	}
}

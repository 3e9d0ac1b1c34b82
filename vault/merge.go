package vault

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// TrashConflict is the Reason of a trash entry that holds the losing
// version of an account both sides of a Merge changed.
const TrashConflict = "conflict"

// MergeReport says what Merge had to decide.
type MergeReport struct {
	Conflicts []Conflict // fields both sides changed differently, in a stable order
}

// Conflict is one field of one record that both sides changed to different
// values: the side with the later Stamp won. For an account the loser's
// whole record is kept in the trash (Reason TrashConflict) so that it can
// be restored.
type Conflict struct {
	Kind          string // "account", "recovery", "key", "settings"
	ID            string // record id ("" for settings)
	Label         string // account label (Account.Label()) or key nickname, for the terminal only
	Field         string // e.g. "name", "notes", "secret" (never the values: they may be secret)
	Winner, Loser string // device ids of the winning and losing stamps
}

// InTrash reports whether the losing version is kept in the trash: an
// account's is (TrashedAccount.Reason "conflict"); a key's or the
// settings' loser is not kept.
func (c Conflict) InTrash() bool { return c.Kind == "account" }

// Changes lists what differs from one copy to another, for "what came in /
// went out".
type Changes struct {
	Added, Changed, Deleted []string // account labels, sorted
}

// cmpStamp orders stamps totally: by MS, then C, then Dev.
func cmpStamp(a, b Stamp) int {
	if c := cmp.Compare(a.MS, b.MS); c != 0 {
		return c
	}
	if c := cmp.Compare(a.C, b.C); c != 0 {
		return c
	}
	return cmp.Compare(a.Dev, b.Dev)
}

func laterStamp(a, b Stamp) Stamp {
	if cmpStamp(a, b) >= 0 {
		return a
	}
	return b
}

// earliest returns the earlier of two times, a zero time counting as
// unset.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Merge returns the three-way merge of ours and theirs, two copies of one
// vault that both descend from base (nil: no common ancestor — HLC rules
// alone). It never aliases or changes its inputs. The result's DeviceID is
// ours.DeviceID, its Clock the later of both clocks. The rules are those
// of docs/vault-format.md, "Merge": the result does not depend on which
// copy is ours (but for DeviceID); when ours and theirs are equal, or one
// of them is base, it is a copy of the other; otherwise its records are in
// a canonical order (accounts by creation, then id).
func Merge(base, ours, theirs *Data) (*Data, MergeReport) {
	m := &merger{
		base: base, o: ours, t: theirs, noBase: base == nil,
		out: &Data{DeviceID: ours.DeviceID, Clock: laterStamp(ours.Clock, theirs.Clock)},
	}
	if r := fastForward(base, ours, theirs); r != nil {
		return r, MergeReport{}
	}
	if base == nil {
		m.base = &Data{}
	}
	m.accounts()
	m.recovery()
	m.keys()
	m.audit()
	m.trash()
	m.settings()
	slices.SortFunc(m.conflicts, func(a, b Conflict) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Field, b.Field))
	})
	return m.out, MergeReport{Conflicts: m.conflicts}
}

// fastForward returns a copy of theirs when ours is base, of ours when
// theirs is: one side has every change.
func fastForward(base, ours, theirs *Data) *Data {
	enc := func(d *Data) []byte {
		if d == nil {
			return nil
		}
		b, err := marshalPayload(d, nil)
		if err != nil {
			return nil
		}
		return b
	}
	bb, ob, tb := enc(base), enc(ours), enc(theirs)
	defer func() { zero(bb); zero(ob); zero(tb) }()
	var r *Data
	switch {
	case ob == nil || tb == nil:
		return nil
	case bytes.Equal(ob, tb):
		r = ours.clone()
	case bb == nil:
		return nil
	case bytes.Equal(bb, ob):
		r = theirs.clone()
	case bytes.Equal(bb, tb):
		r = ours.clone()
	default:
		return nil
	}
	if r != nil {
		r.DeviceID, r.Clock = ours.DeviceID, laterStamp(ours.Clock, theirs.Clock)
	}
	return r
}

type merger struct {
	base, o, t *Data
	noBase     bool
	out        *Data
	conflicts  []Conflict
	losers     []TrashedAccount // conflict losers, for the trash
}

// index maps the ids of a list of records to the first record with each.
func index[T any](list []T, id func(*T) string) map[string]*T {
	ix := make(map[string]*T, len(list))
	for i := range list {
		if _, ok := ix[id(&list[i])]; !ok {
			ix[id(&list[i])] = &list[i]
		}
	}
	return ix
}

// mergeOrder returns the union of the keys of o and t: in the order of one
// list when the other is that list with keys left out (the same list, or
// an older copy of it), else sorted by less. Keys for which keep is false
// are left out.
func mergeOrder(o, t []string, keep func(string) bool, less func(a, b string) int) []string {
	filter := func(l []string) []string {
		var out []string
		seen := make(map[string]bool, len(l))
		for _, k := range l {
			if !seen[k] && keep(k) {
				seen[k] = true
				out = append(out, k)
			}
		}
		return out
	}
	fo, ft := filter(o), filter(t)
	switch {
	case subsequence(fo, ft):
		return ft
	case subsequence(ft, fo):
		return fo
	}
	seen := make(map[string]bool, len(fo))
	for _, k := range fo {
		seen[k] = true
	}
	for _, k := range ft {
		if !seen[k] {
			fo = append(fo, k)
		}
	}
	slices.SortFunc(fo, less)
	return fo
}

// sortedUnion returns the union of the keys of o and t that keep keeps,
// sorted by less: an order that depends only on the keys, so that merges
// in any order agree.
func sortedUnion(o, t []string, keep func(string) bool, less func(a, b string) int) []string {
	seen := make(map[string]bool, len(o)+len(t))
	var out []string
	for _, l := range [][]string{o, t} {
		for _, k := range l {
			if !seen[k] && keep(k) {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	slices.SortFunc(out, less)
	return out
}

// subsequence reports whether a is b with some keys left out.
func subsequence(a, b []string) bool {
	i := 0
	for _, k := range b {
		if i < len(a) && a[i] == k {
			i++
		}
	}
	return i == len(a)
}

func ids[T any](list []T, id func(*T) string) []string {
	out := make([]string, len(list))
	for i := range list {
		out[i] = id(&list[i])
	}
	return out
}

func all(string) bool { return true }

func accountID(a *Account) string { return a.ID }

// An accountField is one field of an account as merging sees it; "secret"
// is the secret with the code parameters, which only make sense together.
type accountField struct {
	name string
	eq   func(a, b *Account) bool
	copy func(dst, src *Account)
}

var accountFields = []accountField{
	{"issuer", func(a, b *Account) bool { return a.Issuer == b.Issuer }, func(d, s *Account) { d.Issuer = s.Issuer }},
	{"name", func(a, b *Account) bool { return a.Name == b.Name }, func(d, s *Account) { d.Name = s.Name }},
	{"secret", func(a, b *Account) bool {
		return bytes.Equal(a.Secret, b.Secret) && a.Type == b.Type && a.Algorithm == b.Algorithm &&
			a.Digits == b.Digits && a.Period == b.Period
	}, func(d, s *Account) {
		d.Secret = bytes.Clone(s.Secret)
		d.Type, d.Algorithm, d.Digits, d.Period = s.Type, s.Algorithm, s.Digits, s.Period
	}},
	{"tags", func(a, b *Account) bool { return slices.Equal(a.Tags, b.Tags) }, func(d, s *Account) { d.Tags = slices.Clone(s.Tags) }},
	{"notes", func(a, b *Account) bool { return a.Notes == b.Notes }, func(d, s *Account) { d.Notes = s.Notes }},
	{"url", func(a, b *Account) bool { return a.URL == b.URL }, func(d, s *Account) { d.URL = s.URL }},
	{"pinned", func(a, b *Account) bool { return a.Pinned == b.Pinned }, func(d, s *Account) { d.Pinned = s.Pinned }},
}

// sameContent reports whether a and b agree on everything a user changes:
// the fields above, the HOTP counter and being deleted.
func sameContent(a, b *Account) bool {
	for _, f := range accountFields {
		if !f.eq(a, b) {
			return false
		}
	}
	return a.Counter == b.Counter && a.Deleted == b.Deleted
}

func sameAccount(a, b *Account) bool {
	return sameContent(a, b) && a.ID == b.ID && a.Stamp == b.Stamp && a.Created.Equal(b.Created) &&
		a.Updated.Equal(b.Updated) && a.LastUsed.Equal(b.LastUsed) && a.UseCount == b.UseCount
}

func (m *merger) accounts() {
	bx, ox, tx := index(m.base.Accounts, accountID), index(m.o.Accounts, accountID), index(m.t.Accounts, accountID)
	merged := make(map[string]*Account, len(ox)+len(tx))
	for id, o := range ox {
		a := m.account(bx[id], o, tx[id])
		merged[id] = &a
	}
	for id, t := range tx {
		if ox[id] == nil {
			a := t.clone()
			merged[id] = &a
		}
	}
	order := sortedUnion(ids(m.o.Accounts, accountID), ids(m.t.Accounts, accountID), all, func(a, b string) int {
		return cmp.Or(merged[a].Created.Compare(merged[b].Created), cmp.Compare(a, b))
	})
	m.out.Accounts = make([]Account, 0, len(order))
	for _, id := range order {
		m.out.Accounts = append(m.out.Accounts, *merged[id])
	}
}

// account merges the versions o and t (nil: absent) of one account whose
// common ancestor is b (nil: none).
func (m *merger) account(b, o, t *Account) Account {
	switch {
	case t == nil:
		return o.clone()
	case sameAccount(o, t):
		return o.clone()
	}
	win, lose := o, t
	if cmpAccount(t, o) > 0 {
		win, lose = t, o
	}
	var r Account
	switch {
	case b == nil || b.Deleted: // HLC rules alone
		r = win.clone()
		if !r.Deleted {
			r.Counter = max(o.Counter, t.Counter)
		}
		return r
	case o.Deleted && t.Deleted:
		r = win.clone()
	case o.Deleted || t.Deleted:
		del, live := o, t
		if t.Deleted {
			del, live = t, o
		}
		if sameContent(live, b) { // not edited since b: the delete wins
			r = del.clone()
			break
		}
		r = live.clone()
		r.Counter = max(o.Counter, t.Counter)
		// The deleting side may have moved the counter before deleting:
		// its copy in the trash says.
		side := m.t
		if o.Deleted {
			side = m.o
		}
		if tr := side.TrashedAt(o.ID); tr != nil && tr.Reason == "" {
			r.Counter = max(r.Counter, tr.Account.Counter)
		}
	default:
		r = m.fields(b, o, t, win, lose)
	}
	// Updated is the wall time of the later stamp's change: a wall clock
	// can go back, a stamp cannot.
	r.Created = earliest(o.Created, t.Created)
	r.Updated = win.Updated
	r.Stamp = win.Stamp
	return r
}

// cmpVersion orders two versions of a record by stamp, then, at equal
// stamps, the deleted one first; 0 leaves it to their contents.
func cmpVersion(sa, sb Stamp, deletedA, deletedB bool) int {
	if c := cmpStamp(sa, sb); c != 0 {
		return c
	}
	switch {
	case deletedA == deletedB:
		return 0
	case deletedA:
		return -1
	}
	return 1
}

// cmpAccount orders two versions of an account by stamp. Equal stamps
// with different contents happen (an edit that survived a later delete
// takes the delete's stamp): the live one is then the later, then the one
// whose encoding is greater, so that the order stays total.
func cmpAccount(a, b *Account) int {
	if c := cmpVersion(a.Stamp, b.Stamp, a.Deleted, b.Deleted); c != 0 {
		return c
	}
	x, y := appendAccount(nil, 1, a), appendAccount(nil, 1, b)
	defer func() { zero(x); zero(y) }()
	return bytes.Compare(x, y)
}

func cmpKey(a, b *HardwareKey) int {
	if c := cmpVersion(a.Stamp, b.Stamp, a.Deleted, b.Deleted); c != 0 {
		return c
	}
	return bytes.Compare(appendHardwareKey(nil, a), appendHardwareKey(nil, b))
}

// fields merges two live versions of an account field by field.
func (m *merger) fields(b, o, t, win, lose *Account) Account {
	r := b.clone()
	lost := false
	for _, f := range accountFields {
		oc, tc := !f.eq(o, b), !f.eq(t, b)
		switch {
		case oc && !tc:
			f.copy(&r, o)
		case tc && !oc:
			f.copy(&r, t)
		case oc && tc:
			f.copy(&r, win)
			if !f.eq(o, t) {
				lost = true
				m.conflicts = append(m.conflicts, Conflict{Kind: "account", ID: o.ID, Label: win.Label(),
					Field: f.name, Winner: win.Stamp.Dev, Loser: lose.Stamp.Dev})
			}
		}
	}
	if lost {
		l := lose.clone()
		l.ID = conflictID(lose.ID, lose.Stamp)
		m.losers = append(m.losers, TrashedAccount{Account: l, DeletedAt: time.UnixMilli(lose.Stamp.MS).UTC(), Reason: TrashConflict})
	}
	r.ID, r.Deleted = o.ID, false
	r.Counter = max(o.Counter, t.Counter)
	r.LastUsed = latest(o.LastUsed, t.LastUsed)
	r.UseCount = max(o.UseCount, t.UseCount)
	return r
}

// conflictID is the id of the trash entry holding the losing version (its
// stamp s) of account id: derived, so that both sides of a merge, and a
// merge repeated, agree on it.
func conflictID(id string, s Stamp) string {
	h := sha256.Sum256(fmt.Appendf(nil, "otter merge conflict\x00%s\x00%d\x00%d\x00%s", id, s.MS, s.C, s.Dev))
	return hex.EncodeToString(h[:16])
}

func setID(r *RecoverySet) string { return r.ID }

// sideSets is one copy's recovery sets of one account.
type sideSets struct {
	live *RecoverySet   // nil: none
	all  []*RecoverySet // tombstones too
}

func groupSets(d *Data) map[string]*sideSets {
	g := map[string]*sideSets{}
	for i := range d.Recovery {
		r := &d.Recovery[i]
		s := g[r.AccountID]
		if s == nil {
			s = &sideSets{}
			g[r.AccountID] = s
		}
		s.all = append(s.all, r)
		if !r.Deleted && s.live == nil {
			s.live = r
		}
	}
	return g
}

func (s *sideSets) codes() []RecoveryCode {
	if s == nil || s.live == nil {
		return nil
	}
	return s.live.Codes
}

func (s *sideSets) liveID() string {
	if s == nil || s.live == nil {
		return ""
	}
	return s.live.ID
}

func (s *sideSets) deleted(id string) bool {
	if s == nil {
		return false
	}
	for _, r := range s.all {
		if r.ID == id && r.Deleted {
			return true
		}
	}
	return false
}

func sameCodes(a, b []RecoveryCode) bool {
	return slices.EqualFunc(a, b, func(x, y RecoveryCode) bool {
		return x.Code == y.Code && x.Added.Equal(y.Added) && x.UsedAt.Equal(y.UsedAt)
	})
}

// recovery merges the recovery sets account by account: one live set per
// account at most.
func (m *merger) recovery() {
	bg, og, tg := groupSets(m.base), groupSets(m.o), groupSets(m.t)
	acc := index(m.out.Accounts, accountID)
	oAcc, tAcc := index(m.o.Accounts, accountID), index(m.t.Accounts, accountID)
	stamps := map[string]Stamp{} // set id → its latest stamp on either side
	for _, d := range []*Data{m.o, m.t} {
		for _, r := range d.Recovery {
			stamps[r.ID] = laterStamp(stamps[r.ID], r.Stamp)
		}
	}
	merged := map[string]RecoverySet{}
	for _, aid := range mergeOrder(ids(m.o.Recovery, func(r *RecoverySet) string { return r.AccountID }),
		ids(m.t.Recovery, func(r *RecoverySet) string { return r.AccountID }), all, cmp.Compare[string]) {
		b, o, t := bg[aid], og[aid], tg[aid]
		oc, tc, bc := o.codes(), t.codes(), b.codes()
		a := acc[aid]
		live := a != nil && !a.Deleted
		// A set deleted with its account does not count as deleted when
		// the account survives: that side's codes are those it kept in the
		// trash (used ones stay used), else the base's.
		if live && oAcc[aid] != nil && oAcc[aid].Deleted {
			oc = deletedCodes(m.o, aid, bc)
		}
		if live && tAcc[aid] != nil && tAcc[aid].Deleted {
			tc = deletedCodes(m.t, aid, bc)
		}
		var codes []RecoveryCode
		oDel, tDel := oc == nil && bc != nil, tc == nil && bc != nil
		switch {
		case m.noBase:
			codes = hlcCodes(o, t)
		case oDel && tDel:
		case oDel:
			if !sameCodes(tc, bc) {
				codes = slices.Clone(tc)
			}
		case tDel:
			if !sameCodes(oc, bc) {
				codes = slices.Clone(oc)
			}
		default:
			codes = mergeCodes(bc, oc, tc)
		}
		if a != nil && a.Deleted {
			codes = nil
		}
		keep := pickSet(o, t, b)
		if len(codes) > 0 {
			codes = keepUsed(codes, keep, o, t)
		}
		var setIDs []string
		for _, s := range []*sideSets{o, t} {
			if s != nil {
				for _, r := range s.all {
					setIDs = append(setIDs, r.ID)
				}
			}
		}
		for _, id := range setIDs {
			if _, done := merged[id]; done {
				continue
			}
			r := RecoverySet{ID: id, AccountID: aid, Stamp: stamps[id], Deleted: true}
			if id == keep && len(codes) > 0 {
				r.Deleted, r.Codes = false, capCodes(codes)
				r.Stamp = laterStamp(r.Stamp, laterStamp(liveStamp(o), liveStamp(t)))
			}
			merged[id] = r
		}
	}
	order := sortedUnion(ids(m.o.Recovery, setID), ids(m.t.Recovery, setID), all, func(a, b string) int {
		return cmp.Or(cmp.Compare(merged[a].AccountID, merged[b].AccountID), cmp.Compare(a, b))
	})
	for _, id := range order {
		m.out.Recovery = append(m.out.Recovery, merged[id])
	}
}

func deletedCodes(d *Data, id string, base []RecoveryCode) []RecoveryCode {
	if tr := d.TrashedAt(id); tr != nil && tr.Reason == "" && len(tr.Recovery) > 0 {
		return tr.Recovery
	}
	return base
}

// keepUsed adds to codes, kept as set id, the codes a side used in its
// live set of that id and that codes lacks: a used code never leaves a
// live set (the vault refuses that, see checkCodes).
func keepUsed(codes []RecoveryCode, id string, sides ...*sideSets) []RecoveryCode {
	n := len(codes)
	defer func() {
		slices.SortFunc(codes[n:], func(a, b RecoveryCode) int {
			return cmp.Or(a.Added.Compare(b.Added), cmp.Compare(a.Code, b.Code))
		})
	}()
	var have map[string]bool
	for _, s := range sides {
		if s == nil || s.live == nil || s.live.ID != id {
			continue
		}
		for _, c := range s.live.Codes {
			if c.UsedAt.IsZero() {
				continue
			}
			if have == nil {
				have = make(map[string]bool, len(codes))
				for _, k := range codes {
					have[k.Code] = true
				}
			}
			if !have[c.Code] {
				have[c.Code] = true
				codes = append(codes, c)
			}
		}
	}
	return codes
}

func liveStamp(s *sideSets) Stamp {
	if s == nil || s.live == nil {
		return Stamp{}
	}
	return s.live.Stamp
}

// pickSet chooses the id of an account's live set: the smallest of the
// live sets that the other side has not deleted; else the smallest live
// one; else the base's.
func pickSet(o, t, b *sideSets) string {
	var live, kept []string
	for _, p := range [][2]*sideSets{{o, t}, {t, o}} {
		if id := p[0].liveID(); id != "" {
			live = append(live, id)
			if !p[1].deleted(id) {
				kept = append(kept, id)
			}
		}
	}
	switch {
	case len(kept) > 0:
		return slices.Min(kept)
	case len(live) > 0:
		return slices.Min(live)
	}
	return b.liveID()
}

// mergeCodes is the three-way merge of one account's codes: a code is kept
// if either side has it, unless the base had it and a side no longer does
// (the codes were replaced). A code used on either side is used, at the
// earliest time.
func mergeCodes(b, o, t []RecoveryCode) []RecoveryCode {
	inB := map[string]bool{}
	for _, c := range b {
		inB[c.Code] = true
	}
	ox, tx := index(o, codeOf), index(t, codeOf)
	keep := func(c string) bool { return !inB[c] || ox[c] != nil && tx[c] != nil }
	return joinCodes(o, t, keep)
}

func codeOf(c *RecoveryCode) string { return c.Code }

// joinCodes returns the codes of o and t that keep keeps, one per code
// string, with the earliest Added and UsedAt of both.
func joinCodes(o, t []RecoveryCode, keep func(string) bool) []RecoveryCode {
	ox, tx := index(o, codeOf), index(t, codeOf)
	get := func(c string) RecoveryCode {
		x, y := ox[c], tx[c]
		switch {
		case x == nil:
			return *y
		case y == nil:
			return *x
		}
		return RecoveryCode{Code: c, Added: earliest(x.Added, y.Added), UsedAt: earliest(x.UsedAt, y.UsedAt)}
	}
	order := mergeOrder(ids(o, codeOf), ids(t, codeOf), keep, func(a, b string) int {
		return cmp.Or(get(a).Added.Compare(get(b).Added), cmp.Compare(a, b))
	})
	var out []RecoveryCode
	for _, c := range order {
		out = append(out, get(c))
	}
	return out
}

// hlcCodes merges one account's sets without a base: set by set the later
// stamp wins (a used code stays used); the live sets left are joined.
func hlcCodes(o, t *sideSets) []RecoveryCode {
	oc, tc := o.codes(), t.codes()
	// A side's live set that the other side deleted later is gone.
	for _, p := range []struct {
		live  *[]RecoveryCode
		s     *sideSets
		other *sideSets
	}{{&oc, o, t}, {&tc, t, o}} {
		if p.s == nil || p.s.live == nil || p.other == nil {
			continue
		}
		for _, r := range p.other.all {
			if r.ID == p.s.live.ID && r.Deleted && cmpStamp(r.Stamp, p.s.live.Stamp) > 0 {
				*p.live = nil
			}
		}
	}
	return joinCodes(oc, tc, all)
}

// capCodes keeps at most maxCodes codes, dropping the used ones first (the
// longest used first), then the oldest.
func capCodes(codes []RecoveryCode) []RecoveryCode {
	codes = slices.Clone(codes)
	if n := len(codes) - maxCodes; n > 0 {
		drop := slices.Clone(codes)
		slices.SortStableFunc(drop, func(a, b RecoveryCode) int {
			if a.UsedAt.IsZero() != b.UsedAt.IsZero() {
				if a.UsedAt.IsZero() {
					return 1
				}
				return -1
			}
			return cmp.Or(a.UsedAt.Compare(b.UsedAt), a.Added.Compare(b.Added), cmp.Compare(a.Code, b.Code))
		})
		gone := map[string]bool{}
		for _, c := range drop[:n] {
			gone[c.Code] = true
		}
		codes = slices.DeleteFunc(codes, func(c RecoveryCode) bool { return gone[c.Code] })
	}
	return codes
}

func keyID(k *HardwareKey) string { return k.ID }

type keyField struct {
	name string
	get  func(k *HardwareKey) *string
}

var keyFields = []keyField{
	{"nickname", func(k *HardwareKey) *string { return &k.Nickname }},
	{"aaguid", func(k *HardwareKey) *string { return &k.AAGUID }},
	{"product", func(k *HardwareKey) *string { return &k.Product }},
	{"slot", func(k *HardwareKey) *string { return &k.SlotID }},
}

func sameKeyContent(a, b *HardwareKey) bool {
	for _, f := range keyFields {
		if *f.get(a) != *f.get(b) {
			return false
		}
	}
	return a.Lost == b.Lost && a.Deleted == b.Deleted && slices.Equal(a.Accounts, b.Accounts)
}

func (m *merger) keys() {
	bx, ox, tx := index(m.base.Keys, keyID), index(m.o.Keys, keyID), index(m.t.Keys, keyID)
	merged := map[string]HardwareKey{}
	for id, o := range ox {
		merged[id] = m.key(bx[id], o, tx[id])
	}
	for id, t := range tx {
		if ox[id] == nil {
			merged[id] = cloneKey(*t)
		}
	}
	order := sortedUnion(ids(m.o.Keys, keyID), ids(m.t.Keys, keyID), all, func(a, b string) int {
		return cmp.Or(merged[a].Added.Compare(merged[b].Added), cmp.Compare(a, b))
	})
	for _, id := range order {
		m.out.Keys = append(m.out.Keys, merged[id])
	}
}

func cloneKey(k HardwareKey) HardwareKey {
	k.Accounts = slices.Clone(k.Accounts)
	return k
}

func (m *merger) key(b, o, t *HardwareKey) HardwareKey {
	if t == nil || sameKeyContent(o, t) && o.Stamp == t.Stamp && o.Added.Equal(t.Added) {
		return cloneKey(*o)
	}
	win, lose := o, t
	if cmpKey(t, o) > 0 {
		win, lose = t, o
	}
	var r HardwareKey
	switch {
	case b == nil || b.Deleted:
		r = cloneKey(*win)
	case o.Deleted && t.Deleted:
		r = cloneKey(*win)
	case o.Deleted || t.Deleted:
		del, live := o, t
		if t.Deleted {
			del, live = t, o
		}
		r = cloneKey(*del)
		if !sameKeyContent(live, b) {
			r = cloneKey(*live)
		}
	default:
		r = cloneKey(*b)
		lost := o.Lost || t.Lost
		for _, f := range keyFields {
			ov, tv, bv := *f.get(o), *f.get(t), *f.get(b)
			switch {
			case ov != bv && tv == bv:
				*f.get(&r) = ov
			case tv != bv && ov == bv:
				*f.get(&r) = tv
			case ov != bv:
				*f.get(&r) = *f.get(win)
				if ov != tv && !(f.name == "slot" && lost) {
					m.conflicts = append(m.conflicts, Conflict{Kind: "key", ID: o.ID, Label: win.Nickname,
						Field: f.name, Winner: win.Stamp.Dev, Loser: lose.Stamp.Dev})
				}
			}
		}
		inB := map[string]bool{}
		for _, id := range b.Accounts {
			inB[id] = true
		}
		oIn, tIn := map[string]bool{}, map[string]bool{}
		for _, id := range o.Accounts {
			oIn[id] = true
		}
		for _, id := range t.Accounts {
			tIn[id] = true
		}
		r.Accounts = sortedUnion(o.Accounts, t.Accounts, func(id string) bool {
			return !inB[id] || oIn[id] && tIn[id]
		}, cmp.Compare[string])
	}
	if !r.Deleted {
		r.Lost = o.Lost || t.Lost
		if r.Lost {
			r.SlotID = ""
		}
	}
	r.Added = earliest(o.Added, t.Added)
	r.Stamp = win.Stamp
	return r
}

func eventID(e *AuditEvent) string { return e.ID }

func cmpEvent(a, b *AuditEvent) int {
	return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Detail, b.Detail))
}

// audit is the union of both logs by event id, sorted by time then id
// (unless both logs agree on an order), the newest maxAudit kept.
func (m *merger) audit() {
	ox, tx := index(m.o.Audit, eventID), index(m.t.Audit, eventID)
	get := func(id string) *AuditEvent {
		x, y := ox[id], tx[id]
		switch {
		case x == nil:
			return y
		case y == nil || cmpEvent(x, y) <= 0:
			return x
		}
		return y
	}
	order := sortedUnion(ids(m.o.Audit, eventID), ids(m.t.Audit, eventID), all, func(a, b string) int {
		return cmpEvent(get(a), get(b))
	})
	if n := len(order) - maxAudit; n > 0 {
		order = order[n:]
	}
	for _, id := range order {
		m.out.Audit = append(m.out.Audit, *get(id))
	}
}

func trashID(t *TrashedAccount) string { return t.Account.ID }

// cmpTrashed orders two entries of one id: the later deletion is the
// greater; ties by their encodings.
func cmpTrashed(a, b *TrashedAccount) int {
	if c := a.DeletedAt.Compare(b.DeletedAt); c != 0 {
		return c
	}
	x, y := appendTrashed(nil, a), appendTrashed(nil, b)
	defer func() { zero(x); zero(y) }()
	return bytes.Compare(x, y)
}

// trash is the union of both trashes by account id; the same id on both
// sides keeps the later deletion. The losers of this merge's conflicts
// join it; the entry of a deleted account that is live in the result (an
// edit undid its deletion) leaves it.
func (m *merger) trash() {
	slices.SortFunc(m.losers, func(a, b TrashedAccount) int { return cmp.Compare(a.Account.ID, b.Account.ID) })
	ox, tx, lx := index(m.o.Trash, trashID), index(m.t.Trash, trashID), index(m.losers, trashID)
	acc := index(m.out.Accounts, accountID)
	get := func(id string) *TrashedAccount {
		var best *TrashedAccount
		for _, x := range []*TrashedAccount{ox[id], tx[id], lx[id]} {
			if x != nil && (best == nil || cmpTrashed(x, best) > 0) {
				best = x
			}
		}
		return best
	}
	keep := func(id string) bool {
		a := acc[id]
		return a == nil || a.Deleted || get(id).Reason != ""
	}
	oIDs := append(ids(m.o.Trash, trashID), ids(m.losers, trashID)...)
	tIDs := append(ids(m.t.Trash, trashID), ids(m.losers, trashID)...)
	order := sortedUnion(oIDs, tIDs, keep, func(a, b string) int {
		return cmp.Or(get(a).DeletedAt.Compare(get(b).DeletedAt), cmp.Compare(a, b))
	})
	for _, id := range order {
		m.out.Trash = append(m.out.Trash, get(id).clone())
	}
}

// settings merges field by field; when both sides changed one, the side
// whose clock is later wins.
func (m *merger) settings() {
	b, o, t := m.base.Settings, m.o.Settings, m.t.Settings
	c := cmpStamp(m.o.Clock, m.t.Clock)
	if c == 0 { // equal clocks, different settings (after merges): a total order still
		c = cmp.Or(cmp.Compare(o.ClipboardClear, t.ClipboardClear), cmp.Compare(o.AutoLock, t.AutoLock))
	}
	oWins := c >= 0
	win, lose := m.o.Clock.Dev, m.t.Clock.Dev
	if !oWins {
		win, lose = lose, win
	}
	pick := func(name string, bv, ov, tv time.Duration) time.Duration {
		switch {
		case ov == tv:
			return ov
		case m.noBase && oWins:
			return ov
		case m.noBase:
			return tv
		case tv == bv:
			return ov
		case ov == bv:
			return tv
		}
		m.conflicts = append(m.conflicts, Conflict{Kind: "settings", Field: name, Winner: win, Loser: lose})
		if oWins {
			return ov
		}
		return tv
	}
	m.out.Settings = Settings{
		ClipboardClear: pick("clipboard_clear", b.ClipboardClear, o.ClipboardClear, t.ClipboardClear),
		AutoLock:       pick("auto_lock", b.AutoLock, o.AutoLock, t.AutoLock),
	}
}

// Diff lists the accounts added, changed (any field a user changes, or
// their recovery codes) and deleted from one copy to another (nil: empty).
func Diff(from, to *Data) Changes {
	if from == nil {
		from = &Data{}
	}
	if to == nil {
		to = &Data{}
	}
	var c Changes
	for _, a := range to.Live() {
		old := from.Account(a.ID)
		switch {
		case old == nil:
			c.Added = append(c.Added, a.Label())
		case !sameContent(old, a) || !sameCodes(from.RecoveryFor(a.ID).codes(), to.RecoveryFor(a.ID).codes()):
			c.Changed = append(c.Changed, a.Label())
		}
	}
	for _, a := range from.Live() {
		if to.Account(a.ID) == nil {
			c.Deleted = append(c.Deleted, a.Label())
		}
	}
	slices.Sort(c.Added)
	slices.Sort(c.Changed)
	slices.Sort(c.Deleted)
	return c
}

func (r *RecoverySet) codes() []RecoveryCode {
	if r == nil {
		return nil
	}
	return r.Codes
}

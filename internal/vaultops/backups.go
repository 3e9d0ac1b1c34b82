package vaultops

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/otterauth/otter/vault"
)

// Generation is one generation of the vault as otter backup list shows
// it: the vault file itself or a kept backup.
type Generation struct {
	Generation uint64
	Updated    time.Time
	Current    bool   // the vault file itself
	Accounts   int    // live accounts; -1 when its data could not be read
	Changes    string // what changed since the next older generation listed
	Err        error  // why its data could not be read, or nil
}

// Generations lists the current generation and the kept backups, newest
// first. What the headers say is always listed; the accounts and changes
// come from decrypting each backup with the session's keys, which works
// while one of its slots is still in the vault. Nothing is written.
func (s *Session) Generations() []Generation {
	out := []Generation{{Generation: s.v.Generation(), Updated: s.v.Updated(), Current: true}}
	for _, b := range s.v.Backups() {
		out = append(out, Generation{Generation: b.Generation, Updated: b.Updated, Err: b.Err})
	}
	datas := make([]*vault.Data, len(out))
	defer func() {
		for _, d := range datas[1:] {
			wipeData(d)
		}
	}()
	for i := range out {
		out[i].Accounts = -1
		if out[i].Err != nil {
			continue
		}
		d, err := s.v.OpenBackup(out[i].Generation)
		if err != nil {
			out[i].Err = err
			continue
		}
		datas[i], out[i].Accounts = d, len(d.Live())
	}
	for i := 0; i+1 < len(out); i++ {
		if datas[i] != nil && datas[i+1] != nil {
			out[i].Changes = Changes(datas[i+1], datas[i])
		}
	}
	return out
}

// Changes says in a few words what changed from old to new: accounts
// added (+), removed (-) and changed (~), else the kinds of the audit
// events new holds and old does not.
func Changes(old, new *vault.Data) string {
	before := make(map[string]*vault.Account)
	for _, a := range old.Live() {
		before[a.ID] = a
	}
	var parts []string
	changed := 0
	for _, a := range new.Live() {
		o := before[a.ID]
		switch {
		case o == nil:
			parts = append(parts, "+"+a.Label())
		case o.Stamp != a.Stamp && !onlyUse(o, a):
			changed++
		}
		delete(before, a.ID)
	}
	for _, a := range old.Live() {
		if before[a.ID] != nil {
			parts = append(parts, "-"+a.Label())
		}
	}
	if changed > 0 {
		parts = append(parts, fmt.Sprintf("~%d %s", changed, plural(changed, "account", "accounts")))
	}
	if len(parts) == 0 {
		parts = newEventKinds(old, new)
	}
	return strings.Join(parts, ", ")
}

// onlyUse reports whether a differs from o only by being used.
func onlyUse(o, a *vault.Account) bool {
	return o.Label() == a.Label() && o.Pinned == a.Pinned && o.Notes == a.Notes &&
		o.URL == a.URL && slices.Equal(o.Tags, a.Tags) && o.Updated.Equal(a.Updated)
}

func newEventKinds(old, new *vault.Data) []string {
	seen := make(map[string]bool, len(old.Audit))
	for _, e := range old.Audit {
		seen[e.ID] = true
	}
	var kinds []string
	for _, e := range new.Audit {
		if !seen[e.ID] && !slices.Contains(kinds, e.Kind) {
			kinds = append(kinds, e.Kind)
		}
	}
	return kinds
}

// BackupView is a read-only look into one generation: no secrets.
type BackupView struct {
	Generation uint64
	Accounts   []vault.Account // live accounts, secrets removed
	Recovery   int             // accounts with recovery codes
}

// ShowBackup opens generation gen (a backup or the current one) with the
// session's keys and returns its accounts without their secrets. It is not
// a rollback: nothing is written and the high-water mark does not move.
func (s *Session) ShowBackup(gen uint64) (*BackupView, error) {
	d, err := s.v.OpenBackup(gen)
	if err != nil {
		return nil, err
	}
	defer wipeData(d)
	view := &BackupView{Generation: gen}
	for _, a := range d.Live() {
		c := *a
		c.Secret = nil
		c.Tags = slices.Clone(a.Tags)
		view.Accounts = append(view.Accounts, c)
		if d.RecoveryFor(a.ID) != nil {
			view.Recovery++
		}
	}
	return view, nil
}

func wipeData(d *vault.Data) {
	if d == nil {
		return
	}
	for i := range d.Accounts {
		clear(d.Accounts[i].Secret)
	}
}

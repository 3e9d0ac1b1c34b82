package vaultops

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/otterauth/otter/vault"
)

// Trashed is a deleted account waiting in the trash, without its secret.
type Trashed struct {
	ID        string // the deleted account's id; RestoreTrash takes it
	Label     string // issuer:name
	DeletedAt time.Time
	Codes     int // recovery codes kept with it
	// Conflict is set for the losing version of a sync conflict (the
	// account itself is live, with the winning version).
	Conflict bool
}

// ListTrash returns the accounts in d's trash, the most recently deleted
// first.
func ListTrash(d *vault.Data) []Trashed {
	out := make([]Trashed, 0, len(d.Trash))
	for i := range d.Trash {
		t := &d.Trash[i]
		out = append(out, Trashed{ID: t.Account.ID, Label: t.Account.Label(), DeletedAt: t.DeletedAt, Codes: len(t.Recovery),
			Conflict: t.Reason == vault.TrashConflict})
	}
	slices.SortStableFunc(out, func(a, b Trashed) int { return b.DeletedAt.Compare(a.DeletedAt) })
	return out
}

// FindTrash looks up query in d's trash as Data.Find does among live
// accounts: an exact id; else the entries whose label or issuer equals the
// query (case-insensitively); else those whose label contains it. The same
// label deleted twice gives several results, newest first.
func FindTrash(d *vault.Data, query string) []Trashed {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	var exact, sub []Trashed
	for _, t := range ListTrash(d) {
		label := strings.ToLower(t.Label)
		switch {
		case t.ID == strings.TrimSpace(query):
			return []Trashed{t}
		case label == q || strings.ToLower(d.TrashedAt(t.ID).Account.Issuer) == q:
			exact = append(exact, t)
		case strings.Contains(label, q):
			sub = append(sub, t)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return sub
}

// RestoreTrash brings the deleted account id back from the trash, with
// its secret and recovery codes, as a new account (a new id: the deleted
// one stays a tombstone, so that sync never sees a deletion undone) and
// returns it (secret dropped). ErrNotInTrash if it is not there (restored
// or purged meanwhile).
func (s *Session) RestoreTrash(id string) (vault.Account, error) {
	now := s.now()
	var out vault.Account
	err := s.v.Update(func(d *vault.Data) error {
		a := d.RestoreTrashed(id, now)
		if a == nil {
			return ErrNotInTrash
		}
		Clean(a) // the restored account is new text to the vault
		out = public(a)
		d.Log(now, "account.restore", fmt.Sprintf("%s (was %s)", a.Label(), id))
		return nil
	})
	return out, err
}

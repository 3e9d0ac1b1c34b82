package vaultops

import (
	"time"

	"github.com/otterauth/otter/internal/localstate"
)

// RecordUse counts a use of account id's code (a copy), for most-used
// ordering, in this device's local state: it never writes the vault, so
// copying codes does not push real changes out of the backups. It fails
// with ErrAccountGone if the account is not live (the file is re-read,
// not written, to find out).
func (s *Session) RecordUse(id string) (localstate.Use, error) {
	if _, err := s.v.Refresh(); err != nil {
		return localstate.Use{}, err
	}
	if s.v.Data().Account(id) == nil {
		return localstate.Use{}, ErrAccountGone
	}
	return s.recordUse(id, s.now())
}

func (s *Session) recordUse(id string, now time.Time) (localstate.Use, error) {
	if s.usage == nil {
		return localstate.Use{}, nil
	}
	s.seed()
	return s.usage.Record(id, now)
}

// Usage returns how often, and when last, each account's code was used on
// this device, by account id. It reads local state (a small file), so
// faces call it outside their render loop.
func (s *Session) Usage() map[string]localstate.Use {
	if s.usage == nil {
		return map[string]localstate.Use{}
	}
	s.seed()
	return s.usage.All()
}

// seed carries the use counts that vaults written before usage moved to
// local state hold (vault.Account.UseCount, LastUsed; no longer updated)
// into the local record, for the accounts it does not know yet.
func (s *Session) seed() {
	s.seeded.Do(func() {
		uses := map[string]localstate.Use{}
		for _, a := range s.v.Data().Live() {
			if a.UseCount > 0 {
				uses[a.ID] = localstate.Use{Count: a.UseCount, Last: a.LastUsed}
			}
		}
		if len(uses) > 0 {
			s.usage.Seed(uses) // best effort: only the ordering depends on it
		}
	})
}

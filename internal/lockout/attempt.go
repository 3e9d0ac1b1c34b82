package lockout

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"
)

// pending is a reserved attempt whose outcome is not known yet: its time is
// already among the record's failures, so that it counts towards every
// window while the KDF runs.
type pending struct {
	ID   string    `json:"id"`
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
}

// Attempt is one unlock attempt reserved in the record by Reserve. Exactly
// one of Fail, Success or Release ends it; an attempt never ended (the
// process crashed) stays a failure.
type Attempt struct {
	t    *Tracker
	id   string
	kind string
}

// Reserve refuses the attempt with a *LockedError if attempts are refused
// now; otherwise it records the attempt as a failure before the caller does
// any KDF work, under the same file lock, so that concurrent attempts (of
// this process or others) can never exceed the limits. Other errors mean
// the record could not be read or written: the attempt must not be made.
func (t *Tracker) Reserve(kind string) (*Attempt, error) {
	var b [8]byte
	rand.Read(b[:])
	a := &Attempt{t: t, id: hex.EncodeToString(b[:]), kind: kind}
	var locked *LockedError
	_, _, err := t.update(func(r *record, now time.Time) bool {
		if locked = r.locked(now); locked != nil {
			return false
		}
		r.Failures = append(r.Failures, now.UTC())
		r.Pending = append(r.Pending, pending{ID: a.id, At: now.UTC(), Kind: kind})
		return true
	})
	if err != nil {
		return nil, err
	}
	if locked != nil {
		return nil, locked
	}
	return a, nil
}

// Fail confirms the reserved attempt as a failure. It returns a
// *LockedError if attempts are refused from now on, nil if not, or another
// error if the record could not be updated. If a successful unlock cleared
// the record meanwhile, the failure is recorded anew.
func (a *Attempt) Fail() error {
	rec, now, err := a.t.update(func(r *record, now time.Time) bool {
		if p, ok := r.take(a.id); ok {
			r.confirm(p)
		} else {
			r.add(now, a.kind)
		}
		return true
	})
	if err != nil {
		return err
	}
	return asError(rec.locked(now))
}

// Success clears the record after the reserved attempt unlocked, and
// returns the failed attempts before it: the attempt itself is not one of
// them, other attempts still pending (crashed or in flight) are.
func (a *Attempt) Success() (Summary, error) {
	return a.t.clear(a.id)
}

// Release withdraws the reserved attempt: it was not a guess (the vault
// file is corrupt, the security key was missing), so it is not counted.
func (a *Attempt) Release() error {
	_, _, err := a.t.update(func(r *record, _ time.Time) bool {
		p, ok := r.take(a.id)
		if ok {
			if i := slices.IndexFunc(r.Failures, p.At.Equal); i >= 0 {
				r.Failures = slices.Delete(r.Failures, i, i+1)
			}
		}
		return ok
	})
	return err
}

// take removes the pending attempt id and reports whether it was there.
func (r *record) take(id string) (pending, bool) {
	i := slices.IndexFunc(r.Pending, func(p pending) bool { return p.ID == id })
	if i < 0 {
		return pending{}, false
	}
	p := r.Pending[i]
	r.Pending = slices.Delete(r.Pending, i, i+1)
	return p, true
}

// confirm counts the pending attempt p, whose time is already among the
// failures, as a failure since the last success.
func (r *record) confirm(p pending) {
	r.SinceSuccess++
	if p.At.After(r.LastFailure) {
		r.LastFailure = p.At
	}
	if r.Kinds == nil {
		r.Kinds = make(map[string]int)
	}
	r.Kinds[p.Kind]++
}

// summary returns the failures since the last success, counting the
// pending attempts other than except as failures.
func (r record) summary(except string) Summary {
	s := Summary{Failures: r.SinceSuccess, Last: r.LastFailure, Kinds: r.Kinds}
	for _, p := range r.Pending {
		if p.ID == except {
			continue
		}
		if s.Kinds == nil {
			s.Kinds = make(map[string]int)
		}
		s.Failures++
		s.Kinds[p.Kind]++
		if p.At.After(s.Last) {
			s.Last = p.At
		}
	}
	return s
}

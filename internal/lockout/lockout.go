// Package lockout owns the lockout record: the failed unlock attempts of one
// vault (password, recovery key, FIDO PIN entered through otter), kept outside
// the vault in the state directory so that attempts can be refused before any
// KDF work.
//
// After 10 failures within a minute, 20 within an hour or 40 within a day,
// Check refuses further attempts until enough of them have aged out of the
// window. A successful unlock clears the record and reports the failures
// since the previous one. A corrupt vault file is not a failed attempt:
// callers do not call Fail for it.
//
// An attempt is reserved before the KDF runs: Reserve, under the file lock,
// refuses it if locked out and otherwise records it as a failure that is
// still pending, so that 40 wrong passwords tried at once are not all
// evaluated. The attempt's outcome then confirms it (Attempt.Fail), clears
// the record without counting it (Attempt.Success) or withdraws it
// (Attempt.Release). A process that dies in between leaves a failure.
//
// The record is dir/lockout-<vaultID>.json (mode 0600, dir created 0700):
//
//	{"version":1,"failures":["2026-01-02T15:04:05Z",…],"since_success":3,
//	 "last_failure":"2026-01-02T15:04:05Z","kinds":{"password":3},
//	 "pending":[{"id":"9f…","at":"2026-01-02T15:04:09Z","kind":"password"}]}
//
// failures holds the times of the failures of the last 24 hours, oldest
// first, at most 1000 of them; since_success, last_failure and kinds cover
// every failure since the last successful unlock, however old; pending holds
// the reserved attempts not yet ended (their times are among failures, and
// beyond 1000 of them the oldest count as failures). Every change
// is a read-modify-write under an exclusive flock(2) on
// dir/lockout-<vaultID>.lock, written to a temporary file, synced and renamed
// over the record, so concurrent otter processes never lose a failure. On
// systems without flock only the goroutines of one process are serialised.
//
// Times come from the clock given to Open. A failure recorded in the future
// of that clock (the clock went backwards) is moved back to the present, so
// setting the clock back neither lifts a lockout nor extends it by more than
// the window. Setting the clock forward does lift it; the record is a
// throttle against guessing, not a defence against the machine's owner.
package lockout

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/paths"
)

// ErrLocked is matched by every *LockedError: errors.Is(err, ErrLocked).
var ErrLocked = errors.New("locked out")

// LockedError says that unlock attempts are refused until Until, because
// Failures failed attempts fell within the last Window.
type LockedError struct {
	Until    time.Time
	Failures int
	Window   time.Duration

	now time.Time // when the error was made, to decide whether to print the date
}

var _ error = (*LockedError)(nil)

// Error returns "too many failed unlock attempts: locked until 15:04", in
// local time rounded up to the minute, with the date when Until is not on
// the day the error was made.
func (e *LockedError) Error() string {
	now := e.now
	if now.IsZero() {
		now = time.Now()
	}
	u := e.Until.Local()
	if m := u.Truncate(time.Minute); m.Before(u) {
		u = m.Add(time.Minute)
	}
	layout := "15:04"
	if y, m, d := u.Date(); !sameDay(now.Local(), y, m, d) {
		layout = "2006-01-02 15:04"
	}
	return "too many failed unlock attempts: locked until " + u.Format(layout)
}

func sameDay(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Summary describes the failed attempts since the last successful unlock.
type Summary struct {
	Failures int            // number of failed attempts
	Last     time.Time      // time of the most recent one; zero if none
	Kinds    map[string]int // failures by kind ("password", "recovery", "pin")
}

// Tracker records the failed unlock attempts of one vault. Its methods are
// safe for concurrent use, also by several processes sharing dir.
type Tracker struct {
	dir, path, lockPath string
	now                 func() time.Time
}

// Open returns the tracker for the vault vaultID, whose record lives in dir.
// Characters of vaultID other than ASCII letters, digits, '.', '_' and '-'
// are replaced by '_' in the file name. now is the clock (time.Now if nil).
// Open does no I/O.
func Open(dir, vaultID string, now func() time.Time) *Tracker {
	if now == nil {
		now = time.Now
	}
	name := "lockout-" + paths.FileName(vaultID)
	return &Tracker{
		dir:      dir,
		path:     filepath.Join(dir, name+".json"),
		lockPath: filepath.Join(dir, name+".lock"),
		now:      now,
	}
}

// Check returns nil if an unlock attempt may be made now, or a *LockedError
// if it must be refused. A record that exists but cannot be parsed is
// treated as empty (Check returns nil; the next Fail or Success replaces
// it). Any other failure, such as being unable to create dir or to read the
// record, is returned as an error that is not a *LockedError: the caller
// must not take it for "not locked".
func (t *Tracker) Check() error {
	if err := t.mkdir(); err != nil {
		return err
	}
	rec, err := t.load()
	if err != nil {
		return err
	}
	now := t.now()
	if rec.normalise(now) {
		// The clock went backwards: persist the clamped times, so that
		// the lockout ends one window from now rather than from then.
		if rec, now, err = t.update(nil); err != nil {
			return err
		}
	}
	return asError(rec.locked(now))
}

// Fail records one failed unlock attempt of the given kind ("password",
// "recovery" or "pin"). It returns a *LockedError if attempts are refused
// from now on, nil if not, or another error if the failure could not be
// recorded.
func (t *Tracker) Fail(kind string) error {
	rec, now, err := t.update(func(r *record, now time.Time) bool {
		r.add(now, kind)
		return true
	})
	if err != nil {
		return err
	}
	return asError(rec.locked(now))
}

// Success clears the record after a successful unlock and returns the failed
// attempts since the previous successful unlock, pending ones included.
func (t *Tracker) Success() (Summary, error) { return t.clear("") }

// clear empties the record and returns its summary without the pending
// attempt except.
func (t *Tracker) clear(except string) (Summary, error) {
	var s Summary
	_, _, err := t.update(func(r *record, _ time.Time) bool {
		s = r.summary(except)
		empty := r.SinceSuccess == 0 && len(r.Failures) == 0 && len(r.Pending) == 0
		*r = record{}
		return !empty
	})
	if err != nil {
		return Summary{}, err
	}
	return s, nil
}

// asError avoids returning a typed nil *LockedError as a non-nil error.
func asError(e *LockedError) error {
	if e == nil {
		return nil
	}
	return e
}

// update runs fn on the record under the file lock and writes the record
// back if fn reports a change or the record needed normalising. fn may be
// nil. It returns the record as written and the time it used.
func (t *Tracker) update(fn func(r *record, now time.Time) bool) (record, time.Time, error) {
	if err := t.mkdir(); err != nil {
		return record{}, time.Time{}, err
	}
	unlock, err := atomicfile.Lock(t.lockPath)
	if err != nil {
		return record{}, time.Time{}, fmt.Errorf("failed to lock lockout record: %w", err)
	}
	defer unlock()
	rec, err := t.load()
	if err != nil {
		return record{}, time.Time{}, err
	}
	now := t.now()
	changed := rec.normalise(now) || rec.corrupt
	if fn != nil && fn(&rec, now) {
		changed = true
	}
	if changed {
		if err := t.save(rec); err != nil {
			return record{}, time.Time{}, err
		}
	}
	return rec, now, nil
}

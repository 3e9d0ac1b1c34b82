package lockout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/otterauth/otter/internal/atomicfile"
)

const (
	recordVersion = 1
	maxEntries    = 1000           // failures kept, newest first
	keep          = 24 * time.Hour // how long failure times are kept
)

// thresholds are the lockout rules: Limit failures within Window lock until
// the Limit-th most recent of them is Window old.
var thresholds = [...]struct {
	Limit  int
	Window time.Duration
}{
	{10, time.Minute},
	{20, time.Hour},
	{40, 24 * time.Hour},
}

// record is the JSON lockout record described in the package doc.
type record struct {
	Version      int            `json:"version"`
	Failures     []time.Time    `json:"failures"`
	SinceSuccess int            `json:"since_success"`
	LastFailure  time.Time      `json:"last_failure,omitzero"`
	Kinds        map[string]int `json:"kinds,omitempty"`
	Pending      []pending      `json:"pending,omitempty"`

	corrupt bool // read from a file that could not be parsed
}

// add records one failure of kind at now.
func (r *record) add(now time.Time, kind string) {
	r.Failures = append(r.Failures, now.UTC())
	if n := len(r.Failures); n > maxEntries {
		r.Failures = slices.Delete(r.Failures, 0, n-maxEntries)
	}
	r.SinceSuccess = min(r.SinceSuccess, math.MaxInt-1) + 1
	r.LastFailure = now.UTC()
	if r.Kinds == nil {
		r.Kinds = make(map[string]int)
	}
	r.Kinds[kind]++
}

// normalise moves failures in the future of now back to now, sorts them,
// drops those older than a day and all but the newest maxEntries. It reports
// whether it had to move any (the clock went backwards).
func (r *record) normalise(now time.Time) (clamped bool) {
	now = now.UTC()
	for i, f := range r.Failures {
		if f.After(now) {
			r.Failures[i], clamped = now, true
		}
	}
	if r.LastFailure.After(now) {
		r.LastFailure, clamped = now, true
	}
	for i, p := range r.Pending {
		if p.At.After(now) {
			r.Pending[i].At, clamped = now, true
		}
	}
	if n := len(r.Pending) - maxEntries; n > 0 {
		for _, p := range r.Pending[:n] { // never ended: the process died
			r.confirm(p)
		}
		r.Pending = slices.Delete(r.Pending, 0, n)
	}
	slices.SortFunc(r.Failures, time.Time.Compare)
	cut := sort.Search(len(r.Failures), func(i int) bool { return r.Failures[i].After(now.Add(-keep)) })
	cut = max(cut, len(r.Failures)-maxEntries)
	r.Failures = slices.Delete(r.Failures, 0, cut)
	r.SinceSuccess = max(r.SinceSuccess, 0)
	return clamped
}

// locked returns the lockout in force at now, the one that ends last, or nil.
// The failures must be normalised.
func (r *record) locked(now time.Time) *LockedError {
	var worst *LockedError
	for _, th := range thresholds {
		start := sort.Search(len(r.Failures), func(i int) bool { return r.Failures[i].After(now.Add(-th.Window)) })
		n := len(r.Failures) - start
		if n < th.Limit {
			continue
		}
		until := r.Failures[len(r.Failures)-th.Limit].Add(th.Window)
		if worst == nil || until.After(worst.Until) {
			worst = &LockedError{Until: until, Failures: n, Window: th.Window, now: now}
		}
	}
	return worst
}

func (t *Tracker) mkdir() error {
	if err := os.MkdirAll(t.dir, 0o700); err != nil {
		return fmt.Errorf("failed to create lockout directory: %w", err)
	}
	return nil
}

// load reads the record. A missing file is an empty record; so is one that
// cannot be parsed, with corrupt set.
func (t *Tracker) load() (record, error) {
	b, err := os.ReadFile(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return record{}, nil
	}
	if err != nil {
		return record{}, fmt.Errorf("failed to read lockout record: %w", err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil || r.Version != recordVersion {
		return record{corrupt: true}, nil
	}
	return r, nil
}

// save replaces the record atomically: temporary file, fsync, rename, fsync
// of the directory.
func (t *Tracker) save(r record) error {
	r.Version = recordVersion
	if r.Failures == nil {
		r.Failures = []time.Time{}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("failed to encode lockout record: %w", err)
	}
	if err := atomicfile.Write(atomicfile.OS, t.path, b); err != nil {
		return fmt.Errorf("failed to write lockout record: %w", err)
	}
	return nil
}

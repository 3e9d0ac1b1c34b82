package localstate

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/paths"
)

// Use is how often an account's code was used on this device, and when
// last.
type Use struct {
	Count int       `json:"n"`
	Last  time.Time `json:"last"`
}

// MaxUsage bounds the usage file: beyond it the least recently used
// entries are dropped.
const MaxUsage = 20_000

// Usage is the use record of one vault on this device, in
// dir/usage-VAULTID.json. Its methods are safe for concurrent use, also by
// several processes sharing dir.
type Usage struct {
	dir, path, lockPath string
	mu                  sync.Mutex
	cache               map[string]Use // nil until read
}

// OpenUsage returns the use record of vault vaultID in dir. It does no I/O.
func OpenUsage(dir, vaultID string) *Usage {
	name := "usage-" + paths.FileName(vaultID)
	return &Usage{dir: dir, path: filepath.Join(dir, name+".json"), lockPath: filepath.Join(dir, name+".lock")}
}

// All returns every account's use (a copy), reading the file the first
// time. A missing or unreadable file is an empty record.
func (u *Usage) All() map[string]Use {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.cache == nil {
		u.cache, _ = u.load()
	}
	return maps.Clone(u.cache)
}

// Record counts a use of account id at now and returns its new use.
func (u *Usage) Record(id string, now time.Time) (Use, error) {
	var out Use
	err := u.update(func(m map[string]Use) {
		out = Use{Count: m[id].Count + 1, Last: now}
		m[id] = out
	})
	return out, err
}

// Seed writes uses for accounts the record does not know yet: the first
// run of a version that keeps usage here carries the vault's counts over.
// It writes nothing when every account is known already.
func (u *Usage) Seed(uses map[string]Use) error {
	return u.update(func(m map[string]Use) {
		for id, use := range uses {
			if _, ok := m[id]; !ok && use.Count > 0 {
				m[id] = use
			}
		}
	})
}

// update runs fn on the record under the file lock and writes it back.
func (u *Usage) update(fn func(m map[string]Use)) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := os.MkdirAll(u.dir, 0o700); err != nil {
		return fmt.Errorf("failed to create state directory: %w", err)
	}
	unlock, err := atomicfile.Lock(u.lockPath)
	if err != nil {
		return fmt.Errorf("failed to lock the usage record: %w", err)
	}
	defer unlock()
	m, err := u.load()
	if err != nil {
		return err
	}
	before := maps.Clone(m)
	fn(m)
	if maps.Equal(before, m) {
		u.cache = m
		return nil
	}
	bound(m)
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(atomicfile.OS, u.path, b); err != nil {
		return fmt.Errorf("failed to write the usage record: %w", err)
	}
	u.cache = m
	return nil
}

// load reads the record; missing or unparsable means empty.
func (u *Usage) load() (map[string]Use, error) {
	b, err := os.ReadFile(u.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Use{}, nil
	}
	if err != nil {
		return map[string]Use{}, fmt.Errorf("failed to read the usage record: %w", err)
	}
	m := map[string]Use{}
	if json.Unmarshal(b, &m) != nil || m == nil {
		m = map[string]Use{}
	}
	return m, nil
}

// bound drops the least recently used entries beyond MaxUsage.
func bound(m map[string]Use) {
	if len(m) <= MaxUsage {
		return
	}
	ids := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(m[a].Last.Compare(m[b].Last), cmp.Compare(a, b))
	})
	for _, id := range ids[:len(m)-MaxUsage] {
		delete(m, id)
	}
}

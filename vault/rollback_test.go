package vault

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// memHighWater is an in-memory HighWater.
type memHighWater struct {
	mu sync.Mutex
	m  map[string]uint64
}

func (h *memHighWater) Get(id string) (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[id], nil
}

func (h *memHighWater) Raise(id string, gen uint64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = make(map[string]uint64)
	}
	h.m[id] = max(h.m[id], gen)
	return nil
}

// guardedVault creates a vault guarded by hw and saves it up to generation 5
// (an account a0 … a3 added by each save after the first).
func guardedVault(t *testing.T, hw HighWater) (*Vault, creds, *Options) {
	t.Helper()
	c := newCreds(t)
	o := testOptions()
	o.HighWater = hw
	v, err := Create(filepath.Join(t.TempDir(), "vault.otter"), o, c.pw, c.rk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	for i := range 4 {
		addAccount(t, v, fmt.Sprint("a", i))
	}
	if v.Generation() != 5 {
		t.Fatalf("generation %d, want 5", v.Generation())
	}
	return v, c, o
}

func backupFile(v *Vault, gen uint64) string {
	return filepath.Join(filepath.Dir(v.Path()), "backups", fmt.Sprintf("vault.otter.%d", gen))
}

func TestLoadRefusesEveryOlderGeneration(t *testing.T) {
	v, _, o := guardedVault(t, &memHighWater{})
	newest := readFile(t, v.Path())
	for gen := uint64(1); gen <= 4; gen++ {
		writeFile(t, v.Path(), readFile(t, backupFile(v, gen)))
		_, err := Load(v.Path(), o)
		var re *RollbackError
		if !errors.As(err, &re) || !errors.Is(err, ErrRollback) {
			t.Fatalf("Load of backup %d over generation 5: %v, want a *RollbackError", gen, err)
		}
		if re.Generation != gen || re.Seen != 5 {
			t.Errorf("RollbackError says generation %d, seen %d; want %d and 5", re.Generation, re.Seen, gen)
		}
	}
	writeFile(t, v.Path(), newest)
	if _, err := Load(v.Path(), o); err != nil {
		t.Fatalf("Load of the newest file: %v", err)
	}
}

// An open Vault refuses a reload to an older file even with no high-water
// mark: it knows the generation it holds.
func TestOpenVaultRefusesOlderFile(t *testing.T) {
	v, c, _ := guardedVault(t, nil)
	u := open(t, v.Path(), c.pw)
	old := readFile(t, backupFile(v, 3))
	writeFile(t, v.Path(), old)
	if _, err := u.Refresh(); !errors.Is(err, ErrRollback) {
		t.Fatalf("Refresh onto generation 3: %v, want ErrRollback", err)
	}
	err := u.Update(func(d *Data) error { d.Log(testNow, "x", ""); return nil })
	if !errors.Is(err, ErrRollback) {
		t.Fatalf("Update onto generation 3: %v, want ErrRollback", err)
	}
	if u.Generation() != 5 || len(u.Data().Live()) != 4 {
		t.Errorf("the open vault now holds generation %d with %d accounts; want 5 and 4", u.Generation(), len(u.Data().Live()))
	}
	if !bytes.Equal(readFile(t, v.Path()), old) {
		t.Error("the refused Update wrote the file")
	}
}

// A file put back on purpose (AllowRollback) saves above every generation
// ever seen: the lost generation 5 is never reused.
func TestGenerationsNeverRepeat(t *testing.T) {
	v, c, o := guardedVault(t, &memHighWater{})
	writeFile(t, v.Path(), readFile(t, backupFile(v, 2)))
	allow := *o
	allow.AllowRollback = true
	l, err := Load(v.Path(), &allow)
	if err != nil {
		t.Fatalf("Load with AllowRollback: %v", err)
	}
	u, err := l.Unlock(c.rk)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	addAccount(t, u, "after")
	if u.Generation() != 6 {
		t.Errorf("first save after putting generation 2 back is generation %d, want 6", u.Generation())
	}
	if _, err := Load(v.Path(), o); err != nil {
		t.Errorf("Load of the new generation: %v", err)
	}
}

func TestOpenBackup(t *testing.T) {
	v, _, _ := guardedVault(t, &memHighWater{})
	list := v.Backups()
	if len(list) != 4 || list[0].Generation != 4 || list[3].Generation != 1 {
		t.Fatalf("Backups() = %+v, want generations 4 to 1", list)
	}
	for _, b := range list {
		d, err := v.OpenBackup(b.Generation)
		if err != nil {
			t.Fatalf("OpenBackup(%d): %v", b.Generation, err)
		}
		if n := len(d.Live()); n != int(b.Generation)-1 {
			t.Errorf("generation %d holds %d accounts, want %d", b.Generation, n, b.Generation-1)
		}
	}
	if _, err := v.OpenBackup(9); !errors.Is(err, ErrNoBackup) {
		t.Errorf("OpenBackup(9): %v, want ErrNoBackup", err)
	}
	if v.Generation() != 5 {
		t.Errorf("reading backups moved the vault to generation %d", v.Generation())
	}
}

// A writer replaces the file and raises the mark between a reader's read
// and its check: neither Load nor Refresh may take that for a rollback.
func TestConcurrentWriterIsNoRollback(t *testing.T) {
	hw := &slowHighWater{}
	v, c, o := guardedVault(t, hw)
	reader, err := Load(v.Path(), o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := reader.Unlock(c.pw)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		for i := range 60 {
			if err := v.Update(func(d *Data) error { d.Log(time.Now(), "test", fmt.Sprint(i)); return nil }); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
		if _, err := Load(v.Path(), o); err != nil {
			t.Fatalf("Load while another writer saves: %v", err)
		}
		if _, err := r.Refresh(); err != nil {
			t.Fatalf("Refresh while another writer saves: %v", err)
		}
	}
}

// slowHighWater widens the window between a reader's read of the file and
// its look at the mark, as a busy machine does.
type slowHighWater struct{ memHighWater }

func (h *slowHighWater) Get(id string) (uint64, error) {
	time.Sleep(2 * time.Millisecond)
	return h.memHighWater.Get(id)
}

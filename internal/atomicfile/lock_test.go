package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// TestLockSerialises: read-increment-write cycles on a counter file, each
// under a fresh Lock from one of many goroutines, lose no increment.
func TestLockSerialises(t *testing.T) {
	dir := t.TempDir()
	lock, counter := filepath.Join(dir, "x.lock"), filepath.Join(dir, "n")
	if err := os.WriteFile(counter, []byte("0"), 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				unlock, err := Lock(lock)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := os.ReadFile(counter)
				n, _ := strconv.Atoi(string(b))
				os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o600)
				unlock()
			}
		}()
	}
	wg.Wait()
	if b, _ := os.ReadFile(counter); string(b) != "400" {
		t.Fatalf("counter = %s, want 400", b)
	}
}

// TestTryLock: TryLock fails with ErrLocked while the lock is held and
// succeeds once it is released.
func TestTryLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := TryLock(path); !errors.Is(err, ErrLocked) {
		if u != nil {
			u()
		}
		t.Fatalf("TryLock on a held lock: err = %v, want ErrLocked", err)
	}
	unlock()
	u, err := TryLock(path)
	if err != nil {
		t.Fatalf("TryLock on a free lock: %v", err)
	}
	u()
}

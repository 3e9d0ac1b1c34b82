package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
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

// TestLockRefusesSymlink: a symbolic link planted at the lock path is
// refused, and the file it points to is neither created nor changed.
func TestLockRefusesSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no O_NOFOLLOW")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "x.lock")
	for _, tc := range []struct {
		name   string
		target string
		exists bool
	}{
		{"existing target", filepath.Join(dir, "victim"), true},
		{"missing target", filepath.Join(dir, "created-through-link"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(path)
			if tc.exists {
				if err := os.WriteFile(tc.target, []byte("keep"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(tc.target, path); err != nil {
				t.Fatal(err)
			}
			if unlock, err := Lock(path); err == nil {
				unlock()
				t.Fatal("Lock followed a symbolic link at the lock path")
			}
			fi, err := os.Stat(tc.target)
			switch {
			case !tc.exists && err == nil:
				t.Fatalf("Lock created the link's target %s", tc.target)
			case tc.exists && err != nil:
				t.Fatal(err)
			case tc.exists && (fi.Mode().Perm() != 0o644 || readFile(t, tc.target) != "keep"):
				t.Fatalf("the link's target changed: mode %v, %q", fi.Mode().Perm(), readFile(t, tc.target))
			}
		})
	}
}

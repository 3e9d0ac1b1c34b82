package filelock

import (
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

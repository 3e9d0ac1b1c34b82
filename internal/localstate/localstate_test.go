package localstate

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestDeviceIDIsMadeOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			id, err := DeviceID(dir)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || len(id) != 32 {
			t.Fatalf("device ids %v: want one 32-digit id", ids)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "device-id"), []byte("nonsense"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := DeviceID(dir); err == nil {
		t.Error("a damaged device-id file was accepted")
	}
}

func TestUsageCountsAndSeeds(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	u := OpenUsage(dir, "v1")
	for i := range 3 {
		if _, err := u.Record("a", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.Seed(map[string]Use{"a": {Count: 50}, "b": {Count: 7, Last: t0}}); err != nil {
		t.Fatal(err)
	}
	got := OpenUsage(dir, "v1").All() // another process
	if got["a"].Count != 3 || !got["a"].Last.Equal(t0.Add(2*time.Minute)) || got["b"].Count != 7 {
		t.Errorf("usage = %v; want a: 3 uses (seed ignored), b: 7 (seeded)", got)
	}
	if n := len(OpenUsage(dir, "v2").All()); n != 0 {
		t.Errorf("another vault's record has %d entries", n)
	}
}

func TestUsageIsBounded(t *testing.T) {
	m := map[string]Use{}
	t0 := time.Now()
	for i := range MaxUsage + 5 {
		m[fmt.Sprint(i)] = Use{Count: 1, Last: t0.Add(time.Duration(i) * time.Second)}
	}
	bound(m)
	if len(m) != MaxUsage {
		t.Fatalf("%d entries, want %d", len(m), MaxUsage)
	}
	if _, ok := m["0"]; ok {
		t.Error("the least recently used entry was kept")
	}
}

func TestBackupDirSetShowOff(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if got, err := BackupDir(dir); got != "" || err != nil {
		t.Fatalf("before any setting: %q, %v; want off", got, err)
	}
	usb := filepath.Join(t.TempDir(), "my usb stick")
	if err := SetBackupDir(dir, usb); err != nil {
		t.Fatal(err)
	}
	if got, err := BackupDir(dir); got != usb || err != nil {
		t.Errorf("after setting %s: %q, %v", usb, got, err)
	}
	if err := SetBackupDir(dir, "relative/path"); err == nil {
		t.Error("a relative path was kept")
	}
	for range 2 { // turning off twice is fine
		if err := SetBackupDir(dir, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := BackupDir(dir); got != "" {
		t.Errorf("after turning off: %q", got)
	}
}

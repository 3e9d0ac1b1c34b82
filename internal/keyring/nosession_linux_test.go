package keyring

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

// Issue 14: with no session bus address, every call is ErrUnavailable at
// once; nothing touches D-Bus (which would autolaunch a bus and wait).
func TestNoSessionIsUnavailableAtOnce(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	s := Store{Timeout: time.Minute}
	start := time.Now()
	_, gerr := s.Get("probe")
	serr := s.Set("probe", []byte("x"))
	derr := s.Delete("probe")
	for name, err := range map[string]error{"Get": gerr, "Set": serr, "Delete": derr} {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", name, err)
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("three calls took %v", d)
	}
}

// Without a session bus address Warm starts nothing: no goroutine, no
// connection attempt (which would autolaunch a bus), and Get is still
// ErrUnavailable at once.
func TestNoSessionNoWarm(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	gs := runtime.NumGoroutine()
	ws, cool := Store{Timeout: time.Minute}.Warm()
	defer cool()
	if ws.warm != nil {
		t.Fatal("Warm started a warm-up without a session bus")
	}
	if n := runtime.NumGoroutine(); n != gs {
		t.Errorf("%d goroutines after Warm, %d before", n, gs)
	}
	if _, err := ws.Get("probe"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get: %v, want ErrUnavailable", err)
	}
}

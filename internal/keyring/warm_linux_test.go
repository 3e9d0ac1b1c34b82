package keyring

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/dbustest"
)

// A warmed Get answers what a cold one does, found or not, and only the
// first Get uses the warmed connection; the others connect themselves.
func TestWarmGetIsColdGet(t *testing.T) {
	needKeyring(t)
	s := Store{}
	acct := "test/" + t.Name()
	secret := []byte{9, 8, 7, 0, 255}
	if err := s.Set(acct, secret); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Delete(acct) })
	cold, err := s.Get(acct)
	if err != nil || !bytes.Equal(cold, secret) {
		t.Fatalf("cold Get = %x, %v; want %x", cold, err, secret)
	}
	ws, cool := s.Warm()
	defer cool()
	if ws.warm == nil {
		t.Fatal("no warm-up started with a session bus")
	}
	<-ws.warm.done
	if ws.warm.c == nil || ws.warm.c.session == "" {
		t.Fatal("the warm-up did not connect and open a session")
	}
	for i := 0; i < 2; i++ {
		got, err := ws.Get(acct)
		if err != nil || !bytes.Equal(got, cold) {
			t.Fatalf("warmed Get #%d = %x, %v; want %x", i+1, got, err, cold)
		}
		if ws.warm.c != nil {
			t.Fatal("the Get left the warmed connection in place")
		}
	}
	ws, cool2 := s.Warm()
	defer cool2()
	if _, err := ws.Get("test/absent"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("warmed Get of a missing entry = %v, want ErrNotFound", err)
	}
}

// A warm-up nobody uses holds a socket and goroutines until it is let go
// of; then both are gone, and letting go twice is harmless.
func TestUnusedWarmCloses(t *testing.T) {
	needKeyring(t)
	fds, gs := openFDs(t), runtime.NumGoroutine()
	ws, cool := Store{}.Warm()
	<-ws.warm.done
	if ws.warm.c == nil {
		t.Fatal("the warm-up did not connect")
	}
	if n := openFDs(t); n <= fds {
		t.Fatalf("%d open descriptors with the warmed connection, %d before", n, fds)
	}
	cool()
	cool()
	settled(t, "open descriptors", fds, func() int { return openFDs(t) })
	settled(t, "goroutines", gs, runtime.NumGoroutine)
}

// A warm-up still under way when it is let go of ends at once and leaves
// nothing behind.
func TestWarmClosedAtOnce(t *testing.T) {
	needKeyring(t)
	fds, gs := openFDs(t), runtime.NumGoroutine()
	_, cool := Store{}.Warm()
	cool()
	settled(t, "open descriptors", fds, func() int { return openFDs(t) })
	settled(t, "goroutines", gs, runtime.NumGoroutine)
}

// A warm-up never starts a Secret Service that is not running: the vault
// it runs beside may have no keyring slot. The bus here would activate one
// (a script that leaves a mark) for any call that allowed it.
func TestWarmStartsNoSecretService(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "activated")
	script := filepath.Join(dir, "secrets.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch '"+mark+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	service := "[D-BUS Service]\nName=org.freedesktop.secrets\nExec=" + script + "\n"
	if err := os.WriteFile(filepath.Join(dir, "secrets.service"), []byte(service), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", dbustest.BusActivating(t, dir))
	ws, cool := Store{Timeout: 2 * time.Second}.Warm()
	defer cool()
	<-ws.warm.done
	if ws.warm.c != nil {
		t.Fatal("the warm-up opened a session with no Secret Service running")
	}
	time.Sleep(200 * time.Millisecond) // an activation would have run the script by now
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the warm-up started the Secret Service")
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// settled waits up to a second for now() to come back to want: a closed
// socket's descriptor and goroutines are released just after Close.
func settled(t *testing.T, what string, want int, now func() int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for now() > want {
		if time.Now().After(deadline) {
			t.Fatalf("%d %s after letting go of the warm-up, %d before", now(), what, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

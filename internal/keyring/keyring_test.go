package keyring

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"testing"
)

// These tests talk to the real Secret Service that `make test` starts
// (scripts/with-keyring.sh); outside it they skip and say why.
func needKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("OTTER_KEYRING_SESSION") == "" {
		t.Skip("no private keyring session: run through make test (scripts/with-keyring.sh)")
	}
}

func TestRoundTrip(t *testing.T) {
	needKeyring(t)
	s := Store{}
	acct := "test/" + t.Name()
	secret := []byte{0, 1, 2, 250, 255}
	if err := s.Set(acct, secret); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(acct)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get = %x, %v; want %x", got, err, secret)
	}
	if err := s.Delete(acct); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(acct); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(acct); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
}

// godbus shares one session connection per process, so the no-bus case runs
// in a child process of its own.
func TestNoSecretService(t *testing.T) {
	if os.Getenv("OTTER_KEYRING_CHILD") == "1" {
		_, err := Store{}.Get("whatever")
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Get without a bus = %v, want ErrUnavailable", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoSecretService$")
	cmd.Env = append(os.Environ(), "OTTER_KEYRING_CHILD=1", "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/otter-test-bus")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

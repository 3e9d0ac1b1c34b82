// Package keyring stores otter's slot secrets in the OS keyring (Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows) under
// the service name "otter". It implements vault.SecretStore. On Linux, with
// no DBUS_SESSION_BUS_ADDRESS there is no keyring: every call returns
// ErrUnavailable at once, and no bus is autolaunched.
package keyring

import (
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// Service is the keyring service name every otter entry is filed under.
const Service = "otter"

var (
	// ErrNotFound means the keyring answered but holds no such entry
	// (deleted, or a different keyring).
	ErrNotFound = errors.New("keyring entry not found")
	// ErrUnavailable means no keyring answered: no Secret Service on the
	// bus, a locked collection that could not be unlocked, or a timeout.
	ErrUnavailable = errors.New("keyring unavailable")
)

// Store is a vault.SecretStore backed by the OS keyring.
type Store struct {
	// Timeout bounds each keyring call: a locked keyring may wait for an
	// unlock prompt nobody will answer. Zero means 5 seconds.
	Timeout time.Duration

	warm *warm // a connection made ahead for the next Get (Warm)
}

// Warm starts, in a goroutine, the part of a Get that needs no account
// name — on Linux the private connection to the Secret Service and its
// session — so that it overlaps with what the caller does meanwhile (otter
// reads the vault file, which names the account). It returns a Store whose
// first Get uses that connection, and a function that ends the warm-up and
// closes the connection if no Get took it: call it once that Get is done
// or will not come. The warm-up changes no result: when it fails, Get
// connects itself as it would have. Without a session bus (NoSession)
// nothing starts.
func (s Store) Warm() (Store, func()) {
	if NoSession() {
		return s, func() {}
	}
	s.warm = startWarm(s.timeout())
	return s, s.warm.close
}

// Get returns the secret stored for account.
func (s Store) Get(account string) ([]byte, error) {
	if v, err := s.fast(account); !errors.Is(err, errSlowPath) {
		if err != nil {
			return nil, err
		}
		return decode(account, v)
	}
	var v string
	err := s.call(func() (err error) { v, err = gokeyring.Get(Service, account); return err })
	if err != nil {
		return nil, err
	}
	return decode(account, []byte(v))
}

// fast runs fastGet under the same timeout as every other call.
func (s Store) fast(account string) ([]byte, error) {
	var v []byte
	err := s.call(func() (err error) { v, err = fastGet(s.warm, account); return err })
	if errors.Is(err, errSlowPath) || (err != nil && !errors.Is(err, ErrNotFound)) {
		return nil, errSlowPath
	}
	return v, err
}

func decode(account string, v []byte) ([]byte, error) {
	b := make([]byte, base64.StdEncoding.DecodedLen(len(v)))
	n, err := base64.StdEncoding.Decode(b, v)
	wipeBytes(v)
	if err != nil {
		return nil, fmt.Errorf("keyring entry %q is not otter's: %w", account, ErrNotFound)
	}
	return b[:n], nil
}

func wipeBytes(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// Set stores secret for account, replacing any previous value.
func (s Store) Set(account string, secret []byte) error {
	v := base64.StdEncoding.EncodeToString(secret)
	return s.call(func() error { return gokeyring.Set(Service, account, v) })
}

// Delete removes account's entry; a missing entry is not an error.
func (s Store) Delete(account string) error {
	err := s.call(func() error { return gokeyring.Delete(Service, account) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (s Store) call(f func() error) error {
	if NoSession() {
		// Touching D-Bus now would autolaunch a bus (10–20 s, and a
		// dbus-daemon left running after otter exits).
		return fmt.Errorf("%w: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset)", ErrUnavailable)
	}
	t := s.timeout()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return classify(err)
	case <-time.After(t):
		return fmt.Errorf("%w: no answer within %s (locked keyring waiting for a prompt?)", ErrUnavailable, t)
	}
}

func (s Store) timeout() time.Duration {
	if s.Timeout == 0 {
		return 5 * time.Second
	}
	return s.Timeout
}

func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errSlowPath):
		return err
	case errors.Is(err, gokeyring.ErrNotFound), errors.Is(err, ErrNotFound):
		return ErrNotFound
	default:
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
}

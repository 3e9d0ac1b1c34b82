package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// weakKDF is a tiny Argon2id cost for tests (needs Options.AllowWeakKDF).
var weakKDF = KDFParams{Memory: 64, Time: 1, Threads: 1}

func testOptions() *Options { return &Options{AllowWeakKDF: true} }

// creds are the credentials of a test vault.
type creds struct {
	pw Password
	rk RecoveryKey
}

func newCreds(t testing.TB) creds {
	t.Helper()
	key, _, err := NewRecoveryKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return creds{pw: Password{Secret: []byte("correct horse battery"), KDF: weakKDF}, rk: RecoveryKey{Key: key}}
}

// newVault creates a password+recovery vault in a fresh directory.
func newVault(t testing.TB) (*Vault, creds) {
	t.Helper()
	c := newCreds(t)
	path := filepath.Join(t.TempDir(), "otter", "vault.otter")
	v, err := Create(path, testOptions(), c.pw, c.rk)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(v.Close)
	return v, c
}

// open loads and unlocks path with c.
func open(t testing.TB, path string, c Credential) *Vault {
	t.Helper()
	l, err := Load(path, testOptions())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	v, err := l.Unlock(c)
	if err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func addAccount(t testing.TB, v *Vault, issuer string) {
	t.Helper()
	err := v.Update(func(d *Data) error {
		d.AddAccount(Account{Issuer: issuer, Name: "me", Secret: []byte("JBSWY3DPEHPK3PXP"), Type: "totp"}, testNow)
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func issuers(d *Data) []string {
	var out []string
	for _, a := range d.Live() {
		out = append(out, a.Issuer)
	}
	return out
}

// memStore is an in-memory SecretStore.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

var errNoSecret = errors.New("secret not found in keyring")

func newMemStore() *memStore { return &memStore{m: make(map[string][]byte)} }

func (s *memStore) Get(account string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[account]
	if !ok {
		return nil, errNoSecret
	}
	return bytes.Clone(b), nil
}

func (s *memStore) Set(account string, secret []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[account] = bytes.Clone(secret)
	return nil
}

func (s *memStore) Delete(account string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, account)
	return nil
}

func (s *memStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// downStore is a keyring that does not answer.
type downStore struct{}

var errKeyringDown = errors.New("secret service not running")

func (downStore) Get(string) ([]byte, error) { return nil, errKeyringDown }
func (downStore) Set(string, []byte) error   { return errKeyringDown }
func (downStore) Delete(string) error        { return errKeyringDown }

var testNow = mustTime("2025-06-01T12:00:00Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

package vault

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCreateThenUnlockWithEachCredential(t *testing.T) {
	v, c := newVault(t)
	addAccount(t, v, "GitHub")
	path := v.Path()
	for _, cred := range []Credential{c.pw, c.rk, &c.pw} {
		u := open(t, path, cred)
		if got := issuers(u.Data()); len(got) != 1 || got[0] != "GitHub" {
			t.Errorf("%s: accounts = %v, want [GitHub]", cred.SlotType(), got)
		}
		if u.Unlocked().SlotType != cred.SlotType() {
			t.Errorf("Unlocked = %+v, want type %s", u.Unlocked(), cred.SlotType())
		}
		if u.VaultID() != v.VaultID() || !isID(v.VaultID()) {
			t.Errorf("vault id %q, want %q", u.VaultID(), v.VaultID())
		}
		if u.Generation() != v.Generation() {
			t.Errorf("generation %d, want %d", u.Generation(), v.Generation())
		}
	}
}

func TestWrongCredentialIsReportedAndChangesNothing(t *testing.T) {
	v, c := newVault(t)
	before := readFile(t, v.Path())
	otherKey, _, _ := NewRecoveryKey(nil)
	wrong := []Credential{
		Password{Secret: []byte("correct horse battery!"), KDF: weakKDF},
		Password{Secret: nil},
		RecoveryKey{Key: otherKey},
	}
	for _, cred := range wrong {
		l, err := Load(v.Path(), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Unlock(cred); !errors.Is(err, ErrWrongCredential) || errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Unlock error = %v, want ErrWrongCredential", cred.SlotType(), err)
		}
	}
	if !bytes.Equal(before, readFile(t, v.Path())) {
		t.Error("failed unlocks changed the vault file")
	}
	open(t, v.Path(), c.pw)
}

func TestUnlockWithoutSlotOfThatType(t *testing.T) {
	v, _ := newVault(t)
	l, err := Load(v.Path(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Unlock(Keyring{Store: newMemStore()})
	if !errors.Is(err, ErrNoUsableSlot) {
		t.Fatalf("Unlock = %v, want ErrNoUsableSlot", err)
	}
}

func TestKeyringSlot(t *testing.T) {
	store := newMemStore()
	c := newCreds(t)
	path := filepath.Join(t.TempDir(), "vault.otter")
	v, err := Create(path, testOptions(), Keyring{Store: store}, c.rk)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	if store.len() != 1 {
		t.Fatalf("keyring holds %d secrets, want 1", store.len())
	}
	u := open(t, path, Keyring{Store: store})
	if u.Unlocked().SlotType != SlotKeyring {
		t.Errorf("unlocked with %s", u.Unlocked().SlotType)
	}

	l, _ := Load(path, testOptions())
	_, err = l.Unlock(Keyring{Store: downStore{}})
	if !errors.Is(err, errKeyringDown) || errors.Is(err, ErrWrongCredential) {
		t.Errorf("keyring down: %v, want the store's error, not ErrWrongCredential", err)
	}

	_, err = l.Unlock(Keyring{Store: newMemStore()}) // wiped keyring
	if !errors.Is(err, errNoSecret) || errors.Is(err, ErrWrongCredential) {
		t.Errorf("keyring wiped: %v, want the store's not-found error", err)
	}

	for k := range store.m { // keyring holds a different secret
		store.m[k] = bytes.Repeat([]byte{7}, 32)
	}
	if _, err = l.Unlock(Keyring{Store: store}); !errors.Is(err, ErrWrongCredential) {
		t.Errorf("keyring secret replaced: %v, want ErrWrongCredential", err)
	}
	open(t, path, c.rk) // the other slot still opens it
}

func TestCreateRefusals(t *testing.T) {
	v, c := newVault(t)
	store := newMemStore()
	_, err := Create(v.Path(), testOptions(), Keyring{Store: store}, c.rk)
	if !errors.Is(err, ErrExist) {
		t.Errorf("Create over a vault = %v, want ErrExist", err)
	}
	if store.len() != 0 {
		t.Error("refused Create left a secret in the keyring")
	}
	other := filepath.Join(t.TempDir(), "vault.otter")
	if _, err := Create(other, testOptions(), c.rk); !errors.Is(err, ErrTooFewSlots) {
		t.Errorf("Create with one credential = %v, want ErrTooFewSlots", err)
	}
	if _, err := Create(other, testOptions(), Keyring{Store: downStore{}}, c.rk); !errors.Is(err, errKeyringDown) {
		t.Errorf("Create with a dead keyring = %v, want its error", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Error("failed Create left a vault file")
	}
	_, err = Load(other, nil)
	if !errors.Is(err, ErrNotExist) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing vault = %v, want ErrNotExist and fs.ErrNotExist", err)
	}
}

func TestCreateFailureForgetsKeyringSecret(t *testing.T) {
	c := newCreds(t)
	store := newMemStore()
	path := filepath.Join(t.TempDir(), "vault.otter")
	weak := Password{Secret: []byte("x"), KDF: KDFParams{Memory: 1024, Time: 1, Threads: 1}}
	_, err := Create(path, nil, Keyring{Store: store}, weak, c.rk) // weak KDF refused
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("Create = %v, want ErrLimit", err)
	}
	if store.len() != 0 {
		t.Error("failed Create left its secret in the keyring")
	}
}

func TestFileModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes on windows")
	}
	v, _ := newVault(t)
	addAccount(t, v, "x")
	for path, want := range map[string]fs.FileMode{
		v.Path():               0o600,
		filepath.Dir(v.Path()): 0o700 | fs.ModeDir,
		filepath.Join(filepath.Dir(v.Path()), "backups"): 0o700 | fs.ModeDir,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
}

func TestRecoveryKeyRoundTrip(t *testing.T) {
	key, display, err := NewRecoveryKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 20 || len(display) != 39 || strings.Count(display, "-") != 7 {
		t.Fatalf("key %d bytes, display %q", len(key), display)
	}
	typed := []string{
		display,
		strings.ToLower(display),
		strings.ReplaceAll(display, "-", " "),
		" " + strings.ReplaceAll(display, "-", "") + "\n",
		strings.NewReplacer("1", "l", "0", "O").Replace(display),
		strings.NewReplacer("1", "I", "0", "o").Replace(display),
	}
	for _, s := range typed {
		got, err := ParseRecoveryKey([]byte(s))
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("ParseRecoveryKey(%q) = %x, %v; want %x", s, got, err, key)
		}
	}
	// What was typed is zeroed, whether it parses or not.
	for _, s := range []string{display, display[:38], "!" + display} {
		b := []byte(s)
		ParseRecoveryKey(b)
		if !bytes.Equal(b, make([]byte, len(b))) {
			t.Errorf("ParseRecoveryKey left %q in the caller's buffer", b)
		}
	}
	for _, bad := range []string{"", display[:38], display + "A", strings.Replace(display, display[:1], "U", 1)} {
		_, err := ParseRecoveryKey([]byte(bad))
		if err == nil {
			t.Errorf("ParseRecoveryKey(%q) succeeded", bad)
		} else if len(bad) > 8 && strings.Contains(err.Error(), bad[:8]) {
			t.Errorf("error %q repeats the key", err)
		}
	}
}

func TestPasswordIsNormalisedToNFC(t *testing.T) {
	c := newCreds(t)
	path := filepath.Join(t.TempDir(), "vault.otter")
	composed := Password{Secret: []byte("caf\u00e9 au lait"), KDF: weakKDF}
	decomposed := Password{Secret: []byte("cafe\u0301 au lait")}
	v, err := Create(path, testOptions(), composed, c.rk)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	open(t, path, decomposed)
}

package vaultops

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/journal"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/vault"
)

func TestFailedEventAndSlotName(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	for _, tc := range []struct {
		s    lockout.Summary
		want string
	}{
		{lockout.Summary{Failures: 1, Last: at}, "1 failed unlock attempt before this unlock"},
		{lockout.Summary{Failures: 3, Last: at, Kinds: map[string]int{"recovery": 1, "password": 2}},
			"3 failed unlock attempts before this unlock (password 2, recovery 1)"},
	} {
		e := FailedEvent(tc.s)
		if e.Detail != tc.want || e.Kind != "unlock.failed" || !e.At.Equal(at) || e.At.Location() != time.UTC || e.ID == "" {
			t.Errorf("FailedEvent(%+v) = %+v, want detail %q at %v UTC", tc.s, e, tc.want, at)
		}
	}
	slots := []vault.Slot{{ID: "0123456789abcdef", Type: vault.SlotPassword, Label: "home"}}
	for id, want := range map[string]string{
		"0123456789abcdef": `password slot 01234567 "home"`,
		"fedcba9876543210": "slot fedcba98",
		"abc":              "slot abc",
	} {
		if got := SlotName(slots, id); got != want {
			t.Errorf("SlotName(%s) = %q, want %q", id, got, want)
		}
	}
}

// The journal, with an injected clock: two processes carrying the same
// events store them once, and the journal empties once the vault holds
// them; a failed attempt before an unlock is reported and logged.
func TestUnlockJournalCarriesOnce(t *testing.T) {
	state := t.TempDir()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "vault.otter")
	opts := &vault.Options{AllowWeakKDF: true, Now: clock}
	pw := vault.Password{Secret: []byte("correct horse"), KDF: weakKDF}
	key, _, _ := vault.NewRecoveryKey(nil)
	created, err := vault.Create(path, opts, pw, vault.RecoveryKey{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	created.Close()
	unlock := func(at time.Time, c vault.Credential) (*Unlocked, error) {
		now = at
		l, err := vault.Load(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewUnlocker(l, state, clock).Unlock(c)
		if err == nil {
			t.Cleanup(r.Vault().Close)
		}
		return r, err
	}
	if _, err := unlock(t0, vault.RecoveryKey{Key: make([]byte, len(key))}); !errors.Is(err, vault.ErrWrongCredential) {
		t.Fatalf("wrong recovery key: %v", err)
	}
	r1, err := unlock(t0.Add(time.Minute), pw)
	if err != nil || r1.Failed.Failures != 1 || r1.Failed.Kinds["recovery"] != 1 || len(r1.Warnings) != 0 {
		t.Fatalf("first unlock: %+v, %v", r1, err)
	}
	r2, err := unlock(t0.Add(2*time.Minute), pw)
	if err != nil || r2.Failed.Failures != 0 {
		t.Fatalf("second unlock: failed %+v, %v", r2.Failed, err)
	}
	v1, v2 := r1.Vault(), r2.Vault()
	if v1.Generation() != 1 || v2.Generation() != 1 {
		t.Fatal("an unlock wrote the vault")
	}
	now = t0.Add(3 * time.Minute)
	if err := r2.Log("test", "v2"); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(4 * time.Minute)
	if err := r1.Log("test", "v1"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range v1.Data().Audit {
		got = append(got, e.At.Sub(t0).String()+" "+e.Kind+" "+e.Detail)
	}
	slot := ShortID(v1.Unlocked().SlotID)
	want := "0s unlock.failed 1 failed unlock attempt before this unlock (recovery 1)|1m0s unlock password slot " +
		slot + "|2m0s unlock password slot " + slot + "|3m0s test v2|4m0s test v1"
	if strings.Join(got, "|") != want {
		t.Fatalf("audit log:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	j, err := journal.Open(state, v1)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	b, _ := os.ReadFile(j.Path())
	if err := os.WriteFile(j.Path(), append(b, "{not json\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := j.Pending(v1.Data()); err != nil || len(p) != 0 {
		t.Fatalf("pending after the fold = %v, %v", p, err)
	}
	if _, err := os.Stat(j.Path()); !os.IsNotExist(err) {
		t.Errorf("the journal was not emptied once the vault held its events: %v", err)
	}
}

// fakeKey is a fido2 slot credential: the KEK is fixed, and a wrong PIN
// fails the way libfido2 does (fido.ErrPinInvalid). It counts touches.
type fakeKey struct {
	wrongPIN bool
	touches  *int
}

func (fakeKey) SlotType() vault.SlotType { return vault.SlotFIDO2 }

func (k fakeKey) Enrol(string, *vault.Slot) ([]byte, error) { return bytes.Repeat([]byte{7}, 32), nil }

func (k fakeKey) Derive(string, *vault.Slot) ([]byte, error) {
	*k.touches++
	if k.wrongPIN {
		return nil, &fido.Error{Err: fido.ErrPinInvalid, RetriesLeft: 5}
	}
	return bytes.Repeat([]byte{7}, 32), nil
}

// Drift: a FIDO2 unlock from the CLI was neither checked against the
// lockout record nor counted; the TUI did both. The one sequence does it
// for every credential kind: wrong PINs count, and once locked out the key
// is not even asked (no touch, no PIN sent).
func TestFIDO2UnlockIsCheckedAndCounted(t *testing.T) {
	state := t.TempDir()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "vault.otter")
	opts := &vault.Options{AllowWeakKDF: true, Now: clock}
	touches := 0
	created, err := vault.Create(path, opts, vault.Password{Secret: []byte("pw"), KDF: weakKDF}, fakeKey{touches: &touches})
	if err != nil {
		t.Fatal(err)
	}
	created.Close()
	unlocker := func() *Unlocker {
		l, err := vault.Load(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		return NewUnlocker(l, state, clock)
	}
	for i := range 10 {
		_, err := unlocker().Unlock(fakeKey{wrongPIN: true, touches: &touches})
		if !errors.Is(err, fido.ErrPinInvalid) {
			t.Fatalf("attempt %d: %v, want the wrong PIN", i+1, err)
		}
		if i == 9 && !errors.Is(err, lockout.ErrLocked) {
			t.Fatalf("the 10th wrong PIN in a minute does not say it locked: %v", err)
		}
	}
	before := touches
	if _, err := unlocker().Unlock(fakeKey{touches: &touches}); !errors.Is(err, lockout.ErrLocked) {
		t.Fatalf("a key unlock while locked out: %v, want lockout.ErrLocked", err)
	}
	if touches != before {
		t.Fatal("the key was asked while locked out")
	}
	// The keyring is not counted and not refused: nothing is guessed.
	if Counted(vault.SlotKeyring) {
		t.Fatal("keyring unlocks are counted")
	}
	now = now.Add(2 * time.Minute) // the one-minute window has passed
	r, err := unlocker().Unlock(fakeKey{touches: &touches})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Vault().Close()
	if r.Failed.Failures != 10 || r.Failed.Kinds["pin"] != 10 {
		t.Fatalf("reported failures %+v, want 10 pin", r.Failed)
	}
}

func TestUnreadableLockoutRecordRefusesCountedAttempts(t *testing.T) {
	f := newFixture(t)
	f.s.Vault().Close()
	state := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(state, []byte("a file where the folder should be"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := vault.Load(f.path, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewUnlocker(l, state, f.clock).Unlock(f.password("pw1"))
	if err == nil || !strings.Contains(err.Error(), "failed-attempt record") {
		t.Fatalf("unlock with an unreadable record: %v, want a refusal naming the record", err)
	}
}

// withSlotKDF rewrites the Argon2id cost of the vault file's password slots
// (header length and checksum included), as a damaged or hostile file would.
func withSlotKDF(t *testing.T, path string, k vault.KDFParams) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = len("OTTERVLT") + 2 + 4
	hlen := int(binary.BigEndian.Uint32(b[prefix-4:]))
	var h map[string]any
	if err := json.Unmarshal(b[prefix:prefix+hlen], &h); err != nil {
		t.Fatal(err)
	}
	for _, s := range h["slots"].([]any) {
		if s := s.(map[string]any); s["type"] == string(vault.SlotPassword) {
			s["kdf"] = k
		}
	}
	hj, _ := json.Marshal(h)
	out := binary.BigEndian.AppendUint32(bytes.Clone(b[:prefix-4]), uint32(len(hj)))
	out = append(append(out, hj...), b[prefix+hlen:len(b)-sha256.Size]...)
	sum := sha256.Sum256(out)
	if err := os.WriteFile(path, append(out, sum[:]...), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 11: a password slot asking for 1 GiB and 255 lanes ran 13 s of
// Argon2id and then counted as a failed attempt. It is corrupt, refused
// before any derivation, as often as it is tried, and never counted.
func TestOutOfBoundsKDFIsCorruptAndNotCounted(t *testing.T) {
	f := newFixture(t)
	f.s.Vault().Close()
	state := t.TempDir()
	unlocker := func() *Unlocker {
		l, err := vault.Load(f.path, f.opts())
		if err != nil {
			t.Fatal(err)
		}
		return NewUnlocker(l, state, f.clock)
	}
	// One counted failure first, so that there is a record to keep as is.
	if _, err := unlocker().Unlock(vault.RecoveryKey{Key: bytes.Repeat([]byte{1}, 20)}); !errors.Is(err, vault.ErrWrongCredential) {
		t.Fatalf("wrong recovery key: %v", err)
	}
	record := func() map[string]string {
		m := map[string]string{}
		entries, _ := os.ReadDir(state)
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(state, e.Name()))
			m[e.Name()] = string(b)
		}
		return m
	}
	before := record()
	withSlotKDF(t, f.path, vault.KDFParams{Memory: 1 << 20, Time: 3, Threads: 255})
	start := time.Now()
	for i := range 12 { // more than the 10 a minute that lock out
		_, err := unlocker().Unlock(f.password("pw1"))
		var ce *vault.CorruptError
		if !errors.As(err, &ce) || errors.Is(err, lockout.ErrLocked) {
			t.Fatalf("attempt %d: %v, want a *vault.CorruptError and no lockout", i+1, err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("12 refusals took %v: Argon2id ran", d)
	}
	if after := record(); !maps.Equal(before, after) {
		t.Errorf("the failed-attempt record changed:\nbefore %v\nafter  %v", before, after)
	}
	if err := unlocker().Check(); err != nil {
		t.Errorf("Check after the refusals: %v", err)
	}
}

// countingPassword is a wrong password that counts its key derivations.
type countingPassword struct{ n *atomic.Int32 }

func (countingPassword) SlotType() vault.SlotType { return vault.SlotPassword }

func (countingPassword) Enrol(string, *vault.Slot) ([]byte, error) {
	return nil, errors.New("not enrolled")
}

func (c countingPassword) Derive(string, *vault.Slot) ([]byte, error) {
	c.n.Add(1)
	time.Sleep(20 * time.Millisecond) // the Argon2id a real password costs
	return bytes.Repeat([]byte{9}, 32), nil
}

// Issue 14: 40 wrong passwords tried at once were all evaluated — the
// whole daily budget in one burst — because each checked the record before
// any had failed. The attempt is now reserved under the lock before the KDF.
func TestParallelWrongPasswordsStayWithinTheLimit(t *testing.T) {
	f := newFixture(t)
	state := t.TempDir()
	var derived, locked atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 40 {
		l, err := vault.Load(f.path, f.opts())
		if err != nil {
			t.Fatal(err)
		}
		u := NewUnlocker(l, state, f.clock)
		wg.Go(func() {
			<-start
			_, err := u.Unlock(countingPassword{&derived})
			switch {
			case errors.Is(err, lockout.ErrLocked) && !errors.Is(err, vault.ErrWrongCredential):
				locked.Add(1)
			case !errors.Is(err, vault.ErrWrongCredential):
				t.Errorf("unlock: %v, want a wrong password or a lockout", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if derived.Load() > 10 || locked.Load() != 40-derived.Load() {
		t.Fatalf("%d of 40 parallel wrong passwords ran the KDF, %d were refused; want at most 10 and the rest refused",
			derived.Load(), locked.Load())
	}
	l, _ := vault.Load(f.path, f.opts())
	r, err := NewUnlocker(l, state, func() time.Time { return f.now.Add(2 * time.Minute) }).Unlock(f.password("pw1"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Vault().Close()
	if r.Failed.Failures != int(derived.Load()) {
		t.Errorf("the unlock reports %d failures before it, want %d (its own attempt is none)", r.Failed.Failures, derived.Load())
	}
}

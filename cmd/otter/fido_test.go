package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/tui"
	"github.com/otterauth/otter/vault"
)

var _ tui.FIDOUnlock = (*app)(nil).fido2UnlockCredential

// fido2Vault makes a password vault whose fido2 slot is on the first of
// two virtual keys; withPIN sets the key's PIN first, so the slot is
// enrolled with it. It returns the password file, the PIN file and the
// keys' state files; only the first key is plugged in.
func fido2Vault(t *testing.T, withPIN bool) (e *env, pw, pin string, states []string) {
	e, pw, _ = passwordVault(t)
	states = withKeys(t, e, 2)
	plugKeys(t, states[0])
	pin = e.file("pin", "1234\n")
	if withPIN {
		e.ok("", "--pin-file", pin, "keys", "pin", "set")
	}
	out := e.ok("", "--password-file", pw, "--pin-file", pin, "keys", "register", "yubi", "--slot")
	if !strings.Contains(out, "added fido2 slot") {
		t.Fatalf("register --slot printed %q", out)
	}
	return e, pw, pin, states
}

func TestFIDO2SlotUnlocks(t *testing.T) {
	e, pw, _, states := fido2Vault(t, false)
	var list keysListJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "keys", "list", "--json")), &list))
	if len(list.Registered) != 1 || list.Registered[0].Nickname != "yubi" || list.Registered[0].SlotID == "" ||
		!strings.Contains(list.Registered[0].Product, "virtual") {
		t.Fatalf("inventory = %+v", list.Registered)
	}
	wantIn(t, e.fails(exitError, "", "--password-file", pw, "keys", "register", "YUBI"), "already registered")

	// No password anywhere: the key alone opens the vault.
	var slots []slotJSON
	must(t, json.Unmarshal([]byte(e.ok("", "slot", "list", "--json")), &slots))
	opened := ""
	for _, s := range slots {
		if s.Current {
			opened = s.Type
		}
	}
	if len(slots) != 3 || opened != "fido2" {
		t.Fatalf("slots = %+v, want 3 with the fido2 one unlocking", slots)
	}

	// Two keys present: a silent probe finds the one holding the slot.
	plugKeys(t, states[1], states[0])
	e.ok("", "list")

	// `slot add fido2` enrols the second key and adds it to the inventory.
	out := e.ok("", "--password-file", pw, "slot", "add", "fido2", "--device", "virtual:"+states[1], "--label", "backup")
	if !strings.Contains(out, "added fido2 slot") {
		t.Fatalf("slot add fido2 printed %q", out)
	}
	plugKeys(t, states[1])
	e.ok("", "list")
	must(t, json.Unmarshal([]byte(e.ok("", "keys", "list", "--json")), &list))
	if len(list.Registered) != 2 || list.Registered[1].Nickname != "backup" || list.Registered[1].SlotID == "" {
		t.Errorf("inventory after slot add = %+v", list.Registered)
	}

	// No key: the unlock moves on to the other methods and says why.
	plugKeys(t)
	r := e.fails(exitUnlock, "", "list")
	wantIn(t, r, "no FIDO2 key is plugged in; trying the vault's other unlock methods")
	e.ok("", "--password-file", pw, "list")
}

// Every fault of a FIDO2 unlock exits 3 with a clear message and leaves
// the vault file as it was.
func TestFIDO2UnlockFaults(t *testing.T) {
	e, _, pin, states := fido2Vault(t, true)
	before := readFile(t, e.vault)
	bad := e.file("bad", "0000\n")
	for _, tc := range []struct {
		name  string
		knobs map[string]string
		keys  []string
		args  []string
		want  string
	}{
		{"no PIN given", nil, nil, nil, "enrolled with the key's PIN"},
		{"wrong PIN", nil, nil, []string{"--pin-file", bad}, "wrong PIN: 7 attempts left"},
		{"presence denied", map[string]string{"PRESENCE": "deny"}, nil, []string{"--pin-file", pin}, "presence was denied"},
		{"presence timeout", map[string]string{"PRESENCE": "timeout", "PRESENCE_TIMEOUT": "300ms"}, nil,
			[]string{"--pin-file", pin}, "not touched in time"},
		// getInfo, probe, key agreement, PIN token, then the assertion
		// that waits for a touch: the key goes while it waits.
		{"key removed", map[string]string{"PRESENCE": "timeout", "PRESENCE_TIMEOUT": "5s", "UNPLUG_AFTER": "5"}, nil,
			[]string{"--pin-file", pin}, "removed during the operation"},
		{"credential not on this key", nil, states[1:], []string{"--pin-file", pin}, "not one of this vault's fido2 keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"PRESENCE", "PRESENCE_TIMEOUT", "UNPLUG_AFTER"} {
				knob(t, k, tc.knobs[k])
			}
			if tc.keys != nil {
				plugKeys(t, tc.keys...)
			}
			r := e.fails(exitUnlock, "", append(tc.args, "list")...)
			wantIn(t, r, tc.want)
			if !bytes.Equal(readFile(t, e.vault), before) {
				t.Fatal("a failed FIDO2 unlock changed the vault file")
			}
		})
	}
	// Wrong PINs until the key blocks its PIN (each run is a new power
	// cycle, so the three-in-a-row block never hits).
	var r result
	for range 8 {
		if r = e.fails(exitUnlock, "", "--pin-file", bad, "list"); strings.Contains(r.stderr, "blocked") {
			break
		}
	}
	wantIn(t, r, "PIN is blocked", "otter keys reset --yes")
	wantIn(t, e.fails(exitUnlock, "", "--pin-file", pin, "list"), "PIN is blocked")
	if !bytes.Equal(readFile(t, e.vault), before) {
		t.Fatal("a failed FIDO2 unlock changed the vault file")
	}
}

// The TUI's credential never prompts or prints (the TUI owns the
// terminal): it takes the PIN from --pin-file or fails with a message.
func TestFIDO2TUICredential(t *testing.T) {
	e, _, pin, states := fido2Vault(t, true)
	var stderr bytes.Buffer
	a := e.keyApp(t, states[0], &stderr)
	l, err := vault.Load(e.vault, nil)
	must(t, err)
	c, err := a.fido2UnlockCredential(context.Background())
	must(t, err)
	if _, err := l.Unlock(c); err == nil || !strings.Contains(err.Error(), "enrolled with the key's PIN") {
		t.Errorf("without a PIN file: %v", err)
	}
	a.pinFile = pin
	c, _ = a.fido2UnlockCredential(context.Background())
	v, err := l.Unlock(c)
	must(t, err)
	v.Close()
	if stderr.Len() > 0 {
		t.Errorf("the TUI credential wrote to the terminal: %q", stderr.String())
	}
}

// Drift fixed by the one unlock sequence: a wrong PIN at a FIDO2 unlock
// from the CLI counts as a failed attempt (it did only in the TUI), is
// reported at the next unlock, and a locked-out vault does not ask the key.
func TestFIDO2UnlockIsCountedAndLocksOut(t *testing.T) {
	e, _, pin, _ := fido2Vault(t, true)
	bad := e.file("bad", "0000\n")
	for range 2 {
		wantIn(t, e.fails(exitUnlock, "", "--pin-file", bad, "list"), "wrong PIN")
	}
	r := e.run("", "--pin-file", pin, "list")
	if r.code != 0 || !strings.Contains(r.stderr, "2 failed unlock attempts since your last unlock") {
		t.Fatalf("after two wrong PINs: exit %d, stderr %q", r.code, r.stderr)
	}
	out := e.ok("", "--pin-file", pin, "audit", "--json")
	if !strings.Contains(out, "unlock.failed") || !strings.Contains(out, "pin 2") {
		t.Fatalf("the audit log does not hold the failed PIN attempts: %s", out)
	}
}

// A key registered without a slot that later gets one through slot add
// fido2 stays one key in the inventory, which now says it unlocks the
// vault; a misspelt slot kind is refused with the kinds there are.
func TestRegisteredKeyGainsSlot(t *testing.T) {
	e, pw, _ := passwordVault(t)
	states := withKeys(t, e, 1)
	plugKeys(t, states[0])
	e.ok("", "--password-file", pw, "keys", "register", "yubi")
	out := e.ok("", "--password-file", pw, "slot", "add", "fido2")
	if !strings.Contains(out, `the registered key "yubi" now unlocks the vault`) {
		t.Errorf("slot add fido2 printed %q", out)
	}
	var list keysListJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "keys", "list", "--json")), &list))
	if len(list.Registered) != 1 || list.Registered[0].Nickname != "yubi" || list.Registered[0].SlotID == "" {
		t.Fatalf("inventory = %+v, want yubi alone, with the slot", list.Registered)
	}
	if out := e.ok("", "--password-file", pw, "keys", "list"); !regexp.MustCompile(`yubi .* yes +ok`).MatchString(out) {
		t.Errorf("keys list does not say yubi unlocks the vault:\n%s", out)
	}
	wantIn(t, e.fails(exitUsage, "", "--password-file", pw, "slot", "add", "pasword"),
		`unknown slot type "pasword"`, "password, keyring, recovery, fido2 or age RECIPIENT")
}

// hmacOutput unlocks e's vault in this process with the key of state
// (and the PIN file, if any), as a command that starts an agent does, and
// returns the slot that opened and the key's hmac-secret output for it.
func hmacOutput(t *testing.T, e *env, state, pin string) (slot string, secret []byte) {
	t.Helper()
	var stderr bytes.Buffer
	a := e.keyApp(t, state, &stderr)
	a.pinFile = pin
	l, err := vault.Load(e.vault, &vault.Options{AllowWeakKDF: true})
	must(t, err)
	c := &fido2Cred{a: a, ctx: context.Background(), keep: true}
	defer c.close()
	v, err := l.Unlock(c)
	must(t, err)
	v.Close()
	if len(c.kept) != 32 || c.keptSlot == "" {
		t.Fatalf("kept %d bytes of slot %q", len(c.kept), c.keptSlot)
	}
	return c.keptSlot, bytes.Clone(c.kept)
}

// An agent's unlock with the handed hmac-secret output opens the slot the
// command opened through the one unlock sequence, without any key (the
// app has no FIDO backend at all); a wrong secret, another slot and a
// short secret fail cleanly; the secret is wiped after each try.
func TestFIDO2HandedSecretUnlocks(t *testing.T) {
	e, _, pin, states := fido2Vault(t, true)
	slot, secret := hmacOutput(t, e, states[0], pin)
	a := newApp(strings.NewReader(""), io.Discard, io.Discard)
	a.fido = nil // any call to a key would panic
	try := func(slot string, secret []byte) error {
		t.Helper()
		l, err := vault.Load(e.vault, &vault.Options{AllowWeakKDF: true})
		must(t, err)
		a.autoSlot = slot
		r, err := a.unlockHandedFIDO2(vaultops.NewUnlocker(l, t.TempDir(), nil), secret)
		if !bytes.Equal(secret, make([]byte, len(secret))) {
			t.Error("the handed secret was not wiped")
		}
		if err == nil {
			r.Vault().Close()
		}
		return err
	}
	if err := try(slot, bytes.Clone(secret)); err != nil {
		t.Fatalf("the handed secret: %v", err)
	}
	wrong := bytes.Clone(secret)
	wrong[0] ^= 1
	if err := try(slot, wrong); !errors.Is(err, vault.ErrWrongCredential) || !strings.Contains(err.Error(), "does not open the vault's fido2 slot") {
		t.Errorf("a wrong secret: %v", err)
	}
	if err := try("0123456789abcdef0123456789abcdef", bytes.Clone(secret)); err == nil || !strings.Contains(err.Error(), "no longer has the fido2 slot") {
		t.Errorf("another slot: %v", err)
	}
	if err := try(slot, bytes.Clone(secret[:31])); err == nil || !strings.Contains(err.Error(), "not a key's 32-byte") {
		t.Errorf("a short secret: %v", err)
	}
}

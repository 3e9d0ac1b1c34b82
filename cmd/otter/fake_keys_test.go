package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/fido/fidofake"
	"github.com/otterauth/otter/fido/virtual"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/vault"
)

// The key tests' second rig: when this build has no libfido2 (or
// OTTER_TEST_FIDO=fake), otter runs in-process (runApp) with a
// fido/fidofake backend instead of the built binary with virtual keys.
// Before each run the fake keys follow the same variables the virtual
// keys read at process start — OTTER_FIDO_VIRTUAL says which keys are
// plugged in and in what order (each run is a power cycle), and the
// OTTER_FIDO_VIRTUAL_* knobs set presence, its timeout, an unplug while
// waiting for a touch (UNPLUG_AFTER) and the reset window — so that the
// tests read the same with both. Fake keys describe themselves as virtual
// ones do (path "virtual:" + state file, product, AAGUID).

// useFake reports whether the key tests use fake keys.
func useFake() bool { return !fido.Supported() || os.Getenv("OTTER_TEST_FIDO") == "fake" }

// virtualAAGUID is the AAGUID of fido/virtual keys.
var virtualAAGUID, _ = hex.DecodeString(virtual.AAGUIDHex)

// fakeKey returns the fake key of a state file, made on first use.
func (e *env) fakeKey(state string) *fidofake.Key {
	path := "virtual:" + state
	for _, k := range e.fakeKeys {
		if k.DeviceInfo().Path == path {
			return k
		}
	}
	k := e.fake.Add(fido.DeviceInfo{Path: path, Product: "otter virtual key", Manufacturer: "otter", Virtual: true})
	k.SetAAGUID(virtualAAGUID)
	e.fakeKeys = append(e.fakeKeys, k)
	return k
}

// syncFake plugs in the keys of OTTER_FIDO_VIRTUAL, power-cycled, with
// their knobs.
func (e *env) syncFake(t *testing.T) {
	for _, k := range e.fakeKeys {
		k.Unplug()
	}
	v := os.Getenv("OTTER_FIDO_VIRTUAL")
	if v == "" {
		return
	}
	for i, state := range filepath.SplitList(v) {
		k := e.fakeKey(state)
		k.Replug()
		k.SetPresence(fidofake.Approve)
		switch strings.ToLower(envKnob("OTTER_FIDO_VIRTUAL_PRESENCE", i)) {
		case "deny":
			k.SetPresence(fidofake.Deny)
		case "timeout":
			k.SetPresence(fidofake.TimeOut)
		}
		if envKnob("OTTER_FIDO_VIRTUAL_UNPLUG_AFTER", i) != "" {
			k.SetPresence(fidofake.Unplug)
		}
		k.SetPresenceTimeout(knobDuration(t, "OTTER_FIDO_VIRTUAL_PRESENCE_TIMEOUT", i, 30*time.Second))
		k.SetResetWindow(knobDuration(t, "OTTER_FIDO_VIRTUAL_RESET_WINDOW", i, 10*time.Second))
	}
}

// envKnob is the i-th comma-separated entry of a knob, or its last.
func envKnob(name string, i int) string {
	v := os.Getenv(name)
	if v == "" {
		return ""
	}
	parts := strings.Split(v, ",")
	return strings.TrimSpace(parts[min(i, len(parts)-1)])
}

func knobDuration(t *testing.T, name string, i int, def time.Duration) time.Duration {
	s := envKnob(name, i)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

// noKeyring is the OS keyring when no Secret Service answers.
type noKeyring struct{}

func (noKeyring) Get(string) ([]byte, error) { return nil, keyring.ErrUnavailable }
func (noKeyring) Set(string, []byte) error   { return keyring.ErrUnavailable }
func (noKeyring) Delete(string) error        { return keyring.ErrUnavailable }

// inProcessApp is an app for e's world with the fake keys plugged in.
func (e *env) inProcessApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	e.t.Helper()
	for k, v := range map[string]string{"OTTER_VAULT": e.vault, "XDG_STATE_HOME": filepath.Join(e.dir, "state"),
		"OTTER_PASSWORD_FILE": "", "OTTER_PIN_FILE": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""} {
		e.t.Setenv(k, v)
	}
	e.syncFake(e.t)
	a := newApp(stdin, stdout, stderr)
	a.fido = e.fake
	a.vaultOpts.AllowWeakKDF = true // what --test-weak-kdf does
	a.kdf = vault.KDFParams{Memory: 256, Time: 1, Threads: 1}
	if e.noKeyring {
		a.store = noKeyring{}
	}
	return a
}

// runInProcess is env.run with the fake keys.
func (e *env) runInProcess(stdin string, args []string) result {
	var out, errb bytes.Buffer
	code := runApp(e.inProcessApp(strings.NewReader(stdin), &out, &errb), args)
	return result{out.String(), errb.String(), code}
}

// keyApp is an app of this process with the key of state plugged in.
func (e *env) keyApp(t *testing.T, state string, stderr io.Writer) *app {
	if e.fake != nil {
		plugKeys(t, state)
		return e.inProcessApp(strings.NewReader(""), stderr, stderr)
	}
	plugHere(t, state)
	return newApp(strings.NewReader(""), stderr, stderr)
}

// seedFake is seed with fake keys.
func (e *env) seedFake(t *testing.T, state string, f func(fido.Device)) {
	t.Helper()
	k := e.fakeKey(state)
	k.Replug()
	d, err := e.fake.Open(context.Background(), k.DeviceInfo().Path)
	must(t, err)
	defer d.Close()
	f(d)
}

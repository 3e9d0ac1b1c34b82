package main

// End-to-end tests of `otter keys`, fido2 slots and FIDO2 unlocking: the
// built binary drives the real libfido2 against fido/virtual keys that
// OTTER_FIDO_VIRTUAL plugs in; OTTER_FIDO_VIRTUAL_* knobs make them deny,
// time out, vanish or refuse a reset. When this build has no libfido2 (or
// OTTER_TEST_FIDO=fake), the same tests run otter in-process with
// fido/fidofake keys that follow the same variables (fake_keys_test.go).

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/fido/fidofake"
	"github.com/otterauth/otter/fido/virtual"
)

// withKeys plugs n fresh virtual keys into e's otter runs (through the
// environment, so tests using it are not parallel) and returns their state
// files.
func withKeys(t *testing.T, e *env, n int) []string {
	t.Helper()
	if useFake() && e.fake == nil {
		e.fake = fidofake.New()
	}
	var states []string
	for i := range n {
		states = append(states, filepath.Join(e.dir, fmt.Sprintf("key%d.state", i)))
	}
	plugKeys(t, states...)
	for _, k := range []string{"PRESENCE", "PRESENCE_TIMEOUT", "UNPLUG_AFTER", "RESET_WINDOW"} {
		t.Setenv("OTTER_FIDO_VIRTUAL_"+k, "")
	}
	return states
}

// plugKeys makes exactly the keys with these state files present.
func plugKeys(t *testing.T, states ...string) {
	t.Setenv("OTTER_FIDO_VIRTUAL", strings.Join(states, string(os.PathListSeparator)))
}

func knob(t *testing.T, name, value string) { t.Setenv("OTTER_FIDO_VIRTUAL_"+name, value) }

// plugHere plugs the virtual key with this state file into the test
// process itself until the test ends; never the children's
// OTTER_FIDO_VIRTUAL keys, which fido would read once per process.
func plugHere(t *testing.T, state string) {
	t.Helper()
	env := os.Getenv("OTTER_FIDO_VIRTUAL")
	os.Setenv("OTTER_FIDO_VIRTUAL", "")
	_, err := fido.AddVirtual(state)
	os.Setenv("OTTER_FIDO_VIRTUAL", env)
	must(t, err)
	t.Cleanup(func() { fido.RemoveVirtual(state) })
}

// seed changes a virtual key's state in this process: f runs with the key
// open, which is then unplugged so that the state file is final.
func seed(t *testing.T, e *env, state string, f func(fido.Device)) {
	t.Helper()
	if e.fake != nil {
		e.seedFake(t, state, f)
		return
	}
	plugHere(t, state)
	defer fido.RemoveVirtual(state)
	d, err := fido.Open(context.Background(), "virtual:"+state)
	must(t, err)
	defer d.Close()
	f(d)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantIn(t *testing.T, r result, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.stderr+r.stdout, p) {
			t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", p, r.stdout, r.stderr)
		}
	}
}

func TestKeysListAndInfo(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	withKeys(t, e, 0)
	wantIn(t, e.fails(exitNotFound, "", "keys", "info"), "no FIDO2 key is plugged in")
	states := withKeys(t, e, 1)
	var list keysListJSON
	must(t, json.Unmarshal([]byte(e.ok("", "keys", "list", "--json")), &list)) // no vault yet: no inventory
	if len(list.Connected) != 1 || list.Connected[0].Path != "virtual:"+states[0] || !list.Connected[0].Virtual || len(list.Registered) != 0 {
		t.Fatalf("keys list = %+v", list)
	}
	var info infoJSON
	must(t, json.Unmarshal([]byte(e.ok("", "keys", "info", "--json")), &info))
	if strings.ReplaceAll(info.AAGUID, "-", "") != virtual.AAGUIDHex || info.PINSet || info.RemainingResident != 25 ||
		!info.Options["credMgmt"] || len(info.Extensions) != 2 {
		t.Errorf("keys info = %+v", info)
	}
	if out := e.ok("", "keys", "info"); !strings.Contains(out, "pin:") || !strings.Contains(out, "not set") {
		t.Errorf("keys info text:\n%s", out)
	}
}

func TestKeysPIN(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	withKeys(t, e, 1)
	pin, bad, short := e.file("pin", "1234\n"), e.file("bad", "0000\n"), e.file("short", "12\n")
	wantIn(t, e.fails(exitError, "", "--pin-file", short, "keys", "pin", "set"), "PIN does not meet")
	e.ok("", "--pin-file", pin, "keys", "pin", "set")
	wantIn(t, e.fails(exitError, "", "--pin-file", pin, "keys", "pin", "set"), "already has a PIN", "pin change")
	wantIn(t, e.fails(exitError, "", "--pin-file", bad, "keys", "pin", "change", "--new-pin-file", bad), "wrong PIN: 7 attempts left")
	e.ok("", "--pin-file", pin, "keys", "pin", "change", "--new-pin-file", e.file("new", "56789\n"))
	var info infoJSON
	must(t, json.Unmarshal([]byte(e.ok("", "keys", "info", "--json")), &info))
	if !info.PINSet || info.PINRetries != 8 {
		t.Errorf("after the change: pin set %t, retries %d; want set, 8", info.PINSet, info.PINRetries)
	}
	wantIn(t, e.fails(exitError, "", "keys", "pin", "change"), "needs its PIN", "--pin-file")
}

func TestKeysCreds(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	states := withKeys(t, e, 1)
	wantIn(t, e.fails(exitError, "", "keys", "creds"), "has no PIN", "otter keys pin set") // PIN required but none set
	pin := []byte("1234")
	seed(t, e, states[0], func(d fido.Device) {
		must(t, d.SetPIN(context.Background(), pin))
		for _, u := range []string{"alice", "bob"} {
			_, err := d.MakeCredential(context.Background(), fido.CredentialOptions{RPID: "github.com", UserID: []byte(u),
				UserName: u, Resident: true, PIN: pin, CredProtect: fido.CredProtectUVRequired})
			must(t, err)
		}
	})
	pinFile := e.file("pin", "1234")
	var creds credsJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--pin-file", pinFile, "keys", "creds", "--json")), &creds))
	if creds.Existing != 2 || creds.Remaining != 23 || len(creds.Credentials) != 2 || creds.Credentials[0].RP != "github.com" ||
		creds.Credentials[0].CredProtect != 3 {
		t.Fatalf("keys creds = %+v", creds)
	}
	id := creds.Credentials[0].ID
	wantIn(t, e.fails(exitUsage, "", "--pin-file", pinFile, "keys", "creds", "rm", id[:12]), "no terminal to ask on", "--yes")
	if out := e.ok("", "--pin-file", pinFile, "keys", "creds", "rm", "--yes", id[:12]); !strings.Contains(out, "deleted") {
		t.Errorf("rm printed %q", out)
	}
	wantIn(t, e.fails(exitNotFound, "", "--pin-file", pinFile, "keys", "creds", "rm", "--yes", id), "no resident credential") // not on this key
	if out := e.ok("", "--pin-file", pinFile, "keys", "creds"); !strings.Contains(out, "1 resident credential,") {
		t.Errorf("keys creds after rm:\n%s", out)
	}
}

func TestKeysReset(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	withKeys(t, e, 1)
	e.ok("", "--pin-file", e.file("pin", "1234"), "keys", "pin", "set")
	wantIn(t, e.fails(exitUsage, "", "keys", "reset"), "--yes")
	knob(t, "RESET_WINDOW", "1ns")
	wantIn(t, e.fails(exitError, "", "keys", "reset", "--yes"), "refused the reset", "plug it back in")
	knob(t, "RESET_WINDOW", "")
	e.ok("", "keys", "reset", "--yes")
	var info infoJSON
	must(t, json.Unmarshal([]byte(e.ok("", "keys", "info", "--json")), &info))
	if info.PINSet {
		t.Error("the PIN survived the reset")
	}
}

func TestKeysTwoKeysTouchToSelect(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	states := withKeys(t, e, 2)
	knob(t, "PRESENCE", "timeout,approve") // only the second key is touched
	r := e.run("", "keys", "info", "--json")
	var info infoJSON
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &info) != nil || info.Path != "virtual:"+states[1] {
		t.Fatalf("touch-to-select: exit %d, path %q; want the touched key %s\n%s", r.code, info.Path, states[1], r.stderr)
	}
	wantIn(t, r, "2 keys are plugged in: touch the one to use")
	if out := e.ok("", "keys", "info", "--device", "virtual:"+states[0], "--json"); !strings.Contains(out, states[0]) {
		t.Errorf("--device did not pick the first key:\n%s", out)
	}
	wantIn(t, e.fails(exitNotFound, "", "keys", "info", "--device", "/dev/nothing"), "no FIDO2 key at /dev/nothing")
}

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The lost-key playbook end to end with software FIDO2 keys: "yubi"
// unlocks the vault and is registered on two accounts, "spare" backs up
// one of them. After `keys lost yubi` its slot is gone (the key no longer
// opens the vault, the password and the recovery key still do), it is
// marked lost, and the health report follows the sites until the key is
// removed there.
func TestLostKeyPlaybook(t *testing.T) {
	e, pw, _, states := fido2Vault(t, false)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"), rfcURI("GitLab", "alice"))
	e.ok("gbak1 gbak2 gbak3", "--password-file", pw, "recovery", "add", "--yes", "github")
	plugKeys(t, states[1])
	e.ok("", "--password-file", pw, "keys", "register", "spare")
	out := e.ok("", "--password-file", pw, "keys", "accounts", "yubi", "--add", "github", "--add", "gitlab:alice")
	if out != "GitHub:alice\nGitLab:alice\n" {
		t.Fatalf("keys accounts yubi printed %q", out)
	}
	e.ok("", "--password-file", pw, "keys", "accounts", "spare", "--add", "github")
	wantIn(t, e.fails(exitNotFound, "", "--password-file", pw, "keys", "lost", "nokey"), `no registered key is named "nokey"`, "spare", "yubi")

	wantIn(t, e.fails(exitUsage, "", "--password-file", pw, "keys", "lost", "spare"), "refusing to mark a key lost", "no terminal to ask on", "--yes")
	if out := e.ok("", "--password-file", pw, "keys", "list"); strings.Contains(out, "lost") {
		t.Fatalf("keys lost without --yes changed the inventory:\n%s", out)
	}

	plugKeys(t, states[0])
	e.ok("", "list") // yubi alone opens the vault
	out = e.ok("", "--password-file", pw, "keys", "lost", "--yes", "YUBI")
	for _, want := range []string{
		`Marked "yubi" lost.`, "Removed its vault slot", "no longer unlocks this vault",
		"registered on 2 accounts",
		"GitHub:alice\n    still have: the key \"spare\"; 3 unused recovery codes (otter recovery use GitHub:alice); one-time codes from otter",
		"GitLab:alice\n    still have: one-time codes from otter (otter code GitLab:alice)\n    warning: otter's codes are your only way in",
		"otter keys accounts yubi --rm QUERY", "otter keys register NEWNAME --slot",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("keys lost output lacks %q:\n%s", want, out)
		}
	}

	var slots []slotJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &slots))
	if len(slots) != 2 || slotTypes2(slots) != "password recovery" {
		t.Fatalf("slots after keys lost: %+v", slots)
	}
	// The key is still plugged in but opens nothing; the others do.
	e.fails(exitUnlock, "", "list")
	e.ok("", "--password-file", pw, "list")
	e.ok("", "--recovery-key-file", e.dir+"/recovery.txt", "list")

	var list keysListJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "keys", "list", "--json")), &list))
	for _, k := range list.Registered {
		if lost := k.Nickname == "yubi"; k.Lost != lost || k.SlotID != "" {
			t.Errorf("inventory: %+v", k)
		}
	}
	h := healthReport(t, e, "--password-file", pw)
	if got := findingsOf(h); !strings.HasPrefix(got, "lost-key-registered GitHub:alice; lost-key-registered GitLab:alice;") ||
		strings.Contains(got, "lost-key-slot") {
		t.Errorf("health after keys lost: %s", got)
	}
	// Running the playbook again is harmless: no slot left to remove.
	if out := e.ok("", "--password-file", pw, "keys", "lost", "--yes", "yubi"); !strings.Contains(out, "It had no vault slot") {
		t.Errorf("second keys lost:\n%s", out)
	}
	wantIn(t, e.fails(exitError, "", "--password-file", pw, "keys", "accounts", "yubi", "--add", "github"), "marked lost")
	e.ok("", "--password-file", pw, "keys", "accounts", "yubi", "--rm", "github", "--rm", "gitlab")
	if got := findingsOf(healthReport(t, e, "--password-file", pw)); strings.Contains(got, "lost-key") {
		t.Errorf("health after the sites were cleaned up: %s", got)
	}
	var kinds []string
	for _, ev := range auditLog(t, e, pw, "--limit", "0") {
		if strings.HasPrefix(ev.Kind, "key.") || ev.Kind == "slot.remove" {
			kinds = append(kinds, ev.Kind+" "+ev.Detail)
		}
	}
	joined := strings.Join(kinds, "\n")
	for _, want := range []string{"key.register spare", "key.accounts yubi: +GitHub:alice +GitLab:alice", `slot.remove fido2 slot`,
		"key.lost yubi: registered on 2 accounts, vault slot", "key.accounts yubi: -GitHub:alice -GitLab:alice"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit lacks %q:\n%s", want, joined)
		}
	}
}

func slotTypes2(slots []slotJSON) string {
	var t []string
	for _, s := range slots {
		t = append(t, s.Type)
	}
	if len(t) == 2 && t[0] > t[1] {
		t[0], t[1] = t[1], t[0]
	}
	return strings.Join(t, " ")
}

// Removing the lost key's slot must not leave a single way in: the
// playbook refuses, changes nothing and says what to add first.
func TestLostKeyRefusedWithTwoSlots(t *testing.T) {
	e, pw, _, _ := fido2Vault(t, false)
	var slots []slotJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &slots))
	for _, s := range slots {
		if s.Type == "recovery" {
			e.ok("", "--password-file", pw, "slot", "rm", "--yes", s.ID)
		}
	}
	before := readFile(t, e.vault)
	r := e.fails(exitError, "", "--password-file", pw, "keys", "lost", "--yes", "yubi")
	wantIn(t, r, "single way in; nothing was changed", "otter slot add password, recovery", "otter keys lost yubi")
	if !bytes.Equal(before, readFile(t, e.vault)) {
		t.Fatal("a refused keys lost changed the vault")
	}
	e.ok("", "--password-file", pw, "slot", "add", "recovery", "--recovery-key-out", e.dir+"/rk2")
	if out := e.ok("", "--password-file", pw, "keys", "lost", "--yes", "yubi"); !strings.Contains(out, "Removed its vault slot") {
		t.Errorf("keys lost after adding a slot:\n%s", out)
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"filippo.io/age"
)

// A headless machine unlocks through an age slot with its identity file;
// another identity is refused with exit 3 and counts nothing.
func TestAgeSlotUnlocksWithIdentityFile(t *testing.T) {
	e, pw, _ := passwordVault(t)
	id, err := age.GenerateX25519Identity()
	must(t, err)
	other, _ := age.GenerateX25519Identity()
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	out := e.ok("", "--password-file", pw, "slot", "add", "age", id.Recipient().String(), "--label", "server")
	if !strings.Contains(out, "added age slot") {
		t.Fatalf("slot add age printed %q", out)
	}
	var slots []slotJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &slots))
	found := false
	for _, s := range slots {
		found = found || s.Type == "age" && s.Recipient == id.Recipient().String() && s.Label == "server"
	}
	if !found {
		t.Fatalf("slot list: %+v", slots)
	}
	idFile := e.file("id.txt", "# created by age-keygen\n"+id.String()+"\n")
	want := e.ok("", "--password-file", pw, "code", "github", "--at", "59")
	if got := e.ok("", "--identity-file", idFile, "code", "github", "--at", "59"); got != want {
		t.Fatalf("code with the identity = %q, want %q", got, want)
	}
	bad := e.file("other.txt", other.String()+"\n")
	r := e.fails(exitUnlock, "", "--identity-file", bad, "list")
	wantIn(t, r, "does not open any of this vault's age slots")
	if r := e.run("", "--password-file", pw, "list"); strings.Contains(r.stderr, "failed unlock") {
		t.Fatalf("a wrong identity was counted as a guess: %s", r.stderr)
	}
	wantIn(t, e.fails(exitUsage, "", "--password-file", pw, "slot", "add", "age"), "give a recipient")
	wantIn(t, e.fails(exitError, "", "--password-file", pw, "slot", "add", "age", "age1nope"), "not an age X25519 recipient")
}

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"filippo.io/age"
)

// Removing a member's age slot prints the offboarding playbook: every
// account they could read, with its unused recovery codes, to re-enroll at
// the site.
func TestMemberSlotRemovalPrintsPlaybook(t *testing.T) {
	e, pw, _ := passwordVault(t)
	id, err := age.GenerateX25519Identity()
	must(t, err)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "team", "--secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	e.ok("", "--password-file", pw, "add", "--issuer", "AWS", "--account", "root", "--secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ")
	codes := e.file("codes.txt", "aaaa-1111\nbbbb-2222\n")
	e.ok("", "--password-file", pw, "recovery", "add", "aws", codes, "--yes")
	out := e.ok("", "--password-file", pw, "slot", "add", "age", id.Recipient().String(), "--label", "alice")
	wantIn(t, result{stdout: out}, "member \"alice\"")
	wantIn(t, result{stdout: e.ok("", "--password-file", pw, "slot", "list")}, "member alice")
	var slots []slotJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &slots))
	var alice string
	for _, s := range slots {
		if s.Type == "age" && s.Label == "alice" {
			alice = s.ID
		}
	}
	if alice == "" {
		t.Fatalf("no age slot alice in %+v", slots)
	}
	out = e.ok("", "--password-file", pw, "slot", "rm", "--yes", alice[:8])
	t.Log(out)
	for _, want := range []string{
		"the data key was rotated",
		`Member "alice" no longer opens`,
		"keeps every seed and recovery code they could read",
		"re-enroll 2FA at each of these 2 sites",
		"  AWS:root  and 2 unused recovery codes (generate new ones at the site)\n",
		"  GitHub:team\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("slot rm of a member: output lacks %q:\n%s", want, out)
		}
	}
	// the identity no longer opens the vault
	idFile := e.file("alice.key", id.String()+"\n")
	e.fails(exitUnlock, "", "--identity-file", idFile, "list")
}

// A removed password slot gets the short form: whoever held it.
func TestPasswordSlotRemovalPrintsShortPlaybook(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "team", "--secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	newPW := e.file("pw2", "Another-Strong-Passphrase-7\n")
	e.ok("", "--password-file", pw, "slot", "add", "password", "--new-password-file", newPW, "--label", "shared")
	var slots []slotJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &slots))
	var shared string
	for _, s := range slots {
		if s.Label == "shared" {
			shared = s.ID
		}
	}
	out := e.ok("", "--password-file", pw, "slot", "rm", "--yes", shared)
	wantIn(t, result{stdout: out}, "Whoever held this credential could read every seed and recovery code", "re-enroll 2FA at this site: GitHub:team")
}

package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
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
	alice := e.slotLabelled(pw, "alice")
	out = e.ok("", "--password-file", pw, "slot", "rm", "--yes", alice[:8])
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
	shared := e.slotLabelled(pw, "shared")
	out := e.ok("", "--password-file", pw, "slot", "rm", "--yes", shared)
	wantIn(t, result{stdout: out}, "Whoever held this credential could read every seed and recovery code", "re-enroll 2FA at this site: GitHub:team")
}

// A shared vault end to end: the owner adds member bob and syncs, bob
// joins with his age identity, sees the members another device changes
// until he acknowledges them, and once the owner removes him his sync
// fails, saying so.
func TestMemberJoinsSharedVaultAndIsRemoved(t *testing.T) {
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	remote := filepath.Join(t.TempDir(), "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", "-b", "main", remote).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	owner, pw, _ := passwordVault(t)
	owner.ok("", "--password-file", pw, "add", "--issuer", "Company", "--account", "root", "--secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	owner.ok("", "--password-file", pw, "sync", "init", remote)
	bobID, err := age.GenerateX25519Identity()
	must(t, err)
	owner.ok("", "--password-file", pw, "slot", "add", "age", bobID.Recipient().String(), "--label", "bob")
	owner.ok("", "--password-file", pw, "sync")

	bob := newEnv(t).withoutKeyring()
	key := bob.file("bob.key", bobID.String()+"\n")
	wantIn(t, result{stdout: bob.ok("", "--identity-file", key, "sync", "join", remote, "--no-keyring")}, "joined vault", "1 account")
	wantIn(t, result{stdout: bob.ok("", "--identity-file", key, "list")}, "Company")

	// the owner adds carol: bob's sync says so until he acknowledges it
	carol, _ := age.GenerateX25519Identity()
	owner.ok("", "--password-file", pw, "slot", "add", "age", carol.Recipient().String(), "--label", "carol")
	if r := owner.run("", "sync", "status"); strings.Contains(r.stdout, "members changed") {
		t.Errorf("the owner's own slot change is a notice on the owner's device:\n%s", r.stdout)
	}
	owner.ok("", "--password-file", pw, "sync")
	wantIn(t, bob.run("", "--identity-file", key, "sync"), "members changed by ", ": added age slot carol")
	wantIn(t, bob.run("", "sync", "status"), "members changed by ", "added age slot carol", "otter sync status --ack")
	wantIn(t, bob.run("", "sync", "status", "--ack"), "acknowledged 1 member change")
	if r := bob.run("", "sync", "status"); strings.Contains(r.stdout, "members changed") || r.code != 0 {
		t.Errorf("status after --ack: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// the owner removes bob
	bobSlot := owner.slotLabelled(pw, "bob")
	wantIn(t, result{stdout: owner.ok("", "--password-file", pw, "slot", "rm", "--yes", bobSlot)}, `Member "bob"`, "Company:root")
	owner.ok("", "--password-file", pw, "sync")
	before := readFile(t, bob.vault)
	r := bob.fails(exitUnlock, "", "--identity-file", key, "sync")
	wantIn(t, r, "this device's unlock slot was removed from the vault", "nothing was changed here")
	if !bytes.Equal(before, readFile(t, bob.vault)) {
		t.Error("bob's refused sync changed his vault file")
	}
}

// slotLabelled is the id of e's slot labelled label (otter slot list
// --json, unlocked with the password file pw).
func (e *env) slotLabelled(pw, label string) string {
	e.t.Helper()
	var slots []slotJSON
	must(e.t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &slots))
	for _, s := range slots {
		if s.Label == label {
			return s.ID
		}
	}
	e.t.Fatalf("no slot labelled %q in %+v", label, slots)
	return ""
}

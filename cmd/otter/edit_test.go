package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEditChangesWhatTheFlagsSay(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	before := e.ok("", "--password-file", pw, "code", "github", "--at", "59")
	out := e.ok("", "--password-file", pw, "edit", "github", "--issuer", "GitHub Enterprise", "--tags", "work, ,home,work", "--notes", "SSO via Okta", "--pin")
	if !strings.HasPrefix(out, "saved GitHub Enterprise:alice") {
		t.Fatalf("edit printed %q", out)
	}
	var rows []accountJSON
	if err := json.Unmarshal([]byte(e.ok("", "--password-file", pw, "list", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	if r.Issuer != "GitHub Enterprise" || r.Account != "alice" || !r.Pinned || strings.Join(r.Tags, ",") != "work,home" {
		t.Fatalf("after edit: %+v", r)
	}
	if after := e.ok("", "--password-file", pw, "code", "enterprise", "--at", "59"); after != before {
		t.Fatalf("edit changed the code: %q → %q", before, after)
	}
	e.ok("", "--password-file", pw, "edit", "enterprise", "--unpin", "--tags", "")
	rows = nil // Unmarshal into old elements would keep fields the JSON omits
	json.Unmarshal([]byte(e.ok("", "--password-file", pw, "list", "--json")), &rows)
	if rows[0].Pinned || len(rows[0].Tags) != 0 {
		t.Fatalf("after --unpin --tags '': %+v", rows[0])
	}
}

func TestEditRefusesNothingAndNoName(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	if r := e.fails(exitUsage, "", "--password-file", pw, "edit", "github"); !strings.Contains(r.stderr, "nothing to change") {
		t.Errorf("edit without flags: %q", r.stderr)
	}
	if r := e.fails(exitUsage, "", "--password-file", pw, "edit", "github", "--pin", "--unpin"); !strings.Contains(r.stderr, "not both") {
		t.Errorf("--pin --unpin: %q", r.stderr)
	}
	r := e.fails(exitUsage, "", "--password-file", pw, "edit", "github", "--issuer", "", "--account", " ")
	if !strings.Contains(r.stderr, "needs an issuer or an account name") {
		t.Errorf("edit to no name: %q", r.stderr)
	}
	if out := e.ok("", "--password-file", pw, "list"); !strings.Contains(out, "GitHub") {
		t.Errorf("a refused edit changed the account: %q", out)
	}
	e.fails(exitNotFound, "", "--password-file", pw, "edit", "nosuch", "--pin")
}

package main

import (
	"os/exec"
	"strings"
	"testing"
)

const googleSheet = `Example Bank backup codes
Keep these safe!
1. 4821 7730        3. 9051 3386
2. 1187 6642        4. 2764 0913
`

// Without a terminal, add, replace and rm refuse unless --yes, and save
// nothing; --yes saves the codes as the site shows them.
func TestRecoveryNeedsConfirmationOrYes(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("Bank", "alice"))
	for _, args := range [][]string{{"add", "bank", "-"}, {"replace", "bank"}, {"rm", "bank"}} {
		r := e.fails(exitUsage, googleSheet, append([]string{"--password-file", pw, "recovery"}, args...)...)
		wantIn(t, r, "no terminal to ask on", "--yes")
	}
	e.fails(exitNotFound, "", "--password-file", pw, "recovery", "list", "bank")

	out := e.ok(googleSheet, "--password-file", pw, "recovery", "add", "--yes", "bank")
	if !strings.Contains(out, "added 4 recovery codes to Bank:alice") {
		t.Fatalf("recovery add --yes: %s", out)
	}
	if strings.Contains(out, "4821") {
		t.Errorf("--yes printed the codes: %s", out)
	}
	list := e.ok("", "--password-file", pw, "recovery", "list", "bank")
	if want := "4821 7730\tunused\n9051 3386\tunused\n1187 6642\tunused\n2764 0913\tunused\n"; list != want {
		t.Errorf("recovery list:\n%s\nwant\n%s", list, want)
	}
}

// Replace drops the old batch; rm removes the codes, after which use says
// the account has none and how to add some.
func TestRecoveryReplaceAndRm(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	e.ok("0f3a9-b27c4\n8d1e6-5a0f2\nc47b3-9e81d\n", "--password-file", pw, "recovery", "add", "--yes", "github")
	e.ok("", "--password-file", pw, "recovery", "use", "github")

	out := e.ok("Recovery codes\n2a6f0-d3c59\ne98b1-04f7a\n", "--password-file", pw, "recovery", "replace", "--yes", "github", "-")
	if !strings.Contains(out, "replaced the recovery codes of GitHub:alice: 2 new codes") {
		t.Fatalf("recovery replace: %s", out)
	}
	if list := e.ok("", "--password-file", pw, "recovery", "list", "github"); list != "2a6f0-d3c59\tunused\ne98b1-04f7a\tunused\n" {
		t.Errorf("after replace, list:\n%s", list)
	}

	if out := e.ok("", "--password-file", pw, "recovery", "rm", "--yes", "github"); !strings.Contains(out, "removed the recovery codes of GitHub:alice") {
		t.Fatalf("recovery rm: %s", out)
	}
	r := e.fails(exitNotFound, "", "--password-file", pw, "recovery", "use", "github")
	wantIn(t, r, "otter: error: GitHub:alice: the account has no recovery codes", "otter: hint: add the codes the site gave you: otter recovery add")
	r = e.fails(exitNotFound, "", "--password-file", pw, "recovery", "rm", "--yes", "github")
	wantIn(t, r, "has no recovery codes")
	e.fails(exitUsage, "Keep these safe!\n", "--password-file", pw, "recovery", "replace", "--yes", "github")
}

// On a terminal, add shows the count and the first and last codes and
// what happens to the codes already there, then asks; "n" saves nothing,
// "y" saves.
func TestRecoveryPreviewOnATerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("Bank", "alice"))
	e.ok("2345 6789\n", "--password-file", pw, "recovery", "add", "--yes", "bank")
	sheet := e.file("sheet.txt", googleSheet)
	before := readFile(t, e.vault)

	tt := startPromptTerm(t, e, "--password-file "+pw+" recovery add bank "+sheet)
	screen := tt.waitFor("Save 4 codes? [y/N]")
	for _, want := range []string{"4 recovery codes for Bank:alice", "first  4821 7730", "last   2764 0913",
		"added to the 1 code it has (1 unused); to drop those, use otter recovery replace"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the preview lacks %q:\n%s", want, screen)
		}
	}
	tt.typeText("n\n")
	if screen := tt.waitFor("[exit "); !strings.Contains(screen, "nothing saved") || !strings.Contains(screen, "[exit 1]") {
		t.Errorf("answering n:\n%s", screen)
	}
	if !bytesEqual(before, readFile(t, e.vault)) {
		t.Error("answering n changed the vault")
	}

	tt = startPromptTerm(t, e, "--password-file "+pw+" recovery replace bank "+sheet)
	screen = tt.waitFor("Save 4 codes? [y/N]")
	if !strings.Contains(screen, "they replace the 1 code it has (1 unused)") {
		t.Errorf("the replace preview does not say what it replaces:\n%s", screen)
	}
	tt.typeText("y\n")
	if screen := tt.waitFor("[exit "); !strings.Contains(screen, "4 new codes") || !strings.Contains(screen, "[exit 0]") {
		t.Errorf("answering y:\n%s", screen)
	}
	if list := e.ok("", "--password-file", pw, "recovery", "list", "bank"); strings.Count(list, "unused") != 4 || strings.Contains(list, "2345 6789") {
		t.Errorf("after replace on a terminal:\n%s", list)
	}
}

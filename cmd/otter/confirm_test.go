package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// Without a terminal, rm and slot rm refuse unless --yes, as import does:
// exit 2, a hint naming --yes, and nothing changed.
func TestDestructiveNeedsConfirmationOrYes(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	wantIn(t, e.fails(exitUsage, "", "--password-file", pw, "rm", "github"),
		"refusing to remove GitHub:alice without confirmation: there is no terminal to ask on", "otter: hint:", "--yes")
	if out := e.ok("", "--password-file", pw, "list"); !strings.Contains(out, "GitHub") {
		t.Fatalf("rm without --yes removed the account:\n%s", out)
	}
	var slots []slotJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &slots))
	wantIn(t, e.fails(exitUsage, "", "--password-file", pw, "slot", "rm", slots[len(slots)-1].ID), "refusing to remove a slot", "--yes")
	var after []slotJSON
	must(t, json.Unmarshal([]byte(e.ok("", "--password-file", pw, "slot", "list", "--json")), &after))
	if len(after) != len(slots) {
		t.Fatalf("slot rm without --yes removed a slot: %d → %d", len(slots), len(after))
	}
	e.ok("", "--password-file", pw, "rm", "--yes", "github")
}

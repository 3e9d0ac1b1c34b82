package main

import (
	"strings"
	"testing"
)

// TestUnknownSubcommandIsExit2 runs mistyped commands at every depth: each
// must exit 2 naming the parent, with a "did you mean" when one is close,
// and print no help on stdout.
func TestUnknownSubcommandIsExit2(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	for _, tc := range []struct {
		args      []string
		msg, hint string
	}{
		{[]string{"keys", "lst"}, `unknown command "lst" for "otter keys"`, `did you mean "list"?`},
		{[]string{"recovery", "uses", "x"}, `unknown command "uses" for "otter recovery"`, `did you mean "use"?`},
		{[]string{"lsit"}, `unknown command "lsit" for "otter"`, `did you mean "list"?`},
		{[]string{"slot", "ad", "password"}, `unknown command "ad" for "otter slot"`, `did you mean "add"?`},
		{[]string{"keys", "pin", "chnage"}, `unknown command "chnage" for "otter keys pin"`, `did you mean "change"?`},
		{[]string{"keys", "creds", "remove"}, `unknown command "remove" for "otter keys creds"`, `see otter keys creds --help`},
		{[]string{"keys", "zzzzzz"}, `unknown command "zzzzzz" for "otter keys"`, `see otter keys --help`},
	} {
		r := e.fails(exitUsage, "", tc.args...)
		want := "otter: error: " + tc.msg + "\notter: hint: " + tc.hint + "\n"
		if r.stderr != want {
			t.Errorf("otter %v: stderr\n%s\nwant\n%s", tc.args, r.stderr, want)
		}
		if r.stdout != "" {
			t.Errorf("otter %v printed on stdout:\n%s", tc.args, r.stdout)
		}
	}
}

// TestBareParentPrintsHelp: a command that only groups others, run bare,
// shows its help and succeeds.
func TestBareParentPrintsHelp(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	for _, args := range [][]string{{"keys"}, {"recovery"}, {"slot"}, {"keys", "pin"}} {
		out := e.ok("", args...)
		if !strings.Contains(out, "Available Commands:") {
			t.Errorf("otter %v: no help on stdout:\n%s", args, out)
		}
	}
}

//go:build linux || darwin

package main

import (
	"strings"
	"testing"
)

// completions are the names `otter __complete ARGS` offers, and its
// directive line.
func (e *env) completions(args ...string) (names []string, directive string) {
	e.t.Helper()
	r := e.run("", append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		e.t.Fatalf("__complete %q: exit %d\n%s", args, r.code, r.stderr)
	}
	if strings.Contains(strings.ToLower(r.stderr), "password") {
		e.t.Errorf("__complete %q asked for something: %q", args, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestAgentCompletesAccountNames(t *testing.T) {
	e, pw := agentEnv(t)
	for _, args := range [][]string{{"code", "Git"}, {"code", ""}} {
		if got, dir := e.completions(args...); len(got) != 0 || dir != ":4" {
			t.Errorf("no agent: __complete %q = %q %s, want nothing", args, got, dir)
		}
	}
	e.ok("", "--password-file", pw, "agent", "start", "--idle", "1h")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"code", "Git"}, "GitHub:alice"},
		{[]string{"code", "git"}, "GitHub:alice"},
		{[]string{"code", ""}, "GitHub:alice,Bank:carol"},
		{[]string{"rm", "B"}, "Bank:carol"},
		{[]string{"edit", "x"}, ""},
		{[]string{"recovery", "use", "ba"}, "Bank:carol"},
		{[]string{"qr", "--google", "GitHub:alice", "B"}, "Bank:carol"},
		{[]string{"keys", "accounts", "yubi", "--add", "G"}, "GitHub:alice"},
		{[]string{"code", "GitHub:alice", ""}, ""}, // one query only
	}
	for _, tt := range tests {
		got, dir := e.completions(tt.args...)
		if strings.Join(got, ",") != tt.want || dir != ":4" {
			t.Errorf("__complete %q = %q %s, want %q :4", tt.args, got, dir, tt.want)
		}
	}
	// recovery add's second argument is a file: the shell completes it.
	if got, dir := e.completions("recovery", "add", "bank", ""); len(got) != 0 || dir != ":0" {
		t.Errorf("recovery add's file: %q %s", got, dir)
	}
	// A locked agent lists nothing, and completion does not unlock.
	e.ok("", "lock")
	if got, _ := e.completions("code", ""); len(got) != 0 {
		t.Errorf("locked agent: %q", got)
	}
	if got, _ := e.completions("--no-agent", "code", ""); len(got) != 0 {
		t.Errorf("--no-agent: %q", got)
	}
}

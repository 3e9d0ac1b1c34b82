package main

import (
	"strings"
	"testing"
)

// otter rm puts an account in the trash; otter trash lists it and
// otter trash restore brings it back with its secret (same codes) and its
// recovery codes.
func TestTrashListAndRestore(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	e.ok("", "--password-file", pw, "add", "--issuer", "GitLab", "--account", "bob", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	e.ok("aaaa-1111\nbbbb-2222\n", "--password-file", pw, "recovery", "add", "github", "-", "--yes")
	before := e.ok("", "--password-file", pw, "code", "github")
	if out := e.run("", "--password-file", pw, "trash"); out.code != 0 || !strings.Contains(out.stderr, "empty") {
		t.Fatalf("empty trash: %+v", out)
	}
	e.ok("", "--password-file", pw, "rm", "--yes", "github")
	list := e.ok("", "--password-file", pw, "trash")
	if !strings.Contains(list, "GitHub:alice") || strings.Contains(list, "GitLab") || !strings.Contains(list, "REMOVED") {
		t.Fatalf("otter trash:\n%s", list)
	}
	e.fails(4, "", "--password-file", pw, "trash", "restore", "nothing-like-it")
	if out := e.ok("", "--password-file", pw, "trash", "restore", "github"); out != "restored GitHub:alice\n" {
		t.Fatalf("restore: %q", out)
	}
	if after := e.ok("", "--password-file", pw, "code", "github"); after != before {
		t.Errorf("code after restore %q, before %q: the secret did not come back", after, before)
	}
	if out := e.ok("", "--password-file", pw, "recovery", "use", "github"); !strings.Contains(out, "aaaa-1111") {
		t.Errorf("recovery codes after restore: %q", out)
	}
	r := e.fails(4, "", "--password-file", pw, "trash", "restore", "github")
	if !strings.Contains(r.stderr, "otter trash") {
		t.Errorf("second restore: %s", r.stderr)
	}
}

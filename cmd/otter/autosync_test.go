package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// syncHomes makes two homes syncing one vault through a local bare
// remote: A made the vault and attached it (otter sync init), B joined
// it. Both unlock with the password file pw each returns.
func syncHomes(t *testing.T) (a, b *env, pwA, pwB, remote string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git on PATH")
	}
	remote = filepath.Join(t.TempDir(), "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", "-b", "main", remote).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	gitEnv := func(e *env) {
		e.extraEnv = append(e.extraEnv, "XDG_DATA_HOME="+filepath.Join(e.dir, "share"),
			"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	}
	a, pwA, _ = passwordVault(t)
	gitEnv(a)
	a.ok("", "--password-file", pwA, "sync", "init", remote)
	b = newEnv(t).withoutKeyring()
	gitEnv(b)
	pwB = b.file("pw", strongPassword+"\n")
	b.ok("", "--password-file", pwB, "sync", "join", "--no-keyring", remote)
	return a, b, pwA, pwB, remote
}

// TestAutoSyncAfterAChange: with otter sync auto on, otter add on A pushes
// the account without an explicit otter sync (B's sync pulls it); reading
// commands do not sync; with auto off nothing goes out.
func TestAutoSyncAfterAChange(t *testing.T) {
	a, b, pwA, pwB, _ := syncHomes(t)
	if out := a.ok("", "sync", "auto", "on"); !strings.Contains(out, "automatic sync on") {
		t.Fatalf("sync auto on said %q", out)
	}
	r := a.run(rfcURI("GitHub", "alice")+"\n", "--password-file", pwA, "add", "-")
	if r.code != 0 || !strings.Contains(r.stderr, "otter: synced: 1 out\n") {
		t.Fatalf("add with auto sync on: exit %d\nstderr: %s", r.code, r.stderr)
	}
	if out := b.ok("", "--password-file", pwB, "sync"); !strings.Contains(out, "in  added: GitHub:alice") {
		t.Fatalf("B's sync did not pull the account:\n%s", out)
	}
	if out := b.ok("", "--password-file", pwB, "list"); !strings.Contains(out, "GitHub") {
		t.Fatalf("B lacks the account after its sync:\n%s", out)
	}

	// otter sync that pulls (the generation moves) is not followed by a
	// second sync.
	b.ok(rfcURI("Bank", "carol")+"\n", "--password-file", pwB, "add", "-")
	b.ok("", "--password-file", pwB, "sync")
	r = a.run("", "--password-file", pwA, "sync")
	if r.code != 0 || !strings.Contains(r.stdout, "in  added: Bank:carol") || strings.Contains(r.stderr, "otter: sync") {
		t.Fatalf("otter sync with auto on: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	// Reading never syncs, even with auto on; nor does a TOTP code.
	for _, args := range [][]string{{"list"}, {"code", "github"}} {
		if r := a.run("", append([]string{"--password-file", pwA}, args...)...); r.code != 0 || strings.Contains(r.stderr, "sync") {
			t.Fatalf("%v with auto sync on: exit %d\nstderr: %s", args, r.code, r.stderr)
		}
	}

	// An HOTP code advances the counter: it goes out at once, so that B
	// never shows the same code.
	a.ok("otpauth://hotp/Bank:dave?secret=JBSWY3DPEHPK3PXP&issuer=Bank&counter=5\n", "--password-file", pwA, "add", "-")
	if r := a.run("", "--password-file", pwA, "code", "bank:dave"); r.code != 0 || !strings.Contains(r.stderr, "otter: synced: 1 out") {
		t.Fatalf("HOTP code with auto sync on: exit %d\nstderr: %s", r.code, r.stderr)
	}
	b.ok("", "--password-file", pwB, "sync")
	if out := b.ok("", "--password-file", pwB, "list", "--json"); !strings.Contains(out, `"counter": 6`) {
		t.Fatalf("B's HOTP counter after A showed a code:\n%s", out)
	}

	a.ok("", "sync", "auto", "off")
	r = a.run(rfcURI("GitLab", "bob")+"\n", "--password-file", pwA, "add", "-")
	if r.code != 0 || strings.Contains(r.stderr, "sync") {
		t.Fatalf("add with auto sync off: exit %d\nstderr: %s", r.code, r.stderr)
	}
	if out := b.ok("", "--password-file", pwB, "sync"); strings.Contains(out, "GitLab") {
		t.Fatalf("with auto sync off, the account still went out:\n%s", out)
	}
}

// TestAutoSyncUnreachableRemote: a failed automatic sync keeps the change
// and the exit code, and says so on stderr.
func TestAutoSyncUnreachableRemote(t *testing.T) {
	a, _, pwA, _, remote := syncHomes(t)
	a.ok("", "sync", "auto", "on")
	if err := os.Rename(remote, remote+".gone"); err != nil {
		t.Fatal(err)
	}
	r := a.run(rfcURI("GitHub", "alice")+"\n", "--password-file", pwA, "add", "-")
	if r.code != 0 {
		t.Fatalf("add with an unreachable remote: exit %d\nstderr: %s", r.code, r.stderr)
	}
	t.Logf("stderr: %s", r.stderr)
	if !strings.Contains(r.stderr, "otter: sync failed: ") || !strings.Contains(r.stderr, "the change is saved here, run otter sync later") {
		t.Fatalf("stderr does not say the sync failed:\n%s", r.stderr)
	}
	if out := a.ok("", "--password-file", pwA, "list"); !strings.Contains(out, "GitHub") {
		t.Fatalf("the account was lost:\n%s", out)
	}
	// Once the remote is back, otter sync carries the change.
	if err := os.Rename(remote+".gone", remote); err != nil {
		t.Fatal(err)
	}
	if out := a.ok("", "--password-file", pwA, "sync"); !strings.Contains(out, "out added: GitHub:alice") {
		t.Fatalf("otter sync did not push the saved change:\n%s", out)
	}
}

// With auto sync on, a change the agent would make is made by the command
// itself, which then syncs it: an HOTP code (its counter) and a recovery
// code used. A TOTP code still comes from the agent.
func TestAutoSyncChangesSkipTheAgent(t *testing.T) {
	a, b, pwA, pwB, _ := syncHomes(t)
	a.ok("", "sync", "auto", "on")
	a.ok(rfcURI("GitHub", "alice")+"\n", "--password-file", pwA, "add", "-")
	a.ok("otpauth://hotp/Bank:dave?secret=JBSWY3DPEHPK3PXP&issuer=Bank&counter=5\n", "--password-file", pwA, "add", "-")
	a.ok("aaaa-1111 bbbb-2222\n", "--password-file", pwA, "recovery", "add", "bank", "-", "--yes")
	t.Cleanup(func() { a.run("", "agent", "stop") })
	a.ok("", "--password-file", pwA, "agent", "start", "--idle", "1h")

	if r := a.run("", "code", "github"); r.code != 0 || strings.Contains(r.stderr, "sync") {
		t.Fatalf("TOTP code through the agent with auto sync on: exit %d\nstderr: %s", r.code, r.stderr)
	}
	// No credential: the agent alone cannot give an HOTP code here.
	if r := a.run("", "code", "bank"); r.code != exitUnlock {
		t.Fatalf("HOTP code with only the agent and auto sync on: exit %d (stdout %q), want a direct unlock's exit 3", r.code, r.stdout)
	}
	for _, args := range [][]string{{"code", "bank"}, {"recovery", "use", "bank"}} {
		if r := a.run("", append([]string{"--password-file", pwA}, args...)...); r.code != 0 || !strings.Contains(r.stderr, "otter: synced: 1 out") {
			t.Fatalf("%v with an agent and auto sync on: exit %d\nstderr: %s", args, r.code, r.stderr)
		}
	}
	b.ok("", "--password-file", pwB, "sync")
	out := b.ok("", "--password-file", pwB, "list", "--json")
	if !strings.Contains(out, `"counter": 6`) {
		t.Errorf("B's HOTP counter after A's code:\n%s", out)
	}
	if r := b.run("", "--password-file", pwB, "recovery", "use", "bank"); !strings.Contains(r.stdout, "bbbb-2222") {
		t.Errorf("B's next recovery code after A used one: %q (%s)", r.stdout, r.stderr)
	}
}

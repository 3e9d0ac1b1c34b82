package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// systemdSocket is what otter-agent.socket makes: the agent's socket in a
// 0700 folder, mode 0600, listened on by "systemd" (the test), which hands
// it to each agent it activates.
type systemdSocket struct {
	e    *env
	file *os.File // the listening socket, as systemd keeps it
}

func newSystemdSocket(t *testing.T, e *env, path string) *systemdSocket {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(e.runtimeDir(), "otter"), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := l.(*net.UnixListener).File()
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	t.Cleanup(func() { f.Close() })
	return &systemdSocket{e: e, file: f}
}

// activatedAgent is an agent process systemd started.
type activatedAgent struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	done   chan struct{} // closed once it has ended
}

// activate starts `otter agent ARGS` as systemd does on a connection: the
// socket as descriptor 3, LISTEN_FDS=1 and LISTEN_PID naming the agent's
// own pid (sh's $$, kept by exec).
func (s *systemdSocket) activate(t *testing.T, args ...string) *activatedAgent {
	t.Helper()
	a := &activatedAgent{done: make(chan struct{})}
	a.cmd = s.e.command("", "/bin/sh", append([]string{"-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, otterBin, "--test-weak-kdf"}, args...))
	a.cmd.ExtraFiles = []*os.File{s.file}
	a.cmd.Stderr = &a.stderr
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.cmd.Wait(); close(a.done) }()
	t.Cleanup(func() { a.cmd.Process.Kill(); <-a.done })
	return a
}

// endsWithin reports whether the agent ended within d.
func (a *activatedAgent) endsWithin(d time.Duration) bool {
	select {
	case <-a.done:
		return true
	case <-time.After(d):
		return false
	}
}

func TestAgentSocketActivation(t *testing.T) {
	e, pw := agentEnv(t)
	sys := newSystemdSocket(t, e, e.socket())
	agent := sys.activate(t, "--password-file", pw, "agent", "--idle", "1h")

	// The first request waits in systemd's queue while the agent unlocks.
	if got, want := e.ok("", "code", "github"), e.directCode(pw, "github"); got != want {
		if again := e.directCode(pw, "github"); got != again {
			t.Fatalf("code through the activated agent = %q, want %q", got, want)
		}
	}
	if out := e.ok("", "agent", "status"); !strings.Contains(out, "unlocked: "+e.vault) || !strings.Contains(out, "started by systemd on its socket") {
		t.Errorf("status of an activated agent: %q", out)
	}
	// Locking ends it; systemd's socket stays for the next activation.
	e.ok("", "lock")
	if !agent.endsWithin(5 * time.Second) {
		t.Fatal("the activated agent kept running after otter lock")
	}
	if fi, err := os.Lstat(e.socket()); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("systemd's socket after the agent ended: %v, %v", fi, err)
	}
	agent = sys.activate(t, "--password-file", pw, "agent", "--idle", "1h")
	if r := e.run("", "code", "github"); r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Errorf("code after a second activation: exit %d, %q", r.code, r.stderr)
	}
	// otter agent stop ends it too, and leaves the socket.
	e.ok("", "agent", "stop")
	if !agent.endsWithin(5 * time.Second) {
		t.Fatal("the activated agent kept running after otter agent stop")
	}
	if _, err := os.Lstat(e.socket()); err != nil {
		t.Errorf("otter agent stop removed systemd's socket: %v", err)
	}
}

// An activated agent that cannot unlock (no keyring, no credential in its
// unit) answers "locked" at once — commands unlock directly without
// waiting — says why once, and is not replaced by a command's agent,
// which would take systemd's socket away.
func TestAgentActivatedWithoutCredentials(t *testing.T) {
	e, pw := agentEnv(t)
	sys := newSystemdSocket(t, e, e.socket())
	agent := sys.activate(t, "agent", "--idle", "1h")
	r := e.run("", "agent", "status") // answered once the agent has tried
	if r.code != 0 || !strings.Contains(r.stdout, ", locked") || !strings.Contains(r.stdout, "started by systemd") {
		t.Fatalf("status of an activated agent that could not unlock: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	said := r.stderr + e.run("", "agent", "status").stderr
	if strings.Count(said, "could not unlock the vault") != 1 {
		t.Errorf("the activated agent's failure, said by two status runs: %q; want once", said)
	}
	start := time.Now()
	if got, want := e.ok("", "--password-file", pw, "code", "github"), e.directCode(pw, "github"); got != want && got != e.directCode(pw, "github") {
		t.Errorf("direct code next to a locked activated agent = %q, want %q", got, want)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a command next to a locked activated agent took %v: it waited on the agent", d)
	}
	// A direct unlock that would start an agent (auto on) leaves it alone.
	e.ok("", "agent", "auto", "on")
	if r := e.run("", "--password-file", pw, "list"); r.code != 0 || strings.Contains(r.stderr, autoStarted) {
		t.Errorf("a direct unlock next to a locked activated agent: exit %d, %q", r.code, r.stderr)
	}
	r = e.run("", "--password-file", pw, "agent", "start")
	if r.code != exitError || !strings.Contains(r.stderr, "systemctl --user restart otter-agent") {
		t.Errorf("agent start over an activated agent: exit %d, %q", r.code, r.stderr)
	}
	if agent.endsWithin(300 * time.Millisecond) {
		t.Fatal("a command replaced the activated agent")
	}
	if _, err := os.Lstat(e.socket()); err != nil {
		t.Errorf("systemd's socket is gone: %v", err)
	}
}

// A unit whose socket is not the agent's path is refused with the fix.
func TestAgentActivatedOnAnotherSocket(t *testing.T) {
	e, pw := agentEnv(t)
	sys := newSystemdSocket(t, e, filepath.Join(e.runtimeDir(), "otter", "elsewhere.sock"))
	agent := sys.activate(t, "--password-file", pw, "agent", "--idle", "1h")
	if !agent.endsWithin(5 * time.Second) {
		t.Fatal("an agent handed another socket kept running")
	}
	if agent.cmd.ProcessState.ExitCode() == 0 {
		t.Error("an agent handed another socket exited 0")
	}
	if msg := agent.stderr.String(); !strings.Contains(msg, "ListenStream=%t/otter/agent.sock") {
		t.Errorf("stderr: %q, want the ListenStream to set", msg)
	}
}

//go:build linux || darwin

package main

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/otterauth/otter/internal/dbustest"
)

// agentEnv is a password-only vault (no keyring) with a TOTP and an HOTP
// account, and an agent stopped when the test ends.
func agentEnv(t *testing.T) (e *env, pw string) {
	t.Helper()
	e, pw, _ = passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	e.ok("otpauth://hotp/Bank:carol?secret="+rfcSeedB32+"&counter=0\n", "--password-file", pw, "add", "-")
	e.ok("aaaa-1111 bbbb-2222\n", "--password-file", pw, "recovery", "add", "bank", "-", "--yes")
	t.Cleanup(func() { e.run("", "agent", "stop") })
	return e, pw
}

func (e *env) socket() string { return filepath.Join(e.runtimeDir(), "otter", "agent.sock") }

// agentPID is the pid the running agent reports.
func (e *env) agentPID() int {
	e.t.Helper()
	out := e.ok("", "agent", "status")
	f := strings.Fields(strings.TrimPrefix(out, "agent running (pid "))
	pid, err := strconv.Atoi(strings.TrimRight(f[0], "),"))
	if err != nil {
		e.t.Fatalf("agent status: %q", out)
	}
	return pid
}

// directCode is the code a direct unlock prints, with the agent running.
func (e *env) directCode(pw, query string) string {
	return e.ok("", "--no-agent", "--password-file", pw, "code", query)
}

func TestAgentCodesWithoutCredentials(t *testing.T) {
	e, pw := agentEnv(t)
	if r := e.run("", "agent", "status"); r.code != exitError || !strings.Contains(r.stderr, "no agent is running") {
		t.Fatalf("status without an agent: exit %d, %q", r.code, r.stderr)
	}
	r := e.run("", "--password-file", pw, "agent", "start", "--idle", "1h")
	if r.code != 0 || !strings.Contains(r.stderr, "agent started (pid ") {
		t.Fatalf("agent start: exit %d\n%s", r.code, r.stderr)
	}
	if out := e.ok("", "agent", "status"); !strings.Contains(out, "unlocked: "+e.vault) {
		t.Errorf("status: %q", out)
	}
	fi, err := os.Lstat(e.socket())
	if err != nil || fi.Mode() != os.ModeSocket|0o600 {
		t.Fatalf("socket: %v, %v", fi, err)
	}

	// TOTP: no credential given, the code of a direct unlock.
	for range 3 {
		before := e.directCode(pw, "github")
		got := e.ok("", "code", "github")
		if after := e.directCode(pw, "github"); got == before || got == after {
			break
		}
		t.Errorf("code through the agent %q, direct %q", got, before)
	}
	var j codeJSON
	if err := json.Unmarshal([]byte(e.ok("", "code", "github", "--json")), &j); err != nil || j.Issuer != "GitHub" || j.Period != 30 || j.Remaining < 1 || j.Remaining > 30 {
		t.Errorf("code --json through the agent: %+v, %v", j, err)
	}
	// HOTP: the agent advances the counter on disk, a direct unlock sees it.
	// RFC 4226 Appendix D: counters 0, 1, 2.
	for _, want := range []string{"755224\n", "287082\n"} {
		if got := e.ok("", "code", "bank"); got != want {
			t.Errorf("HOTP through the agent: %q, want %q", got, want)
		}
	}
	if got := e.directCode(pw, "bank"); got != "359152\n" {
		t.Errorf("HOTP direct after the agent's two: %q, want 359152 (counter 2)", got)
	}
	if got := e.ok("", "code", "bank"); got != "969429\n" {
		t.Errorf("HOTP through the agent after a direct one: %q, want 969429 (counter 3)", got)
	}
	if got := e.ok("", "recovery", "use", "bank"); got != "aaaa-1111\n" {
		t.Errorf("recovery use through the agent: %q", got)
	}
	// The agent's errors are the CLI's.
	if r := e.fails(exitNotFound, "", "code", "nothing"); !strings.Contains(r.stderr, `no account matches "nothing"`) {
		t.Errorf("no match through the agent: %q", r.stderr)
	}

	e.ok("", "lock")
	if out := e.ok("", "agent", "status"); !strings.Contains(out, "locked") {
		t.Errorf("status after lock: %q", out)
	}
	e.fails(exitUnlock, "", "code", "github") // locked: a direct unlock, with no credential
	if got := e.ok("", "--password-file", pw, "code", "bank"); got != "338314\n" {
		t.Errorf("HOTP direct while the agent is locked: %q, want 338314 (counter 4)", got)
	}

	// start replaces a locked agent.
	e.ok("", "--password-file", pw, "agent", "start")
	if got := e.ok("", "code", "bank"); got != "254676\n" {
		t.Errorf("HOTP through a new agent: %q, want 254676 (counter 5)", got)
	}
	e.ok("", "agent", "stop")
	if _, err := os.Lstat(e.socket()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket after stop: %v", err)
	}
	e.fails(exitUnlock, "", "code", "github")
	if r := e.run("", "agent", "stop"); r.code != 0 || !strings.Contains(r.stderr, "no agent is running") {
		t.Errorf("stop without an agent: exit %d, %q", r.code, r.stderr)
	}
}

func TestAgentStartWrongPassword(t *testing.T) {
	e, _ := agentEnv(t)
	r := e.fails(exitUnlock, "", "--password-file", e.file("bad", "wrong\n"), "agent", "start")
	if strings.Count(r.stderr, "otter: error:") != 1 || !strings.Contains(r.stderr, "wrong password") {
		t.Errorf("agent start with a wrong password: %q, want one error from the agent", r.stderr)
	}
	if _, err := os.Lstat(e.socket()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket after a failed start: %v", err)
	}
}

// Two starts racing: one agent.
func TestAgentStartRace(t *testing.T) {
	e, pw := agentEnv(t)
	var wg sync.WaitGroup
	results := make([]result, 4)
	for i := range results {
		wg.Go(func() { results[i] = e.run("", "--password-file", pw, "agent", "start") })
	}
	wg.Wait()
	started := 0
	for _, r := range results {
		if r.code != 0 {
			t.Errorf("a racing start: exit %d, %q", r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "agent started") {
			started++
		}
	}
	if started != 1 {
		t.Fatalf("%d agents started, want 1: %+v", started, results)
	}
	pid := e.agentPID()
	for _, r := range results {
		if strings.Contains(r.stderr, "agent started") && !strings.Contains(r.stderr, "pid "+strconv.Itoa(pid)+")") {
			t.Errorf("the agent that answers (pid %d) is not the one started: %q", pid, r.stderr)
		}
	}
}

// A killed agent leaves a stale socket: commands unlock directly, at once
// and without a word, and the next start replaces it.
func TestAgentKilled(t *testing.T) {
	e, pw := agentEnv(t)
	e.ok("", "--password-file", pw, "agent", "start")
	pid := e.agentPID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Lstat(e.socket()); err != nil {
		t.Fatalf("a killed agent's socket: %v (the test wants it stale)", err)
	}
	start := time.Now()
	r := e.run("", "--password-file", pw, "code", "github")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("code with a stale socket: exit %d, %q", r.code, r.stderr)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("code with a stale socket took %v", d)
	}
	e.fails(exitUnlock, "", "code", "github")
	e.ok("", "--password-file", pw, "agent", "start")
	e.ok("", "code", "github")
}

// An agent that never answers: the command warns and unlocks directly
// within the client's timeout.
func TestAgentHung(t *testing.T) {
	e, pw := agentEnv(t)
	dir := filepath.Join(e.runtimeDir(), "otter")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", e.socket())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Chmod(e.socket(), 0o600)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	start := time.Now()
	r := e.run("", "--password-file", pw, "code", "github")
	if r.code != 0 || !strings.Contains(r.stderr, "the agent did not answer") {
		t.Errorf("code with a hung agent: exit %d, %q", r.code, r.stderr)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("code with a hung agent took %v", d)
	}
}

// waitStatus polls agent status until its output has want (5 s at most;
// an agent still starting may not answer yet).
func (e *env) waitStatus(want string) string {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := e.run("", "agent", "status")
		if r.code == 0 && strings.Contains(r.stdout, want) {
			return r.stdout
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("agent status has no %q within 5 s: exit %d\n%s%s", want, r.code, r.stdout, r.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The agent locks on logind's PrepareForSleep(true) (system bus) and a
// screensaver's ActiveChanged(true) (session bus): two private buses stand
// for them, the test emits the signals, and a code asked afterwards needs
// a direct unlock.
func TestAgentLocksOnSuspendAndScreenLock(t *testing.T) {
	e, pw := agentEnv(t)
	sysAddr, sessAddr := dbustest.Bus(t), dbustest.Bus(t)
	e.extraEnv = []string{"DBUS_SYSTEM_BUS_ADDRESS=" + sysAddr, "DBUS_SESSION_BUS_ADDRESS=" + sessAddr}
	system, err := dbus.Connect(sysAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer system.Close()
	session, err := dbus.Connect(sessAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	for _, tc := range []struct {
		conn       *dbus.Conn
		path, name string
	}{
		{system, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep"},
		{session, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.ActiveChanged"},
	} {
		e.ok("", "--password-file", pw, "agent", "start", "--idle", "1h")
		e.waitStatus("locks on suspend: yes (system bus")
		out := e.waitStatus("locks on screen lock: yes (session bus)")
		if !strings.Contains(out, "unlocked") {
			t.Fatalf("status before the signal: %q", out)
		}
		e.ok("", "code", "github")
		if err := tc.conn.Emit(dbus.ObjectPath(tc.path), tc.name, true); err != nil {
			t.Fatal(err)
		}
		e.waitStatus("), locked")
		e.fails(exitUnlock, "", "code", "github") // locked: a direct unlock, with no credential
	}
}

// Without the buses the agent serves all the same and says what it does
// not watch.
func TestAgentLockTriggersWithoutBuses(t *testing.T) {
	e, pw := agentEnv(t)
	none := "unix:path=" + filepath.Join(e.dir, "no-bus")
	e.extraEnv = []string{"DBUS_SYSTEM_BUS_ADDRESS=" + none, "DBUS_SESSION_BUS_ADDRESS=" + none}
	e.ok("", "--password-file", pw, "agent", "start")
	e.waitStatus("locks on suspend: no (no system bus")
	e.waitStatus("locks on screen lock: no (no session bus")
	e.ok("", "code", "github")
}

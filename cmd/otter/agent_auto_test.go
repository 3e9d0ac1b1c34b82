//go:build linux || darwin

package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/agent"
)

// noAgentRuns checks that no agent answers.
func (e *env) noAgentRuns(why string) {
	e.t.Helper()
	time.Sleep(300 * time.Millisecond) // an agent started would be listening by now
	if r := e.run("", "agent", "status"); r.code == 0 {
		e.t.Errorf("%s: an agent runs: %s", why, r.stdout)
	}
}

// With auto start on, a direct unlock from a password file starts an agent
// that reads the same file; a locked agent is replaced; --no-agent and
// auto off start none; the default (interactive) starts none for a script.
func TestAgentAutoStart(t *testing.T) {
	e, pw := agentEnv(t)
	if got := e.ok("", "agent", "auto"); got != "interactive\n" {
		t.Errorf("agent auto by default: %q", got)
	}
	r := e.run("", "--password-file", pw, "code", "github")
	if r.code != 0 || strings.Contains(r.stderr, autoStarted) {
		t.Fatalf("default, not a terminal: exit %d, %q", r.code, r.stderr)
	}
	e.noAgentRuns("a script's unlock with the default setting")

	e.ok("", "agent", "auto", "on")
	if r := e.run("", "--no-agent", "--password-file", pw, "code", "github"); strings.Contains(r.stderr, autoStarted) {
		t.Errorf("--no-agent started an agent: %q", r.stderr)
	}
	e.noAgentRuns("--no-agent")

	r = e.run("", "--password-file", pw, "code", "bank")
	if r.code != 0 || r.stdout != "755224\n" || !strings.Contains(r.stderr, autoStarted) {
		t.Fatalf("auto on: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	e.waitStatus("unlocked: " + e.vault)
	if got := e.ok("", "code", "bank"); got != "287082\n" {
		t.Errorf("HOTP from the started agent: %q, want 287082 (counter 1)", got)
	}
	// The agent holds the unlock the command made: no credential now.
	e.ok("", "code", "github")
	// A second direct unlock leaves the running agent alone.
	pid := e.agentPID()
	if r := e.run("", "--no-agent", "--password-file", pw, "list"); strings.Contains(r.stderr, autoStarted) {
		t.Errorf("a second agent was started: %q", r.stderr)
	}
	r = e.run("", "--password-file", pw, "list")
	if strings.Contains(r.stderr, autoStarted) || e.agentPID() != pid {
		t.Errorf("an unlocked agent was replaced: %q", r.stderr)
	}

	// A locked agent is replaced by the next direct unlock.
	e.ok("", "lock")
	r = e.run("", "--password-file", pw, "code", "bank")
	if r.stdout != "359152\n" || !strings.Contains(r.stderr, autoStarted) {
		t.Errorf("direct unlock with a locked agent: %q, %q", r.stdout, r.stderr)
	}
	e.waitStatus("unlocked: " + e.vault)
	if e.agentPID() == pid {
		t.Error("the locked agent is still the one running")
	}

	e.ok("", "agent", "stop")
	e.ok("", "agent", "auto", "off")
	if got := e.ok("", "agent", "auto"); got != "off\n" {
		t.Errorf("agent auto after off: %q", got)
	}
	if r := e.run("", "--password-file", pw, "code", "github"); strings.Contains(r.stderr, autoStarted) {
		t.Errorf("auto off started an agent: %q", r.stderr)
	}
	e.noAgentRuns("auto off")
	e.fails(exitUsage, "", "agent", "auto", "maybe")
}

// The default: a password typed at a terminal starts an agent, which gets
// the password through an inherited pipe (never argv or the environment:
// the agent's /proc cmdline and environ are checked).
func TestAgentAutoStartTyped(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	e, _ := agentEnv(t)
	tt := e.tmuxOtter(t, "", "code", "github")
	tt.waitFor("Vault password:")
	tt.typeText(strongPassword)
	tt.keys("Enter")
	tt.waitFor(autoStarted, exitMark)
	e.waitStatus("unlocked: " + e.vault)
	e.ok("", "code", "github")
	e.checkAgentProc(strongPassword)
}

// tmuxOtter runs otter with args at a terminal (a private tmux server),
// in e's folders, with no credential files and no session bus.
func (e *env) tmuxOtter(t *testing.T, noAgent string, args ...string) *tmuxTerm {
	env := append(os.Environ(), "OTTER_VAULT="+e.vault, "XDG_STATE_HOME="+filepath.Join(e.dir, "state"),
		"XDG_RUNTIME_DIR="+e.runtimeDir(), "OTTER_NO_AGENT="+noAgent, "OTTER_PASSWORD_FILE=", "DISPLAY=", "WAYLAND_DISPLAY=",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(e.dir, "no-bus"), "TERM=xterm-256color", "NO_COLOR=1")
	tt := &tmuxTerm{t: t, socket: fmt.Sprintf("otter-auto-%d-%d", os.Getpid(), time.Now().UnixNano()), env: env}
	shell := fmt.Sprintf("'%s' --test-weak-kdf %s; echo '%s'; sleep 600", otterBin, strings.Join(args, " "), exitMark)
	tt.tmux("new-session", "-d", "-s", "otter", "-x", "100", "-y", "24", shell)
	t.Cleanup(func() { exec.Command("tmux", "-L", tt.socket, "kill-server").Run() })
	tt.tmux("set-option", "-s", "escape-time", "0")
	return tt
}

// checkAgentProc checks that the running agent got the typed secret
// through its pipe: not in its /proc cmdline or environ.
func (e *env) checkAgentProc(secret string) {
	e.t.Helper()
	pid := fmt.Sprint(e.agentPID())
	for _, f := range []string{"cmdline", "environ"} {
		b, err := os.ReadFile("/proc/" + pid + "/" + f)
		if errors.Is(err, os.ErrNotExist) {
			continue // not Linux
		}
		if errors.Is(err, os.ErrPermission) {
			// The agent is undumpable: its environ is root's to read.
			e.t.Logf("cannot read the agent's %s as uid %d: that half of the check did not run", f, os.Getuid())
			continue
		}
		if err != nil {
			e.t.Fatal(err)
		}
		if strings.Contains(string(b), secret) {
			e.t.Errorf("the typed secret is in the agent's %s", f)
		}
		if f == "cmdline" && !strings.Contains(string(b), "--secret-fd") {
			e.t.Errorf("the agent's cmdline %q: want --secret-fd", b)
		}
	}
}

// The TUI's unlock starts an agent by the CLI's rules: with a typed
// password (through the pipe), after which otter code in another terminal
// answers from the agent without a credential; never with OTTER_NO_AGENT;
// and the TUI says so on its status bar.
func TestAgentAutoStartTUI(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	e, pw := agentEnv(t)

	tt := e.tmuxOtter(t, "1")
	tt.waitFor("Unlock the vault", "Password")
	tt.typeText(strongPassword)
	tt.keys("Enter")
	tt.waitFor("GitHub")
	tt.notShown(t, "Started an agent")
	e.noAgentRuns("the TUI with OTTER_NO_AGENT")
	tt.keys("C-c")

	tt = e.tmuxOtter(t, "")
	tt.waitFor("Unlock the vault", "Password")
	tt.typeText(strongPassword)
	tt.keys("Enter")
	tt.waitFor("GitHub", "Started an agent")
	e.waitStatus("unlocked: " + e.vault)
	if got, want := e.ok("", "code", "github"), e.directCode(pw, "github"); got != want {
		t.Errorf("otter code through the TUI's agent %q, direct %q", got, want)
	}
	e.checkAgentProc(strongPassword)

	// Locking and unlocking the TUI leaves the unlocked agent as it is.
	pid := e.agentPID()
	tt.keys("C-l")
	tt.waitFor("Unlock the vault")
	tt.typeText(strongPassword)
	tt.keys("Enter")
	tt.waitFor("GitHub")
	tt.notShown(t, "Started an agent")
	if e.agentPID() != pid {
		t.Error("the TUI's second unlock replaced the unlocked agent")
	}
	tt.keys("C-c")
	tt.waitFor(exitMark)
	e.waitStatus("unlocked: " + e.vault) // the agent outlives the TUI
}

// A keyring unlock starts an agent that unlocks itself from the keyring:
// nothing is handed to it at all.
func TestAgentAutoStartKeyring(t *testing.T) {
	e, _, _ := keyringVault(t)
	t.Cleanup(func() { e.run("", "agent", "stop") })
	e.ok("", "agent", "auto", "on")
	r := e.run("", "code", "github")
	if r.code != 0 || !strings.Contains(r.stderr, autoStarted) {
		t.Fatalf("keyring unlock with auto on: exit %d, %q", r.code, r.stderr)
	}
	e.waitStatus("unlocked: " + e.vault)
	pid := fmt.Sprint(e.agentPID())
	if b, err := os.ReadFile("/proc/" + pid + "/cmdline"); err == nil {
		cmdline := strings.ReplaceAll(string(b), "\x00", " ")
		if !strings.Contains(cmdline, "--auto keyring") || strings.Contains(cmdline, "--secret-fd") || strings.Contains(cmdline, "--password-file") {
			t.Errorf("the keyring agent's cmdline: %q", cmdline)
		}
	}
	if got, want := e.ok("", "code", "github"), e.ok("", "--no-agent", "code", "github"); got != want {
		t.Errorf("code through the agent %q, direct %q", got, want)
	}
}

// startFailureWarning begins the line a command prints for an agent that
// was started in the background and could not unlock.
const startFailureWarning = "otter: warning: the agent started in the background at "

// failAutoStart has a command start an agent that then cannot unlock:
// the password file is a FIFO, so the command reads the right password
// and the agent, reading the same file after the command ended, a wrong
// one. It returns once the agent has recorded why.
func (e *env) failAutoStart(wrong string) {
	e.t.Helper()
	fifo := filepath.Join(e.dir, "pw.fifo")
	os.Remove(fifo)
	must(e.t, syscall.Mkfifo(fifo, 0o600))
	fed := make(chan error, 1)
	go func() { fed <- feedFIFO(fifo, strongPassword+"\n") }()
	r := e.run("", "--password-file", fifo, "code", "github")
	if r.code != 0 || !strings.Contains(r.stderr, autoStarted) {
		e.t.Fatalf("the command that starts the agent: exit %d, %q", r.code, r.stderr)
	}
	must(e.t, <-fed)
	must(e.t, feedFIFO(fifo, wrong+"\n")) // the agent's read
	rec := filepath.Join(e.runtimeDir(), "otter", "start-failure")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(rec); err == nil {
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatal("the agent recorded no failure within 5 s")
		}
	}
}

// feedFIFO writes s to the FIFO once a reader has opened it (5 s at most).
func feedFIFO(path, s string) error {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			_, err = f.WriteString(s)
			f.Close()
			return err
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			return fmt.Errorf("no reader opened %s: %w", path, err)
		}
	}
}

// An agent a command started that cannot unlock leaves the reason, and
// nothing secret, in its folder (0600); otter agent status with no agent,
// or the next command that unlocks directly, says it once; an agent that
// comes up removes a stale record; what the record says is escaped.
func TestAgentAutoStartFailureReported(t *testing.T) {
	e, pw := agentEnv(t)
	e.ok("", "agent", "auto", "on")
	const wrong = "Not-The-Password-7"
	rec := filepath.Join(e.runtimeDir(), "otter", "start-failure")
	once := func(r result, why string) {
		t.Helper()
		if n := strings.Count(r.stderr, startFailureWarning); n != 1 ||
			!strings.Contains(r.stderr, "could not unlock the vault: wrong password\n") {
			t.Errorf("%s: the failure said %d times:\n%s", why, n, r.stderr)
		}
	}

	e.failAutoStart(wrong)
	fi, err := os.Lstat(rec)
	must(t, err)
	b := readFile(t, rec)
	if fi.Mode() != 0o600 || strings.Contains(string(b), wrong) || strings.Contains(string(b), strongPassword) {
		t.Errorf("the record (mode %v): %s", fi.Mode(), b)
	}
	r := e.run("", "agent", "status")
	if r.code != exitError || !strings.Contains(r.stderr, "no agent is running") {
		t.Errorf("status: exit %d, %q", r.code, r.stderr)
	}
	once(r, "agent status without an agent")
	if r := e.run("", "agent", "status"); strings.Contains(r.stderr, startFailureWarning) {
		t.Errorf("said twice: %q", r.stderr)
	}

	e.failAutoStart(wrong)
	r = e.run("", "--password-file", pw, "code", "github")
	if r.code != 0 || !strings.Contains(r.stderr, autoStarted) {
		t.Fatalf("the next direct unlock: exit %d, %q", r.code, r.stderr)
	}
	once(r, "the next direct unlock")
	if strings.Contains(r.stderr, wrong) || strings.Contains(r.stdout, wrong) {
		t.Error("the wrong password was printed")
	}
	e.waitStatus("unlocked: " + e.vault)
	if r := e.run("", "agent", "status"); strings.Contains(r.stderr, startFailureWarning) {
		t.Errorf("said again by status: %q", r.stderr)
	}

	// A stale record goes when an agent comes up; an escape sequence in a
	// record is printed inert.
	e.ok("", "agent", "stop")
	dir := filepath.Join(e.runtimeDir(), "otter")
	must(t, agent.RecordStartFailure(dir, agent.StartFailure{At: time.Now(), Step: stepUnlock, Reason: "old"}))
	e.ok("", "--password-file", pw, "agent", "start")
	if _, err := os.Lstat(rec); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a started agent left the stale record: %v", err)
	}
	e.ok("", "agent", "stop")
	must(t, agent.RecordStartFailure(dir, agent.StartFailure{At: time.Now().Add(-48 * time.Hour), Step: "\x1b]0;x\a", Reason: "\x1b[2Jgone"}))
	r = e.run("", "agent", "status")
	if strings.Contains(r.stderr, "\x1b") || !strings.Contains(r.stderr, "could not start: \\x1b[2Jgone") ||
		!strings.Contains(r.stderr, time.Now().Add(-48*time.Hour).Format("2006-01-02 ")) {
		t.Errorf("a hostile record: %q", r.stderr)
	}
}

// signCount is a virtual key's signature counter of non-resident
// credentials, from its state file: every assertion moves it.
func signCount(t *testing.T, state string) uint32 {
	t.Helper()
	var st struct {
		SignCount uint32 `json:"sign_count"`
	}
	must(t, json.Unmarshal(readFile(t, state), &st))
	return st.SignCount
}

// A FIDO2 unlock (slot enrolled with the key's PIN) starts an agent that
// opens the same slot with the key's answer handed over its pipe, without
// a touch: the key counts as many assertions for the command and its agent
// as for one direct unlock; with no key plugged in and no credential, otter
// code is answered by the agent; the answer is not in the agent's /proc
// cmdline or environ, raw, hex or base64.
func TestAgentAutoStartFIDO2(t *testing.T) {
	if useFake() {
		t.Skip("the agent is the real binary: it reaches virtual keys only through libfido2")
	}
	e, pw, pin, states := fido2Vault(t, true)
	t.Cleanup(func() { e.run("", "agent", "stop") })
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	e.ok("", "agent", "auto", "on")

	before := signCount(t, states[0])
	r := e.run("", "--pin-file", pin, "code", "github")
	if r.code != 0 || !strings.Contains(r.stderr, autoStarted) {
		t.Fatalf("a FIDO2 unlock with auto on: exit %d, %q", r.code, r.stderr)
	}
	e.checkFIDO2Agent(pw, pin, states[0], before, "the command")
}

// The TUI's security-key unlock starts an agent too, with the key's answer
// handed over: the agent answers with the key unplugged, after one touch.
func TestAgentAutoStartTUIFIDO2(t *testing.T) {
	if useFake() {
		t.Skip("the TUI is the real binary: it reaches virtual keys only through libfido2")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	e, pw, _, states := fido2Vault(t, false)
	t.Cleanup(func() { e.run("", "agent", "stop") })
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))

	before := signCount(t, states[0])
	cmd := e.command("", otterBin, []string{"--test-weak-kdf"})
	tt := tmuxRun(t, append(cmd.Env, "TERM=xterm-256color", "NO_COLOR="), otterBin, "--test-weak-kdf")
	tt.waitFor("Unlock with your security key")
	tt.keys("Enter")
	tt.waitFor("Codes (1)", "Started an agent")
	e.checkFIDO2Agent(pw, "", states[0], before, "the TUI's unlock")
}

// checkFIDO2Agent checks the agent a FIDO2 unlock by who started (the key
// of state, its sign count before the unlock): it unlocked, the key
// counted no more assertions than one direct unlock, it answers otter code
// with the key unplugged, and the key's answer is in neither its argv nor
// its environment.
func (e *env) checkFIDO2Agent(pw, pin, state string, before uint32, who string) {
	t := e.t
	t.Helper()
	e.waitStatus("unlocked: " + e.vault)
	byWho := signCount(t, state) - before
	mid := signCount(t, state)
	args := []string{"--no-agent", "list"}
	if pin != "" {
		args = append([]string{"--pin-file", pin}, args...)
	}
	e.ok("", args...)
	if direct := signCount(t, state) - mid; direct == 0 || byWho != direct {
		t.Errorf("the key counted %d assertions for %s and its agent, %d for one direct unlock", byWho, who, direct)
	}

	plugKeys(t)
	e.fails(exitUnlock, "", "--no-agent", "code", "github")
	if got, want := e.ok("", "code", "github"), e.directCode(pw, "github"); got != want {
		t.Errorf("otter code with no key, through the agent %s started: %q; direct %q", who, got, want)
	}
	slot, secret := hmacOutput(t, e, state, pin)
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", e.agentPID())); err == nil {
		if cmdline := strings.ReplaceAll(string(b), "\x00", " "); !strings.Contains(cmdline, "--auto fido2 --slot "+slot) {
			t.Errorf("the agent's cmdline %q: want --auto fido2 --slot %s", cmdline, slot)
		}
	}
	for _, enc := range []string{string(secret), hex.EncodeToString(secret), base64.StdEncoding.EncodeToString(secret),
		base64.RawURLEncoding.EncodeToString(secret)} {
		e.checkAgentProc(enc)
	}
}

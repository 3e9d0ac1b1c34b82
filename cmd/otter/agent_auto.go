package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/tui"
)

// Auto-start modes (otter agent auto): when a command unlocks the vault
// directly and no unlocked agent runs, it starts one in the background.
const (
	autoInteractive = "interactive" // the default: when a person unlocked at a terminal
	autoOn          = "on"          // after any direct unlock (scripts too)
	autoOff         = "off"         // never
)

// autoFile holds the mode in the per-device state folder.
const autoFile = "agent-auto"

// How the command unlocked, for the agent it starts (app.unlockedBy).
const (
	byKeyring  = "keyring"  // the agent unlocks itself from the keyring
	byFiles    = "files"    // the agent reads the same credential files
	byPassword = "password" // typed: handed to the agent through a pipe
	byRecovery = "recovery" // typed: handed to the agent through a pipe
	byFIDO2    = "fido2"    // the key's hmac-secret output for one slot: through a pipe
)

func (a *app) agentAutoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "auto [interactive|on|off]",
		Short: "Say or set when a command that unlocks starts an agent (default: interactive)",
		Long: `A command that unlocks the vault directly starts an agent in the
background holding that unlock, unless an unlocked agent runs already;
so does the TUI's unlock (it is always at a terminal):

  interactive  only when you unlocked at a terminal (the default)
  on           after any direct unlock, scripts and password files too
  off          never; start one with otter agent start

The agent unlocks itself from the keyring when the keyring unlocked the
command, reads the same --password-file (or recovery key or identity file)
the command was given, or gets the password you typed through a pipe: never
through arguments, the environment or a file. After a FIDO2 unlock the
command hands it, through the same pipe, the answer the key gave for the
slot it opened, so the agent opens that slot without another touch or
PIN; the TUI's security-key unlock does the same. --no-agent
(OTTER_NO_AGENT) also keeps a command from starting one. The setting is
per device.

An agent started this way that cannot unlock (the keyring entry gone,
the vault changed meanwhile) leaves the reason behind: the next command
that unlocks, or otter agent status, says it once.`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{autoInteractive, autoOn, autoOff},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprintln(a.stdout, a.autoMode())
				return nil
			}
			switch args[0] {
			case autoInteractive, autoOn, autoOff:
			default:
				return usageErr("otter agent auto %q: want interactive, on or off", args[0])
			}
			if err := os.MkdirAll(a.state, 0o700); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(a.state, autoFile), []byte(args[0]+"\n"), 0o600)
		},
	}
}

// autoMode is the device's setting; interactive when unset or unreadable.
func (a *app) autoMode() string {
	b, err := os.ReadFile(filepath.Join(a.state, autoFile))
	if err != nil {
		return autoInteractive
	}
	switch m := strings.TrimSpace(string(b)); m {
	case autoOn, autoOff:
		return m
	}
	return autoInteractive
}

// wantAutoStart reports whether this command, once it has unlocked
// directly, should start an agent.
func (a *app) wantAutoStart() bool {
	if a.noAgent || a.inAgent {
		return false
	}
	if _, err := paths.Runtime(); err != nil {
		return false
	}
	switch a.autoMode() {
	case autoOff:
		return false
	case autoOn:
		return true
	}
	return a.interactive()
}

// keepForAgent keeps a copy of the secret the agent this command will
// start needs to unlock as it did — a typed password or recovery key, or
// the key's hmac-secret output for the fido2 slot named slot — zeroed once
// handed over, or by close.
func (a *app) keepForAgent(by, slot string, secret []byte) {
	if a.autoStart {
		wipe(a.autoSecret)
		a.autoSecret = bytes.Clone(secret)
		a.unlockedBy, a.unlockedSlot = by, slot
	}
}

// keepTUIKey is the TUI's fido2 credentials' handOver: it keeps the
// hmac-secret output of the slot the TUI's unlock opened (the last one
// derived) until afterTUIUnlock takes it, or close wipes it. The TUI's
// unlock runs in a command goroutine, hence the lock.
func (a *app) keepTUIKey(slot string, secret []byte) {
	a.tuiKeyMu.Lock()
	defer a.tuiKeyMu.Unlock()
	wipe(a.tuiKey)
	a.tuiKey, a.tuiKeySlot = bytes.Clone(secret), slot
}

// takeTUIKey returns what keepTUIKey kept, and forgets it: the caller
// wipes it.
func (a *app) takeTUIKey() (slot string, secret []byte) {
	a.tuiKeyMu.Lock()
	defer a.tuiKeyMu.Unlock()
	slot, secret = a.tuiKeySlot, a.tuiKey
	a.tuiKey, a.tuiKeySlot = nil, ""
	return slot, secret
}

// autoStartAgent starts an agent after this command's direct unlock when
// the setting allows it (startAgent), and says so on stderr.
func (a *app) autoStartAgent() {
	secret := a.autoSecret
	a.autoSecret = nil
	defer wipe(secret)
	if !a.autoStart || a.unlockedBy == "" {
		return
	}
	if a.startAgent(a.unlockedBy, a.unlockedSlot, secret) {
		fmt.Fprintf(a.stderr, "otter: %s: codes come from it until otter lock or %s idle (otter agent auto off: never)\n", autoStarted, agent.DefaultIdle)
	}
}

// autoStarted is what a command says when it started an agent.
const autoStarted = "started an agent in the background"

// afterTUIUnlock is the TUI's Config.AfterUnlock: its unlock starts an
// agent by the same rules and the same startAgent as a command's (the TUI
// is always at a terminal), and says so on the status bar. The TUI owns
// and wipes secret.
func (a *app) afterTUIUnlock(how tui.UnlockMethod, secret []byte) string {
	by := map[tui.UnlockMethod]string{tui.UnlockKeyring: byKeyring, tui.UnlockPassword: byPassword,
		tui.UnlockRecovery: byRecovery, tui.UnlockFIDO2: byFIDO2}[how]
	slot, key := a.takeTUIKey()
	defer wipe(key)
	if by == "" || !a.wantAutoStart() {
		return ""
	}
	switch by {
	case byKeyring:
		secret = nil
	case byFIDO2:
		if key == nil {
			return ""
		}
		secret = key
	}
	if !a.startAgent(by, slot, secret) {
		return ""
	}
	return fmt.Sprintf("Started an agent: otter code elsewhere needs no unlock until otter lock or %s idle.", agent.DefaultIdle)
}

// startAgent starts an agent in the background that unlocks the way this
// process did (by; secret is the typed password or recovery key, or the
// hmac-secret output of the fido2 slot named slot, handed over an
// inherited pipe, or nil), unless an unlocked agent runs: a locked one is
// replaced (the user just unlocked), an unlocked one of another vault is
// left alone. It does not wait for the agent: the agent unlocks on its
// own time and the caller goes on. Every failure here is silent: the
// caller has its vault, and the next command unlocks directly again; an
// agent that starts and then fails leaves its reason for the next command
// to say (reportStartFailure). The caller keeps and wipes secret. It
// reports whether it started one.
func (a *app) startAgent(by, slot string, secret []byte) bool {
	c, err := a.agentClient()
	if err != nil {
		return false
	}
	if st, err := c.Status(); err == nil {
		// A socket-activated agent is systemd's: replacing it would take
		// systemd's socket away (it exits when it locks, so a locked one
		// could not unlock and retries on its own).
		if !st.Locked || st.Activated || c.Stop() != nil {
			return false
		}
	} else if !errors.Is(err, agent.ErrNotRunning) {
		return false
	}
	self, err := os.Executable()
	if err != nil {
		return false
	}
	vaultPath, _ := filepath.Abs(a.path())
	args := append(a.agentArgs(vaultPath, agent.DefaultIdle), "--auto", by)
	if slot != "" {
		args = append(args, "--slot", slot) // an id, no secret: otter slot list shows it
	}
	ready, readyW, err := os.Pipe()
	if err != nil {
		return false
	}
	defer ready.Close()
	files := []*os.File{readyW}
	var secretW *os.File
	if secret != nil {
		var secretR *os.File
		if secretR, secretW, err = os.Pipe(); err != nil {
			readyW.Close()
			return false
		}
		defer secretR.Close()
		files = append(files, secretR)
		args = append(args, "--secret-fd", "4")
	}
	cmd := exec.Command(self, args...) // streams: /dev/null
	cmd.ExtraFiles = files
	err = cmd.Start()
	readyW.Close()
	if secretW != nil {
		if err == nil && asksForSecret(ready) {
			secretW.Write(secret)
		}
		secretW.Close()
	}
	if err != nil {
		return false
	}
	cmd.Process.Release()
	return true
}

// secretAsk is the line an agent started with --secret-fd writes on its
// ready pipe once it is undumpable and about to read the secret.
const secretAsk = "send"

// handOverWait bounds how long a command waits for that line.
const handOverWait = 2 * time.Second

// asksForSecret waits until the agent just started asks for its secret
// (secretAsk on its ready pipe). harden.Process runs first in its main, so
// by then no other process of the user can open the secret pipe through
// /proc/PID/fd (a process is dumpable, and its fds open to the same uid,
// from execve until then). Anything else, or nothing within handOverWait,
// and the secret is not sent: the agent's unlock fails and says so.
func asksForSecret(ready *os.File) bool {
	if err := ready.SetReadDeadline(time.Now().Add(handOverWait)); err != nil {
		return false
	}
	line, err := bufio.NewReader(ready).ReadString('\n')
	return err == nil && line == secretAsk+"\n"
}

// readSecretFD reads the secret the starting command hands the agent
// through an inherited pipe (at most 4 KiB, read into one buffer: no
// copies left behind by a growing one), and closes it.
func readSecretFD(fd int) ([]byte, error) {
	f := os.NewFile(uintptr(fd), "secret")
	if f == nil {
		return nil, fmt.Errorf("no file descriptor %d", fd)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n := 0
	for n < len(buf) {
		m, err := f.Read(buf[n:])
		n += m
		if errors.Is(err, io.EOF) {
			return buf[:n], nil
		}
		if err != nil {
			wipe(buf)
			return nil, err
		}
	}
	wipe(buf)
	return nil, errors.New("the secret handed to the agent is too long")
}

// What an agent started by a command failed to do (agent.StartFailure).
const (
	stepUnlock = "unlock"
	stepListen = "listen"
)

// recordStartFailure keeps, in the agent's folder, why this agent — one a
// command started (--auto), whose streams are the null device, or one
// systemd started on its socket — could not unlock or listen, for the
// next command to say. The reason is in
// describe's words, as a direct unlock prints them: no secret, and no
// account, since the vault never opened. An agent started otherwise says
// why on its own stderr.
func (a *app) recordStartFailure(dir string, started time.Time, step string, err error) {
	if a.autoBy == "" && !a.activated {
		return
	}
	_, msg, _ := describe(err)
	agent.RecordStartFailure(dir, agent.StartFailure{At: started, Step: step, Reason: msg})
}

// reportStartFailure says once on stderr why the agent a command last
// started in the background did not come up, and forgets it: the next
// command that unlocks directly or otter agent status tells, so that a
// person asked again for a password learns why.
func (a *app) reportStartFailure() {
	dir, err := paths.Runtime()
	if err != nil {
		return
	}
	f, _ := agent.TakeStartFailure(dir)
	if f == nil {
		return
	}
	what := map[string]string{stepUnlock: "unlock the vault", stepListen: "listen on its socket"}[f.Step]
	if what == "" {
		what = "start"
	}
	a.warn("the agent started in the background at %s could not %s: %s", clock(f.At, a.now()), what, f.Reason)
}

// clock is t as the hour and minute, with the date unless t is today.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); !(y == now.Year() && m == now.Month() && d == now.Day()) {
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("15:04")
}

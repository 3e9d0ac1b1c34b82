//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runNoTerminal runs otter in a session of its own: no /dev/tty, so no
// OSC 52, and no X11 or Wayland either.
func (e *env) runNoTerminal(args ...string) result {
	e.t.Helper()
	cmd := exec.Command(otterBin, append([]string{"--test-weak-kdf"}, args...)...)
	cmd.Env = append(os.Environ(), "OTTER_VAULT="+e.vault, "XDG_STATE_HOME="+filepath.Join(e.dir, "state"),
		"OTTER_PASSWORD_FILE=", "DISPLAY=", "WAYLAND_DISPLAY=", "SSH_CONNECTION=", "SSH_TTY=",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(e.dir, "no-bus"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return runCmd(e.t, cmd, args)
}

func TestCopyWithoutClipboardPrintsTheCodeAndWarns(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", "JBSWY3DPEHPK3PXP")
	r := e.runNoTerminal("--password-file", pw, "code", "GitHub", "--copy")
	if r.code != 0 || len(strings.TrimSpace(r.stdout)) != 6 {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "otter: warning: cannot copy: no clipboard available: the code is printed only") {
		t.Fatalf("no warning: %q", r.stderr)
	}
}

// TestCopyOverOSC52IsClearedAfterOtterExits runs `otter code --copy` in a
// tmux window whose shell goes on: otter exits at once, and what it leaves
// behind must take the code off tmux's clipboard (set-clipboard on).
func TestCopyOverOSC52IsClearedAfterOtterExits(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", "JBSWY3DPEHPK3PXP")
	socket := fmt.Sprintf("otter-copy-%d", os.Getpid())
	tmux := func(args ...string) string {
		out, _ := exec.Command("tmux", append([]string{"-L", socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
		return string(out)
	}
	tmux("new-session", "-d", "-x", "80", "-y", "24", "sleep 60")
	t.Cleanup(func() { tmux("kill-server") })
	tmux("set-option", "-g", "set-clipboard", "on")
	log := filepath.Join(e.dir, "out")
	shell := fmt.Sprintf("env OTTER_VAULT=%s XDG_STATE_HOME=%s DISPLAY= WAYLAND_DISPLAY= DBUS_SESSION_BUS_ADDRESS=unix:path=%s %s --test-weak-kdf --test-clipboard-clear 2s --password-file %s code GitHub --copy >%s 2>&1; sleep 60",
		e.vault, filepath.Join(e.dir, "state"), filepath.Join(e.dir, "no-bus"), otterBin, pw, log)
	tmux("new-window", "-d", shell)
	var code string
	deadline := time.Now().Add(10 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, _ := os.ReadFile(log)
		if f := strings.Fields(string(out)); len(f) > 0 && strings.Contains(string(out), "clears in") {
			code = f[len(f)-1]
			if held := tmux("show-buffer"); held == code {
				break
			}
		}
	}
	if held := tmux("show-buffer"); code == "" || held != code {
		out, _ := os.ReadFile(log)
		t.Fatalf("tmux holds %q after the copy; otter said %q", held, out)
	}
	for deadline = time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if tmux("show-buffer") != code {
			return
		}
	}
	t.Fatalf("tmux still holds the code 10 s after it was due to be cleared")
}

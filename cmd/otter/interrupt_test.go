package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCtrlCAtAPromptExits130 types ctrl+c at otter's prompts in a real
// terminal (tmux): a password prompt (init) and a confirmation (rm). Each
// must exit 130 with a short message, write nothing and leave the
// terminal echoing.
func TestCtrlCAtAPromptExits130(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	before := readFile(t, e.vault)
	fresh := filepath.Join(e.dir, "fresh", "vault.otter")

	for _, tc := range []struct {
		name, args, prompt string
	}{
		{"password prompt", "--vault " + fresh + " init --no-keyring", "New vault password:"},
		{"confirmation", "--password-file " + pw + " rm GitHub", "[y/N]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tt := startPromptTerm(t, e, tc.args)
			tt.waitFor(tc.prompt)
			tt.keys("C-c")
			screen := tt.waitFor("[exit ", "[echo ")
			if !strings.Contains(screen, "otter: error: cancelled\n") || !strings.Contains(screen, "[exit 130]") {
				t.Errorf("want exit 130 and otter: error: cancelled:\n%s", screen)
			}
			if !strings.Contains(screen, "[echo on]") {
				t.Errorf("the terminal no longer echoes:\n%s", screen)
			}
		})
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Error("the cancelled init created a vault")
	}
	if !bytesEqual(before, readFile(t, e.vault)) {
		t.Error("the cancelled rm changed the vault")
	}
}

// startPromptTerm runs otter with args in a tmux pane and, after it
// exits, prints its exit code and whether the terminal echoes.
func startPromptTerm(t *testing.T, e *env, args string) *tmuxTerm {
	env := append(os.Environ(), "OTTER_VAULT="+e.vault, "XDG_STATE_HOME="+filepath.Join(e.dir, "state"),
		"OTTER_PASSWORD_FILE=", "OTTER_PIN_FILE=", "DISPLAY=", "WAYLAND_DISPLAY=", "TERM=xterm-256color",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(e.dir, "no-bus"))
	tt := &tmuxTerm{t: t, socket: fmt.Sprintf("otter-int-%d-%d", os.Getpid(), time.Now().UnixNano()), env: env}
	shell := fmt.Sprintf(`'%s' --test-weak-kdf %s; echo "[exit $?]"; `+
		`if stty -a | tr ' ;' '\n\n' | grep -qx echo; then echo '[echo on]'; else echo '[echo off]'; fi; sleep 600`, otterBin, args)
	tt.tmux("new-session", "-d", "-s", "otter", "-x", "120", "-y", "24", shell)
	t.Cleanup(func() { exec.Command("tmux", "-L", tt.socket, "kill-server").Run() })
	return tt
}

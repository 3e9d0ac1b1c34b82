package main

// An end-to-end run of the TUI: the real binary (OTTER_TEST_BINARY, which
// `make test` sets to the freshly built bin/otter) in a detached tmux
// session, driven like a person types and read back from the screen.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/otp"
)

const (
	e2eSecret   = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	e2eURI      = "otpauth://totp/GitHub:alice@example.com?secret=" + e2eSecret + "&issuer=GitHub"
	e2ePassword = "Tmux-E2e-Passw0rd"
	e2eWait     = 10 * time.Second
	exitMark    = "[otter exited]"
)

// tmuxTerm is one private tmux server with one session running otter.
type tmuxTerm struct {
	t      *testing.T
	socket string
	env    []string
	screen string // the last capture
}

func (tt *tmuxTerm) tmux(args ...string) string {
	tt.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", tt.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = tt.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		tt.t.Fatalf("tmux %v: %v\n%s\nlast screen:\n%s", args, err, out, tt.screen)
	}
	return string(out)
}

// keys sends tmux key names (Enter, Escape, C-l …).
func (tt *tmuxTerm) keys(keys ...string) {
	tt.t.Helper()
	tt.tmux(append([]string{"send-keys", "-t", "otter"}, keys...)...)
	time.Sleep(50 * time.Millisecond) // a person does not type faster
}

// typeText types text literally.
func (tt *tmuxTerm) typeText(text string) {
	tt.t.Helper()
	tt.tmux("send-keys", "-t", "otter", "-l", text)
	time.Sleep(50 * time.Millisecond)
}

// waitFor polls the screen until every text shows, for at most e2eWait.
func (tt *tmuxTerm) waitFor(texts ...string) string {
	tt.t.Helper()
	deadline := time.Now().Add(e2eWait)
	for {
		tt.screen = tt.tmux("capture-pane", "-p", "-t", "otter")
		missing := ""
		for _, text := range texts {
			if !strings.Contains(tt.screen, text) {
				missing = text
				break
			}
		}
		if missing == "" {
			return tt.screen
		}
		if strings.Contains(tt.screen, exitMark) {
			tt.t.Fatalf("otter exited; the screen lacks %q:\n%s", missing, tt.screen)
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("after %s the screen still lacks %q:\n%s", e2eWait, missing, tt.screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func startTmux(t *testing.T, bin string) (*tmuxTerm, []string) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	for _, d := range []string{"data", "config", "state", "cache", "run"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "HOME="+home, "OTTER_VAULT="+filepath.Join(dir, "vault.otter"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"),
		"TERM=xterm-256color", "DISPLAY=", "WAYLAND_DISPLAY=", "OTTER_PASSWORD_FILE=", "NO_COLOR=")
	tt := tmuxRun(t, env, bin)
	// The TUI's unlock starts an agent (otter agent auto): in this test's
	// own runtime folder, stopped when the test ends.
	t.Cleanup(func() {
		stop := exec.Command(bin, "agent", "stop")
		stop.Env = env
		stop.Run()
	})
	return tt, env
}

// tmuxRun starts argv (otter and its arguments) in a new 80×24 tmux
// session with env, killed when the test ends.
func tmuxRun(t *testing.T, env []string, argv ...string) *tmuxTerm {
	tt := &tmuxTerm{t: t, socket: fmt.Sprintf("otter-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), env: env}
	// The shell keeps the pane open after otter exits, so that its last
	// words stay readable.
	var quoted []string
	for _, a := range argv {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	shell := fmt.Sprintf("%s; echo '%s'; sleep 600", strings.Join(quoted, " "), exitMark)
	tt.tmux("new-session", "-d", "-s", "otter", "-x", "80", "-y", "24", shell)
	t.Cleanup(func() { exec.Command("tmux", "-L", tt.socket, "kill-server").Run() })
	tt.tmux("set-option", "-s", "escape-time", "0")
	return tt
}

// TestTMuxE2E walks a new user's first session: onboarding, typing back
// the recovery key, adding an account, copying its code, using a recovery
// code, locking and unlocking.
func TestTMuxE2E(t *testing.T) {
	bin := os.Getenv("OTTER_TEST_BINARY")
	if bin == "" {
		t.Skip("OTTER_TEST_BINARY is not set; `make test` sets it to the freshly built bin/otter")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	tt, env := startTmux(t, bin)

	// Onboarding: the keyring when the private gnome-keyring answers,
	// else a password.
	screen := tt.waitFor("Welcome! There is no vault yet.")
	usePassword := strings.Contains(screen, "none answered")
	tt.keys("Enter")
	if usePassword {
		tt.waitFor("Choose the vault password")
		tt.typeText(e2ePassword)
		tt.keys("Enter")
		tt.typeText(e2ePassword)
		tt.keys("Enter")
	}
	screen = tt.waitFor("Your recovery key", "No support team will ever ask you for it.")
	key := regexp.MustCompile(`[0-9A-Z]{4}(-[0-9A-Z]{4}){7}`).FindString(screen)
	if key == "" {
		t.Fatalf("no recovery key on screen:\n%s", screen)
	}
	tt.keys("Enter")
	tt.waitFor("Type the last group")
	tt.typeText(strings.ToLower(key[len(key)-4:]))
	tt.keys("Enter")
	tt.waitFor("Codes (0)", "No accounts yet.")

	// Add an account from its URI and check its code independently.
	tt.keys("a")
	tt.waitFor("Add account")
	tt.typeText(e2eURI)
	tt.waitFor("Preview")
	tt.keys("Enter")
	screen = tt.waitFor("Codes (1)", "GitHub")
	checkCode(t, screen)

	tt.keys("Enter")
	tt.waitFor("copied — clears in")

	// Recovery codes: add a block after its preview, use the next one.
	tt.keys("r")
	tt.waitFor("Paste the codes")
	tt.typeText("1. aaaa-1111 2. bbbb-2222 3. cccc-3333")
	tt.keys("Enter")
	tt.waitFor("3 recovery codes read from what you pasted:", "first aaaa-1111", "last  cccc-3333")
	tt.keys("Enter")
	tt.waitFor("3 of 3 left")
	tt.keys("u")
	tt.waitFor("aaaa-1111", "2 of 3 left", "No support team will ever ask you for these.")
	tt.keys("Escape")
	tt.waitFor("Codes (1)")

	// Lock, then unlock.
	tt.keys("C-l")
	tt.waitFor("Unlock the vault", "Locked.")
	tt.notShown(t, "GitHub")
	if usePassword {
		tt.typeText(e2ePassword)
	}
	tt.keys("Enter")
	screen = tt.waitFor("Codes (1)", "GitHub")
	checkCode(t, screen)
	tt.keys("C-c")

	checkVault(t, bin, env, usePassword)
}

func (tt *tmuxTerm) notShown(t *testing.T, text string) {
	t.Helper()
	if s := tt.tmux("capture-pane", "-p", "-t", "otter"); strings.Contains(s, text) {
		t.Fatalf("the screen still shows %q:\n%s", text, s)
	}
}

// checkCode finds the GitHub row's code and compares it with one computed
// here, allowing the steps either side of now.
func checkCode(t *testing.T, screen string) {
	t.Helper()
	codeRE := regexp.MustCompile(`\b\d{3} \d{3}\b`)
	code := ""
	for _, l := range strings.Split(screen, "\n") {
		if c := codeRE.FindString(l); c != "" && strings.Contains(l, "GitHub") && code == "" {
			code = strings.ReplaceAll(c, " ", "")
		}
	}
	secret, err := otp.DecodeSecret(e2eSecret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, d := range []time.Duration{0, -30 * time.Second, 30 * time.Second} {
		if code != "" && code == otp.TOTP(secret, now.Add(d), 30, 6, otp.SHA1) {
			return
		}
	}
	t.Fatalf("the GitHub row shows %q, not the current TOTP code:\n%s", code, screen)
}

// checkVault asks the CLI what the vault holds now.
func checkVault(t *testing.T, bin string, env []string, usePassword bool) {
	t.Helper()
	cmd := exec.Command(bin, "recovery", "list", "github", "--json")
	cmd.Env = env
	if usePassword {
		f := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(f, []byte(e2ePassword), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "OTTER_PASSWORD_FILE="+f)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("otter recovery list: %v\n%s", err, out)
	}
	var codes []struct {
		Code   string `json:"code"`
		UsedAt string `json:"used_at"`
	}
	if err := json.Unmarshal(out, &codes); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(codes) != 3 || codes[0].Code != "aaaa-1111" || codes[0].UsedAt == "" || codes[1].UsedAt != "" {
		t.Fatalf("the vault holds %+v", codes)
	}
}

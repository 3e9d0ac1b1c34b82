package main

// End-to-end tests of the CLI contract (commands, output, exit codes): each
// runs the real binary, built once with -tags otter_testkdf so that password
// slots can use a tiny Argon2id cost, against a vault in a temporary
// directory and the private gnome-keyring that `make test` starts.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otterauth/otter/fido/fidofake"
	"github.com/otterauth/otter/vault"
)

var otterBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "otter-cli-test")
	if err != nil {
		panic(err)
	}
	otterBin = filepath.Join(dir, "otter")
	// No test talks to an agent of the person running the tests: in-process
	// runs get this folder, each env its own (env.run).
	os.Setenv("XDG_RUNTIME_DIR", filepath.Join(dir, "run"))
	build := exec.Command("go", "build", "-tags", "otter_testkdf", "-o", otterBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building otter for the CLI tests failed:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one user's world: a vault path, a state dir, and whether the
// keyring is reachable.
type env struct {
	t         *testing.T
	dir       string
	vault     string
	noKeyring bool
	extra     []string          // more environment for the child (NAME=value)
	fake      *fidofake.Backend // set: otter runs in-process with these keys
	fakeKeys  []*fidofake.Key
	extraEnv  []string // appended to the child's environment (last wins)
	wrap      []string // a command otter runs under (setpriv …), or none
}

func newEnv(t *testing.T) *env {
	dir := t.TempDir()
	return &env{t: t, dir: dir, vault: filepath.Join(dir, "data", "vault.otter")}
}

// withoutKeyring points the child at a D-Bus address where nothing answers.
func (e *env) withoutKeyring() *env { e.noKeyring = true; return e }

// runtimeDir is the env's XDG_RUNTIME_DIR: its agent lives in otter/ there.
func (e *env) runtimeDir() string { return filepath.Join(e.dir, "run") }

type result struct {
	stdout, stderr string
	code           int
}

func (e *env) run(stdin string, args ...string) result {
	e.t.Helper()
	if e.fake != nil {
		return e.runInProcess(stdin, args)
	}
	cmd := e.command(stdin, otterBin, append([]string{"--test-weak-kdf"}, args...))
	return runCmd(e.t, cmd, args)
}

// command is bin run with args in e's world: its vault, state, runtime
// folder and keyring, under e.wrap if set.
func (e *env) command(stdin, bin string, args []string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	if len(e.wrap) > 0 {
		cmd = exec.Command(e.wrap[0], append(append(e.wrap[1:len(e.wrap):len(e.wrap)], bin), args...)...)
	}
	cmd.Env = append(os.Environ(), "OTTER_VAULT="+e.vault, "XDG_STATE_HOME="+filepath.Join(e.dir, "state"), "XDG_RUNTIME_DIR="+e.runtimeDir(), "OTTER_NO_AGENT=",
		"OTTER_PASSWORD_FILE=", "OTTER_PIN_FILE=", "DISPLAY=", "WAYLAND_DISPLAY=",
		"XDG_DATA_HOME="+filepath.Join(e.dir, "xdg-data"))
	cmd.Env = append(cmd.Env, e.extra...)
	if e.noKeyring {
		cmd.Env = append(cmd.Env, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(e.dir, "no-bus"))
	}
	cmd.Env = append(cmd.Env, e.extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	return cmd
}

// ok runs a command that must succeed and returns its stdout.
func (e *env) ok(stdin string, args ...string) string {
	e.t.Helper()
	r := e.run(stdin, args...)
	if r.code != 0 {
		e.t.Fatalf("otter %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func (e *env) fails(code int, stdin string, args ...string) result {
	e.t.Helper()
	r := e.run(stdin, args...)
	if r.code != code {
		e.t.Fatalf("otter %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, r.code, code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "otter: ") && !strings.Contains(r.stderr, "\notter: error: ") {
		e.t.Fatalf("otter %v: stderr does not carry an otter: error line:\n%s", args, r.stderr)
	}
	return r
}

func (e *env) file(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func needKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("OTTER_KEYRING_SESSION") == "" {
		t.Skip("no private keyring session: run through make test (scripts/with-keyring.sh)")
	}
}

const strongPassword = "Correct-Horse-Battery-9"

// passwordVault makes a vault with a password and a recovery key, without
// the keyring, and returns the password file and recovery key file.
func passwordVault(t *testing.T) (e *env, pwFile, keyFile string) {
	e = newEnv(t).withoutKeyring()
	pwFile = e.file("pw", strongPassword+"\n")
	keyFile = filepath.Join(e.dir, "recovery.txt")
	e.ok("", "--password-file", pwFile, "init", "--no-keyring", "--recovery-key-out", keyFile)
	return e, pwFile, keyFile
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runCmd runs an otter command, returning its output and exit code; only a
// failure to run it at all fails the test.
func runCmd(t testing.TB, cmd *exec.Cmd, args []string) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running otter %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// openVault unlocks e's vault in the test with its password (weak KDF
// allowed, as the test binary writes it); closed when the test ends.
func (e *env) openVault(password string) *vault.Vault {
	e.t.Helper()
	l, err := vault.Load(e.vault, &vault.Options{AllowWeakKDF: true})
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := l.Unlock(vault.Password{Secret: []byte(password)})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(v.Close)
	return v
}

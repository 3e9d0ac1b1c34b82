//go:build linux || darwin

package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The front (cmd/otter-front, installed as otter beside otter-core) answers
// `otter code QUERY` of a time-based account from an unlocked agent and
// execs otter-core for everything else. These tests run it as installed:
// a folder with the front as otter and this package's test binary as
// otter-core.

var (
	frontOnce sync.Once
	frontDir  string
	frontErr  error
)

// front returns the path of the front, built once, beside a copy of the
// test's otter as otter-core.
func front(t *testing.T) string {
	t.Helper()
	frontOnce.Do(func() {
		frontDir = filepath.Join(filepath.Dir(otterBin), "front")
		if frontErr = os.MkdirAll(frontDir, 0o755); frontErr != nil {
			return
		}
		build := exec.Command("go", "build", "-o", filepath.Join(frontDir, "otter"), "../otter-front")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			frontErr = &exec.ExitError{Stderr: out}
			t.Logf("%s", out)
			return
		}
		frontErr = copyFile(otterBin, filepath.Join(frontDir, "otter-core"))
	})
	if frontErr != nil {
		t.Fatalf("building the front: %v", frontErr)
	}
	return filepath.Join(frontDir, "otter")
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

// runFront runs the front in e's world (no --test-weak-kdf: that flag
// alone would send the command to otter-core).
func (e *env) runFront(bin string, args ...string) result {
	e.t.Helper()
	return runCmd(e.t, e.command("", bin, args), args)
}

// withoutCore moves otter-core away for the rest of the test (and back
// after it): whatever the front then answers, it answered itself.
func withoutCore(t *testing.T, bin string) {
	t.Helper()
	core := filepath.Join(filepath.Dir(bin), "otter-core")
	if err := os.Rename(core, core+".away"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Rename(core+".away", core) })
}

func TestFrontAnswersFromTheAgent(t *testing.T) {
	e, pw := agentEnv(t)
	bin := front(t)
	e.ok("", "--password-file", pw, "agent", "start", "--idle", "1h")

	// Through the front with the full otter beside it, then with the front
	// alone: the direct unlock's code (otterBin is the test's own otter,
	// not the one beside the front), printed as otter prints it.
	wantDirect := func(what string) {
		t.Helper()
		for range 3 {
			before := e.directCode(pw, "github")
			r := e.runFront(bin, "code", "github")
			after := e.directCode(pw, "github")
			if r.code == 0 && r.stderr == "" && (r.stdout == before || r.stdout == after) {
				return
			}
			if before == after {
				t.Fatalf("front code github %s: exit %d %q (stderr %q), want %q", what, r.code, r.stdout, r.stderr, before)
			}
		}
		t.Fatalf("front code github %s: never matched the direct code", what)
	}
	wantDirect("with otter-core")
	// A code that cannot be written, and no home directory: the front
	// says and exits what otter-core does.
	core := filepath.Join(filepath.Dir(bin), "otter-core")
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	for _, tc := range []struct {
		name string
		set  func(*exec.Cmd)
	}{
		{"stdout on a full disk", func(c *exec.Cmd) { c.Stdout = full }},
		{"no HOME", func(c *exec.Cmd) { c.Env = append(c.Env, "HOME=", "XDG_STATE_HOME=") }},
	} {
		var got, want result
		for _, r := range []struct {
			bin string
			out *result
		}{{bin, &got}, {core, &want}} {
			cmd := e.command("", r.bin, []string{"code", "github"})
			var stderr strings.Builder
			cmd.Stderr = &stderr
			tc.set(cmd)
			err := cmd.Run()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			*r.out = result{stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
		}
		if got != want || got.code == 0 {
			t.Errorf("%s: the front %+v, otter-core %+v", tc.name, got, want)
		}
	}
	withoutCore(t, bin)
	wantDirect("without otter-core (so from the agent)")
	// Everything else goes to otter-core, which is gone: a clear error,
	// and nothing asked of the agent.
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"an HOTP account (its counter must move and sync: otter-core's job)", nil, []string{"code", "bank"}},
		{"OTTER_NO_AGENT", []string{"OTTER_NO_AGENT=1"}, []string{"code", "github"}},
		{"a flag", nil, []string{"code", "github", "--json"}},
		{"a global flag", nil, []string{"--no-agent", "code", "github"}},
		{"another command", nil, []string{"list"}},
		{"no command (the TUI)", nil, nil},
	} {
		cmd := e.command("", bin, tc.args)
		cmd.Env = append(cmd.Env, tc.env...)
		r := runCmd(t, cmd, tc.args)
		if r.code != exitError || r.stdout != "" || !strings.Contains(r.stderr, "otter-core") || !strings.Contains(r.stderr, "otter: hint: reinstall otter") {
			t.Errorf("%s without otter-core: exit %d, stdout %q, stderr %q; want exit 1 and the reinstall hint", tc.name, r.code, r.stdout, r.stderr)
		}
	}
	os.Rename(filepath.Join(frontDir, "otter-core.away"), filepath.Join(frontDir, "otter-core"))

	// The HOTP request the front made moved no counter: the first code
	// otter-core gives is counter 0's (RFC 4226's 755224).
	var c codeJSON
	if err := json.Unmarshal([]byte(e.ok("", "--no-agent", "--password-file", pw, "code", "bank", "--json")), &c); err != nil {
		t.Fatal(err)
	}
	if c.Code != "755224" || c.Counter == nil || *c.Counter != 0 {
		t.Errorf("HOTP after the front's refused request: %+v, want counter 0's code 755224", c)
	}
	// Through the front, otter-core gives the next HOTP code (via the agent).
	if r := e.runFront(bin, "code", "bank"); r.code != 0 || r.stdout != "287082\n" {
		t.Errorf("front code bank: exit %d %q %q, want counter 1's code 287082", r.code, r.stdout, r.stderr)
	}
}

// Without an agent the front is otter-core: same output, same errors, same
// exit codes, arguments and streams passed through.
func TestFrontIsTransparent(t *testing.T) {
	e, pw := agentEnv(t)
	bin := front(t)
	for _, args := range [][]string{
		{"code", "nothing"},
		{"--version"},
		{"code"},
		{"--password-file", pw, "list"},
		{"--password-file", pw, "code", "nothing"},
		{"frobnicate"},
	} {
		want := runCmd(t, e.command("", filepath.Join(frontDir, "otter-core"), args), args)
		got := e.runFront(bin, args...)
		if got != want {
			t.Errorf("otter %q through the front = %+v, want otter-core's %+v", args, got, want)
		}
	}
}

// The front stays small: no vault, no FIDO2 (the cgo part), no faces in
// what it links (it is built with CGO_ENABLED=0), so that it starts as
// fast as a Go program can (BENCHMARKS.md §4.8).
func TestFrontLinksLittle(t *testing.T) {
	const module = "github.com/otterauth/otter"
	list := exec.Command("go", "list", "-deps", "../otter-front")
	list.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := list.Output()
	if err != nil {
		t.Fatal(err)
	}
	var pkgs int
	for _, pkg := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkgs++
		for _, bad := range []string{module + "/vault", module + "/fido", module + "/internal/vaultops", module + "/internal/agentd", module + "/tui", "github.com/spf13/cobra", "charm.land/", "github.com/charmbracelet/", "github.com/godbus/"} {
			if pkg == bad || strings.HasPrefix(pkg, strings.TrimSuffix(bad, "/")+"/") {
				t.Errorf("the front links %s", pkg)
			}
		}
	}
	if pkgs < 10 {
		t.Fatalf("go list gave %d packages: %s", pkgs, out)
	}
}

// Package layering holds the test that keeps otter's layers apart: vault,
// fido and internal/* never depend on the TUI, the commands or the charm
// packages, and vault and fido never depend on each other.
package layering

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/otterauth/otter"

// forbidden lists, for a package, the import path prefixes none of its
// dependencies may have.
func forbidden(pkg string) []string {
	rules := []string{module + "/tui", module + "/cmd/", "charm.land/", "github.com/charmbracelet/"}
	switch {
	case under(pkg, module+"/vault"):
		rules = append(rules, module+"/fido")
	case under(pkg, module+"/fido"):
		rules = append(rules, module+"/vault")
	}
	return rules
}

// under reports whether pkg is path or a package below it.
func under(pkg, path string) bool { return pkg == path || strings.HasPrefix(pkg, path+"/") }

// violations lists "pkg imports dep" for every dependency a rule forbids.
func violations(pkg string, deps []string) []string {
	var out []string
	for _, dep := range deps {
		for _, bad := range forbidden(pkg) {
			if strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad) || under(dep, bad) {
				out = append(out, pkg+" imports "+dep)
			}
		}
	}
	return out
}

func TestViolationsRules(t *testing.T) {
	for _, tc := range []struct {
		pkg  string
		deps []string
		want int
	}{
		{module + "/vault", []string{"fmt", module + "/internal/atomicfile"}, 0},
		{module + "/vault", []string{module + "/fido"}, 1},
		{module + "/vault/x", []string{module + "/fido/virtual"}, 1},
		{module + "/fido/virtual", []string{module + "/vault"}, 1},
		{module + "/internal/journal", []string{module + "/vault", module + "/fido"}, 0},
		{module + "/internal/journal", []string{module + "/tui", module + "/cmd/otter"}, 2},
		{module + "/internal/x", []string{module + "/tuix", module + "/cmdx"}, 0},
		{module + "/fido", []string{"charm.land/lipgloss/v2", "github.com/charmbracelet/x/ansi"}, 2},
	} {
		if got := violations(tc.pkg, tc.deps); len(got) != tc.want {
			t.Errorf("violations(%s, %v) = %q, want %d", tc.pkg, tc.deps, got, tc.want)
		}
	}
}

// TestLayering runs `go list -deps` over vault, fido and internal and
// checks every package's dependencies against the rules.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gobin, "list", "-json=ImportPath,Deps", "./vault/...", "./fido/...", "./internal/...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("go list: %v\n%s", err, ee.Stderr)
	}
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var seen []string
	for {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, p.ImportPath)
		for _, v := range violations(p.ImportPath, p.Deps) {
			t.Error(v)
		}
	}
	for _, want := range []string{module + "/vault", module + "/fido", module + "/internal/atomicfile"} {
		if !slices.Contains(seen, want) {
			t.Fatalf("go list did not list %s (listed %d packages)", want, len(seen))
		}
	}
}

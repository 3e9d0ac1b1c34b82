package paths

import (
	"errors"
	"runtime"
	"testing"
)

// Issue 14: with no home directory otter created the vault under /tmp,
// where anyone can plant or read it. It refuses instead.
func TestNoHomeRefuses(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the variables are those of Linux")
	}
	for _, h := range []string{"", "relative/home"} {
		t.Setenv("HOME", h)
		t.Setenv("OTTER_VAULT", "")
		t.Setenv("XDG_DATA_HOME", "")
		t.Setenv("XDG_STATE_HOME", "")
		if p, err := Vault(); !errors.Is(err, ErrNoHome) {
			t.Errorf("HOME=%q: Vault() = %q, %v; want ErrNoHome", h, p, err)
		}
		if p, err := State(); !errors.Is(err, ErrNoHome) {
			t.Errorf("HOME=%q: State() = %q, %v; want ErrNoHome", h, p, err)
		}
	}
	// Variables naming the folders need no home.
	t.Setenv("OTTER_VAULT", "/srv/v.otter")
	t.Setenv("XDG_STATE_HOME", "/srv/state")
	if p, err := Vault(); p != "/srv/v.otter" || err != nil {
		t.Errorf("Vault() = %q, %v", p, err)
	}
	if p, err := State(); p != "/srv/state/otter" || err != nil {
		t.Errorf("State() = %q, %v", p, err)
	}
}

func TestRuntime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the variables are those of Linux")
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if p, err := Runtime(); p != "/run/user/1000/otter" || err != nil {
		t.Errorf("Runtime() = %q, %v", p, err)
	}
	for _, d := range []string{"", "run/user"} {
		t.Setenv("XDG_RUNTIME_DIR", d)
		if p, err := Runtime(); !errors.Is(err, ErrNoRuntimeDir) {
			t.Errorf("XDG_RUNTIME_DIR=%q: Runtime() = %q, %v; want ErrNoRuntimeDir", d, p, err)
		}
	}
}

package main

import (
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"release", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}},
			"otter v1.2.3 go1.26.8"},
		{"checkout", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}},
			"otter (devel) (commit 0123456789ab, modified, 2026-01-02T03:04:05Z) go1.26.8"},
		{"clean checkout", debug.BuildInfo{GoVersion: "go1.26.8", Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}},
			"otter (devel) (commit 0123456789ab) go1.26.8"},
	} {
		if got := versionText(&tc.bi); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestVersionFlagAndCommand checks `otter --version` and `otter version`
// on the built binary: the Go version it was built with and, built from a
// git checkout, the commit.
func TestVersionFlagAndCommand(t *testing.T) {
	e := newEnv(t).withoutKeyring()
	flag := e.ok("", "--version")
	cmd := e.ok("", "version")
	if flag != cmd {
		t.Errorf("--version says %q, version says %q", flag, cmd)
	}
	if !strings.HasPrefix(flag, "otter ") || !strings.HasSuffix(flag, " "+runtime.Version()+"\n") {
		t.Errorf("--version = %q, want otter … %s", flag, runtime.Version())
	}
	// go build stamps the commit unless -buildvcs=false (GOFLAGS may say so).
	out, err := exec.Command("go", "version", "-m", otterBin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision=") {
			if want := "commit " + strings.TrimPrefix(f[1], "vcs.revision=")[:12]; !strings.Contains(flag, want) {
				t.Errorf("--version = %q, want %q in it", flag, want)
			}
		}
	}
}

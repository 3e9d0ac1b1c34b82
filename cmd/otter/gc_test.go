package main

import (
	"io"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestTuneGCOnlyShortLived checks that the garbage collector is turned off
// for code, list and qr, and left alone for the TUI (the root command), the
// agent and every other command: a long-lived process without a collector
// would grow up to the limit.
func TestTuneGCOnlyShortLived(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	short := map[string]bool{"otter code": true, "otter list": true, "otter qr": true}
	root := newApp(strings.NewReader(""), io.Discard, io.Discard).rootCmd()
	seen := 0
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		seen++
		name := cmd.CommandPath()
		prevPct := debug.SetGCPercent(100)
		prevLim := debug.SetMemoryLimit(-1)
		changed := tuneGC(cmd)
		pct := debug.SetGCPercent(prevPct)
		lim := debug.SetMemoryLimit(prevLim)
		switch {
		case changed != short[name]:
			t.Errorf("%s: tuneGC changed the collector = %v, want %v", name, changed, short[name])
		case changed && (pct != -1 || lim != shortLivedHeapLimit):
			t.Errorf("%s: GC percent %d, limit %d; want -1, %d", name, pct, lim, shortLivedHeapLimit)
		case !changed && pct != 100:
			t.Errorf("%s: GC percent became %d; want it left at 100", name, pct)
		}
		if strings.HasPrefix(name, "otter agent") || name == "otter" {
			if cmd.Annotations[shortLivedKey] != "" {
				t.Errorf("%s is long-lived and must not be marked short-lived", name)
			}
		}
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
	if seen < 20 {
		t.Fatalf("walked %d commands; the tree looks incomplete", seen)
	}
}

// TestTuneGCEnvironmentWins checks that GOGC set by the user is kept.
func TestTuneGCEnvironmentWins(t *testing.T) {
	t.Setenv("GOGC", "200")
	root := newApp(strings.NewReader(""), io.Discard, io.Discard).rootCmd()
	code, _, err := root.Find([]string{"code"})
	if err != nil {
		t.Fatal(err)
	}
	if tuneGC(code) {
		t.Error("tuneGC changed the collector although GOGC is set")
	}
}

package tui

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkScale is BenchmarkView and BenchmarkFilterKeystroke at the vault
// sizes listed in OTTER_BENCH_SIZES (bench/scale.sh runs 10 to 100 000), for
// the scaling table of BENCHMARKS.md.
func BenchmarkScale(b *testing.B) {
	env := os.Getenv("OTTER_BENCH_SIZES")
	if env == "" {
		b.Skip("set OTTER_BENCH_SIZES=10,100,… (bench/scale.sh does)")
	}
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("OTTER_BENCH_SIZES: bad size %q", f)
		}
		b.Run(fmt.Sprintf("view/accounts=%d", n), func(b *testing.B) {
			m := benchModel(n)
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
		b.Run(fmt.Sprintf("filter/accounts=%d", n), func(b *testing.B) {
			m := benchModel(n)
			for _, k := range []string{"/", "s", "e"} {
				m.Update(keyMsg(k))
			}
			b.ReportAllocs()
			for b.Loop() {
				m.Update(keyMsg("r"))
				_ = m.View()
				m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
			}
		})
	}
}

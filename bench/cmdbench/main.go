// Command cmdbench times whole commands, interleaved round-robin in one run
// so that every command sees the same machine state, and prints a Markdown
// table of medians and ratios to the first command.
//
// Usage: cmdbench -n RUNS SPECFILE
// Each SPECFILE line: NAME | STDIN-FILE or - | ARGV (space-separated words)
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

type spec struct {
	name, stdin string
	argv        []string
	times       []time.Duration
}

func main() {
	n := flag.Int("n", 30, "runs per command")
	warm := flag.Int("warmup", 3, "untimed runs per command first")
	flag.Parse()
	specs, err := readSpecs(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmdbench:", err)
		os.Exit(2)
	}
	for i := 0; i < *warm+*n; i++ {
		for _, s := range specs {
			d, err := runOnce(s)
			if err != nil {
				fmt.Fprintf(os.Stderr, "cmdbench: %s: %v\n", s.name, err)
				os.Exit(1)
			}
			if i >= *warm {
				s.times = append(s.times, d)
			}
		}
	}
	base := median(specs[0].times)
	fmt.Println("| command | median | p10 | p90 | × " + specs[0].name + " |")
	fmt.Println("|---|---|---|---|---|")
	for _, s := range specs {
		m := median(s.times)
		fmt.Printf("| %s | %s | %s | %s | %.1f× |\n", s.name, ms(m), ms(pct(s.times, 10)), ms(pct(s.times, 90)), float64(m)/float64(base))
	}
}

func readSpecs(path string) ([]*spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*spec
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, " | ", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("bad spec line %q", line)
		}
		out = append(out, &spec{name: parts[0], stdin: parts[1], argv: strings.Fields(parts[2])})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no commands in %s", path)
	}
	return out, sc.Err()
}

func runOnce(s *spec) (time.Duration, error) {
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	if s.stdin != "-" {
		f, err := os.Open(s.stdin)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	start := time.Now()
	out, err := cmd.Output()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, errb.String())
	}
	if len(strings.TrimSpace(string(out))) == 0 {
		return 0, fmt.Errorf("printed nothing")
	}
	return d, nil
}

func median(ts []time.Duration) time.Duration { return pct(ts, 50) }

func pct(ts []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

//go:build linux

// Command ttyframe times a full-screen program the way a person sees it: it
// starts the program on a fresh pseudo-terminal and measures the time from
// the start until its first complete frame is on the screen, then the time
// from each key typed into the filter until the screen starts to change.
// Runs are interleaved round-robin across the spec lines, so every line
// sees the same machine state; it prints a Markdown table of medians.
//
// It is Linux only: it drives /dev/ptmx directly.
//
// Usage: ttyframe [-n RUNS] [-keys K] SPECFILE
//
// Each SPECFILE line: NAME | TITLE | ARGV (space-separated words). The first
// frame is complete when TITLE and, after it, the help line's "quit" have
// been written. With -keys K > 0, ttyframe then opens the filter ("/"),
// types "ss", and times K keystrokes alternating "u" and Backspace; each
// must redraw (the filter prompt changes). It also records the program's
// peak RSS (VmHWM) after the keystrokes.
//
// The time to the first byte of a redraw includes the wait for Bubble
// Tea's next frame (it renders at most 60 times a second), so keystroke
// times below ~17 ms are not resolved; the tui package's benchmarks
// measure the work alone.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/sys/unix"
)

type spec struct {
	name, title string
	argv        []string
	frames      []time.Duration
	keys        []time.Duration
	rss         []int // KiB
}

func main() {
	n := flag.Int("n", 10, "runs per line")
	keys := flag.Int("keys", 20, "filter keystrokes timed per run (0: none)")
	cols := flag.Int("cols", 120, "terminal width")
	rows := flag.Int("rows", 40, "terminal height")
	flag.Parse()
	specs, err := readSpecs(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttyframe:", err)
		os.Exit(2)
	}
	for i := 0; i < 1+*n; i++ { // one untimed warm-up round
		for _, s := range specs {
			r, err := runOnce(s, *keys, uint16(*cols), uint16(*rows))
			if err != nil {
				fmt.Fprintf(os.Stderr, "ttyframe: %s: %v\n", s.name, err)
				os.Exit(1)
			}
			if i > 0 {
				s.frames = append(s.frames, r.frame)
				s.keys = append(s.keys, r.keys...)
				s.rss = append(s.rss, r.rss)
			}
		}
	}
	fmt.Println("| vault | first frame (median) | p10 | p90 | filter keystroke (median) | p90 | peak RSS |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, s := range specs {
		k := "–"
		k90 := "–"
		if len(s.keys) > 0 {
			k, k90 = ms(pct(s.keys, 50)), ms(pct(s.keys, 90))
		}
		sort.Ints(s.rss)
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %.1f MiB |\n", s.name, ms(pct(s.frames, 50)),
			ms(pct(s.frames, 10)), ms(pct(s.frames, 90)), k, k90, float64(s.rss[len(s.rss)/2])/1024)
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
		out = append(out, &spec{name: parts[0], title: parts[1], argv: strings.Fields(parts[2])})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no commands in %s", path)
	}
	return out, sc.Err()
}

// screen collects everything the program writes, with ANSI sequences
// stripped, and wakes waiters on every write.
type screen struct {
	mu   sync.Mutex
	cond *sync.Cond
	raw  bytes.Buffer
	text string
	last time.Time // when the latest output arrived
	n    int       // reads so far
	err  error
}

func newScreen() *screen {
	s := &screen{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *screen) readFrom(f *os.File) {
	buf := make([]byte, 64<<10)
	for {
		k, err := f.Read(buf)
		now := time.Now()
		s.mu.Lock()
		if k > 0 {
			s.raw.Write(buf[:k])
			s.text = ansi.Strip(s.raw.String())
			s.last = now
			s.n++
		}
		if err != nil {
			s.err = err
		}
		s.cond.Broadcast()
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitFor waits until ok(text) holds, for at most d; it returns the time
// of the output that made it hold.
func (s *screen) waitFor(d time.Duration, ok func(text string) bool) (time.Time, error) {
	timer := time.AfterFunc(d, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(d)
	s.mu.Lock()
	defer s.mu.Unlock()
	for !ok(s.text) {
		if s.err != nil {
			return time.Time{}, fmt.Errorf("program ended: %v; screen:\n%s", s.err, tail(s.text))
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("timed out; screen:\n%s", tail(s.text))
		}
		s.cond.Wait()
	}
	return s.last, nil
}

// quiet waits until no output arrived for d.
func (s *screen) quiet(d time.Duration) {
	for {
		s.mu.Lock()
		idle := time.Since(s.last)
		s.mu.Unlock()
		if idle >= d {
			return
		}
		time.Sleep(d - idle)
	}
}

func (s *screen) reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

type result struct {
	frame time.Duration
	keys  []time.Duration
	rss   int
}

func runOnce(s *spec, keys int, cols, rows uint16) (*result, error) {
	ptm, tty, err := openPTY(cols, rows)
	if err != nil {
		return nil, err
	}
	defer ptm.Close()
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	sc := newScreen()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tty.Close()
		return nil, err
	}
	tty.Close()
	go sc.readFrom(ptm)
	defer func() {
		ptm.Write([]byte{3}) // ctrl+c quits
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	at, err := sc.waitFor(30*time.Second, func(text string) bool {
		i := strings.Index(text, s.title)
		return i >= 0 && strings.Contains(text[i:], "quit")
	})
	if err != nil {
		return nil, fmt.Errorf("first frame: %w", err)
	}
	r := &result{frame: at.Sub(start)}
	if keys > 0 {
		if r.keys, err = typeKeys(ptm, sc, keys); err != nil {
			return nil, err
		}
	}
	r.rss, err = peakRSS(cmd.Process.Pid)
	return r, err
}

// typeKeys opens the filter, types "ss", then times keys keystrokes, "u"
// and Backspace in turn.
func typeKeys(ptm *os.File, sc *screen, keys int) ([]time.Duration, error) {
	for _, k := range []string{"/", "s", "s"} {
		ptm.Write([]byte(k))
		sc.quiet(300 * time.Millisecond)
	}
	var out []time.Duration
	for i := range keys {
		k := []byte("u")
		if i%2 == 1 {
			k = []byte{0x7f}
		}
		before := sc.reads()
		sent := time.Now()
		ptm.Write(k)
		at, err := sc.waitFor(10*time.Second, func(string) bool { return sc.n > before })
		if err != nil {
			return nil, fmt.Errorf("keystroke %d: %w", i, err)
		}
		out = append(out, at.Sub(sent))
		sc.quiet(100 * time.Millisecond)
	}
	return out, nil
}

// peakRSS reads VmHWM of pid, in KiB.
func peakRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb)
			return kb, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// openPTY opens a pseudo-terminal pair of the given size.
func openPTY(cols, rows uint16) (ptm, tty *os.File, err error) {
	ptm, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(ptm.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		ptm.Close()
		return nil, nil, fmt.Errorf("unlockpt: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		ptm.Close()
		return nil, nil, fmt.Errorf("ptsname: %w", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		ptm.Close()
		return nil, nil, err
	}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		ptm.Close()
		tty.Close()
		return nil, nil, err
	}
	return ptm, tty, nil
}

func pct(ts []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

package lockout

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is a fake clock for the tracker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func newTracker(t *testing.T) (*Tracker, *clock, string) {
	t.Helper()
	c := &clock{t: t0}
	dir := filepath.Join(t.TempDir(), "state")
	return Open(dir, "v1", c.Now), c, dir
}

// fail records n failures, step apart, expecting none to lock.
func fail(t *testing.T, tr *Tracker, c *clock, n int, step time.Duration) {
	t.Helper()
	for i := range n {
		if i > 0 {
			c.Add(step)
		}
		if err := tr.Fail("password"); err != nil {
			t.Fatalf("failure %d of %d: %v", i+1, n, err)
		}
		if err := tr.Check(); err != nil {
			t.Fatalf("Check after failure %d of %d: %v", i+1, n, err)
		}
	}
}

// wantLocked asserts err is a *LockedError with the given end and window.
func wantLocked(t *testing.T, err error, until time.Time, window time.Duration) *LockedError {
	t.Helper()
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want a *LockedError", err)
	}
	if !le.Until.Equal(until) || le.Window != window {
		t.Fatalf("locked until %v over %v, want until %v over %v", le.Until, le.Window, until, window)
	}
	return le
}

// lockedUntil checks that Check refuses just before until and allows at until.
func lockedUntil(t *testing.T, tr *Tracker, c *clock, until time.Time, window time.Duration) {
	t.Helper()
	c.Set(until.Add(-time.Second))
	wantLocked(t, tr.Check(), until, window)
	c.Set(until)
	if err := tr.Check(); err != nil {
		t.Fatalf("Check at %v: %v, want unlocked", until, err)
	}
}

func TestMinute(t *testing.T) {
	tr, c, _ := newTracker(t)
	fail(t, tr, c, 9, time.Second)
	c.Add(time.Second)
	le := wantLocked(t, tr.Fail("password"), t0.Add(time.Minute), time.Minute)
	if le.Failures != 10 {
		t.Errorf("Failures = %d, want 10", le.Failures)
	}
	wantLocked(t, tr.Check(), t0.Add(time.Minute), time.Minute)
	lockedUntil(t, tr, c, t0.Add(time.Minute), time.Minute)
	// The window slides: the failures at t0+1s…t0+9s are still within the
	// minute, so one more locks again.
	if err := tr.Fail("password"); err == nil {
		t.Fatal("10 failures within the minute again did not lock")
	}
}

func TestMinuteNotReached(t *testing.T) {
	tr, c, _ := newTracker(t)
	// 10 failures 7 s apart span 63 s: never 10 within one minute.
	fail(t, tr, c, 10, 7*time.Second)
}

func TestHour(t *testing.T) {
	tr, c, _ := newTracker(t)
	fail(t, tr, c, 19, 3*time.Minute) // 19 over 54 minutes
	c.Add(3 * time.Minute)
	wantLocked(t, tr.Fail("pin"), t0.Add(time.Hour), time.Hour)
	lockedUntil(t, tr, c, t0.Add(time.Hour), time.Hour)
}

func TestHourNotReached(t *testing.T) {
	tr, c, _ := newTracker(t)
	fail(t, tr, c, 30, 4*time.Minute) // at most 15 in any hour
}

func TestDay(t *testing.T) {
	tr, c, _ := newTracker(t)
	fail(t, tr, c, 39, 36*time.Minute) // 39 over 22.8 hours, ≤ 2 an hour
	c.Add(36 * time.Minute)
	wantLocked(t, tr.Fail("recovery"), t0.Add(24*time.Hour), 24*time.Hour)
	lockedUntil(t, tr, c, t0.Add(24*time.Hour), 24*time.Hour)
}

func TestLatestLockWins(t *testing.T) {
	tr, c, _ := newTracker(t)
	fail(t, tr, c, 10, 5*time.Minute) // 10 over 45 minutes
	c.Add(5 * time.Minute)
	fail(t, tr, c, 9, time.Second)
	c.Add(time.Second)
	// 20 within the hour (until t0+1h) and 10 within the minute (until
	// 50m + 1m): the hour lock ends later.
	le := wantLocked(t, tr.Fail("password"), t0.Add(time.Hour), time.Hour)
	if le.Failures != 20 {
		t.Errorf("Failures = %d, want 20", le.Failures)
	}
}

func TestClockBackwards(t *testing.T) {
	tr, c, _ := newTracker(t)
	fail(t, tr, c, 9, 0)
	wantLocked(t, tr.Fail("password"), t0.Add(time.Minute), time.Minute)

	// Setting the clock back an hour does not lift the lockout, and it
	// ends one minute after the clock was seen to go back.
	back := t0.Add(-time.Hour)
	c.Set(back)
	wantLocked(t, tr.Check(), back.Add(time.Minute), time.Minute)
	lockedUntil(t, tr, c, back.Add(time.Minute), time.Minute)

	// Failures recorded on the regressed clock still count.
	c.Set(back.Add(2 * time.Minute))
	fail(t, tr, c, 9, time.Second)
	if err := tr.Fail("password"); !errors.Is(err, ErrLocked) {
		t.Fatalf("10th failure on the regressed clock: %v, want locked", err)
	}
}

func TestSuccess(t *testing.T) {
	tr, c, _ := newTracker(t)
	for _, k := range []string{"password", "pin", "password", "recovery", "password"} {
		if err := tr.Fail(k); err != nil {
			t.Fatal(err)
		}
		c.Add(10 * time.Second)
	}
	// Failures older than a day still appear in the summary.
	c.Add(48 * time.Hour)
	s, err := tr.Success()
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Failures: 5, Last: t0.Add(40 * time.Second), Kinds: map[string]int{"password": 3, "pin": 1, "recovery": 1}}
	if s.Failures != want.Failures || !s.Last.Equal(want.Last) || fmt.Sprint(s.Kinds) != fmt.Sprint(want.Kinds) {
		t.Fatalf("Success() = %+v, want %+v", s, want)
	}
	if s, err := tr.Success(); err != nil || s.Failures != 0 || !s.Last.IsZero() || len(s.Kinds) != 0 {
		t.Fatalf("second Success() = %+v, %v, want empty", s, err)
	}
}

func TestSuccessClearsLockout(t *testing.T) {
	tr, c, _ := newTracker(t)
	fail(t, tr, c, 9, 0)
	if _, err := tr.Success(); err != nil {
		t.Fatal(err)
	}
	fail(t, tr, c, 9, 0) // would have locked at the first without the clear
}

func TestVaultsAreSeparate(t *testing.T) {
	tr, c, dir := newTracker(t)
	fail(t, tr, c, 9, 0)
	if err := tr.Fail("password"); !errors.Is(err, ErrLocked) {
		t.Fatal(err)
	}
	if err := Open(dir, "v2", c.Now).Check(); err != nil {
		t.Fatalf("other vault: %v", err)
	}
	if err := Open(dir, "../v1", c.Now).Fail("pin"); err != nil {
		t.Fatalf("vault id with a path separator: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lockout-.._v1.json")); err != nil {
		t.Errorf("sanitised record name: %v", err)
	}
}

func TestFileModes(t *testing.T) {
	tr, _, dir := newTracker(t)
	if err := tr.Fail("password"); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		dir:                                   0o700 | os.ModeDir,
		filepath.Join(dir, "lockout-v1.json"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("dir holds %d files, want the record and its lock (no temporary files)", len(entries))
	}
}

func TestCorruptRecord(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":   "\x00\xffnot json",
		"truncated": `{"version":1,"failures":["2026-03-14T09:26:53Z",`,
		"version":   `{"version":99,"failures":[]}`,
		"bad time":  `{"version":1,"failures":["yesterday"]}`,
		"empty":     "",
	} {
		t.Run(name, func(t *testing.T) {
			tr, c, dir := newTracker(t)
			path := filepath.Join(dir, "lockout-v1.json")
			os.MkdirAll(dir, 0o700)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := tr.Check(); err != nil {
				t.Fatalf("Check on a corrupt record: %v, want nil", err)
			}
			fail(t, tr, c, 1, 0)
			if r := readRecord(t, path); r.SinceSuccess != 1 || len(r.Failures) != 1 {
				t.Fatalf("record after a failure: %+v", r)
			}
		})
	}
}

func TestCorruptRecordReplacedBySuccess(t *testing.T) {
	tr, _, dir := newTracker(t)
	path := filepath.Join(dir, "lockout-v1.json")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(path, []byte("junk"), 0o600)
	if s, err := tr.Success(); err != nil || s.Failures != 0 {
		t.Fatalf("Success() = %+v, %v", s, err)
	}
	if r := readRecord(t, path); r.Version != recordVersion {
		t.Fatalf("record not replaced: %+v", r)
	}
}

func TestIOErrors(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	tr := Open(filepath.Join(file, "state"), "v1", nil)
	for name, err := range map[string]error{"Check": tr.Check(), "Fail": tr.Fail("password")} {
		if err == nil || errors.Is(err, ErrLocked) {
			t.Errorf("%s with a dir that cannot be created: %v, want an I/O error", name, err)
		}
	}
	// A record that cannot be read (here: a directory) is not "unlocked".
	os.Mkdir(filepath.Join(base, "lockout-v1.json"), 0o700)
	if err := Open(base, "v1", nil).Check(); err == nil || errors.Is(err, ErrLocked) {
		t.Errorf("Check with an unreadable record: %v, want an I/O error", err)
	}
}

func TestNormaliseBounds(t *testing.T) {
	now := t0
	var r record
	for i := range 1500 {
		r.add(now.Add(-time.Duration(1500-i)*time.Second), "password")
	}
	r.Failures = append(r.Failures, now.Add(-25*time.Hour)) // too old, and out of order
	if r.normalise(now) {
		t.Error("normalise reported a clamp without future times")
	}
	if len(r.Failures) != maxEntries || r.SinceSuccess != 1500 {
		t.Fatalf("kept %d failures, counted %d; want %d, 1500", len(r.Failures), r.SinceSuccess, maxEntries)
	}
	if !r.Failures[len(r.Failures)-1].Equal(now.Add(-time.Second)) {
		t.Errorf("newest failure %v was not kept", r.Failures[len(r.Failures)-1])
	}
}

func TestErrorMessage(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.Local)
	tests := []struct {
		until time.Time
		want  string
	}{
		{time.Date(2026, 3, 14, 15, 4, 0, 0, time.Local), "too many failed unlock attempts: locked until 15:04"},
		{time.Date(2026, 3, 14, 15, 4, 1, 0, time.Local), "too many failed unlock attempts: locked until 15:05"},
		{time.Date(2026, 3, 15, 8, 30, 0, 0, time.Local), "too many failed unlock attempts: locked until 2026-03-15 08:30"},
	}
	for _, tt := range tests {
		e := &LockedError{Until: tt.until.UTC(), Failures: 10, Window: time.Minute, now: now}
		if got := e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			tr := Open(dir, "v1", nil)
			for range 50 {
				if err := tr.Fail("password"); err != nil && !errors.Is(err, ErrLocked) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkCount(t, dir, 100)
}

const helperEnv = "OTTER_LOCKOUT_TEST_DIR"

func TestConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper process: %v", err)
		}
	}
	checkCount(t, dir, 100)
}

// TestHelperProcess records 50 failures when run by TestConcurrentProcesses.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper for TestConcurrentProcesses")
	}
	tr := Open(dir, "v1", nil)
	for range 50 {
		if err := tr.Fail("pin"); err != nil && !errors.Is(err, ErrLocked) {
			t.Fatal(err)
		}
	}
}

func checkCount(t *testing.T, dir string, n int) {
	t.Helper()
	r := readRecord(t, filepath.Join(dir, "lockout-v1.json"))
	if r.SinceSuccess != n || len(r.Failures) != n {
		t.Fatalf("recorded %d failures (%d times), want %d", r.SinceSuccess, len(r.Failures), n)
	}
	s, err := Open(dir, "v1", nil).Success()
	if err != nil || s.Failures != n {
		t.Fatalf("Success() = %+v, %v; want %d failures", s, err, n)
	}
}

func readRecord(t *testing.T, path string) record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("record is not JSON: %v\n%s", err, b)
	}
	return r
}

// FuzzRecord checks that no record content crashes Check or stops Fail from
// recording.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"version":1,"failures":["2026-03-14T09:26:53Z"],"since_success":1,"kinds":{"pin":1}}`))
	f.Add([]byte(`{"version":1,"failures":null,"since_success":-5,"last_failure":"3026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"version":1,"failures":["0001-01-01T00:00:00Z","9999-12-31T23:59:59Z"]}`))
	f.Fuzz(func(t *testing.T, content []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "lockout-v1.json"), content, 0o600)
		c := &clock{t: t0}
		tr := Open(dir, "v1", c.Now)
		if err := tr.Check(); err != nil && !errors.Is(err, ErrLocked) {
			t.Fatal(err)
		}
		if err := tr.Fail("password"); err != nil && !errors.Is(err, ErrLocked) {
			t.Fatal(err)
		}
		if s, err := tr.Success(); err != nil || s.Failures < 1 {
			t.Fatalf("Success() = %+v, %v", s, err)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	c := &clock{t: t0}
	tr := Open(dir, "v1", c.Now)
	for i := range 30 {
		c.Set(t0.Add(time.Duration(i) * 5 * time.Minute))
		tr.Fail("password")
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := tr.Check(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFail(b *testing.B) {
	tr := Open(b.TempDir(), "v1", nil)
	for b.Loop() {
		tr.Fail("password")
	}
}

package lockout

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Issue 14: 40 wrong passwords tried at once were all evaluated, because
// each checked the record before any of them had failed. Reserve counts the
// attempt under the lock before the KDF: only the limit gets through.
func TestReserveConcurrent(t *testing.T) {
	tr, _, _ := newTracker(t)
	var admitted, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 40 {
		wg.Go(func() {
			<-start
			a, err := tr.Reserve("password")
			if errors.Is(err, ErrLocked) {
				refused.Add(1)
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			admitted.Add(1)
			time.Sleep(10 * time.Millisecond) // the KDF
			if err := a.Fail(); err != nil && !errors.Is(err, ErrLocked) {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if admitted.Load() != 10 || refused.Load() != 30 {
		t.Fatalf("admitted %d, refused %d; want 10 and 30", admitted.Load(), refused.Load())
	}
	if s, err := tr.Success(); err != nil || s.Failures != 10 || s.Kinds["password"] != 10 {
		t.Fatalf("Success() = %+v, %v; want 10 password failures", s, err)
	}
}

// The reserved attempt of a successful unlock is not a failure before it;
// failures confirmed before it are, with their times.
func TestReserveSuccessSummary(t *testing.T) {
	tr, c, _ := newTracker(t)
	a, err := tr.Reserve("recovery")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Fail(); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	a, err = tr.Reserve("password")
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Success()
	if err != nil {
		t.Fatal(err)
	}
	if s.Failures != 1 || !s.Last.Equal(t0) || s.Kinds["recovery"] != 1 || s.Kinds["password"] != 0 {
		t.Fatalf("summary %+v, want the one recovery failure at t0", s)
	}
	if s, _ := tr.Success(); s.Failures != 0 {
		t.Fatalf("record not cleared: %+v", s)
	}
}

// A reservation never ended (the process died) stays a failure: it counts
// towards the lockout and is reported by the next success.
func TestReserveCrashCounts(t *testing.T) {
	tr, c, _ := newTracker(t)
	for range 10 {
		if _, err := tr.Reserve("pin"); err != nil {
			t.Fatal(err)
		}
	}
	wantLocked(t, tr.Check(), t0.Add(time.Minute), time.Minute)
	c.Add(time.Minute)
	a, err := tr.Reserve("password")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := a.Success(); err != nil || s.Failures != 10 || s.Kinds["pin"] != 10 {
		t.Fatalf("Success() = %+v, %v; want the 10 crashed attempts", s, err)
	}
}

// Release withdraws an attempt that was no guess: the record is as before.
func TestReserveRelease(t *testing.T) {
	tr, c, dir := newTracker(t)
	fail(t, tr, c, 9, 0)
	path := dir + "/lockout-v1.json"
	before := readRecord(t, path)
	for range 5 {
		a, err := tr.Reserve("password")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Release(); err != nil {
			t.Fatal(err)
		}
	}
	after := readRecord(t, path)
	if len(after.Failures) != len(before.Failures) || after.SinceSuccess != 9 || len(after.Pending) != 0 {
		t.Fatalf("record after releases: %+v", after)
	}
}

// A Fail after another process's success cleared the record still counts.
func TestReserveFailAfterClear(t *testing.T) {
	tr, _, _ := newTracker(t)
	a, err := tr.Reserve("password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Success(); err != nil {
		t.Fatal(err)
	}
	if err := a.Fail(); err != nil {
		t.Fatal(err)
	}
	if s, _ := tr.Success(); s.Failures != 1 {
		t.Fatalf("summary %+v, want 1 failure", s)
	}
}

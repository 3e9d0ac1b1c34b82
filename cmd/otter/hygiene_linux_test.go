package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/harden"
	"golang.org/x/sys/unix"
)

// TestHardenProcess checks, in a child process so the test binary itself
// stays debuggable, that core dumps are off and the process is undumpable.
func TestHardenProcess(t *testing.T) {
	if os.Getenv("OTTER_HARDEN_CHILD") == "1" {
		harden.Process()
		var lim unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil || lim.Cur != 0 || lim.Max != 0 {
			t.Fatalf("RLIMIT_CORE = %+v, %v; want 0/0", lim, err)
		}
		if d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); err != nil || d != 0 {
			t.Fatalf("PR_GET_DUMPABLE = %d, %v; want 0", d, err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHardenProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "OTTER_HARDEN_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestBinaryLimitsCore checks the real binary: a running otter reports a
// zero core-file limit in /proc.
func TestBinaryLimitsCore(t *testing.T) {
	cmd := exec.Command(otterBin, "__clipboard-clear", "--after", "5s")
	cmd.Stdin = strings.NewReader(strings.Repeat("x", 32))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var limits string
	for i := 0; i < 100; i++ {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/limits")
		limits = string(b)
		if strings.Contains(limits, "Max core file size        0                    0") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the running binary's core limit is not 0:\n%s", limits)
}

package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// The real agent pins its keys (VmLck of its process) and leaves no core
// dump, and says both.
func TestAgentMemoryLocked(t *testing.T) {
	e, pw := agentEnv(t)
	e.ok("", "--password-file", pw, "agent", "start")
	out := e.ok("", "agent", "status")
	if !strings.Contains(out, "key memory: locked in RAM (") || !strings.Contains(out, "core dumps: off\n") {
		t.Fatalf("status: %q, want key memory locked and core dumps off", out)
	}
	pid := strconv.Itoa(e.agentPID())
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmLck:" && f[1] == "0" {
			t.Errorf("the agent's %s, want pages locked", line)
		}
	}
	lim, _ := os.ReadFile("/proc/" + pid + "/limits")
	if !strings.Contains(string(lim), "Max core file size        0                    0") {
		t.Errorf("the agent's core limit is not 0:\n%s", lim)
	}
}

// An agent whose mlock the kernel refuses (no CAP_IPC_LOCK, RLIMIT_MEMLOCK
// 0) serves all the same and says its keys may be swapped.
func TestAgentMemoryLockRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to drop CAP_IPC_LOCK from the bounding set (setpriv)")
	}
	setpriv, err1 := exec.LookPath("setpriv")
	prlimit, err2 := exec.LookPath("prlimit")
	if err1 != nil || err2 != nil {
		t.Skip("needs setpriv and prlimit (util-linux)")
	}
	e, pw := agentEnv(t)
	e.wrap = []string{setpriv, "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock", prlimit, "--memlock=0:0"}
	e.ok("", "--password-file", pw, "agent", "start")
	e.wrap = nil
	out := e.ok("", "agent", "status")
	if !strings.Contains(out, "key memory: not locked in RAM (mlock refused (") || !strings.Contains(out, "RLIMIT_MEMLOCK 0 KiB") {
		t.Errorf("status: %q, want the refusal and the limit", out)
	}
	e.ok("", "code", "github")
}

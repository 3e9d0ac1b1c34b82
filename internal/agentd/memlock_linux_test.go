package agentd

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// vmLocked is this process's locked memory in KiB (VmLck).
func vmLocked(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmLck:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmLck in /proc/self/status")
	return 0
}

// The pages of the keys and every secret are locked while the agent is
// unlocked, follow the vault when it is written, and are unlocked when it
// locks. The kernel's VmLck counts them.
func TestMemoryLockedInRAM(t *testing.T) {
	before := vmLocked(t)
	f := newFixture(t)
	st, err := f.client.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory == nil || !st.Memory.Locked || st.Memory.Pages < 1 {
		t.Fatalf("status memory: %+v, want locked pages", st.Memory)
	}
	if got := vmLocked(t) - before; got < st.Memory.Pages*os.Getpagesize()/1024 {
		t.Errorf("VmLck grew by %d KiB, want %d pages", got, st.Memory.Pages)
	}
	// Another writer adds an account: its secret's pages are pinned too.
	s := vaultops.New(f.reopen(), "", f.clock)
	if _, err := s.Add([]vaultops.NewAccount{{Account: vault.Account{Issuer: "Later", Name: "ann", Secret: []byte("0123456789abcdefghij"), Type: "totp"}}}); err != nil {
		t.Fatal(err)
	}
	check := func(after string) {
		t.Helper()
		f.srv.mu.Lock()
		defer f.srv.mu.Unlock()
		bufs := f.srv.sess.Vault().KeyMemory()
		if len(bufs) < 4 { // dek, a slot key, three secrets
			t.Errorf("KeyMemory: %d buffers", len(bufs))
		}
		for _, b := range bufs {
			for _, pg := range pagesOf(b) {
				if !f.srv.pin.pages[pg] {
					t.Errorf("after %s: a key buffer's page %#x is not pinned", after, pg)
				}
			}
		}
		if pinned := len(f.srv.pin.pages); pinned > 2*len(bufs)+2 {
			t.Errorf("after %s: %d pages pinned for %d buffers: old pages are kept", after, pinned, len(bufs))
		}
	}
	if _, err := f.client.Code(f.path, "later"); err != nil { // re-read, TOTP
		t.Fatal(err)
	}
	check("a re-read")
	for range 3 {
		if _, err := f.client.Code(f.path, "bank"); err != nil { // the agent's own HOTP write
			t.Fatal(err)
		}
	}
	check("HOTP writes")
	if _, err := f.client.UseRecovery(f.path, "bank"); err != nil {
		t.Fatal(err)
	}
	check("a recovery code used")
	f.srv.Lock()
	if got := vmLocked(t); got != before {
		t.Errorf("VmLck after lock: %d KiB, want %d (as before the agent)", got, before)
	}
	if st, _ := f.client.Status(); st == nil || st.Memory != nil {
		t.Errorf("status when locked: memory %+v, want none", st.Memory)
	}
}

// A refused mlock (RLIMIT_MEMLOCK; the seam stands for a kernel that says
// ENOMEM) is reported, and the agent serves all the same.
func TestMemoryLockRefused(t *testing.T) {
	old := mlockSyscall
	mlockSyscall = func(uintptr, uintptr) error { return unix.ENOMEM }
	t.Cleanup(func() { mlockSyscall = old })
	f := newFixture(t)
	st, err := f.client.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory == nil || st.Memory.Locked || !strings.Contains(st.Memory.Note, "mlock refused") || !strings.Contains(st.Memory.Note, "RLIMIT_MEMLOCK") {
		t.Errorf("status memory: %+v, want a refusal naming RLIMIT_MEMLOCK", st.Memory)
	}
	if _, err := f.client.Code(f.path, "github"); err != nil {
		t.Errorf("code with mlock refused: %v", err)
	}
}

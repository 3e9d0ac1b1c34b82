package vault

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHelperProcess is not a test: it is the child process of the
// multi-process tests, re-executed from the test binary.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("OTTER_VAULT_HELPER")
	if mode == "" {
		t.Skip("helper for the multi-process tests; runs only as their child")
	}
	key, _ := hex.DecodeString(os.Getenv("OTTER_VAULT_HELPER_KEY"))
	l, err := Load(os.Getenv("OTTER_VAULT_HELPER_PATH"), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	v, err := l.Unlock(RecoveryKey{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	prefix, n := os.Getenv("OTTER_VAULT_HELPER_PREFIX"), 25
	for i := 0; mode == "saveloop" || i < n; i++ {
		addAccount(t, v, fmt.Sprintf("%s-%d", prefix, i))
		if mode == "saveloop" {
			fmt.Printf("committed %d\n", v.Generation())
		}
	}
}

// helper prepares a child process running TestHelperProcess.
func helper(t *testing.T, mode, path string, c creds, prefix string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(),
		"OTTER_VAULT_HELPER="+mode,
		"OTTER_VAULT_HELPER_PATH="+path,
		"OTTER_VAULT_HELPER_KEY="+hex.EncodeToString(c.rk.Key),
		"OTTER_VAULT_HELPER_PREFIX="+prefix,
	)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestTwoProcessesLoseNothing(t *testing.T) {
	v, c := newVault(t)
	var wg sync.WaitGroup
	for _, p := range []string{"a", "b"} {
		cmd := helper(t, "add", v.Path(), c, p)
		wg.Go(func() {
			if out, err := cmd.Output(); err != nil {
				t.Errorf("child %s: %v\n%s", p, err, out)
			}
		})
	}
	wg.Wait()
	u := open(t, v.Path(), c.pw)
	seen := map[string]bool{}
	for _, a := range u.Data().Live() {
		seen[a.Issuer] = true
	}
	if len(seen) != 50 || u.Generation() != 51 {
		t.Errorf("%d distinct accounts at generation %d, want 50 at 51", len(seen), u.Generation())
	}
}

func TestKilledWriterNeverLeavesABrokenVault(t *testing.T) {
	v, c := newVault(t)
	dir := filepath.Dir(v.Path())
	strays, ahead := 0, 0
	for round := range 30 {
		last := killSaveLoop(t, helper(t, "saveloop", v.Path(), c, strconv.Itoa(round)))
		if ents, _ := os.ReadDir(dir); hasTemp(ents) {
			strays++
		}
		u := open(t, v.Path(), c.rk)
		if g := u.Generation(); g < last || g > last+1 {
			t.Fatalf("round %d: child committed generation %d, file has %d", round, last, g)
		} else if g == last+1 {
			ahead++
		}
		if ents, _ := os.ReadDir(dir); hasTemp(ents) {
			t.Fatalf("round %d: Load left stray temporary files", round)
		}
		addAccount(t, u, "parent") // cleans strays under backups/ too
		if ents, _ := os.ReadDir(filepath.Join(dir, "backups")); hasTemp(ents) {
			t.Fatalf("round %d: Update left stray temporary files in backups/: %v", round, ents)
		}
	}
	t.Logf("30 kills: %d left a temporary file, %d came after the rename but before the report", strays, ahead)
}

// killSaveLoop starts a saving child, kills it at a random moment and
// returns the last generation it reported as committed.
func killSaveLoop(t *testing.T, cmd *exec.Cmd) uint64 {
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var last uint64
	for lines.Scan() {
		if g, ok := strings.CutPrefix(lines.Text(), "committed "); ok {
			last, _ = strconv.ParseUint(g, 10, 64)
			if cmd.Process != nil && last > 0 {
				break
			}
		}
	}
	time.Sleep(time.Duration(rand.IntN(40_000)) * time.Microsecond)
	cmd.Process.Kill()
	for lines.Scan() {
		if g, ok := strings.CutPrefix(lines.Text(), "committed "); ok {
			last, _ = strconv.ParseUint(g, 10, 64)
		}
	}
	cmd.Wait()
	if last == 0 {
		t.Fatal("child never committed a save")
	}
	return last
}

func hasTemp(ents []os.DirEntry) bool {
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			return true
		}
	}
	return false
}

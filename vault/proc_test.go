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

// The multi-process tests below run at a size that keeps `make test` quick;
// `make stress` sets OTTER_STRESS=1 and they run at their full size.
var stress = os.Getenv("OTTER_STRESS") != ""

// sized returns normal, or full under OTTER_STRESS.
func sized(normal, full int) int {
	if stress {
		return full
	}
	return normal
}

// TestHelperProcess is not a test: it is the child process of the
// multi-process tests, re-executed from the test binary. Modes: "add" adds
// OTTER_VAULT_HELPER_N accounts (default 25); "saveloop" adds accounts until
// it is killed, reporting every committed generation; "read" loads and
// unlocks the vault until the file OTTER_VAULT_HELPER_STOP exists.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("OTTER_VAULT_HELPER")
	if mode == "" {
		t.Skip("helper for the multi-process tests; runs only as their child")
	}
	key, _ := hex.DecodeString(os.Getenv("OTTER_VAULT_HELPER_KEY"))
	path := os.Getenv("OTTER_VAULT_HELPER_PATH")
	if mode == "read" {
		readLoop(t, path, RecoveryKey{Key: key}, os.Getenv("OTTER_VAULT_HELPER_STOP"))
		return
	}
	v := open(t, path, RecoveryKey{Key: key})
	prefix := os.Getenv("OTTER_VAULT_HELPER_PREFIX")
	n, err := strconv.Atoi(os.Getenv("OTTER_VAULT_HELPER_N"))
	if err != nil {
		n = 25
	}
	for i := 0; mode == "saveloop" || i < n; i++ {
		addAccount(t, v, fmt.Sprintf("%s-%d", prefix, i))
		if mode == "saveloop" {
			fmt.Printf("committed %d\n", v.Generation())
		}
	}
}

// helper prepares a child process running TestHelperProcess.
func helper(t *testing.T, mode, path string, c creds, prefix string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(),
		"OTTER_VAULT_HELPER="+mode,
		"OTTER_VAULT_HELPER_PATH="+path,
		"OTTER_VAULT_HELPER_KEY="+hex.EncodeToString(c.rk.Key),
		"OTTER_VAULT_HELPER_PREFIX="+prefix,
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// checkWhole checks that v is a whole generation of a vault in which every
// save added exactly one account: generation g holds g-1 accounts.
func checkWhole(t *testing.T, v *Vault) {
	t.Helper()
	if g, n := v.Generation(), len(v.Data().Live()); uint64(n) != g-1 {
		t.Fatalf("generation %d holds %d accounts, want %d", g, n, g-1)
	}
}

// Two processes × 500 updates (1 000 under OTTER_STRESS) lose nothing:
// every account of both is in the file, and every update made exactly one
// generation.
func TestTwoProcessesLoseNothing(t *testing.T) {
	n := sized(500, 1000)
	v, c := newVault(t)
	start := time.Now()
	runWriters(t, v.Path(), c, n, "a", "b")
	u := open(t, v.Path(), c.pw)
	seen := map[string]bool{}
	for _, a := range u.Data().Live() {
		seen[a.Issuer] = true
	}
	for _, p := range []string{"a", "b"} {
		for i := range n {
			if name := fmt.Sprintf("%s-%d", p, i); !seen[name] {
				t.Fatalf("account %s was lost", name)
			}
		}
	}
	if len(seen) != 2*n || u.Generation() != uint64(2*n+1) {
		t.Errorf("%d distinct accounts at generation %d, want %d at %d", len(seen), u.Generation(), 2*n, 2*n+1)
	}
	t.Logf("2 processes × %d updates in %v", n, time.Since(start).Round(time.Millisecond))
}

// runWriters runs one "add" child per prefix, n updates each, and waits.
func runWriters(t *testing.T, path string, c creds, n int, prefixes ...string) {
	t.Helper()
	var wg sync.WaitGroup
	for _, p := range prefixes {
		cmd := helper(t, "add", path, c, p, "OTTER_VAULT_HELPER_N="+strconv.Itoa(n))
		wg.Go(func() {
			if out, err := cmd.Output(); err != nil {
				t.Errorf("writer %s: %v\n%s", p, err, out)
			}
		})
	}
	wg.Wait()
}

// A reader process that loads and unlocks the vault over and over while two
// other processes write it always sees a whole generation: Load and Unlock
// never fail (in particular never with ErrCorrupt), the generations it sees
// never go back, and each holds exactly its own writes. Readers take no
// lock: this is what the atomic rename buys.
func TestReaderSeesWholeGenerations(t *testing.T) {
	n := sized(100, 500) // updates per writer
	v, c := newVault(t)
	stop := filepath.Join(t.TempDir(), "stop")
	reader := helper(t, "read", v.Path(), c, "", "OTTER_VAULT_HELPER_STOP="+stop)
	out, err := reader.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := reader.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "reading" { // the reader is in its loop
		t.Fatalf("reader did not start: %q", lines.Text())
	}
	runWriters(t, v.Path(), c, n, "a", "b")
	writeFile(t, stop, nil)
	var report []string
	for lines.Scan() {
		report = append(report, lines.Text())
	}
	if err := reader.Wait(); err != nil {
		t.Fatalf("reader: %v\n%s", err, strings.Join(report, "\n"))
	}
	var reads, gens int
	for _, l := range report {
		fmt.Sscanf(l, "read %d times, saw %d generations", &reads, &gens)
	}
	// The reader must have overlapped the writers, or the test proved nothing.
	if gens < 3 {
		t.Fatalf("the reader saw only %d generations in %d reads: it did not overlap the writers\n%s", gens, reads, strings.Join(report, "\n"))
	}
	t.Logf("2 writers × %d updates; the reader loaded and unlocked %d times and saw %d of %d generations", n, reads, gens, 2*n+1)
}

// readLoop is the "read" helper: Load+Unlock in a loop, plus Refresh of one
// long-lived handle, checking each time that it sees a whole generation,
// until stop exists.
func readLoop(t *testing.T, path string, rk RecoveryKey, stop string) {
	h := open(t, path, rk)
	fmt.Println("reading")
	seen := map[uint64]bool{}
	var last uint64
	reads := 0
	for ; ; reads++ {
		if _, err := os.Stat(stop); err == nil {
			break
		}
		l, err := Load(path, testOptions())
		if err != nil {
			t.Fatalf("read %d: Load while others write: %v", reads, err)
		}
		v, err := l.Unlock(rk)
		if err != nil {
			t.Fatalf("read %d: Unlock while others write: %v", reads, err)
		}
		checkWhole(t, v)
		g := v.Generation()
		v.Close()
		if g < last {
			t.Fatalf("read %d: generation went back from %d to %d", reads, last, g)
		}
		last, seen[g] = g, true
		if _, err := h.Refresh(); err != nil {
			t.Fatalf("read %d: Refresh while others write: %v", reads, err)
		}
		checkWhole(t, h)
	}
	fmt.Printf("read %d times, saw %d generations\n", reads, len(seen))
}

// A child process saving in a loop is killed (SIGKILL) at a random moment,
// 200 times (1 000 under OTTER_STRESS). After every kill the vault opens and
// holds the last generation the child reported or the one it was writing
// (the kill fell between the rename and the report), whole; every backup
// opens; Load removes the temporary file a kill left behind, and the next
// Update those under backups/.
func TestKilledWriterNeverLeavesABrokenVault(t *testing.T) {
	rounds := sized(200, 1000)
	var v *Vault
	var c creds
	strays, ahead := 0, 0
	for round := range rounds {
		if round%100 == 0 { // a fresh vault now and then keeps saves small
			v, c = newVault(t)
		}
		dir := filepath.Dir(v.Path())
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
		checkWhole(t, u)
		if ents, _ := os.ReadDir(dir); hasTemp(ents) {
			t.Fatalf("round %d: Load left stray temporary files", round)
		}
		checkBackups(t, u, c)
		addAccount(t, u, "parent") // cleans strays under backups/ too
		if ents, _ := os.ReadDir(filepath.Join(dir, "backups")); hasTemp(ents) {
			t.Fatalf("round %d: Update left stray temporary files in backups/: %v", round, ents)
		}
		u.Close()
	}
	t.Logf("%d kills: %d left a temporary file, %d came after the rename but before the report", rounds, strays, ahead)
	// The kills must land inside saves, or the test proved nothing.
	if strays == 0 {
		t.Errorf("no kill in %d landed while a temporary file existed", rounds)
	}
}

// checkBackups opens every backup of v: each holds the generation its name
// says, whole.
func checkBackups(t *testing.T, v *Vault, c creds) {
	t.Helper()
	for _, gen := range v.st.backupGens() {
		b := open(t, v.st.backupPath(gen), c.rk)
		if b.Generation() != gen {
			t.Fatalf("backup %s holds generation %d", v.st.backupPath(gen), b.Generation())
		}
		checkWhole(t, b)
		b.Close()
	}
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
			if last > 0 {
				break
			}
		}
	}
	time.Sleep(time.Duration(rand.IntN(20_000)) * time.Microsecond)
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

package main

// CLI tests of otter sync: init, join, status, sync itself, and SIGKILL at
// each step of a sync (the test binary's OTTER_TEST_SYNC_KILL, see
// internal/syncer/testhook_kdf.go). Every home is an env of its own with a
// local bare repository as the remote.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/syncer"
)

const syncSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// bareRemote makes an empty bare repository to sync through, with git's
// user and system configuration switched off for the children.
func bareRemote(t *testing.T) string {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	dir := filepath.Join(t.TempDir(), "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", "-b", "main", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	return dir
}

// syncPair makes home a (a vault with GitHub:alice, attached to a new
// remote) and home b (joined from it, no keyring), both unlocked with the
// password in pw.
func syncPair(t *testing.T) (a, b *env, pw, remote string) {
	t.Helper()
	remote = bareRemote(t)
	a, pw, _ = passwordVault(t)
	a.ok("", "--password-file", pw, "add", "--issuer", "GitHub", "--account", "alice", "--secret", syncSecret)
	out := a.ok("", "--password-file", pw, "sync", "init", remote)
	if !strings.Contains(out, "attached to "+remote) || !strings.Contains(out, "pushed") {
		t.Fatalf("sync init on an empty remote said:\n%s", out)
	}
	b = newEnv(t).withoutKeyring()
	out = b.ok("", "--password-file", pw, "sync", "join", remote, "--no-keyring")
	if !strings.Contains(out, "joined vault") || !strings.Contains(out, "1 account") {
		t.Fatalf("sync join said:\n%s", out)
	}
	return a, b, pw, remote
}

func (e *env) addAccount(pw, issuer string) {
	e.t.Helper()
	e.ok("", "--password-file", pw, "add", "--issuer", issuer, "--account", "x", "--secret", syncSecret)
}

// labels lists e's live accounts as "issuer:account", sorted.
func (e *env) labels(pw string) []string {
	e.t.Helper()
	var rows []struct{ Issuer, Account string }
	if err := json.Unmarshal([]byte(e.ok("", "--password-file", pw, "list", "--json")), &rows); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Issuer+":"+r.Account)
	}
	slices.Sort(out)
	return out
}

// syncRepos lists the sync repositories in e's data folder.
func (e *env) syncRepos() []string {
	m, _ := filepath.Glob(filepath.Join(e.dir, "xdg-data", "otter", "sync", "*"))
	return m
}

func TestSyncCrashAtEachStepLosesNothing(t *testing.T) {
	a, b, pw, _ := syncPair(t)
	steps := []string{syncer.StepFetched, syncer.StepWroteVault, syncer.StepCommitted, syncer.StepUpdatedRef, syncer.StepPushed}
	for _, step := range steps {
		// both sides changed: b's sync fetches, merges, writes, commits,
		// moves its branch and pushes, passing every step
		a.addAccount(pw, "A-"+step)
		a.ok("", "--password-file", pw, "sync")
		b.addAccount(pw, "B-"+step)
		before := b.labels(pw)
		union := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(before), a.labels(pw)...))))
		b.extra = []string{"OTTER_TEST_SYNC_KILL=" + step}
		r := b.run("", "--password-file", pw, "sync")
		b.extra = nil
		if r.code != -1 {
			t.Fatalf("%s: otter sync was not killed (exit %d): the kill point is not reached\n%s%s", step, r.code, r.stdout, r.stderr)
		}
		// the vault is the old one or the merged one, never lost
		got := b.labels(pw)
		if !slices.Equal(got, before) && !slices.Equal(got, union) {
			t.Fatalf("killed at %s: b has %q, want the old %q or the merged %q", step, got, before, union)
		}
		// a rerun converges
		b.ok("", "--password-file", pw, "sync")
		a.ok("", "--password-file", pw, "sync")
		b.ok("", "--password-file", pw, "sync")
		la, lb := a.labels(pw), b.labels(pw)
		if !slices.Equal(la, lb) || !slices.Equal(la, union) {
			t.Fatalf("after a kill at %s and a rerun: a has %q, b %q, want %q on both", step, la, lb, union)
		}
	}
	// a pull (nothing changed on b): killed once the remote's vault is
	// written, before b's branch moves to it
	a.addAccount(pw, "A-pull")
	a.ok("", "--password-file", pw, "sync")
	before, want := b.labels(pw), a.labels(pw)
	b.extra = []string{"OTTER_TEST_SYNC_KILL=" + syncer.StepWroteVault}
	if r := b.run("", "--password-file", pw, "sync"); r.code != -1 {
		t.Fatalf("pull: otter sync was not killed (exit %d)\n%s%s", r.code, r.stdout, r.stderr)
	}
	b.extra = nil
	if got := b.labels(pw); !slices.Equal(got, before) && !slices.Equal(got, want) {
		t.Fatalf("killed in a pull: b has %q, want the old %q or the pulled %q", got, before, want)
	}
	b.ok("", "--password-file", pw, "sync")
	if got := b.labels(pw); !slices.Equal(got, want) {
		t.Fatalf("after a kill in a pull and a rerun: b has %q, want %q", got, want)
	}
	if out := a.ok("", "--password-file", pw, "sync"); !strings.HasPrefix(out, "up to date") {
		t.Errorf("a after b's rerun pull: %s", out)
	}
	if !bytes.Equal(readFile(t, a.vault), readFile(t, b.vault)) {
		t.Error("after the last round the two vault files differ")
	}
}

func TestSyncInitMergesTheSameVault(t *testing.T) {
	remote := bareRemote(t)
	a, pw, _ := passwordVault(t)
	a.addAccount(pw, "Shared")
	// c has a copy of the same vault (copied by hand before any sync) and
	// changes of its own
	c := newEnv(t).withoutKeyring()
	if err := os.MkdirAll(filepath.Dir(c.vault), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.vault, readFile(t, a.vault), 0o600); err != nil {
		t.Fatal(err)
	}
	c.addAccount(pw, "OnlyC")
	a.addAccount(pw, "OnlyA")
	a.ok("", "--password-file", pw, "sync", "init", remote)
	out := c.ok("", "--password-file", pw, "sync", "init", remote)
	if !strings.Contains(out, "merged") || !strings.Contains(out, "in  added: OnlyA:x") || !strings.Contains(out, "out added: OnlyC:x") {
		t.Errorf("sync init on a remote with the same vault said:\n%s", out)
	}
	a.ok("", "--password-file", pw, "sync")
	want := []string{"OnlyA:x", "OnlyC:x", "Shared:x"}
	for _, e := range []*env{a, c} {
		if got := e.labels(pw); !slices.Equal(got, want) {
			t.Errorf("after the merge: %q, want %q", got, want)
		}
	}
}

func TestSyncInitRefusesAnotherVault(t *testing.T) {
	a, _, _, remote := syncPair(t)
	_ = a
	d, pw, _ := passwordVault(t)
	d.addAccount(pw, "Mine")
	vaultBefore := readFile(t, d.vault)
	r := d.fails(1, "", "--password-file", pw, "sync", "init", remote)
	if !strings.Contains(r.stderr, "another vault") {
		t.Errorf("refusal does not say why:\n%s", r.stderr)
	}
	if repos := d.syncRepos(); len(repos) != 0 {
		t.Errorf("the refused init left a sync repository: %q", repos)
	}
	if !bytes.Equal(vaultBefore, readFile(t, d.vault)) {
		t.Error("the refused init changed the vault")
	}
	r = d.fails(1, "", "--password-file", pw, "sync")
	if !strings.Contains(r.stderr, "otter sync init") {
		t.Errorf("sync after a refused init: nothing is attached, but it said:\n%s", r.stderr)
	}
}

func TestSyncJoinAddsKeyringSlot(t *testing.T) {
	needKeyring(t)
	a, _, pw, remote := syncPair(t)
	j := newEnv(t)
	out := j.ok("", "--password-file", pw, "sync", "join", remote)
	if !strings.Contains(out, "joined vault") || !strings.Contains(out, "added keyring slot") {
		t.Fatalf("join said:\n%s", out)
	}
	// the keyring slot unlocks: no password this time
	if got := j.ok("", "list"); !strings.Contains(got, "GitHub") {
		t.Errorf("list through the new keyring slot:\n%s", got)
	}
	// the new slot reached the remote: a gets it on its next sync
	a.ok("", "--password-file", pw, "sync")
	if slots := a.ok("", "--password-file", pw, "slot", "list"); !strings.Contains(slots, "keyring") {
		t.Errorf("a's slots after syncing the join:\n%s", slots)
	}
	n := newEnv(t)
	out = n.ok("", "--password-file", pw, "sync", "join", remote, "--no-keyring")
	if strings.Contains(out, "keyring slot") {
		t.Errorf("join --no-keyring added a keyring slot:\n%s", out)
	}
	if got := n.labels(pw); !slices.Equal(got, []string{"GitHub:alice"}) {
		t.Errorf("accounts after join --no-keyring: %q", got)
	}
}

func TestSyncJoinRefusesWhereAVaultIs(t *testing.T) {
	_, _, _, remote := syncPair(t)
	e, pw, _ := passwordVault(t)
	before := readFile(t, e.vault)
	r := e.fails(1, "", "--password-file", pw, "sync", "join", remote, "--no-keyring")
	if !strings.Contains(r.stderr, "there is a vault here already") || !strings.Contains(r.stderr, "otter sync init") {
		t.Errorf("join over a vault said:\n%s", r.stderr)
	}
	if !bytes.Equal(before, readFile(t, e.vault)) {
		t.Error("the refused join changed the vault")
	}
	if repos := e.syncRepos(); len(repos) != 0 {
		t.Errorf("the refused join left a sync repository: %q", repos)
	}
}

func TestSyncStatusJSON(t *testing.T) {
	a, b, pw, remote := syncPair(t)
	// a device shows up in the devices once it committed: the join's own
	// sync had nothing to commit
	b.addAccount(pw, "First")
	b.ok("", "--password-file", pw, "sync")
	b.addAccount(pw, "Pending")
	var st struct {
		Remote   string `json:"remote"`
		Repo     string `json:"repository"`
		LastSync string `json:"last_sync"`
		Local    struct {
			VaultID    string `json:"vault_id"`
			Generation uint64 `json:"generation"`
			Sum        string `json:"sum"`
		} `json:"local"`
		Synced  *struct{ Generation uint64 } `json:"synced"`
		Fetched *struct{ Generation uint64 } `json:"remote_vault"`
		Pending bool                         `json:"local_changes"`
		Devices []struct {
			ID   string `json:"id"`
			This bool   `json:"this_device"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(b.ok("", "sync", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	switch {
	case st.Remote != remote:
		t.Errorf("remote %q, want %q", st.Remote, remote)
	case !strings.HasPrefix(st.Repo, filepath.Join(b.dir, "xdg-data")):
		t.Errorf("repository %q is not in b's data folder", st.Repo)
	case st.LastSync == "":
		t.Error("no last_sync after a sync")
	case len(st.Local.VaultID) < 8 || st.Local.Sum == "" || st.Local.Generation == 0:
		t.Errorf("local fingerprint %+v", st.Local)
	case st.Synced == nil || st.Fetched == nil:
		t.Errorf("synced %v, remote_vault %v: both should be set", st.Synced, st.Fetched)
	case !st.Pending:
		t.Error("local_changes false with an account added since the sync")
	case st.Local.Generation <= st.Synced.Generation:
		t.Errorf("local generation %d not above the synced %d", st.Local.Generation, st.Synced.Generation)
	case len(st.Devices) != 2:
		t.Errorf("%d devices, want 2 (a and b)", len(st.Devices))
	case st.Devices[0].This == st.Devices[1].This:
		t.Errorf("exactly one device should be this one: %+v", st.Devices)
	}
	b.ok("", "--password-file", pw, "sync")
	if err := json.Unmarshal([]byte(b.ok("", "sync", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Pending || st.Local.Generation != st.Synced.Generation {
		t.Errorf("after syncing: local_changes %v, local generation %d, synced %d", st.Pending, st.Local.Generation, st.Synced.Generation)
	}
	_ = a
}

func TestSyncWithoutInit(t *testing.T) {
	e, pw, _ := passwordVault(t)
	r := e.fails(1, "", "--password-file", pw, "sync")
	if !strings.Contains(r.stderr, "otter sync init REMOTE") {
		t.Errorf("no hint to run sync init:\n%s", r.stderr)
	}
	if repos := e.syncRepos(); len(repos) != 0 {
		t.Errorf("a sync without init made a repository: %q", repos)
	}
}

func TestSyncRewoundRemoteIsExit7(t *testing.T) {
	a, _, pw, remote := syncPair(t)
	old, err := exec.Command("git", "-C", remote, "rev-parse", "refs/heads/main").Output()
	if err != nil {
		t.Fatal(err)
	}
	a.addAccount(pw, "Two")
	a.ok("", "--password-file", pw, "sync")
	if out, err := exec.Command("git", "-C", remote, "update-ref", "refs/heads/main", strings.TrimSpace(string(old))).CombinedOutput(); err != nil {
		t.Fatalf("rewind: %v: %s", err, out)
	}
	a.addAccount(pw, "Three")
	before := readFile(t, a.vault)
	r := a.fails(7, "", "--password-file", pw, "sync")
	if !strings.Contains(r.stderr, "rewound") {
		t.Errorf("exit 7 without saying the remote was rewound:\n%s", r.stderr)
	}
	if !bytes.Equal(before, readFile(t, a.vault)) {
		t.Error("the refused sync changed the vault file")
	}
}

func TestSyncReportsInOutAndConflicts(t *testing.T) {
	a, b, pw, _ := syncPair(t)
	b.addAccount(pw, "FromB")
	a.ok("", "--password-file", pw, "edit", "GitHub:alice", "--notes", "notes of a")
	b.ok("", "--password-file", pw, "edit", "GitHub:alice", "--notes", "notes of b")
	out := a.ok("", "--password-file", pw, "sync")
	if !strings.Contains(out, "pushed") || !strings.Contains(out, "out changed: GitHub:alice") {
		t.Errorf("a's sync:\n%s", out)
	}
	out = b.ok("", "--password-file", pw, "sync")
	for _, want := range []string{"merged", "out added: FromB:x",
		"conflict: account GitHub:alice: both devices changed notes"} {
		if !strings.Contains(out, want) {
			t.Errorf("b's sync does not say %q:\n%s", want, out)
		}
	}
	out = a.ok("", "--password-file", pw, "sync")
	// b's edit was the later one: it won, a's notes went to the trash
	if !strings.Contains(out, "pulled") || !strings.Contains(out, "in  added: FromB:x") || !strings.Contains(out, "in  changed: GitHub:alice") {
		t.Errorf("a's second sync:\n%s", out)
	}
	if out := a.ok("", "--password-file", pw, "sync"); !strings.HasPrefix(out, "up to date") {
		t.Errorf("a sync with nothing to do:\n%s", out)
	} // the losing version waits in the trash, marked as such
	if out := a.ok("", "--password-file", pw, "trash"); !strings.Contains(out, "GitHub:alice") || !strings.Contains(out, "lost a sync conflict") {
		t.Errorf("otter trash after the conflict:\n%s", out)
	}
}

// TestSyncNothingToDoDoesNotUnlock: otter sync with nothing to do says
// "up to date" without unlocking — a vault whose credentials are a
// password and a recovery key, no keyring, no terminal and no
// --password-file still syncs — while a local change makes it unlock (and
// fail here, with nothing to unlock with).
func TestSyncNothingToDoDoesNotUnlock(t *testing.T) {
	a, b, pw, _ := syncPair(t)
	for _, e := range []*env{a, b} {
		if out := e.ok("", "sync"); !strings.HasPrefix(out, "up to date (generation ") {
			t.Errorf("a sync with nothing to do, no credential given, said:\n%s", out)
		}
	}
	a.addAccount(pw, "Local")
	before := readFile(t, a.vault)
	r := a.fails(exitUnlock, "", "sync")
	if strings.Contains(r.stdout, "up to date") {
		t.Errorf("a sync with a local change said up to date:\n%s", r.stdout)
	}
	if !bytes.Equal(before, readFile(t, a.vault)) {
		t.Error("the sync that could not unlock changed the vault file")
	}
	a.ok("", "--password-file", pw, "sync")
	// the remote moved: b has to unlock to pull
	b.fails(exitUnlock, "", "sync")
	if out := b.ok("", "--password-file", pw, "sync"); !strings.Contains(out, "pulled") {
		t.Errorf("b's sync after a pushed:\n%s", out)
	}
	if out := b.ok("", "sync"); !strings.HasPrefix(out, "up to date") {
		t.Errorf("b's sync after pulling, no credential given:\n%s", out)
	}
}

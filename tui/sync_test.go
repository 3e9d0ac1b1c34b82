package tui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/internal/syncer"
	"github.com/otterauth/otter/vault"
)

// fakeSync is the Sync seam: it counts calls and answers with rep and err,
// after running change on the vault when set (what a pull brings in).
type fakeSync struct {
	calls  int
	rep    syncer.Report
	err    error
	change func(v *vault.Vault) error
}

func (f *fakeSync) sync(_ context.Context, v *vault.Vault) (syncer.Report, error) {
	f.calls++
	if f.change != nil {
		if err := f.change(v); err != nil {
			return syncer.Report{}, err
		}
	}
	return f.rep, f.err
}

var github = vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}

// syncHarness is a harness over a vault holding GitHub:alice whose Sync
// is f, with automatic sync auto.
func syncHarness(t *testing.T, f *fakeSync, auto bool) *harness {
	h := newHarness(t, 120, 24)
	h.seed(false, github)
	h.m.cfg.Sync, h.m.cfg.AutoSync = f.sync, auto
	return h
}

func (h *harness) unlockWithPassword() {
	h.t.Helper()
	h.typeText(testPass)
	h.press("enter")
	h.see("Codes (")
}

// TestAutoSyncOnUnlockAndAfterAChange: with automatic sync on, one sync
// right after unlock and one after a change; the status line says what
// each did; using a code does not sync.
func TestAutoSyncOnUnlockAndAfterAChange(t *testing.T) {
	f := &fakeSync{rep: syncer.Report{Action: "up to date"}}
	h := syncHarness(t, f, true)
	h.start()
	if f.calls != 0 {
		t.Fatal("synced before the vault was unlocked")
	}
	h.unlockWithPassword()
	if f.calls != 1 {
		t.Fatalf("%d syncs after unlock, want 1", f.calls)
	}
	h.see("Synced: up to date.")

	f.rep = syncer.Report{Action: "pushed", Out: vault.Changes{Changed: []string{"GitHub:alice"}}}
	h.press("p") // pin: a change
	if f.calls != 2 {
		t.Fatalf("%d syncs after a change, want 2", f.calls)
	}
	h.see("Synced: 1 out.")

	h.press("enter") // copy the code: no change
	if f.calls != 2 {
		t.Fatalf("copying a code synced (%d syncs)", f.calls)
	}
}

// TestAutoSyncOff: without automatic sync nothing syncs by itself; S
// syncs now, and ? lists it.
func TestAutoSyncOff(t *testing.T) {
	f := &fakeSync{rep: syncer.Report{Action: "pulled", In: vault.Changes{Added: []string{"a", "b"}}, Out: vault.Changes{Added: []string{"c"}}}}
	h := syncHarness(t, f, false)
	h.start()
	h.unlockWithPassword()
	h.press("p")
	if f.calls != 0 {
		t.Fatalf("%d syncs with automatic sync off", f.calls)
	}
	h.see("S sync now")
	h.press("?")
	h.see("sync now")
	h.press("esc")
	h.press("S")
	if f.calls != 1 {
		t.Fatalf("%d syncs after S, want 1", f.calls)
	}
	h.see("Synced: 2 in, 1 out.")

	// Without a sync repository there is no S.
	h = newHarness(t, 120, 24)
	h.seed(false, github)
	h.start()
	h.unlockWithPassword()
	h.notSee("sync now")
	h.press("S")
	h.notSee("Sync")
}

// TestSyncFailureAndConflictOnStatusLine: a failed sync says why in the
// catalogue's words; a conflict names the record and field.
func TestSyncFailureAndConflictOnStatusLine(t *testing.T) {
	f := &fakeSync{err: fmt.Errorf("fetching: %w", syncer.ErrRewound)}
	h := syncHarness(t, f, true)
	h.start()
	h.unlockWithPassword()
	h.see("Sync failed, changes kept here: Fetching: the remote was rewound")

	f.err = nil
	f.rep = syncer.Report{Action: "merged", Conflicts: []vault.Conflict{{Kind: "account", Label: "GitHub:alice", Field: "notes"}}}
	h.press("S")
	h.see("Sync: up to date; 1 conflict — GitHub:alice notes (kept the later change; the other is in the", "trash).")
}

// TestSyncReloadsWhatCameIn: a sync that changed the vault reloads the
// list, as a change by another process does.
func TestSyncReloadsWhatCameIn(t *testing.T) {
	f := &fakeSync{rep: syncer.Report{Action: "pulled", In: vault.Changes{Added: []string{"GitLab:bob"}}}}
	f.change = func(v *vault.Vault) error {
		return v.Update(func(d *vault.Data) error {
			a := github
			a.Issuer, a.Name = "GitLab", "bob"
			d.AddAccount(a, t0)
			return nil
		})
	}
	h := syncHarness(t, f, true)
	h.start()
	h.unlockWithPassword()
	h.see("Codes (2)", "GitLab", "Synced: 1 in.")
}

// TestSyncDebounced: at most one sync runs; changes during it schedule
// exactly one more, which starts when it ends.
func TestSyncDebounced(t *testing.T) {
	f := &fakeSync{rep: syncer.Report{Action: "up to date"}}
	h := syncHarness(t, f, true)
	h.m.cfg.AutoSync = false
	h.start()
	h.unlockWithPassword()
	h.m.cfg.AutoSync = true
	first := h.m.startSync()
	if first == nil {
		t.Fatal("no sync started")
	}
	h.see("Syncing…")
	if h.m.startSync() != nil || h.m.startSync() != nil {
		t.Fatal("a second sync started while one ran")
	}
	msg := first()
	if f.calls != 1 {
		t.Fatalf("%d syncs, want 1", f.calls)
	}
	h.send(msg) // the end of the first starts the one scheduled, once
	if f.calls != 2 {
		t.Fatalf("%d syncs after the first ended, want 2", f.calls)
	}
	if h.m.sync.running || h.m.sync.again {
		t.Fatalf("sync state after both: %+v", h.m.sync)
	}
}

// TestSyncWithARealRemote runs the TUI's syncs through internal/syncer
// over a local bare remote: after unlock the TUI pulls what another
// device pushed; an account added in the TUI reaches the other device.
func TestSyncWithARealRemote(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git on PATH")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	ctx := context.Background()
	remote := filepath.Join(t.TempDir(), "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", "-b", "main", remote).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	h := newHarness(t, 120, 24)
	h.seed(false, github)

	// This device attaches the vault and pushes it.
	va := h.reopen(vault.Password{Secret: []byte(testPass)})
	repoA, err := syncer.Attach(ctx, filepath.Join(h.dir, "a.git"), remote, va.VaultID())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syncer.New(repoA, va, "device-a", nil).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	va.Close()

	// Another device joins, adds GitLab:bob and pushes.
	vb, repoB := joinTestDevice(t, remote)
	if err := vb.Update(func(d *vault.Data) error {
		a := github
		a.Issuer, a.Name = "GitLab", "bob"
		d.AddAccount(a, t0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := syncer.New(repoB, vb, "device-b", nil).Sync(ctx); err != nil {
		t.Fatal(err)
	}

	h.m.cfg.AutoSync = true
	h.m.cfg.Sync = func(ctx context.Context, v *vault.Vault) (syncer.Report, error) {
		return syncer.New(repoA, v, "device-a", nil).Sync(ctx)
	}
	h.start()
	h.unlockWithPassword()
	h.see("Codes (2)", "GitLab", "Synced: 1 in.")

	h.press("a")
	h.paste("otpauth://totp/Example:carol?secret=JBSWY3DPEHPK3PXP&issuer=Example")
	h.press("enter")
	h.see("Codes (3)", "Synced: 1 out.")
	rep, err := syncer.New(repoB, vb, "device-b", nil).Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.In.Added, "Example:carol") {
		t.Fatalf("the other device's sync brought in %+v, want Example:carol", rep.In)
	}

	// The remote gone: the failure is on the status line, the change kept.
	if err := os.Rename(remote, remote+".gone"); err != nil {
		t.Fatal(err)
	}
	h.press("p")
	h.see("Sync failed, changes kept here: The git remote failed")
	if len(h.reopen(vault.Password{Secret: []byte(testPass)}).Data().Live()) != 3 {
		t.Fatal("the vault lost an account")
	}
}

// joinTestDevice makes a second device's vault from remote, unlocked with
// the password, and its sync repository.
func joinTestDevice(t *testing.T, remote string) (*vault.Vault, *gitrepo.Repo) {
	t.Helper()
	dir := t.TempDir()
	f, err := syncer.Fetch(context.Background(), filepath.Join(dir, "b.git"), remote)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.otter")
	if err := os.WriteFile(path, f.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := vault.Load(path, &vault.Options{AllowWeakKDF: true, DeviceID: "device-b"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := l.Unlock(vault.Password{Secret: []byte(testPass)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	if err := f.Joined(); err != nil {
		t.Fatal(err)
	}
	return v, f.Repo
}

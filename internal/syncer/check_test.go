package syncer

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// check runs Check on d's vault file as it is on disk.
func (d *device) check() (bool, error) {
	d.t.Helper()
	raw, err := os.ReadFile(d.path())
	if err != nil {
		d.t.Fatal(err)
	}
	return Check(context.Background(), d.repo, raw, d.clock)
}

func (d *device) wantCheck(want bool, why string) {
	d.t.Helper()
	got, err := d.check()
	if err != nil || got != want {
		d.t.Errorf("%s: Check = %v, %v; want %v", why, got, err, want)
	}
}

// TestCheckUpToDateOnlyWhenNothingDiffers: the pre-check that needs no key
// says up to date after a sync and only then: not after a local change,
// not when the remote moved, not without the record of the synced vault.
func TestCheckUpToDateOnlyWhenNothingDiffers(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.wantCheck(false, "before the first sync (the remote is empty)")
	a.add("GitHub", "alice")
	a.sync()
	a.wantCheck(true, "right after a sync")
	if rep := a.sync(); rep.Action != "up to date" {
		t.Fatalf("Sync after Check said up to date: %q", rep.Action)
	}

	a.add("GitLab", "alice")
	a.wantCheck(false, "after a local change")
	a.sync()
	a.wantCheck(true, "after syncing the local change")

	b := joinDevice(t, "bbbb", remote)
	b.add("FromB", "x")
	b.sync()
	a.wantCheck(false, "after another device pushed")
	if rep := a.sync(); rep.Action != "pulled" {
		t.Fatalf("a's sync after b pushed: %q, want pulled", rep.Action)
	}
	a.wantCheck(true, "after pulling")
	b.wantCheck(true, "b after its own push")

	// a local file one byte off the synced one
	raw, _ := os.ReadFile(a.path())
	raw[len(raw)/2] ^= 1
	if ok, err := Check(context.Background(), a.repo, raw, nil); ok || err != nil {
		t.Errorf("a vault file one byte off: Check = %v, %v; want false", ok, err)
	}

	// a repository synced before the record existed (or a sync killed
	// before it wrote it): not up to date, and the next sync writes it
	if err := os.Remove(filepath.Join(a.repo.Dir(), syncedFile)); err != nil {
		t.Fatal(err)
	}
	a.wantCheck(false, "without the record of the synced vault")
	if rep := a.sync(); rep.Action != "up to date" {
		t.Fatalf("sync without the record: %q, want up to date", rep.Action)
	}
	a.wantCheck(true, "after the sync rewrote the record")
}

// TestCheckRewoundRemote: Check refuses a rewound remote as Sync does, with
// or without a local change.
func TestCheckRewoundRemote(t *testing.T) {
	a := rewoundDevice(t)
	if _, err := a.check(); !errors.Is(err, ErrRewound) {
		t.Fatalf("Check against a rewound remote: %v, want ErrRewound", err)
	}
	if _, err := New(a.repo, a.v, a.name, a.clock).Sync(context.Background()); !errors.Is(err, ErrRewound) {
		t.Fatalf("Sync against a rewound remote: %v, want ErrRewound", err)
	}
}

// TestCheckNotAttached: a repository without a remote is ErrNotAttached for
// Check and Sync alike (the fetch fails, then the URL is looked at).
func TestCheckNotAttached(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.add("One", "x")
	a.sync()
	if out, err := exec.Command("git", "--git-dir", a.repo.Dir(), "remote", "remove", "origin").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, err := a.check(); !errors.Is(err, ErrNotAttached) {
		t.Errorf("Check without a remote: %v, want ErrNotAttached", err)
	}
	if _, err := New(a.repo, a.v, a.name, a.clock).Sync(context.Background()); !errors.Is(err, ErrNotAttached) {
		t.Errorf("Sync without a remote: %v, want ErrNotAttached", err)
	}
}

// TestCheckRunsOneGitProcess: a sync with nothing to do costs the fetch
// alone (a logging git on PATH counts the processes).
func TestCheckRunsOneGitProcess(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.add("One", "x")
	a.sync()
	real, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	shim, log := t.TempDir(), filepath.Join(t.TempDir(), "log")
	script := "#!/bin/sh\necho \"$1\" >> " + log + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(shim, "git"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", shim+string(os.PathListSeparator)+os.Getenv("PATH"))
	a.wantCheck(true, "after a sync")
	b, _ := os.ReadFile(log)
	if got := strings.Fields(string(b)); len(got) != 1 || got[0] != "fetch" {
		t.Errorf("git processes of a Check with nothing to do: %q, want [fetch]", got)
	}
}

package syncer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/vault"
)

var weakKDF = vault.KDFParams{Memory: 8, Time: 1, Threads: 1}

func password() vault.Password {
	return vault.Password{Secret: []byte("correct horse battery"), KDF: weakKDF}
}

// recoveryKey is a vault's second slot (a vault needs two).
func recoveryKey(t *testing.T) vault.RecoveryKey {
	k, _, err := vault.NewRecoveryKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return vault.RecoveryKey{Key: k}
}

// gitEnv keeps the tests off the machine's git configuration.
func gitEnv(t *testing.T) {
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
}

// bareRemote makes an empty bare repository to sync through.
func bareRemote(t *testing.T) string {
	t.Helper()
	gitEnv(t)
	dir := filepath.Join(t.TempDir(), "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", "-b", "main", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	return dir
}

// device is one machine: its own vault file, state and sync repository.
type device struct {
	t    *testing.T
	name string
	dir  string
	v    *vault.Vault
	repo *gitrepo.Repo
	now  time.Time
}

func (d *device) opts() *vault.Options {
	return &vault.Options{AllowWeakKDF: true, DeviceID: d.name, Now: d.clock}
}

func (d *device) clock() time.Time { d.now = d.now.Add(time.Second); return d.now }

func (d *device) path() string { return filepath.Join(d.dir, "vault.otter") }

// newDevice creates a vault on a new device and attaches it to remote.
func newDevice(t *testing.T, name, remote string) *device {
	t.Helper()
	d := &device{t: t, name: name, dir: t.TempDir(), now: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	v, err := vault.Create(d.path(), d.opts(), password(), recoveryKey(t))
	if err != nil {
		t.Fatal(err)
	}
	d.v = v
	t.Cleanup(v.Close)
	if d.repo, err = Attach(context.Background(), filepath.Join(d.dir, "sync.git"), remote, v.VaultID()); err != nil {
		t.Fatal(err)
	}
	return d
}

// joinDevice makes a second machine that joins the vault at remote.
func joinDevice(t *testing.T, name, remote string) *device {
	t.Helper()
	d := &device{t: t, name: name, dir: t.TempDir(), now: time.Date(2026, 12, 5, 10, 0, 0, 500, time.UTC)}
	f, err := Fetch(context.Background(), filepath.Join(d.dir, "sync.git"), remote)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.path(), f.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := vault.Load(d.path(), d.opts())
	if err != nil {
		t.Fatal(err)
	}
	if d.v, err = l.Unlock(password()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.v.Close)
	if err := f.Joined(); err != nil {
		t.Fatal(err)
	}
	d.repo = f.Repo
	return d
}

func (d *device) sync() Report {
	d.t.Helper()
	rep, err := New(d.repo, d.v, d.name, d.clock).Sync(context.Background())
	if err != nil {
		d.t.Fatalf("%s: sync: %v", d.name, err)
	}
	return rep
}

func (d *device) add(issuer, name string) string {
	d.t.Helper()
	var id string
	err := d.v.Update(func(data *vault.Data) error {
		a := data.AddAccount(vault.Account{Issuer: issuer, Name: name, Secret: []byte("12345678901234567890"), Type: "totp"}, d.clock())
		id = a.ID
		return nil
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return id
}

func (d *device) edit(id string, fn func(a *vault.Account)) {
	d.t.Helper()
	err := d.v.Update(func(data *vault.Data) error {
		a := data.Account(id)
		if a == nil {
			return errors.New("no account " + id)
		}
		fn(a)
		now := d.clock()
		a.Updated, a.Stamp = now, data.Tick(now)
		return nil
	})
	if err != nil {
		d.t.Fatal(err)
	}
}

// labels lists the live accounts' labels, sorted.
func (d *device) labels() []string {
	var out []string
	for _, a := range d.v.Data().Live() {
		out = append(out, a.Label()+"|"+a.Notes)
	}
	slices.Sort(out)
	return out
}

func TestTwoDevicesConverge(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	gh := a.add("GitHub", "alice")
	if rep := a.sync(); rep.Action != "pushed" {
		t.Fatalf("first sync: %q, want pushed", rep.Action)
	}
	b := joinDevice(t, "bbbb", remote)
	if got := b.labels(); !slices.Equal(got, []string{"GitHub:alice|"}) {
		t.Fatalf("joined device sees %q", got)
	}
	b.edit(gh, func(x *vault.Account) { x.Notes = "from b" })
	a.add("GitLab", "alice")
	a.edit(gh, func(x *vault.Account) { x.Name = "alice@work" })
	b.sync()
	rep := a.sync()
	if rep.Action != "merged" {
		t.Fatalf("a's sync: %q, want merged", rep.Action)
	}
	if rep := b.sync(); rep.Action != "pulled" {
		t.Fatalf("b's second sync: %q, want pulled", rep.Action)
	}
	want := []string{"GitHub:alice@work|from b", "GitLab:alice|"}
	for _, d := range []*device{a, b} {
		if got := d.labels(); !slices.Equal(got, want) {
			t.Errorf("%s has %q, want %q (edits of different fields both kept)", d.name, got, want)
		}
	}
	if !bytes.Equal(a.v.Raw(), b.v.Raw()) {
		t.Error("after syncing, the two vault files differ")
	}
	if rep := a.sync(); rep.Action != "up to date" {
		t.Errorf("a sync with nothing to do: %q", rep.Action)
	}
}

func TestNoAccountNameInAnyObject(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.add("SecretIssuerName", "hidden-user-name")
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	b.add("AnotherIssuer", "another-user")
	b.sync()
	a.sync()
	for _, dir := range []string{remote, a.repo.Dir(), b.repo.Dir()} {
		checkNoText(t, dir, []string{"SecretIssuerName", "hidden-user-name", "AnotherIssuer", "another-user"}, 6)
	}
}

func TestHOTPCountersAddUp(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	var id string
	if err := a.v.Update(func(d *vault.Data) error {
		id = d.AddAccount(vault.Account{Issuer: "Bank", Secret: []byte("12345678901234567890"), Type: "hotp", Counter: 7}, a.clock()).ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	a.edit(id, func(x *vault.Account) { x.Counter++ })
	b.edit(id, func(x *vault.Account) { x.Counter += 2 })
	a.sync()
	b.sync()
	a.sync()
	for _, d := range []*device{a, b} {
		if got := d.v.Data().Account(id).Counter; got != 9 {
			t.Errorf("%s: counter %d after 1 code on one device and 2 on the other from 7, want 9", d.name, got)
		}
	}
}

// rewind moves the remote's branch to commit, as a force push would.
func rewind(t *testing.T, remote, commit string) {
	t.Helper()
	if out, err := exec.Command("git", "-C", remote, "update-ref", "refs/heads/main", commit).CombinedOutput(); err != nil {
		t.Fatalf("rewind: %v: %s", err, out)
	}
}

// rewoundDevice returns a device that synced twice, with the remote then
// rewound to its first sync.
func rewoundDevice(t *testing.T) *device {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.add("One", "x")
	old := a.sync().Commit
	a.add("Two", "x")
	a.sync()
	rewind(t, remote, old)
	return a
}

func TestRewoundRemoteIsRefused(t *testing.T) {
	a := rewoundDevice(t)
	a.add("Three", "x")
	before := a.v.Raw()
	_, err := New(a.repo, a.v, a.name, a.clock).Sync(context.Background())
	if !errors.Is(err, ErrRewound) {
		t.Fatalf("sync against a rewound remote: %v, want ErrRewound", err)
	}
	if !bytes.Equal(before, a.v.Raw()) {
		t.Error("the refused sync changed the local vault")
	}
	onDisk, _ := os.ReadFile(a.path())
	if !bytes.Equal(before, onDisk) {
		t.Error("the refused sync changed the vault file")
	}
}

// pushFile commits vault bytes on top of the remote's branch, as a hostile
// remote could, and returns the commit.
func pushFile(t *testing.T, remote string, content []byte) {
	t.Helper()
	r, err := gitrepo.Open(remote)
	if err != nil {
		t.Fatal(err)
	}
	head, err := r.Ref("refs/heads/main")
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Commit(map[string][]byte{VaultFile: content}, []string{head}, "mallory", "otter sync")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef("refs/heads/main", c, head); err != nil {
		t.Fatal(err)
	}
}

func TestHostileRemoteLosesNothing(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.add("One", "x")
	a.sync()
	oldBlob := a.v.Raw()
	a.add("Two", "x")
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	b.add("Three", "x")
	cur := b.v.Raw()
	flipped := bytes.Clone(cur)
	flipped[len(flipped)/2] ^= 1
	// the same flip with the checksum made good: only authentication can
	// tell
	forged := bytes.Clone(flipped)
	sum := sha256.Sum256(forged[:len(forged)-sha256.Size])
	copy(forged[len(forged)-sha256.Size:], sum[:])
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"old blob", oldBlob},
		{"flipped bit", flipped},
		{"flipped bit, checksum fixed", forged},
		{"truncated", cur[:len(cur)/2]},
		{"not a vault", []byte("hello")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head, _ := exec.Command("git", "-C", remote, "rev-parse", "refs/heads/main").Output()
			defer rewind(t, remote, strings.TrimSpace(string(head)))
			pushFile(t, remote, tc.content)
			before := a.v.Raw()
			if _, err := New(a.repo, a.v, a.name, a.clock).Sync(context.Background()); err == nil {
				t.Fatal("sync accepted it")
			}
			if !bytes.Equal(before, a.v.Raw()) {
				t.Error("the local vault changed")
			}
			if got := a.labels(); len(got) != 2 {
				t.Errorf("accounts after the refused sync: %q", got)
			}
			// the refused remote commit must not be this device's base now
			ahead, _ := a.repo.Ref(remoteRef)
			head2, _ := a.repo.Ref(headRef)
			if ahead == head2 {
				t.Error("the device's branch moved to the hostile commit")
			}
		})
	}
	// the remote put right, the device syncs again
	b.sync()
	a.sync()
	if got := a.labels(); len(got) != 3 {
		t.Errorf("after the remote was put right: %q", got)
	}
}

func TestConcurrentSyncsConverge(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	const rounds = 8
	var wg sync.WaitGroup
	for _, d := range []*device{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				d.add(d.name, strings.Repeat("n", i+1))
				if _, err := New(d.repo, d.v, d.name, d.clock).Sync(context.Background()); err != nil {
					t.Errorf("%s: %v", d.name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	a.sync()
	b.sync()
	a.sync()
	if got := a.labels(); len(got) != 2*rounds || !slices.Equal(got, b.labels()) {
		t.Errorf("a has %d accounts, b %d; want %d on both", len(got), len(b.labels()), 2*rounds)
	}
}

func TestOtherVaultIsRefused(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.sync()
	c := &device{t: t, name: "cccc", dir: t.TempDir(), now: time.Now()}
	v, err := vault.Create(c.path(), c.opts(), password(), recoveryKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	dir := filepath.Join(c.dir, "sync.git")
	if _, err := Attach(context.Background(), dir, remote, v.VaultID()); !errors.Is(err, vault.ErrOtherVault) {
		t.Fatalf("attaching another vault: %v, want ErrOtherVault", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Error("the refused attach left its repository behind")
	}
}

// reopen unlocks the device's vault afresh: a new session, which holds
// only the data key of the file on disk.
func (d *device) reopen() {
	d.t.Helper()
	l, err := vault.Load(d.path(), d.opts())
	if err != nil {
		d.t.Fatal(err)
	}
	v, err := l.Unlock(password())
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(v.Close)
	d.v = v
}

func (d *device) addAgeSlot() string {
	d.t.Helper()
	s, err := d.v.AddSlot(vault.AgeRecipient{Recipient: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"}, "")
	if err != nil {
		d.t.Fatal(err)
	}
	return s.ID
}

// Slot removals rotate the data key on both devices at once; in fresh
// sessions, the merge takes the other side's copy through the key links
// and the merge base, and the other device takes the merge through its
// link.
func TestConcurrentRotationsSync(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	s1, s2 := a.addAgeSlot(), a.addAgeSlot()
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	if err := a.v.RemoveSlot(s1); err != nil {
		t.Fatal(err)
	}
	a.add("OnA", "x")
	a.sync()
	if err := b.v.RemoveSlot(s2); err != nil {
		t.Fatal(err)
	}
	b.add("OnB", "x")
	a.reopen()
	b.reopen()
	if rep := b.sync(); rep.Action != "merged" {
		t.Fatalf("b's sync: %q, want merged", rep.Action)
	}
	if rep := a.sync(); rep.Action != "pulled" {
		t.Fatalf("a's sync: %q, want pulled", rep.Action)
	}
	if len(a.v.Slots()) != 2 || !slices.Equal(a.labels(), b.labels()) || len(a.labels()) != 2 {
		t.Fatalf("after syncing: %d slots, a %q, b %q", len(a.v.Slots()), a.labels(), b.labels())
	}
}

func TestReportSummary(t *testing.T) {
	for _, tc := range []struct {
		rep  Report
		want string
	}{
		{Report{}, "up to date"},
		{Report{Out: vault.Changes{Added: []string{"GitHub:alice"}}}, "1 out"},
		{Report{In: vault.Changes{Added: []string{"a"}, Deleted: []string{"b"}}, Out: vault.Changes{Changed: []string{"c"}}}, "2 in, 1 out"},
		{Report{Conflicts: []vault.Conflict{{Kind: "account", Label: "GitHub:alice", Field: "notes"}}},
			"up to date; 1 conflict — GitHub:alice notes (kept the later change; the other is in the trash)"},
		{Report{In: vault.Changes{Changed: []string{"x"}}, Conflicts: []vault.Conflict{{Kind: "settings", Field: "auto_lock"}, {Kind: "account", Label: "a", Field: "name"}}},
			"1 in; 2 conflicts — auto_lock and 1 more (kept the later changes; the other accounts' versions are in the trash)"},
		{Report{Conflicts: []vault.Conflict{{Kind: "settings", Field: "auto_lock"}}}, "up to date; 1 conflict — auto_lock (kept the later change)"},
		{Report{In: vault.Changes{Changed: []string{"x"}}, Members: []Notice{{Added: []SlotNote{{Type: "age", Label: "alice"}}}}},
			"1 in; unlock slots changed by another device: added age slot alice"},
	} {
		if got := tc.rep.Summary(); got != tc.want {
			t.Errorf("Summary() = %q, want %q", got, tc.want)
		}
	}
}

// TestPullInterruptedBeforeTheRefMoved: a sync that wrote the remote's
// vault (a pull) and died before it moved this device's branch leaves the
// local file equal to the remote's. The next sync only moves the branch:
// no merge, no new generation, nothing for the other device to pull.
func TestPullInterruptedBeforeTheRefMoved(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.add("One", "x")
	a.sync()
	b := joinDevice(t, "bbbb", remote)
	a.add("Two", "x")
	c := a.sync().Commit
	theirs, err := a.repo.ReadFile(c, VaultFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.v.Adopt(theirs); err != nil { // the pull's write, then the crash
		t.Fatal(err)
	}
	gen := b.v.Generation()
	if rep := b.sync(); rep.Action != "up to date" || rep.Commit != c || b.v.Generation() != gen {
		t.Errorf("b's next sync: %q to %.12s at generation %d, want up to date at %.12s, generation %d", rep.Action, rep.Commit, b.v.Generation(), c, gen)
	}
	if rep := a.sync(); rep.Action != "up to date" {
		t.Errorf("a after b's sync: %q, want up to date", rep.Action)
	}
}

// TestOldBlobOnTheMergePathIsRefused: this device has a commit the remote
// lacks (its push failed), and the remote then puts an old vault file on
// top of what this device last synced. Merged on the base, the old file
// would "change" every field back — a rotated secret included. The sync
// refuses it as a rewind and the vault keeps the new values.
func TestOldBlobOnTheMergePathIsRefused(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	id := a.add("One", "x")
	a.sync()
	oldBlob := a.v.Raw()
	a.edit(id, func(ac *vault.Account) { ac.Notes = "NEW"; ac.Secret = []byte("ROTATEDSECRET1234567") })
	a.sync()
	hook := filepath.Join(remote, "hooks", "pre-receive") // the server refuses the next push
	if err := os.WriteFile(hook, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	a.add("Two", "x")
	if _, err := New(a.repo, a.v, a.name, a.clock).Sync(context.Background()); err == nil {
		t.Fatal("the push the server refused succeeded")
	}
	if err := os.Remove(hook); err != nil {
		t.Fatal(err)
	}
	pushFile(t, remote, oldBlob)
	before := a.v.Raw()
	if _, err := New(a.repo, a.v, a.name, a.clock).Sync(context.Background()); !errors.Is(err, ErrRewound) {
		t.Fatalf("sync with an old file on the merge path: %v, want ErrRewound", err)
	}
	if !bytes.Equal(before, a.v.Raw()) {
		t.Error("the refused sync changed the vault")
	}
	acc := a.v.Data().Account(id)
	if acc == nil || acc.Notes != "NEW" || string(acc.Secret) != "ROTATEDSECRET1234567" {
		t.Errorf("the account after the refused sync: %v notes %q", acc, acc.Notes)
	}
}

// TestRewoundRightAfterJoinIsRefused: a device that joined and has not
// synced since still refuses a remote that lost the commit it joined at.
func TestRewoundRightAfterJoinIsRefused(t *testing.T) {
	remote := bareRemote(t)
	a := newDevice(t, "aaaa", remote)
	a.add("One", "x")
	first := a.sync().Commit
	a.add("Two", "x")
	a.sync()
	f, err := Fetch(context.Background(), filepath.Join(t.TempDir(), "sync.git"), remote)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Joined(); err != nil {
		t.Fatal(err)
	}
	rewind(t, remote, first)
	if _, err := fetch(context.Background(), f.Repo, true); !errors.Is(err, ErrRewound) {
		t.Fatalf("fetch of a remote rewound below the joined commit: %v, want ErrRewound", err)
	}
}

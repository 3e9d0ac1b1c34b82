package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/termtext"
)

// isolate makes git ignore the machine's global and system configuration
// and skips the test when git is missing.
func isolate(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
}

// setup makes a bare remote and two devices' repositories attached to it.
func setup(t testing.TB) (remote string, a, b *Repo) {
	t.Helper()
	isolate(t)
	root := t.TempDir()
	remote = filepath.Join(root, "remote.git")
	if _, err := Init(remote); err != nil {
		t.Fatal(err)
	}
	return remote, device(t, filepath.Join(root, "a"), remote), device(t, filepath.Join(root, "b"), remote)
}

func device(t testing.TB, dir, remote string) *Repo {
	t.Helper()
	r, err := Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetRemote(remote); err != nil {
		t.Fatal(err)
	}
	return r
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func commit(t testing.TB, r *Repo, files map[string]string, parents ...string) string {
	t.Helper()
	m := map[string][]byte{}
	for k, v := range files {
		m[k] = []byte(v)
	}
	id, err := r.Commit(m, parents, "dev-a", "sync\n")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func remoteMain(t *testing.T, remote string) string {
	t.Helper()
	r, err := Open(remote)
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.Ref(Branch)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestInitOpenRemote(t *testing.T) {
	isolate(t)
	dir := filepath.Join(t.TempDir(), "sync")
	r, err := Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("mode of %s: %v, %v; want 0700", dir, fi.Mode(), err)
	}
	if _, err := Init(dir); err != nil {
		t.Fatalf("Init again: %v", err)
	}
	head, err := os.ReadFile(filepath.Join(dir, "HEAD"))
	if err != nil || string(head) != "ref: refs/heads/main\n" {
		t.Errorf("HEAD = %q, %v", head, err)
	}
	if u, err := r.Remote(); u != "" || err != nil {
		t.Errorf("Remote() = %q, %v; want none", u, err)
	}
	for _, u := range []string{"/srv/one.git", "ssh://git@example.org/otter.git"} {
		if err := r.SetRemote(u); err != nil {
			t.Fatal(err)
		}
		if got, err := r.Remote(); got != u || err != nil {
			t.Errorf("Remote() = %q, %v; want %q", got, err, u)
		}
	}
	if err := r.SetRemote("https://me:hunter2@example.org/o.git"); !errors.Is(err, ErrURLPassword) {
		t.Errorf("SetRemote(URL with a password) = %v, want ErrURLPassword", err)
	}
	if err := r.SetRemote("--upload-pack=touch /tmp/x"); err == nil {
		t.Error("SetRemote accepted an option")
	}
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("Open of an empty folder succeeded")
	}
	if _, err := Open(dir); err != nil {
		t.Errorf("Open: %v", err)
	}
}

func TestCommitPushFetchRead(t *testing.T) {
	remote, a, b := setup(t)
	if got, err := b.Fetch(ctx(t)); got != "" || err != nil {
		t.Fatalf("Fetch of an empty remote = %q, %v; want \"\", nil", got, err)
	}
	files := map[string]string{"vault.otter": "\x00secret\xffbytes", "devices/abc.log": "one\n", "devices/def.log": "two\n"}
	c1 := commit(t, a, files)
	if err := a.UpdateRef(Branch, c1, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.Push(ctx(t), c1); err != nil {
		t.Fatal(err)
	}
	if got := remoteMain(t, remote); got != c1 {
		t.Fatalf("remote main = %q, want %q", got, c1)
	}
	got, err := b.Fetch(ctx(t))
	if err != nil || got != c1 {
		t.Fatalf("Fetch = %q, %v; want %q", got, err, c1)
	}
	if ref, _ := b.Ref(RemoteBranch); ref != c1 {
		t.Errorf("Ref(%s) = %q", RemoteBranch, ref)
	}
	for name, want := range files {
		data, err := b.ReadFile(c1, name)
		if err != nil || string(data) != want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", name, data, err, want)
		}
	}
	list, err := b.Files(c1)
	if err != nil || len(list) != len(files) {
		t.Fatalf("Files = %v, %v", list, err)
	}
	for name := range files {
		if data, err := b.Cat(list[name]); err != nil || string(data) != files[name] {
			t.Errorf("Cat(%s) = %q, %v", name, data, err)
		}
	}
	raw, err := b.Cat(c1)
	if err != nil || !bytes.Contains(raw, []byte("author otter <dev-a>")) || !bytes.Contains(raw, []byte("committer otter <dev-a>")) {
		t.Errorf("commit object:\n%s\n%v", raw, err)
	}
}

func TestReadFileNotFound(t *testing.T) {
	_, a, _ := setup(t)
	c := commit(t, a, map[string]string{"devices/x.log": "x"})
	for _, name := range []string{"nope", "devices/nope.log", "devices", "with space missing"} {
		if _, err := a.ReadFile(c, name); !errors.Is(err, ErrNotFound) {
			t.Errorf("ReadFile(%q) = %v, want ErrNotFound", name, err)
		}
	}
	missing := strings.Repeat("ab", 20)
	if _, err := a.ReadFile(missing, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadFile(missing commit) = %v, want ErrNotFound", err)
	}
	if _, err := a.Files(missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("Files(missing commit) = %v, want ErrNotFound", err)
	}
	if ref, err := a.Ref("refs/heads/nope"); ref != "" || err != nil {
		t.Errorf("Ref(missing) = %q, %v", ref, err)
	}
}

// TestConcurrentPush: two devices push from the same base; the second is
// rejected, and after a fetch and a merge commit its push succeeds.
func TestConcurrentPush(t *testing.T) {
	remote, a, b := setup(t)
	base := commit(t, a, map[string]string{"devices/a.log": "a0"})
	if err := a.Push(ctx(t), base); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Fetch(ctx(t)); err != nil {
		t.Fatal(err)
	}
	ca := commit(t, a, map[string]string{"devices/a.log": "a1"}, base)
	cb := commit(t, b, map[string]string{"devices/a.log": "a0", "devices/b.log": "b1"}, base)
	if err := a.Push(ctx(t), ca); err != nil {
		t.Fatal(err)
	}
	err := b.Push(ctx(t), cb)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("second push = %v, want ErrRejected", err)
	}
	t.Log(err)
	if got := remoteMain(t, remote); got != ca {
		t.Fatalf("remote main after the rejected push = %q, want %q", got, ca)
	}
	theirs, err := b.Fetch(ctx(t))
	if err != nil || theirs != ca {
		t.Fatalf("Fetch = %q, %v; want %q", theirs, err, ca)
	}
	merge := commit(t, b, map[string]string{"devices/a.log": "a1", "devices/b.log": "b1"}, cb, theirs)
	if err := b.Push(ctx(t), merge); err != nil {
		t.Fatalf("push of the merge: %v", err)
	}
	if got := remoteMain(t, remote); got != merge {
		t.Errorf("remote main = %q, want the merge %q", got, merge)
	}
}

// TestPushNeverRewrites: a commit that does not descend from the remote's
// main is refused even when this repository has every object, and the
// remote keeps its main.
func TestPushNeverRewrites(t *testing.T) {
	remote, a, _ := setup(t)
	c1 := commit(t, a, map[string]string{"f": "1"})
	c2 := commit(t, a, map[string]string{"f": "2"}, c1)
	for _, c := range []string{c1, c2} {
		if err := a.Push(ctx(t), c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Fetch(ctx(t)); err != nil {
		t.Fatal(err)
	}
	side := commit(t, a, map[string]string{"f": "side"}, c1)
	for _, c := range []string{side, c1} {
		if err := a.Push(ctx(t), c); !errors.Is(err, ErrRejected) {
			t.Errorf("Push(not a descendant) = %v, want ErrRejected", err)
		} else {
			t.Log(err)
		}
		if got := remoteMain(t, remote); got != c2 {
			t.Fatalf("remote main = %q, want it unchanged at %q", got, c2)
		}
	}
}

func TestUpdateRefCAS(t *testing.T) {
	_, a, _ := setup(t)
	c1 := commit(t, a, map[string]string{"f": "1"})
	c2 := commit(t, a, map[string]string{"f": "2"}, c1)
	if err := a.UpdateRef(Branch, c1, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.UpdateRef(Branch, c2, ""); !errors.Is(err, ErrRefChanged) {
		t.Errorf("UpdateRef(old \"\" on an existing ref) = %v, want ErrRefChanged", err)
	}
	if err := a.UpdateRef(Branch, c2, c2); !errors.Is(err, ErrRefChanged) {
		t.Errorf("UpdateRef(wrong old) = %v, want ErrRefChanged", err)
	}
	if got, _ := a.Ref(Branch); got != c1 {
		t.Fatalf("main = %q after failed swaps, want %q", got, c1)
	}
	if err := a.UpdateRef(Branch, c2, c1); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Ref(Branch); got != c2 {
		t.Errorf("main = %q, want %q", got, c2)
	}
	if err := a.UpdateRef("HEAD", c2, c1); err == nil {
		t.Error("UpdateRef accepted a name outside refs/")
	}
}

func TestAncestry(t *testing.T) {
	_, a, _ := setup(t)
	// c1 ← c2 ← c3, c2 ← d3; u unrelated.
	c1 := commit(t, a, map[string]string{"f": "1"})
	c2 := commit(t, a, map[string]string{"f": "2"}, c1)
	c3 := commit(t, a, map[string]string{"f": "3"}, c2)
	d3 := commit(t, a, map[string]string{"f": "d3"}, c2)
	u := commit(t, a, map[string]string{"g": "u"})
	for _, tc := range []struct {
		a, b string
		want bool
	}{{c1, c3, true}, {c2, c2, true}, {c3, c1, false}, {c3, d3, false}, {u, c3, false}} {
		if got, err := a.IsAncestor(tc.a, tc.b); got != tc.want || err != nil {
			t.Errorf("IsAncestor(%.7s, %.7s) = %v, %v; want %v", tc.a, tc.b, got, err, tc.want)
		}
	}
	if got, err := a.MergeBase(c3, d3); got != c2 || err != nil {
		t.Errorf("MergeBase(c3, d3) = %q, %v; want c2 %q", got, err, c2)
	}
	if got, err := a.MergeBase(c3, u); got != "" || err != nil {
		t.Errorf("MergeBase(unrelated) = %q, %v; want \"\"", got, err)
	}
	if _, err := a.IsAncestor("--all", c1); err == nil {
		t.Error("IsAncestor accepted an option")
	}
}

func TestCommitTree(t *testing.T) {
	_, a, _ := setup(t)
	files := map[string]string{"top": "t", "d/x": "x", "d/e/y": "y", "d/e/z": "z", "empty": ""}
	c := commit(t, a, files)
	got, err := a.Files(c)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for name := range files {
		want[name] = got[name]
		if got[name] == "" {
			t.Errorf("Files lacks %s: %v", name, got)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Files = %v", got)
	}
	empty, err := a.Commit(nil, nil, "dev", "")
	if err != nil {
		t.Fatalf("commit of no files: %v", err)
	}
	if got, err := a.Files(empty); err != nil || len(got) != 0 {
		t.Errorf("Files(empty) = %v, %v", got, err)
	}
	for _, bad := range []map[string][]byte{{"/abs": nil}, {"a//b": nil}, {"../x": nil}, {"a/./b": nil}, {"a": nil, "a/b": nil}} {
		if _, err := a.Commit(bad, nil, "dev", "m"); err == nil {
			t.Errorf("Commit(%v) accepted bad names", bad)
		}
	}
	if _, err := a.Commit(nil, nil, "x> <y", "m"); err == nil {
		t.Error("Commit accepted angle brackets in the author")
	}
}

// TestNoPlaintextInObjects: what Commit stores is exactly what it was
// given — a test of the helpers a vault test uses to assert that no
// plaintext account name reaches any object.
func TestNoPlaintextInObjects(t *testing.T) {
	_, a, _ := setup(t)
	commit(t, a, map[string]string{"vault.otter": "ciphertext-only"})
	ids, err := a.Objects()
	if err != nil || len(ids) != 3 { // blob, tree, commit
		t.Fatalf("Objects = %v, %v; want 3", ids, err)
	}
	var found bool
	for _, id := range ids {
		data, err := a.Cat(id)
		if err != nil {
			t.Fatal(err)
		}
		found = found || bytes.Contains(data, []byte("ciphertext-only"))
		if bytes.Contains(data, []byte("github")) {
			t.Errorf("object %s holds a plaintext name", id)
		}
	}
	if !found {
		t.Error("no object holds the committed contents")
	}
}

func TestUnreachableRemote(t *testing.T) {
	isolate(t)
	r, err := Init(filepath.Join(t.TempDir(), "a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetRemote(filepath.Join(t.TempDir(), "no", "such.git")); err != nil {
		t.Fatal(err)
	}
	_, ferr := r.Fetch(ctx(t))
	c := commit(t, r, map[string]string{"f": "1"})
	perr := r.Push(ctx(t), c)
	for _, err := range []error{ferr, perr} {
		if !errors.Is(err, ErrRemote) || errors.Is(err, ErrRejected) {
			t.Errorf("err = %v, want ErrRemote", err)
			continue
		}
		msg := err.Error()
		t.Log(msg)
		if !strings.Contains(msg, "such.git") || termtext.Dirty(msg, false) || len(msg) > 800 {
			t.Errorf("message %q: want git's words about the path, one clean line", msg)
		}
	}
}

func TestRemoteMessageCleaned(t *testing.T) {
	got := cleanStderr([]byte("remote: \x1b]52;c;aGk=\x07evil\r\nCounting 1%\rCounting 100%\nfatal: " + strings.Repeat("é", 500) + "\n"))
	if termtext.Dirty(got, false) || !strings.Contains(got, "evil") || strings.Contains(got, "1%") || len(got) > maxStderr+len("…") {
		t.Errorf("cleanStderr = %q", got)
	}
}

func TestFetchCancelled(t *testing.T) {
	_, a, _ := setup(t)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Fetch(c); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrRemote) {
		t.Errorf("Fetch with a cancelled context = %v, want ErrRemote and context.Canceled", err)
	}
}

// TestHungRemote: a remote that does not answer (an ssh that hangs) is
// cut off by the caller's context. The hung ssh itself outlives git (it is
// not killed, see runCtx), so it only sleeps a few seconds here.
func TestHungRemote(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sleep as ssh")
	}
	isolate(t)
	r, err := Init(filepath.Join(t.TempDir(), "a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetRemote("ssh://otter.invalid/x.git"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_SSH_COMMAND", "sleep 3 #")
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = r.Fetch(c)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrRemote) {
		t.Errorf("Fetch from a hung remote = %v, want ErrRemote and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Fetch returned after %v", d)
	}
	t.Log(err, time.Since(start))
}

func TestNoGit(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	t.Setenv("PATH", "")
	if _, err := Init(filepath.Join(dir, "a")); !errors.Is(err, ErrNoGit) || !strings.Contains(err.Error(), "install git") {
		t.Errorf("Init without git = %v, want ErrNoGit", err)
	}
	r := &Repo{dir: dir}
	if _, err := r.Fetch(context.Background()); !errors.Is(err, ErrNoGit) {
		t.Errorf("Fetch without git = %v, want ErrNoGit", err)
	}
}

// TestForeignGitDir: a GIT_DIR in the environment (otter run from a git
// hook) does not redirect the commands.
func TestForeignGitDir(t *testing.T) {
	_, a, b := setup(t)
	t.Setenv("GIT_DIR", b.Dir())
	c := commit(t, a, map[string]string{"f": "1"})
	if err := a.UpdateRef(Branch, c, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Ref(Branch); got != "" {
		t.Errorf("b's main = %q: a's command wrote to the GIT_DIR of the environment", got)
	}
}

// TestPushDeclined: a remote that refuses the push for another reason (a
// hook) is ErrRemote with the remote's words, cleaned, not ErrRejected —
// fetching and merging would not help.
func TestPushDeclined(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell hook")
	}
	remote, a, _ := setup(t)
	c1 := commit(t, a, map[string]string{"f": "1"})
	if err := a.Push(ctx(t), c1); err != nil {
		t.Fatal(err)
	}
	hook := "#!/bin/sh\nprintf 'quota \\033[31mexceeded\\n' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(remote, "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	c2 := commit(t, a, map[string]string{"f": "2"}, c1)
	err := a.Push(ctx(t), c2)
	if !errors.Is(err, ErrRemote) || errors.Is(err, ErrRejected) {
		t.Fatalf("Push to a declining remote = %v, want ErrRemote", err)
	}
	t.Log(err)
	if msg := err.Error(); !strings.Contains(msg, "quota") || termtext.Dirty(msg, false) {
		t.Errorf("message %q: want the remote's words, cleaned", msg)
	}
	if got := remoteMain(t, remote); got != c1 {
		t.Errorf("remote main = %q, want %q", got, c1)
	}
	if err := a.Push(ctx(t), strings.Repeat("ab", 20)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Push(missing commit) = %v, want ErrNotFound", err)
	}
}

// devices is a sync commit's worth of files: the vault and ten device logs.
func devices(round int) map[string][]byte {
	m := map[string][]byte{"vault.otter": bytes.Repeat([]byte{byte(round)}, 64<<10)}
	for i := range 10 {
		m["devices/"+strings.Repeat(string(rune('a'+i)), 16)+".log"] = []byte(strings.Repeat("event\n", 100+round))
	}
	return m
}

// BenchmarkCommit: one sync commit of the vault and ten device logs.
func BenchmarkCommit(b *testing.B) {
	_, a, _ := setup(b)
	for i := 0; b.Loop(); i++ {
		if _, err := a.Commit(devices(i), nil, "dev-a", "sync"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetchUpToDate: the fetch every sync starts with, nothing new.
func BenchmarkFetchUpToDate(b *testing.B) {
	_, a, d := setup(b)
	c, err := a.Commit(devices(0), nil, "dev-a", "sync")
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Push(ctx(b), c); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := d.Fetch(ctx(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSyncRound: one device commits and pushes, the other fetches
// and reads the vault back.
func BenchmarkSyncRound(b *testing.B) {
	_, a, d := setup(b)
	var parent []string
	for i := 0; b.Loop(); i++ {
		c, err := a.Commit(devices(i), parent, "dev-a", "sync")
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Push(ctx(b), c); err != nil {
			b.Fatal(err)
		}
		parent = []string{c}
		got, err := d.Fetch(ctx(b))
		if err != nil || got != c {
			b.Fatal(got, err)
		}
		if _, err := d.ReadFile(got, "vault.otter"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRefsOneProcess: Refs reads several refs at once, leaves out the
// missing ones and the refs below a name; FetchRefs reads them after the
// fetch.
func TestRefsOneProcess(t *testing.T) {
	_, a, b := setup(t)
	c1 := commit(t, a, map[string]string{"f": "1"})
	c2 := commit(t, a, map[string]string{"f": "2"}, c1)
	for name, c := range map[string]string{Branch: c1, "refs/otter/seen": c2, "refs/otter/under/below": c1} {
		if err := a.UpdateRef(name, c, ""); err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.Refs(Branch, "refs/otter/seen", RemoteBranch, "refs/otter/under")
	if err != nil || len(got) != 2 || got[Branch] != c1 || got["refs/otter/seen"] != c2 {
		t.Fatalf("Refs = %v, %v; want main %s and seen %s only", got, err, c1, c2)
	}
	if _, err := a.Refs("HEAD"); err == nil {
		t.Error("Refs accepted a name outside refs/")
	}
	// packed refs, read in Go, and a symbolic ref, which Refs asks git for
	if out, err := exec.Command("git", "--git-dir", a.Dir(), "pack-refs", "--all").CombinedOutput(); err != nil {
		t.Fatalf("pack-refs: %v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(a.Dir(), "refs", "otter", "seen")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("refs/otter/seen still loose after pack-refs: %v", err)
	}
	if refs, ok := a.readRefs([]string{Branch, "refs/otter/seen", "refs/otter/under"}); !ok || len(refs) != 2 || refs[Branch] != c1 || refs["refs/otter/seen"] != c2 {
		t.Fatalf("packed refs read in Go: %v, %v", refs, ok)
	}
	if err := a.UpdateRef(Branch, c2, c1); err != nil { // loose again, over the packed one
		t.Fatal(err)
	}
	if got, err := a.Ref(Branch); got != c2 || err != nil {
		t.Fatalf("Ref(main) after moving it over its packed copy = %q, %v; want %s", got, err, c2)
	}
	if out, err := exec.Command("git", "--git-dir", a.Dir(), "symbolic-ref", "refs/otter/sym", Branch).CombinedOutput(); err != nil {
		t.Fatalf("symbolic-ref: %v: %s", err, out)
	}
	if _, ok := a.readRefs([]string{"refs/otter/sym"}); ok {
		t.Error("readRefs read a symbolic ref (git must)")
	}
	if got, err := a.Refs("refs/otter/sym", Branch); err != nil || got["refs/otter/sym"] != c2 || got[Branch] != c2 {
		t.Errorf("Refs through git = %v, %v; want both at %s", got, err, c2)
	}
	if err := a.UpdateRef(Branch, c1, c2); err != nil {
		t.Fatal(err)
	}
	if err := a.Push(ctx(t), c1); err != nil {
		t.Fatal(err)
	}
	refs, err := b.FetchRefs(ctx(t), false, RemoteBranch, Branch)
	if err != nil || len(refs) != 1 || refs[RemoteBranch] != c1 {
		t.Fatalf("FetchRefs = %v, %v; want only %s at %s", refs, err, RemoteBranch, c1)
	}
}

// TestOpenRunsNoGit: Open checks the folder in Go — a bare repository
// opens, a work tree's repository and a half-made folder do not — with no
// git on PATH.
func TestOpenRunsNoGit(t *testing.T) {
	isolate(t)
	bare := filepath.Join(t.TempDir(), "r.git")
	if _, err := Init(bare); err != nil {
		t.Fatal(err)
	}
	wt := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", wt).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	half := t.TempDir()
	if err := os.WriteFile(filepath.Join(half, "HEAD"), []byte("ref: refs/heads/main\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Open(bare); err != nil {
		t.Errorf("Open(bare) without git on PATH: %v", err)
	}
	if _, err := Open(filepath.Join(wt, ".git")); err == nil {
		t.Error("Open of a work tree's .git succeeded")
	}
	if _, err := Open(half); err == nil {
		t.Error("Open of a folder with only HEAD succeeded")
	}
}

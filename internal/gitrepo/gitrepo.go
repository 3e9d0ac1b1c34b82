// Package gitrepo is otter's engine for sync through git: a bare
// repository of otter's own (in otter's data dir) attached to one remote,
// "origin", which may be any URL git understands — a bare repository's
// path, ssh or https. It is an adapter below the domain layer, like
// internal/keyring: it knows commits, trees, blobs and refs, nothing of
// vaults.
//
// It runs the real git command (os/exec) with plumbing only — hash-object,
// mktree, commit-tree, cat-file, ls-tree, update-ref, merge-base, fetch and
// push of explicit refspecs — and never anything that needs a work tree.
// git inherits otter's environment and reads the user's configuration, so
// ssh config and agents, credential helpers and proxies work as they do
// for the user's own git. Only the variables that would point git at
// another repository (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE …, set when
// otter runs inside a git hook) are replaced: every command gets GIT_DIR of
// this repository.
//
// Prompts: git asks for credentials and ssh for passphrases on the
// terminal (/dev/tty) or through an askpass program, not on standard
// input. So every command runs with standard input from the null device
// (or the data it is given), GIT_TERMINAL_PROMPT is left as the user set
// it, and a person at a terminal still gets the prompt; without a terminal
// git fails at once instead of waiting. A prompt nobody answers is bounded
// by the caller's context (Fetch, Push) or by Repo.Timeout.
//
// Secrets never reach a command line: file contents and commit messages
// go through standard input, and SetRemote refuses a URL that carries a
// password (a credential helper or ssh key is the way).
//
// The remote is only ever advanced: Push sends a commit to
// refs/heads/main without force, and git refuses it unless it descends
// from the remote's main (ErrRejected: fetch, merge, push again).
package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/otterauth/otter/internal/termtext"
)

var (
	// ErrNoGit means the git command is not installed (not on PATH).
	ErrNoGit = errors.New("git is not installed (or not on PATH): install git to sync")
	// ErrRejected means the remote refused the push because it is not a
	// fast-forward: another device pushed first. Fetch, merge and push
	// again.
	ErrRejected = errors.New("the git remote has changes this device has not fetched")
	// ErrNotFound means no such file in that commit, no such commit or no
	// such ref.
	ErrNotFound = errors.New("not found in the git repository")
	// ErrRemote means a fetch or push failed for another reason than
	// ErrRejected: the remote is unreachable, refused the credentials or
	// is no git repository. The error's text carries git's message.
	ErrRemote = errors.New("the git remote failed")
	// ErrRefChanged means UpdateRef found the ref at another commit than
	// the old one it was given: something else moved it meanwhile.
	ErrRefChanged = errors.New("the git ref changed meanwhile")
	// ErrURLPassword means SetRemote was given a URL with a password in
	// it, which would be stored in clear and shown on command lines.
	ErrURLPassword = errors.New("the git remote URL contains a password")
)

// Branch is the one branch otter syncs, on this repository and the remote.
const (
	Branch       = "refs/heads/main"
	RemoteBranch = "refs/remotes/origin/main"
)

// DefaultTimeout bounds each local git command when Repo.Timeout is zero.
const DefaultTimeout = time.Minute

// maxStderr is how much of git's standard error an error carries.
const maxStderr = 600

// Repo is a bare git repository.
type Repo struct {
	dir string
	// Timeout bounds each local command (all but Fetch and Push, which the
	// caller's context bounds). Zero means DefaultTimeout.
	Timeout time.Duration
}

// Dir is the repository's directory.
func (r *Repo) Dir() string { return r.dir }

// Open returns the existing bare repository in dir. It runs no git
// process: dir must hold HEAD (a file), objects/ and refs/ (folders) and
// no configuration that says "bare = false".
func Open(dir string) (*Repo, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dir  bool
	}{{"HEAD", false}, {"objects", true}, {"refs", true}} {
		fi, err := os.Stat(filepath.Join(dir, f.name))
		if err != nil || fi.IsDir() != f.dir {
			return nil, fmt.Errorf("%s is no bare git repository (no %s)", dir, f.name)
		}
	}
	if cfg, err := os.ReadFile(filepath.Join(dir, "config")); err == nil {
		for _, line := range strings.Split(string(cfg), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && strings.EqualFold(strings.TrimSpace(k), "bare") && strings.EqualFold(strings.TrimSpace(v), "false") {
				return nil, fmt.Errorf("%s is a git repository with a work tree, not a bare one", dir)
			}
		}
	}
	return &Repo{dir: dir}, nil
}

// Init creates a bare repository in dir (mode 0700) whose default branch
// is main, or opens the one already there.
func Init(dir string) (*Repo, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	r := &Repo{dir: dir}
	if _, err := r.run(nil, nil, "init", "--bare", "--quiet"); err != nil {
		return nil, err
	}
	if _, err := r.run(nil, nil, "symbolic-ref", "HEAD", Branch); err != nil {
		return nil, err
	}
	return Open(dir)
}

// SetRemote makes url the repository's remote "origin", adding it or
// changing its URL.
func (r *Repo) SetRemote(rawURL string) error {
	if err := checkURL(rawURL); err != nil {
		return err
	}
	old, err := r.Remote()
	if err != nil {
		return err
	}
	if old == "" {
		_, err = r.run(nil, nil, "remote", "add", "--", "origin", rawURL)
	} else {
		_, err = r.run(nil, nil, "remote", "set-url", "--", "origin", rawURL)
	}
	return err
}

// checkURL refuses URLs git could take for an option and URLs that carry
// a password.
func checkURL(s string) error {
	if s == "" || strings.HasPrefix(s, "-") || termtext.Dirty(s, false) {
		return fmt.Errorf("not a git remote: %q", termtext.Escape(s))
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return ErrURLPassword
		}
	}
	return nil
}

// Remote returns the URL of origin, "" if there is none.
func (r *Repo) Remote() (string, error) {
	out, err := r.run(nil, nil, "config", "--get", "remote.origin.url")
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 { // the key is not set
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(out), "\n"), nil
}

// Fetch fetches origin's main into refs/remotes/origin/main and returns
// that commit, "" if the remote has no main yet (then the remote-tracking
// ref is removed too).
func (r *Repo) Fetch(ctx context.Context) (string, error) {
	refs, err := r.FetchRefs(ctx, true, RemoteBranch)
	return refs[RemoteBranch], err
}

// FetchRefs fetches like Fetch and then returns the refs names point to
// (RemoteBranch among them for what was fetched; see Refs). maintain
// false skips the "git maintenance run --auto" a fetch runs after it (a
// process of its own): for a look that writes nothing of its own, when a
// later fetch or sync will maintain the repository.
func (r *Repo) FetchRefs(ctx context.Context, maintain bool, names ...string) (map[string]string, error) {
	for _, n := range names {
		if err := checkRef(n); err != nil {
			return nil, err
		}
	}
	args := []string{"fetch", "--quiet", "--no-tags"}
	if !maintain {
		args = append(args, "--no-auto-maintenance")
	}
	_, err := r.runCtx(ctx, nil, nil, append(args, "origin", "+"+Branch+":"+RemoteBranch)...)
	if err != nil {
		if errors.Is(err, ErrNoGit) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, remoteError(ctx, err)
		}
		// git's "couldn't find remote ref" is translated; ask the remote
		// whether it has a main instead of reading the message.
		out, lerr := r.runCtx(ctx, nil, nil, "ls-remote", "origin", Branch)
		if lerr != nil || len(bytes.TrimSpace(out)) != 0 {
			return nil, remoteError(ctx, err)
		}
		if _, err := r.run(nil, nil, "update-ref", "-d", RemoteBranch); err != nil {
			return nil, err
		}
	}
	return r.Refs(names...)
}

// Push sends commit to origin's refs/heads/main without force: ErrRejected
// when that is not a fast-forward of the remote's main (someone pushed
// first); the remote is never rewritten.
func (r *Repo) Push(ctx context.Context, commit string) error {
	if err := checkID(commit); err != nil {
		return err
	}
	if typ, _, err := r.cat(commit); err != nil {
		return err
	} else if typ != "commit" {
		return fmt.Errorf("%s is a %s, not a commit: %w", short(commit), typ, ErrNotFound)
	}
	// --porcelain: one untranslated status line per ref on stdout.
	out, err := r.runCtx(ctx, nil, nil, "push", "--porcelain", "origin", commit+":"+Branch)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNoGit) {
		return err
	}
	if ctx.Err() != nil {
		return remoteError(ctx, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 || f[0] != "!" {
			continue
		}
		switch {
		case strings.HasPrefix(f[2], "[rejected]"):
			return fmt.Errorf("%w (%s)", ErrRejected, strings.Trim(termtext.Clean(strings.TrimPrefix(f[2], "[rejected]")), " ()"))
		case strings.HasPrefix(f[2], "[remote rejected]") && r.remoteMoved(ctx, commit):
			// The remote's ref moved between git's look and its update:
			// another device pushed at the same moment.
			return fmt.Errorf("%w (%s)", ErrRejected, termtext.Clean(f[2]))
		}
	}
	return remoteError(ctx, err)
}

// remoteMoved reports whether origin's main is now a commit that commit
// does not descend from.
func (r *Repo) remoteMoved(ctx context.Context, commit string) bool {
	out, err := r.runCtx(ctx, nil, nil, "ls-remote", "origin", Branch)
	if err != nil {
		return false
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return false
	}
	ok, err := r.IsAncestor(f[0], commit)
	return err != nil || !ok
}

// remoteError is err of a fetch or push as ErrRemote with git's words;
// when ctx ended it also wraps ctx's error (the remote did not answer in
// time, or the caller cancelled).
func remoteError(ctx context.Context, err error) error {
	var ge *Error
	if !errors.As(err, &ge) {
		return fmt.Errorf("%w: %w", ErrRemote, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: git %s did not finish: %w", ErrRemote, ge.Command, ctx.Err())
	}
	return fmt.Errorf("%w: git %s: %s", ErrRemote, ge.Command, ge.Stderr)
}

// Ref returns the commit name (a full ref such as "refs/heads/main") points
// to, "" if there is no such ref.
func (r *Repo) Ref(name string) (string, error) {
	refs, err := r.Refs(name)
	return refs[name], err
}

// Refs returns the commits the full ref names point to; a name with no
// ref is not in the map. It reads git's files ref store in Go (loose ref
// files, then packed-refs) and asks git (one for-each-ref for all names)
// when it finds anything else: another ref store, a symbolic ref, a file
// it cannot read.
func (r *Repo) Refs(names ...string) (map[string]string, error) {
	for _, n := range names {
		if err := checkRef(n); err != nil {
			return nil, err
		}
	}
	if refs, ok := r.readRefs(names); ok {
		return refs, nil
	}
	refs := map[string]string{}
	if len(names) == 0 {
		return refs, nil
	}
	out, err := r.run(nil, nil, append([]string{"for-each-ref", "--format=%(objectname) %(refname)"}, names...)...)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		id, name, ok := strings.Cut(line, " ")
		// a pattern also matches the refs below it ("refs/a" → "refs/a/b")
		if ok && slices.Contains(names, name) && checkID(id) == nil {
			refs[name] = id
		}
	}
	return refs, nil
}

// readRefs reads names from the files ref store without git; ok false
// when the repository may keep them elsewhere or a ref is not a plain
// object id (the caller asks git). git replaces a loose ref file by a
// rename and writes packed-refs before it deletes the loose files it
// packed, so a loose file read first and packed-refs read after it never
// miss a ref that existed throughout.
func (r *Repo) readRefs(names []string) (map[string]string, bool) {
	cfg, err := os.ReadFile(filepath.Join(r.dir, "config"))
	if err != nil || bytes.Contains(bytes.ToLower(cfg), []byte("refstorage")) {
		return nil, false
	}
	if _, err := os.Stat(filepath.Join(r.dir, "reftable")); !errors.Is(err, os.ErrNotExist) {
		return nil, false
	}
	refs := map[string]string{}
	var packed map[string]string
	for _, n := range names {
		p := filepath.Join(r.dir, filepath.FromSlash(n))
		b, err := os.ReadFile(p)
		if err == nil {
			id := strings.TrimSpace(string(b))
			if checkID(id) != nil {
				return nil, false // a symbolic ref, or not a ref
			}
			refs[n] = id
			continue
		}
		if fi, serr := os.Stat(p); serr == nil && !fi.IsDir() {
			return nil, false // there but unreadable
		} else if serr != nil && !errors.Is(serr, os.ErrNotExist) && !isNotDir(serr) {
			return nil, false
		}
		if packed == nil {
			var ok bool
			if packed, ok = r.packedRefs(); !ok {
				return nil, false
			}
		}
		if id, ok := packed[n]; ok {
			refs[n] = id
		}
	}
	return refs, true
}

// isNotDir reports a path whose folder is a file ("refs/a" a ref, asked
// for "refs/a/b"): no such ref.
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }

// packedRefs reads packed-refs: name → id, empty without the file.
func (r *Repo) packedRefs() (map[string]string, bool) {
	refs := map[string]string{}
	b, err := os.ReadFile(filepath.Join(r.dir, "packed-refs"))
	if errors.Is(err, os.ErrNotExist) {
		return refs, true
	}
	if err != nil {
		return nil, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		id, name, ok := strings.Cut(line, " ")
		if !ok || checkID(id) != nil {
			return nil, false
		}
		refs[name] = id
	}
	return refs, true
}

// UpdateRef points name at newCommit if it points at oldCommit now ("" =
// if it does not exist): compare and swap. ErrRefChanged when it does not.
func (r *Repo) UpdateRef(name, newCommit, oldCommit string) error {
	if err := checkRef(name); err != nil {
		return err
	}
	if err := checkID(newCommit); err != nil {
		return err
	}
	if oldCommit != "" {
		if err := checkID(oldCommit); err != nil {
			return err
		}
	}
	_, err := r.run(nil, nil, "update-ref", "-m", "otter", name, newCommit, oldCommit)
	if err == nil {
		return nil
	}
	// The message is translated; look at the ref instead.
	if cur, rerr := r.Ref(name); rerr == nil && cur != oldCommit {
		return fmt.Errorf("%w: %s is at %q, not %q", ErrRefChanged, name, short(cur), short(oldCommit))
	}
	return err
}

func short(id string) string { return id[:min(len(id), 12)] }

// IsAncestor reports whether a is b or an ancestor of b.
func (r *Repo) IsAncestor(a, b string) (bool, error) {
	if err := checkIDs(a, b); err != nil {
		return false, err
	}
	_, err := r.run(nil, nil, "merge-base", "--is-ancestor", a, b)
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 {
		return false, nil
	}
	return err == nil, err
}

// MergeBase returns the best common ancestor of a and b, "" when their
// histories are unrelated.
func (r *Repo) MergeBase(a, b string) (string, error) {
	if err := checkIDs(a, b); err != nil {
		return "", err
	}
	out, err := r.run(nil, nil, "merge-base", a, b)
	var ge *Error
	if errors.As(err, &ge) && ge.ExitCode == 1 {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// ReadFile returns the contents of the file at path in commit; ErrNotFound
// when there is no such file (or commit).
func (r *Repo) ReadFile(commit, file string) ([]byte, error) {
	if err := checkID(commit); err != nil {
		return nil, err
	}
	typ, data, err := r.cat(commit + ":" + file)
	if err != nil {
		return nil, err
	}
	if typ != "blob" {
		return nil, fmt.Errorf("%s in %s is a %s, not a file: %w", file, short(commit), typ, ErrNotFound)
	}
	return data, nil
}

// Cat returns the raw contents of the object id (any type).
func (r *Repo) Cat(id string) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	_, data, err := r.cat(id)
	return data, err
}

// cat reads one object through cat-file --batch, whose "missing" answer
// is not translated; the object's name goes through stdin.
func (r *Repo) cat(name string) (typ string, data []byte, err error) {
	if strings.ContainsAny(name, "\n\x00") {
		return "", nil, fmt.Errorf("%q: %w", termtext.Escape(name), ErrNotFound)
	}
	out, err := r.run(strings.NewReader(name+"\n"), nil, "cat-file", "--batch")
	if err != nil {
		return "", nil, err
	}
	header, rest, _ := bytes.Cut(out, []byte("\n"))
	if bytes.HasSuffix(header, []byte(" missing")) || bytes.HasSuffix(header, []byte(" ambiguous")) {
		return "", nil, fmt.Errorf("%s: %w", termtext.Escape(name), ErrNotFound)
	}
	f := strings.Fields(string(header))
	if len(f) != 3 {
		return "", nil, fmt.Errorf("git cat-file: unexpected answer %q", termtext.Escape(string(header)))
	}
	size, err := strconv.Atoi(f[2])
	if err != nil || size > len(rest) {
		return "", nil, fmt.Errorf("git cat-file: unexpected answer %q", termtext.Escape(string(header)))
	}
	return f[1], rest[:size], nil
}

// Files returns the path and blob id of every file in commit, in every
// folder ("devices/abc.log").
func (r *Repo) Files(commit string) (map[string]string, error) {
	if err := checkID(commit); err != nil {
		return nil, err
	}
	if typ, _, err := r.cat(commit + "^{tree}"); err != nil {
		return nil, err
	} else if typ != "tree" {
		return nil, fmt.Errorf("%s: %w", short(commit), ErrNotFound)
	}
	out, err := r.run(nil, nil, "ls-tree", "-r", "-z", "--full-tree", commit)
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	for _, rec := range strings.Split(string(out), "\x00") {
		meta, name, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta) // mode type id
		if len(f) == 3 && f[1] == "blob" {
			files[name] = f[2]
		}
	}
	return files, nil
}

// Objects lists the id of every object in the repository.
func (r *Repo) Objects() ([]string, error) {
	out, err := r.run(nil, nil, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}

// Commit writes files (path → contents; "/" separates folders) as a new
// commit with parents, authored and committed by "otter <author>", and
// returns its id. No ref changes: UpdateRef moves main to it. Contents and
// message go through standard input, never a command line.
func (r *Repo) Commit(files map[string][]byte, parents []string, author, message string) (string, error) {
	if err := checkIDs(parents...); err != nil {
		return "", err
	}
	if author == "" || strings.ContainsAny(author, "<>\n\x00") || termtext.Dirty(author, false) {
		return "", fmt.Errorf("not a commit author: %q", termtext.Escape(author))
	}
	root := &dir{}
	for name, data := range files {
		if err := root.add(name); err != nil {
			return "", err
		}
		out, err := r.run(bytes.NewReader(data), nil, "hash-object", "-w", "--stdin")
		if err != nil {
			return "", err
		}
		root.blob(name, strings.TrimSpace(string(out)))
	}
	tree, err := r.mktree(root)
	if err != nil {
		return "", err
	}
	args := []string{"commit-tree", "--no-gpg-sign", tree}
	for _, p := range parents {
		args = append(args, "-p", p)
	}
	env := []string{"GIT_AUTHOR_NAME=otter", "GIT_AUTHOR_EMAIL=" + author,
		"GIT_COMMITTER_NAME=otter", "GIT_COMMITTER_EMAIL=" + author}
	out, err := r.run(strings.NewReader(message), env, args...)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// dir is a folder of a tree being built: its files' blob ids and its
// subfolders.
type dir struct {
	files map[string]string
	dirs  map[string]*dir
}

// add checks name and makes its folders.
func (d *dir) add(name string) error {
	parts := strings.Split(name, "/")
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsRune(p, 0) || !utf8.ValidString(p) {
			return fmt.Errorf("not a file name in git: %q", termtext.Escape(name))
		}
	}
	for i, p := range parts {
		last := i == len(parts)-1
		if _, isFile := d.files[p]; isFile || (last && d.dirs[p] != nil) {
			return fmt.Errorf("%q is both a file and a folder", termtext.Escape(strings.Join(parts[:i+1], "/")))
		}
		if last {
			if d.files == nil {
				d.files = map[string]string{}
			}
			d.files[p] = ""
			return nil
		}
		if d.dirs == nil {
			d.dirs = map[string]*dir{}
		}
		if d.dirs[p] == nil {
			d.dirs[p] = &dir{}
		}
		d = d.dirs[p]
	}
	return nil
}

func (d *dir) blob(name, id string) {
	dirName, base := path.Split(name)
	for _, p := range strings.Split(strings.TrimSuffix(dirName, "/"), "/") {
		if p != "" {
			d = d.dirs[p]
		}
	}
	d.files[base] = id
}

// mktree writes d and its subfolders as trees and returns d's id.
func (r *Repo) mktree(d *dir) (string, error) {
	var in bytes.Buffer
	names := make([]string, 0, len(d.files)+len(d.dirs))
	for n := range d.files {
		names = append(names, n)
	}
	for n := range d.dirs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if id, ok := d.files[n]; ok {
			fmt.Fprintf(&in, "100644 blob %s\t%s\x00", id, n)
			continue
		}
		id, err := r.mktree(d.dirs[n])
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&in, "040000 tree %s\t%s\x00", id, n)
	}
	out, err := r.run(&in, nil, "mktree", "-z")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// checkID accepts an object id in hex (SHA-1 or SHA-256), never anything
// git could read as an option or a revision expression.
func checkID(id string) error {
	if (len(id) != 40 && len(id) != 64) || strings.IndexFunc(id, func(c rune) bool {
		return !('0' <= c && c <= '9' || 'a' <= c && c <= 'f')
	}) >= 0 {
		return fmt.Errorf("not a git object id: %q", termtext.Escape(id))
	}
	return nil
}

func checkIDs(ids ...string) error {
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return err
		}
	}
	return nil
}

// checkRef accepts a full ref name ("refs/…").
func checkRef(name string) error {
	if !strings.HasPrefix(name, "refs/") || strings.ContainsAny(name, " \t\n\x00~^:?*[\\") || strings.Contains(name, "..") {
		return fmt.Errorf("not a full git ref name: %q", termtext.Escape(name))
	}
	return nil
}

// Error is a git command that failed: its subcommand, exit code (-1 when
// it did not run to the end) and standard error, cleaned of control
// characters and cut short.
type Error struct {
	Command  string
	ExitCode int
	Stderr   string
	Err      error
}

func (e *Error) Error() string {
	s := "git " + e.Command + ": " + e.Err.Error()
	if e.Stderr != "" {
		s += ": " + e.Stderr
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// localEnv are the variables that point git at a repository, work tree or
// index other than this one (a git hook that runs otter sets some).
var localEnv = []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
	"GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_SHALLOW_FILE", "GIT_REPLACE_REF_BASE",
	"GIT_NO_REPLACE_OBJECTS", "GIT_INTERNAL_SUPER_PREFIX", "GIT_QUARANTINE_PATH", "GIT_CONFIG"}

// run runs a local command, bounded by r.Timeout.
func (r *Repo) run(stdin io.Reader, env []string, args ...string) ([]byte, error) {
	d := r.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return r.runCtx(ctx, stdin, env, args...)
}

// runCtx runs git args in the repository, with stdin (nil: the null
// device) and the environment plus env, and returns its standard output.
func (r *Repo) runCtx(ctx context.Context, stdin io.Reader, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	if errors.Is(cmd.Err, exec.ErrNotFound) {
		return nil, ErrNoGit
	}
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(localEnv, k)
	}), "GIT_DIR="+r.dir)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// When ctx ends only git is killed: ssh, its child, may live on until
	// its connection fails (killing a process group would need git in a
	// group of its own, and a background group cannot prompt on the
	// terminal). ssh may hold the pipes open, so stop waiting for them.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return nil, ErrNoGit
	}
	ge := &Error{Command: args[0], ExitCode: -1, Stderr: cleanStderr(stderr.Bytes()), Err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ge.ExitCode = ee.ExitCode()
	}
	if ctx.Err() != nil {
		ge.Err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return stdout.Bytes(), ge
}

// cleanStderr makes git's standard error one line without control
// characters (a remote's message could hold escape sequences) of at most
// maxStderr bytes. Progress lines overwritten with CR are dropped.
func cleanStderr(b []byte) string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if i := strings.LastIndexByte(strings.TrimRight(l, "\r"), '\r'); i >= 0 {
			l = l[i+1:]
		}
		if l = termtext.Clean(l); l != "" {
			lines = append(lines, l)
		}
	}
	var s string
	for i, l := range lines {
		if i > 0 {
			if strings.ContainsAny(lines[i-1][len(lines[i-1])-1:], ".:;!?") {
				s += " "
			} else {
				s += "; "
			}
		}
		s += l
	}
	if len(s) > maxStderr {
		cut := maxStderr
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

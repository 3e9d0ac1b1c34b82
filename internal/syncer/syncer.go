// Package syncer keeps a vault in step with its copies on other devices
// through a git remote. It is part of the domain layer, beside vaultops:
// the faces call it, and it calls the vault (which merges and re-wraps) and
// internal/gitrepo (which runs git).
//
// The repository is otter's own bare repository, one per vault file. Each
// commit's tree holds two kinds of file and nothing else:
//
//	vault.otter        the encrypted vault file, byte for byte
//	devices/<id>.log   one line per sync commit of device <id>: generation,
//	                   time and checksum of the vault it committed
//
// No account name is in a file name, a commit message or an author (the
// author is "otter <device-id>"). refs/heads/main is the last commit this
// device synced: its vault is the merge base of the local file and the
// remote's. A sync never force-pushes: a rejected push fetches, merges and
// tries again.
package syncer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/vault"
)

// Files in a sync commit's tree.
const (
	VaultFile  = "vault.otter"
	devicesDir = "devices/"
	headRef    = "refs/heads/main"
	remoteRef  = "refs/remotes/origin/main"
	// seenRef is the remote's last commit a sync accepted: the remote
	// must descend from it.
	seenRef  = "refs/otter/seen"
	maxTries = 10
)

// Errors of a sync.
var (
	// ErrRewound means the remote lost history this device had seen: its
	// branch no longer descends from what was fetched before, or it holds
	// an older vault than the one this device last synced.
	ErrRewound = errors.New("the remote was rewound: it lacks changes this device already synced")
	// ErrNotAttached means the vault has no sync remote yet.
	ErrNotAttached = errors.New("this vault is not synced with a remote")
	// ErrEmptyRemote means a join found no vault at the remote.
	ErrEmptyRemote = errors.New("the remote holds no otter vault")
	// ErrBusy means the push was rejected maxTries times in a row.
	ErrBusy = errors.New("the remote kept changing while this device synced")
)

// Report says what one sync did.
type Report struct {
	// Action is "up to date", "pushed", "pulled" or "merged".
	Action string
	// In lists what came in from the remote, Out what went out to it.
	In, Out vault.Changes
	// Conflicts are the fields both sides changed (see vault.Merge).
	Conflicts []vault.Conflict
	// Generation is the local vault's generation after the sync.
	Generation uint64
	// Commit is the commit this device synced to.
	Commit string
	// Retries counts pushes the remote rejected because another device
	// pushed first.
	Retries int
	// Members are the changes of unlock slots (members) other devices
	// made that this sync took in (see Notice); they stay in Notices until
	// acknowledged.
	Members []Notice
}

// Syncer syncs one unlocked vault with the remote of its repository.
type Syncer struct {
	repo   *gitrepo.Repo
	v      *vault.Vault
	device string
	now    func() time.Time
	// notices are the slot changes this Sync took in, over its retries.
	notices []Notice
	// known is seenRef as fetch read it in this round: only a sync moves
	// it, and a sync holds the repository's lock.
	known string
}

// New returns a Syncer for the unlocked vault v and its repository. device
// is this installation's id; now nil means time.Now.
func New(repo *gitrepo.Repo, v *vault.Vault, device string, now func() time.Time) *Syncer {
	if now == nil {
		now = time.Now
	}
	return &Syncer{repo: repo, v: v, device: device, now: now}
}

// RepoDir returns where the repository of the vault at vaultPath lives:
// dir/sync/<16 hex digits of the vault path's hash>.git, with dir the
// folder otter keeps its data in.
func RepoDir(dir, vaultPath string) string {
	abs, err := filepath.Abs(vaultPath)
	if err != nil {
		abs = vaultPath
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, "sync", hex.EncodeToString(sum[:8])+".git")
}

// lock serializes syncs of one repository on this device.
func lock(repo *gitrepo.Repo) (func(), error) {
	return atomicfile.Lock(filepath.Join(repo.Dir(), "otter-sync.lock"))
}

// testHook, when set, is called at each step of a sync (see the Step
// constants). Only test builds set it (testhook_kdf.go, -tags
// otter_testkdf): their crash tests kill otter there.
var testHook func(step string)

// Steps of a sync at which testHook is called.
const (
	StepFetched    = "fetched"     // the remote's branch fetched
	StepWroteVault = "wrote-vault" // the merged (or pulled) vault written
	StepCommitted  = "committed"   // a sync commit written, no ref moved
	StepUpdatedRef = "updated-ref" // this device's branch moved to it
	StepPushed     = "pushed"      // the remote accepted it
)

func hook(step string) {
	if testHook != nil {
		testHook(step)
	}
}

// Sync commits local changes, fetches, merges and pushes, retrying when
// another device pushed first.
func (s *Syncer) Sync(ctx context.Context) (Report, error) {
	unlock, err := lock(s.repo)
	if err != nil {
		return Report{}, err
	}
	defer unlock()
	if _, err := s.v.Refresh(); err != nil {
		return Report{}, err
	}
	var rep Report
	s.notices = nil
	for try := 0; try < maxTries; try++ {
		rep, err = s.once(ctx)
		rep.Retries, rep.Members = try, s.notices
		if err == nil { // the remote holds rep.Commit now
			err = s.seen(rep.Commit)
		}
		if err == nil {
			// this device's branch is at rep.Commit, whose vault is the
			// local file
			writeSynced(s.repo, rep.Commit, s.v.Raw())
			stampLastSync(s.repo, s.now())
		}
		// Retry when another device pushed first, or another process
		// saved the vault while this one compared it: the next round
		// merges.
		if !errors.Is(err, gitrepo.ErrRejected) && !errors.Is(err, vault.ErrChanged) {
			return rep, err
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	return rep, ErrBusy
}

// seen records remote as the remote's state (see seenRef).
func (s *Syncer) seen(remote string) error {
	if remote == "" {
		return nil
	}
	if s.known == remote { // what fetch read, under the lock
		return nil
	}
	return s.repo.UpdateRef(seenRef, remote, s.known) // compare and swap all the same
}

// once is one round: fetch, then commit, fast-forward or merge, then push.
func (s *Syncer) once(ctx context.Context) (Report, error) {
	f, err := fetch(ctx, s.repo, true)
	if err != nil {
		return Report{}, err
	}
	s.known = f.known
	hook(StepFetched)
	return s.step(ctx, f.remote, f.head)
}

// step syncs with the fetched remote commit; head is this device's
// branch.
func (s *Syncer) step(ctx context.Context, remote, head string) (Report, error) {
	local := s.v.Raw()
	switch {
	case remote == "":
		return s.push(ctx, local, head, remote, "pushed")
	case head == "":
		theirs, err := s.blob(remote)
		if err != nil {
			return Report{}, err
		}
		if bytes.Equal(theirs, local) {
			return s.settle(head, remote, "up to date")
		}
		return s.merge(ctx, nil, theirs, []string{remote})
	case head == remote:
		return s.push(ctx, local, head, remote, "pushed")
	}
	behind, err := s.repo.IsAncestor(remote, head)
	if err != nil {
		return Report{}, err
	}
	if behind { // a commit of ours the remote has not got yet
		return s.push(ctx, local, head, remote, "pushed")
	}
	ahead, err := s.repo.IsAncestor(head, remote)
	if err != nil {
		return Report{}, err
	}
	if !ahead { // both moved: merge on the merge base
		baseCommit, err := s.repo.MergeBase(head, remote)
		if err != nil {
			return Report{}, err
		}
		var base []byte
		if baseCommit != "" {
			if base, err = s.blob(baseCommit); err != nil {
				return Report{}, err
			}
		}
		theirs, err := s.blob(remote)
		if err != nil {
			return Report{}, err
		}
		return s.merge(ctx, base, theirs, []string{head, remote})
	}
	synced, err := s.blob(head)
	if err != nil {
		return Report{}, err
	}
	theirs, err := s.blob(remote)
	if err != nil {
		return Report{}, err
	}
	if err := s.checkNotOlder(synced, theirs); err != nil {
		return Report{}, err
	}
	if bytes.Equal(local, theirs) { // pulled already (a sync killed before it moved the branch)
		return s.settle(head, remote, "up to date")
	}
	if !bytes.Equal(local, synced) {
		return s.merge(ctx, synced, theirs, []string{remote})
	}
	return s.pull(head, remote, theirs)
}

// fetched is what a fetch found: the remote's commit ("": no branch
// there), seenRef and this device's branch, read in one git process after
// the fetch.
type fetched struct{ remote, known, head string }

// fetch fetches the remote's branch and refuses it (ErrRewound) when it
// does not descend from the last remote commit a sync accepted. Sync and
// Check call it with the repository's lock held: only a sync moves
// seenRef and this device's branch. A fetch that fails where the
// repository has no remote is ErrNotAttached. maintain false skips git's
// automatic maintenance after the fetch (see gitrepo.FetchRefs).
func fetch(ctx context.Context, repo *gitrepo.Repo, maintain bool) (fetched, error) {
	refs, err := repo.FetchRefs(ctx, maintain, remoteRef, seenRef, headRef)
	if err != nil {
		if url, uerr := repo.Remote(); uerr == nil && url == "" {
			return fetched{}, ErrNotAttached
		}
		return fetched{}, err
	}
	f := fetched{remote: refs[remoteRef], known: refs[seenRef], head: refs[headRef]}
	if f.known == "" || f.remote == f.known {
		return f, nil
	}
	ok := false
	if f.remote != "" {
		if ok, err = repo.IsAncestor(f.known, f.remote); err != nil {
			return fetched{}, err
		}
	}
	if !ok {
		return fetched{}, ErrRewound
	}
	return f, nil
}

// checkNotOlder refuses a remote vault older than synced, one it descends
// from (the vault this device last synced, or the merge base): an old blob
// committed again.
func (s *Syncer) checkNotOlder(synced, theirs []byte) error {
	a, err := vault.Peek(synced)
	if err != nil {
		return err
	}
	b, err := vault.Peek(theirs)
	if err != nil {
		return err
	}
	// Every later save of a file has a higher generation: the same
	// generation is the same file, or a forgery.
	if b.Generation < a.Generation || b.Generation == a.Generation && !bytes.Equal(synced, theirs) {
		return fmt.Errorf("%w (generation %d after %d)", ErrRewound, b.Generation, a.Generation)
	}
	return nil
}

// pull makes the remote's vault the local one (nothing changed here).
func (s *Syncer) pull(head, remote string, theirs []byte) (Report, error) {
	before, slots := s.v.Data(), s.v.Slots()
	if err := s.v.Adopt(theirs); err != nil {
		return Report{}, err
	}
	hook(StepWroteVault)
	s.noteSlots(slots, head, remote)
	rep, err := s.settle(head, remote, "pulled")
	rep.In = vault.Diff(before, s.v.Data())
	return rep, err
}

// settle points this device's branch at commit.
func (s *Syncer) settle(old, commit, action string) (Report, error) {
	if old != commit {
		if err := s.repo.UpdateRef(headRef, commit, old); err != nil {
			return Report{}, err
		}
	}
	return Report{Action: action, Generation: s.v.Generation(), Commit: commit}, nil
}

// merge merges theirs (and base, nil when none) into the local vault,
// commits the result on parents and pushes it.
func (s *Syncer) merge(ctx context.Context, base, theirs []byte, parents []string) (Report, error) {
	// theirs descends from base: an older file put on top would win every
	// field the base still holds (a three-way merge takes what "changed").
	if base != nil {
		if err := s.checkNotOlder(base, theirs); err != nil {
			return Report{}, err
		}
	}
	tc, err := s.v.OpenCopy(theirs)
	if err != nil {
		return Report{}, err
	}
	defer tc.Close()
	var bc *vault.Copy
	if base != nil {
		if bc, err = s.v.OpenCopy(base); err != nil {
			return Report{}, fmt.Errorf("the last synced vault: %w", err)
		}
		defer bc.Close()
	}
	before, slots := s.v.Data(), s.v.Slots()
	synced, err := s.repo.Ref(headRef)
	if err != nil {
		return Report{}, err
	}
	var conflicts []vault.Conflict
	err = s.v.MergeIn(bc, tc, func(b, o, t *vault.Data) (*vault.Data, error) {
		m, r := vault.Merge(b, o, t)
		conflicts = r.Conflicts
		return m, nil
	})
	if err != nil {
		return Report{}, err
	}
	hook(StepWroteVault)
	after := s.v.Data()
	s.noteSlots(slots, synced, parents[len(parents)-1])
	rep, err := s.commit(ctx, s.v.Raw(), synced, parents, "merged")
	rep.In, rep.Out, rep.Conflicts = vault.Diff(before, after), vault.Diff(tc.Data(), after), conflicts
	return rep, err
}

// push commits local on head (unless head already holds it) and pushes;
// remote is the remote's commit as fetched ("": none).
func (s *Syncer) push(ctx context.Context, local []byte, head, remote, action string) (Report, error) {
	var parents []string
	var synced []byte
	if head != "" {
		var err error
		if synced, err = s.blob(head); err != nil {
			return Report{}, err
		}
		if bytes.Equal(synced, local) {
			if remote == head {
				return Report{Action: "up to date", Generation: s.v.Generation(), Commit: head}, nil
			}
			if err := s.repo.Push(ctx, head); err != nil {
				return Report{}, err
			}
			return Report{Action: action, Generation: s.v.Generation(), Commit: head}, nil
		}
		parents = []string{head}
	}
	rep, err := s.commit(ctx, local, head, parents, action)
	if err == nil && synced != nil {
		if oc, oerr := s.v.OpenCopy(synced); oerr == nil {
			rep.Out = vault.Diff(oc.Data(), s.v.Data())
			oc.Close()
		}
	} else if err == nil {
		rep.Out = vault.Diff(&vault.Data{}, s.v.Data())
	}
	return rep, err
}

// commit writes a commit of local on parents, with this device's log line
// appended, moves this device's branch to it (from head) and pushes it.
func (s *Syncer) commit(ctx context.Context, local []byte, head string, parents []string, action string) (Report, error) {
	files, err := s.tree(parents)
	if err != nil {
		return Report{}, err
	}
	info, err := vault.Peek(local)
	if err != nil {
		return Report{}, err
	}
	files[VaultFile] = local
	logName := devicesDir + s.device + ".log"
	line, err := json.Marshal(LogLine{At: s.now().UTC().Truncate(time.Second), Generation: info.Generation, Sum: info.Sum})
	if err != nil {
		return Report{}, err
	}
	files[logName] = append(append(bytes.Clone(files[logName]), line...), '\n')
	msg := fmt.Sprintf("otter sync: generation %d", info.Generation)
	c, err := s.repo.Commit(files, parents, s.device, msg)
	if err != nil {
		return Report{}, err
	}
	hook(StepCommitted)
	if err := s.repo.UpdateRef(headRef, c, head); err != nil {
		return Report{}, err
	}
	hook(StepUpdatedRef)
	rep := Report{Action: action, Generation: info.Generation, Commit: c}
	if err := s.repo.Push(ctx, c); err != nil {
		return rep, err
	}
	hook(StepPushed)
	return rep, nil
}

// tree returns the device logs of parents: for each device, the longest
// log (only its device appends to it).
func (s *Syncer) tree(parents []string) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, p := range parents {
		list, err := s.repo.Files(p)
		if err != nil {
			return nil, err
		}
		for name := range list {
			if !strings.HasPrefix(name, devicesDir) {
				continue
			}
			b, err := s.repo.ReadFile(p, name)
			if err != nil {
				return nil, err
			}
			if len(b) > len(files[name]) {
				files[name] = b
			}
		}
	}
	return files, nil
}

func (s *Syncer) blob(commit string) ([]byte, error) {
	b, err := s.repo.ReadFile(commit, VaultFile)
	if errors.Is(err, gitrepo.ErrNotFound) {
		return nil, ErrEmptyRemote
	}
	return b, err
}

// LogLine is one line of a device's log.
type LogLine struct {
	At         time.Time `json:"at"`
	Generation uint64    `json:"generation"`
	Sum        string    `json:"sum"`
}

// Summary says in a few words what the sync did, for a status line: "2 in,
// 1 out" or "up to date", then the conflicts it resolved: "1 conflict —
// GitHub:alice notes (kept the later change; the other is in the trash)".
// Labels are account labels: a face escapes them for its terminal.
func (r Report) Summary() string {
	var parts []string
	if n := count(r.In); n > 0 {
		parts = append(parts, fmt.Sprintf("%d in", n))
	}
	if n := count(r.Out); n > 0 {
		parts = append(parts, fmt.Sprintf("%d out", n))
	}
	s := strings.Join(parts, ", ")
	if s == "" {
		s = "up to date"
	}
	if len(r.Members) > 0 { // who may open the vault changed: say so first
		s += "; unlock slots changed by another device: " + r.Members[0].Changes()
		if n := len(r.Members) - 1; n > 0 {
			s += fmt.Sprintf(" and %d more", n)
		}
	}
	if len(r.Conflicts) == 0 {
		return s
	}
	c := r.Conflicts[0]
	what := strings.TrimSpace(c.Label + " " + c.Field)
	if what == "" {
		what = c.Kind
	}
	trash := 0
	for _, c := range r.Conflicts {
		if c.InTrash() {
			trash++
		}
	}
	switch n := len(r.Conflicts); {
	case n == 1 && trash == 1:
		s += "; 1 conflict — " + what + " (kept the later change; the other is in the trash)"
	case n == 1:
		s += "; 1 conflict — " + what + " (kept the later change)"
	case trash == n:
		s += fmt.Sprintf("; %d conflicts — %s and %d more (kept the later changes; the others are in the trash)", n, what, n-1)
	case trash > 0:
		s += fmt.Sprintf("; %d conflicts — %s and %d more (kept the later changes; the other accounts' versions are in the trash)", n, what, n-1)
	default:
		s += fmt.Sprintf("; %d conflicts — %s and %d more (kept the later changes)", n, what, n-1)
	}
	return s
}

// count is how many accounts ch added, changed or deleted.
func count(ch vault.Changes) int { return len(ch.Added) + len(ch.Changed) + len(ch.Deleted) }

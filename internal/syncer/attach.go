package syncer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/vault"
)

// Attach makes dir the repository of a vault whose id is vaultID and
// points it at remote, after checking the remote holds no other vault. It
// removes a repository it created when it refuses.
func Attach(ctx context.Context, dir, remote, vaultID string) (*gitrepo.Repo, error) {
	f, err := fetchRemote(ctx, dir, remote, func(f *Fetched) error {
		if f.Raw != nil && f.info.VaultID != vaultID {
			return fmt.Errorf("%w: the remote holds vault %.8s, this is vault %.8s", vault.ErrOtherVault, f.info.VaultID, vaultID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f.Repo, nil
}

// Fetched is a remote's vault fetched for a join.
type Fetched struct {
	Repo   *gitrepo.Repo
	Raw    []byte // the vault file at the remote
	Commit string // the commit it is in
	info   vault.Info
}

// Fetch makes dir a repository pointed at remote and returns the remote's
// vault: the first step of a join. The caller writes the vault, unlocks it
// and calls Joined.
func Fetch(ctx context.Context, dir, remote string) (*Fetched, error) {
	return fetchRemote(ctx, dir, remote, func(f *Fetched) error {
		if f.Raw == nil {
			return ErrEmptyRemote
		}
		return nil
	})
}

// fetchRemote makes dir a repository pointed at remote and fetches its
// vault (Raw nil when the remote has no commit yet); check may refuse
// what came. A repository it created is removed again when it fails.
func fetchRemote(ctx context.Context, dir, remote string, check func(*Fetched) error) (*Fetched, error) {
	_, statErr := os.Stat(dir)
	created := errors.Is(statErr, os.ErrNotExist)
	f, err := fetchVault(ctx, dir, remote)
	if err == nil {
		err = check(f)
	}
	if err != nil {
		if created {
			_ = os.RemoveAll(dir)
		}
		return nil, err
	}
	return f, nil
}

func fetchVault(ctx context.Context, dir, remote string) (*Fetched, error) {
	repo, err := gitrepo.Init(dir)
	if err != nil {
		return nil, err
	}
	if err := repo.SetRemote(remote); err != nil {
		return nil, err
	}
	head, err := repo.Fetch(ctx)
	if err != nil || head == "" {
		return &Fetched{Repo: repo}, err
	}
	b, err := repo.ReadFile(head, VaultFile)
	if errors.Is(err, gitrepo.ErrNotFound) {
		return nil, fmt.Errorf("%w: its branch main has no %s (a git repository of something else?)", ErrEmptyRemote, VaultFile)
	}
	if err != nil {
		return nil, err
	}
	info, err := vault.Peek(b)
	if err != nil {
		return nil, fmt.Errorf("the remote's vault: %w", err)
	}
	return &Fetched{Repo: repo, Raw: b, Commit: head, info: info}, nil
}

// Joined records that this device's vault is the fetched one: the next
// sync merges on it, and refuses a remote that lost it.
func (f *Fetched) Joined() error {
	if err := f.Repo.UpdateRef(headRef, f.Commit, ""); err != nil {
		return err
	}
	// From now on the remote must descend from what this device joined.
	return f.Repo.UpdateRef(seenRef, f.Commit, "")
}

// Fingerprint identifies a vault file for comparing two machines by eye.
type Fingerprint struct {
	VaultID    string `json:"vault_id"`
	Generation uint64 `json:"generation"`
	Sum        string `json:"sum"`
}

// DeviceState is what a device's log says of it.
type DeviceState struct {
	ID         string    `json:"id"`
	LastSync   time.Time `json:"last_sync"`
	Generation uint64    `json:"generation"`
	This       bool      `json:"this_device,omitempty"`
}

// Status is what `otter sync status` shows.
type Status struct {
	Remote   string        `json:"remote"`
	Repo     string        `json:"repository"`
	LastSync time.Time     `json:"last_sync,omitzero"` // this device's, pulls included
	Local    Fingerprint   `json:"local"`
	Synced   *Fingerprint  `json:"synced,omitempty"` // the vault of this device's last sync
	Fetched  *Fingerprint  `json:"remote_vault,omitempty"`
	Pending  bool          `json:"local_changes"`
	Devices  []DeviceState `json:"devices"`
	// Members are the slot changes of other devices not acknowledged yet.
	Members []Notice `json:"members_changed,omitempty"`
}

// StatusOf reads the status of repo for the local vault file local,
// without unlocking it and without fetching (the caller fetches first if
// it wants the remote's news).
func StatusOf(repo *gitrepo.Repo, local []byte, device string) (Status, error) {
	var st Status
	var err error
	if st.Remote, err = repo.Remote(); err != nil {
		return st, err
	}
	st.Repo = repo.Dir()
	info, err := vault.Peek(local)
	if err != nil {
		return st, err
	}
	st.Local = Fingerprint(info)
	head, err := repo.Ref(headRef)
	if err != nil {
		return st, err
	}
	st.Pending = true
	if head != "" {
		b, err := repo.ReadFile(head, VaultFile)
		if err != nil {
			return st, err
		}
		if fi, err := vault.Peek(b); err == nil {
			f := Fingerprint(fi)
			st.Synced = &f
		}
		st.Pending = !bytes.Equal(b, local)
	}
	remote, err := repo.Ref(remoteRef)
	if err != nil {
		return st, err
	}
	tip := head
	if remote != "" {
		if b, err := repo.ReadFile(remote, VaultFile); err == nil {
			if fi, err := vault.Peek(b); err == nil {
				f := Fingerprint(fi)
				st.Fetched = &f
			}
		}
		tip = remote
	}
	devices := map[string]DeviceState{}
	for _, c := range []string{tip, head} {
		if c == "" {
			continue
		}
		if err := readDevices(repo, c, devices); err != nil {
			return st, err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(devices)) {
		d := devices[id]
		d.This = id == device
		st.Devices = append(st.Devices, d)
	}
	st.LastSync = lastSync(repo)
	st.Members, err = Notices(repo)
	return st, err
}

// readDevices adds the last line of every device log in commit c to m,
// keeping the later of two.
func readDevices(repo *gitrepo.Repo, c string, m map[string]DeviceState) error {
	files, err := repo.Files(c)
	if err != nil {
		return err
	}
	for name := range files {
		id, ok := strings.CutPrefix(name, devicesDir)
		if !ok {
			continue
		}
		id = strings.TrimSuffix(id, ".log")
		b, err := repo.ReadFile(c, name)
		if err != nil {
			return err
		}
		var last LogLine
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			var l LogLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				last = l
			}
		}
		if old, ok := m[id]; !ok || last.At.After(old.LastSync) {
			m[id] = DeviceState{ID: id, LastSync: last.At, Generation: last.Generation}
		}
	}
	return nil
}

// lastSyncFile, in the repository, holds the time of this device's last
// successful sync.
const lastSyncFile = "otter-last-sync"

// stampLastSync records a successful sync at now (best effort: only
// status reads it).
func stampLastSync(repo *gitrepo.Repo, now time.Time) {
	b, _ := now.UTC().MarshalText()
	_ = atomicfile.Write(atomicfile.OS, filepath.Join(repo.Dir(), lastSyncFile), b)
}

// lastSync returns the time of this device's last successful sync, zero if
// none.
func lastSync(repo *gitrepo.Repo) time.Time {
	var t time.Time
	if b, err := os.ReadFile(filepath.Join(repo.Dir(), lastSyncFile)); err == nil {
		_ = t.UnmarshalText(bytes.TrimSpace(b))
	}
	return t
}

// autoFile, in the repository, marks automatic sync on.
const autoFile = "otter-auto"

// SetAuto turns automatic sync (after every change, when the TUI starts)
// on or off for repo.
func SetAuto(repo *gitrepo.Repo, on bool) error {
	path := filepath.Join(repo.Dir(), autoFile)
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return atomicfile.Write(atomicfile.OS, path, []byte("on\n"))
}

// Auto reports whether automatic sync is on for repo.
func Auto(repo *gitrepo.Repo) bool { return AutoIn(repo.Dir()) }

// AutoIn reports whether automatic sync is on for the repository in dir
// (RepoDir), without running git: false when there is none.
func AutoIn(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, autoFile))
	return err == nil
}

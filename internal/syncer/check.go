package syncer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/gitrepo"
)

// syncedFile, in the repository, records this device's branch as a sync
// left it and the SHA-256 of that commit's vault file: "<commit> <sum>".
// It lets Check compare the local file with the synced vault without a git
// process. A sync writes it after it moved the branch; one that died
// between leaves a commit that is not the branch's, and Check then says
// "not up to date" (the full sync rewrites it).
const syncedFile = "otter-synced"

// writeSynced records that commit, this device's branch, holds the vault
// file raw (best effort: without it Check only says "not up to date").
func writeSynced(repo *gitrepo.Repo, commit string, raw []byte) {
	sum := sha256.Sum256(raw)
	_ = atomicfile.Write(atomicfile.OS, filepath.Join(repo.Dir(), syncedFile), []byte(commit+" "+hex.EncodeToString(sum[:])+"\n"))
}

// synced reads syncedFile: the commit and the vault's sum, "" "" if none.
func synced(repo *gitrepo.Repo) (commit, sum string) {
	b, err := os.ReadFile(filepath.Join(repo.Dir(), syncedFile))
	if err != nil {
		return "", ""
	}
	commit, sum, _ = strings.Cut(string(bytes.TrimSpace(b)), " ")
	return commit, sum
}

// Check reports, without the vault's key, whether a Sync of the local vault
// file local would do nothing: it fetches (ErrRewound for a rewound remote,
// as Sync) and says up to date when the fetched commit is this device's
// branch and the last remote commit a sync accepted, and local is the
// vault file of that commit. Then it records the sync's time as Sync does
// (now nil means time.Now). One git process, the fetch, which skips git's
// automatic maintenance (the full sync that follows a "not up to date"
// fetches again and maintains); the refs and the record are read in Go.
// One more (merge-base) when the remote moved on since the last sync.
func Check(ctx context.Context, repo *gitrepo.Repo, local []byte, now func() time.Time) (bool, error) {
	unlock, err := lock(repo)
	if err != nil {
		return false, err
	}
	defer unlock()
	f, err := fetch(ctx, repo, false)
	if err != nil {
		return false, err
	}
	if f.remote == "" || f.remote != f.head || f.remote != f.known {
		return false, nil
	}
	commit, sum := synced(repo)
	got := sha256.Sum256(local)
	if commit != f.head || sum != hex.EncodeToString(got[:]) {
		return false, nil
	}
	if now == nil {
		now = time.Now
	}
	stampLastSync(repo, now())
	return true, nil
}

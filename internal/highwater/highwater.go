// Package highwater owns the rollback guard's record: the highest
// generation this machine has seen of each vault, kept in the state
// directory, outside the vault, so that an older vault file copied over a
// newer one is noticed (vault.ErrRollback).
//
// The record of a vault is DIR/seen-VAULTID.json (0600 in a 0700
// directory): {"version":1,"generation":42}. Raise is a read-modify-write
// under an exclusive lock on DIR/seen-VAULTID.lock and replaces the file
// atomically (internal/atomicfile), so the mark only grows, whichever
// process raises it. A missing record is generation 0 (nothing seen yet);
// a record that does not parse is an error, never 0: unknown must not mean
// "anything goes". Whoever can write the user's files can delete the
// record, as they can the vault's backups: it guards against mistakes and
// against an old file slipped in place, not against the machine's owner.
package highwater

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/vault"
)

// Dir is the set of high-water marks kept in one state directory. It
// implements vault.HighWater.
type Dir string

var _ vault.HighWater = Dir("")

type record struct {
	Version    int    `json:"version"`
	Generation uint64 `json:"generation"`
}

// Path returns the record file of the vault vaultID.
func (d Dir) Path(vaultID string) string {
	return filepath.Join(string(d), "seen-"+paths.FileName(vaultID)+".json")
}

func (d Dir) lockPath(vaultID string) string {
	return filepath.Join(string(d), "seen-"+paths.FileName(vaultID)+".lock")
}

// Get returns the highest generation seen of the vault, 0 if none.
func (d Dir) Get(vaultID string) (uint64, error) {
	b, err := os.ReadFile(d.Path(vaultID))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil || r.Version != 1 {
		return 0, fmt.Errorf("%s is not a record otter reads (remove it to start afresh)", d.Path(vaultID))
	}
	return r.Generation, nil
}

// Raise records gen as seen unless a higher generation is recorded.
func (d Dir) Raise(vaultID string, gen uint64) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	unlock, err := atomicfile.Lock(d.lockPath(vaultID))
	if err != nil {
		return err
	}
	defer unlock()
	if have, err := d.Get(vaultID); err == nil && have >= gen {
		return nil
	}
	b, err := json.Marshal(record{Version: 1, Generation: gen})
	if err != nil {
		return err
	}
	return atomicfile.Write(atomicfile.OS, d.Path(vaultID), append(b, '\n'))
}

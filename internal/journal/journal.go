// Package journal owns the unlock journal: audit events that happen without
// a vault write.
//
// Writing the vault on every unlock would make each `otter code` a new
// generation (pushing real history out of the 5 backups) and put an fsync on
// the hot path. So an unlock that is worth recording — through a password,
// a recovery key or a FIDO2 key, and the failed attempts the lockout record
// hands over on a successful unlock — is appended to a small journal in the
// state directory, and the next write of the vault, whatever it is, carries
// the journal's events into the vault's audit log in the same transaction
// (vault.Vault.Carry). Events keep their random ids, so two processes
// carrying the same event store it once; whoever opens the vault next drops
// the events the vault already holds from the journal (Pending). Silent
// keyring unlocks are not journalled: they are the desktop session opening
// the vault, not a person proving who they are, and they are the hot path.
//
// The journal is DIR/audit-VAULTID.jsonl (0600 in a 0700 directory), one
// JSON object a line: {"id":…,"at":…,"kind":…,"detail":…}. Every append is
// synced before Append returns; every rewrite replaces the file atomically
// (internal/atomicfile); both happen under a lock on DIR/audit-VAULTID.lock.
// It holds no secret. Until it is carried into the vault it is not
// authenticated: whoever can write the user's files can delete it, as they
// can the lockout record.
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/vault"
)

const (
	keepEvents = 1000      // events kept when the journal is never carried
	maxSize    = 256 << 10 // bytes before the oldest events are dropped
)

// Journal is the unlock journal of one vault.
type Journal struct {
	dir, path, lockPath string
	fs                  atomicfile.FS
}

// Open returns the journal of the vault vaultID in the state folder dir.
// Nothing is read or created until it is used.
func Open(dir, vaultID string) *Journal {
	name := "audit-" + vaultID
	return &Journal{dir: dir, path: filepath.Join(dir, name+".jsonl"),
		lockPath: filepath.Join(dir, name+".lock"), fs: atomicfile.OS}
}

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

// Pending returns the journal's events that d's audit log does not hold, and
// drops those it does hold from the journal.
func (j *Journal) Pending(d *vault.Data) ([]vault.AuditEvent, error) {
	events, err := j.Read()
	if err != nil || len(events) == 0 {
		return nil, err
	}
	in := make(map[string]bool, len(d.Audit))
	for _, e := range d.Audit {
		in[e.ID] = true
	}
	held := func(e vault.AuditEvent) bool { return in[e.ID] }
	out := slices.DeleteFunc(slices.Clone(events), held)
	if len(out) < len(events) {
		err = j.rewrite(func(all []vault.AuditEvent) []vault.AuditEvent {
			return slices.DeleteFunc(all, held)
		})
	}
	return out, err
}

// Read returns the journal's events, oldest first; lines that do not parse
// (a write cut short) are skipped.
func (j *Journal) Read() ([]vault.AuditEvent, error) {
	b, err := os.ReadFile(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []vault.AuditEvent
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<10)
	for sc.Scan() {
		var e vault.AuditEvent
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Kind != "" {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].At.Before(out[k].At) })
	return out, nil
}

// Append adds events to the journal and syncs it; once the file grows past
// maxSize the oldest events are dropped (see newest). Appending no event
// does nothing.
func (j *Journal) Append(events []vault.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	b, err := encode(events)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return err
	}
	unlock, err := atomicfile.Lock(j.lockPath)
	if err != nil {
		return err
	}
	defer unlock()
	if err := atomicfile.Append(j.fs, j.path, b); err != nil {
		return err
	}
	if info, err := os.Stat(j.path); err == nil && info.Size() > maxSize {
		return j.rewriteLocked(newest)
	}
	return nil
}

func encode(events []vault.AuditEvent) ([]byte, error) {
	var buf bytes.Buffer
	for _, e := range events {
		line, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		buf.Write(append(line, '\n'))
	}
	return buf.Bytes(), nil
}

// newest keeps the newest events up to half the size limit and at most
// keepEvents of them, so that trimming is rare.
func newest(all []vault.AuditEvent) []vault.AuditEvent {
	size, i := 0, len(all)
	for i > 0 && len(all)-i < keepEvents {
		if size += len(all[i-1].Detail) + len(all[i-1].Kind) + 100; size > maxSize/2 {
			break
		}
		i--
	}
	return all[i:]
}

// rewrite replaces the journal by keep(its events), under the lock.
func (j *Journal) rewrite(keep func([]vault.AuditEvent) []vault.AuditEvent) error {
	unlock, err := atomicfile.Lock(j.lockPath)
	if err != nil {
		return err
	}
	defer unlock()
	return j.rewriteLocked(keep)
}

func (j *Journal) rewriteLocked(keep func([]vault.AuditEvent) []vault.AuditEvent) error {
	all, err := j.Read()
	if err != nil {
		return err
	}
	all = keep(all)
	if len(all) == 0 {
		if err := j.fs.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	b, err := encode(all)
	if err != nil {
		return err
	}
	return atomicfile.Write(j.fs, j.path, b)
}

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
// # File format
//
// The journal is DIR/audit-VAULTID.jsonl (0600 in a 0700 directory), one
// JSON object a line:
//
//	{"id":…,"at":…,"kind":…,"detail":…,"mac":…}
//
// kind is "unlock" or "unlock.failed"; at is RFC 3339 with nanoseconds;
// mac is the hex HMAC-SHA256, under the journal key, of
//
//	str("otter journal v1") ‖ str(vault id) ‖ str(id) ‖
//	uint64(unix seconds of at) ‖ uint32(nanoseconds of at) ‖
//	str(kind) ‖ str(detail)
//
// where str(s) is uint32(len(s)) ‖ s and integers are big endian. The
// journal key is vault.Vault.DeriveKey("journal"): HKDF of the vault's data
// key, so only someone who can unlock the vault can write a line that is
// read back, and a line of another vault is refused. Unlock events are
// written after the unlock, so the key is there.
//
// Reading is bounded: at most the last maxSize bytes of the file and, of
// those, the last maxLines lines are parsed. A line that does not parse (a
// write cut short), holds another kind of event, or whose MAC fails (forged,
// copied from another vault, or written before a data-key rotation) is
// dropped: it is never returned, never carried, and the next rewrite
// removes it. Every append is synced before Append returns; every rewrite
// replaces the file atomically (internal/atomicfile); both happen under a
// lock on DIR/audit-VAULTID.lock. The file holds no secret.
//
// What the MAC does not stop: whoever can write the user's files can still
// delete the journal, or fill it so that real lines fall outside the read
// bound, as they can delete the lockout record. They cannot make an event
// appear in the audit log. When the data key is rotated (a slot removed),
// lines MAC'd under the old key and not yet carried by a process that read
// them are lost: the rotating process carries what it read at its unlock in
// its rotation write, and the slot removal itself is logged in the vault.
package journal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/vault"
)

const (
	keepEvents = 1000           // events kept when the journal is never carried
	maxSize    = 256 << 10      // bytes before the oldest events are dropped; bytes read
	maxLines   = 2 * keepEvents // lines parsed
)

// Journal is the unlock journal of one vault.
type Journal struct {
	dir, path, lockPath string
	vaultID             string
	key                 []byte
	fs                  atomicfile.FS
}

// Open returns the journal of the unlocked vault v in the state folder dir,
// with its key (see the package doc); Close zeroes the key. Nothing is read
// or created until it is used.
func Open(dir string, v *vault.Vault) (*Journal, error) {
	key, err := v.DeriveKey("journal")
	if err != nil {
		return nil, fmt.Errorf("failed to derive the journal key: %w", err)
	}
	return open(dir, v.VaultID(), key), nil
}

func open(dir, vaultID string, key []byte) *Journal {
	name := "audit-" + vaultID
	return &Journal{dir: dir, path: filepath.Join(dir, name+".jsonl"),
		lockPath: filepath.Join(dir, name+".lock"), vaultID: vaultID, key: key, fs: atomicfile.OS}
}

// Close zeroes the journal key; the journal is not usable afterwards.
func (j *Journal) Close() { clear(j.key) }

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

// Pending returns the journal's events that d's audit log does not hold,
// and drops from the journal those it does hold and the lines Read drops.
func (j *Journal) Pending(d *vault.Data) ([]vault.AuditEvent, error) {
	events, dropped, err := j.read()
	if err != nil || len(events)+dropped == 0 {
		return nil, err
	}
	in := make(map[string]bool, len(d.Audit))
	for _, e := range d.Audit {
		in[e.ID] = true
	}
	held := func(e vault.AuditEvent) bool { return in[e.ID] }
	out := slices.DeleteFunc(slices.Clone(events), held)
	if len(out) < len(events) || dropped > 0 {
		err = j.rewrite(func(all []vault.AuditEvent) []vault.AuditEvent {
			return slices.DeleteFunc(all, held)
		})
	}
	return out, err
}

// Read returns the journal's events, oldest first, without the lines the
// package doc says are dropped.
func (j *Journal) Read() ([]vault.AuditEvent, error) {
	events, _, err := j.read()
	return events, err
}

// read is Read that also counts the lines it dropped.
func (j *Journal) read() (events []vault.AuditEvent, dropped int, err error) {
	b, err := j.tail()
	if err != nil || len(b) == 0 {
		return nil, 0, err
	}
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	if len(lines) > maxLines {
		dropped, lines = len(lines)-maxLines, lines[len(lines)-maxLines:]
	}
	for _, l := range lines {
		if e, ok := j.decode(l); ok {
			events = append(events, e)
		} else {
			dropped++
		}
	}
	sort.SliceStable(events, func(i, k int) bool { return events[i].At.Before(events[k].At) })
	return events, dropped, nil
}

// tail returns the whole lines of the last maxSize bytes of the file.
func (j *Journal) tail() ([]byte, error) {
	f, err := os.Open(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	cut := info.Size() > maxSize
	if cut {
		if _, err := f.Seek(info.Size()-maxSize, io.SeekStart); err != nil {
			return nil, err
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSize))
	if err != nil {
		return nil, err
	}
	if cut { // the first line is most likely cut: skip it
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[i+1:], nil
		}
		return nil, nil
	}
	return b, nil
}

// Append adds events to the journal and syncs it; once the file grows past
// maxSize the oldest events are dropped (see newest). Appending no event
// does nothing; an event that is not an unlock is refused.
func (j *Journal) Append(events []vault.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	b, err := j.encode(events)
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

// newest keeps the newest events up to half the size limit and at most
// keepEvents of them, so that trimming is rare.
func newest(all []vault.AuditEvent) []vault.AuditEvent {
	size, i := 0, len(all)
	for i > 0 && len(all)-i < keepEvents {
		if size += len(all[i-1].Detail) + len(all[i-1].Kind) + 200; size > maxSize/2 {
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
	b, err := j.encode(all)
	if err != nil {
		return err
	}
	return atomicfile.Write(j.fs, j.path, b)
}

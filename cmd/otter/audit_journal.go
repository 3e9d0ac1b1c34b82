package main

// The unlock journal: audit events that happen without a vault write.
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
// the events the vault already holds from the journal. Silent keyring
// unlocks are not journalled: they are the desktop session opening the
// vault, not a person proving who they are, and they are the hot path.
//
// The journal is state-dir/audit-VAULTID.jsonl (0600 in a 0700 directory),
// one JSON object a line: {"id":…,"at":…,"kind":…,"detail":…}. It holds no
// secret. Until it is carried into the vault it is not authenticated: whoever
// can write the user's files can delete it, as they can the lockout record.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/vault"
)

const (
	journalKeep    = 1000      // events kept when the journal is never carried
	journalMaxSize = 256 << 10 // bytes before the oldest events are dropped
)

type journal struct {
	dir, path, lockPath string
}

func openJournal(dir, vaultID string) *journal {
	name := "audit-" + vaultID
	return &journal{dir: dir, path: filepath.Join(dir, name+".jsonl"), lockPath: filepath.Join(dir, name+".lock")}
}

// journal returns the unlock journal of the vault v.
func (a *app) journal(v *vault.Vault) *journal { return openJournal(paths.State(), v.VaultID()) }

// auditUnlock journals the unlock that opened v and the failed attempts
// before it, and queues every event the vault does not hold yet for v's next
// write.
func (a *app) auditUnlock(v *vault.Vault, failed lockout.Summary) {
	j := a.journal(v)
	events, err := j.pending(v.Data())
	if err != nil {
		a.warn("cannot read the unlock journal: %v", err)
	}
	var fresh []vault.AuditEvent
	if failed.Failures > 0 {
		fresh = append(fresh, failedEvent(failed))
	}
	if info := v.Unlocked(); info.SlotType != vault.SlotKeyring {
		fresh = append(fresh, vault.AuditEvent{ID: vault.NewID(nil), At: a.now().UTC(), Kind: "unlock",
			Detail: slotName(v.Slots(), info.SlotID)})
	}
	if len(fresh) > 0 {
		if err := j.append(fresh); err != nil {
			a.warn("cannot record the unlock in the journal (it is kept only if this command writes the vault): %v", err)
		}
	}
	v.Carry(append(events, fresh...)...)
}

// failedEvent turns the lockout record's summary into an audit event.
func failedEvent(s lockout.Summary) vault.AuditEvent {
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(s.Kinds)) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, s.Kinds[k]))
	}
	detail := fmt.Sprintf("%d failed unlock %s before this unlock", s.Failures, fidoPlural(s.Failures, "attempt", "attempts"))
	if len(kinds) > 0 {
		detail += " (" + strings.Join(kinds, ", ") + ")"
	}
	return vault.AuditEvent{ID: vault.NewID(nil), At: s.Last.UTC(), Kind: "unlock.failed", Detail: detail}
}

// slotName is "type slot 1a2b3c4d" with the slot's label, if any.
func slotName(slots []vault.Slot, id string) string {
	for _, s := range slots {
		if s.ID == id {
			name := fmt.Sprintf("%s slot %s", s.Type, shortID(s.ID))
			if s.Label != "" {
				name += fmt.Sprintf(" %q", s.Label)
			}
			return name
		}
	}
	return "slot " + shortID(id)
}

// pending returns the journal's events that d's audit log does not hold, and
// drops those it does hold from the journal.
func (j *journal) pending(d *vault.Data) ([]vault.AuditEvent, error) {
	events, err := j.read()
	if err != nil || len(events) == 0 {
		return nil, err
	}
	in := make(map[string]bool, len(d.Audit))
	for _, e := range d.Audit {
		in[e.ID] = true
	}
	out := slices.DeleteFunc(slices.Clone(events), func(e vault.AuditEvent) bool { return in[e.ID] })
	if len(out) < len(events) {
		err = j.rewrite(func(all []vault.AuditEvent) []vault.AuditEvent {
			return slices.DeleteFunc(all, func(e vault.AuditEvent) bool { return in[e.ID] })
		})
	}
	return out, err
}

// read returns the journal's events, oldest first; lines that do not parse
// (a write cut short) are skipped.
func (j *journal) read() ([]vault.AuditEvent, error) {
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

// append adds events to the journal; once the file grows past
// journalMaxSize the oldest events are dropped (see newest).
func (j *journal) append(events []vault.AuditEvent) error {
	var buf bytes.Buffer
	for _, e := range events {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(append(line, '\n'))
	}
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return err
	}
	unlock, err := atomicfile.Lock(j.lockPath)
	if err != nil {
		return err
	}
	defer unlock()
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(buf.Bytes())
	info, serr := f.Stat()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && serr == nil && info.Size() > journalMaxSize {
		err = j.rewriteLocked(newest)
	}
	return err
}

// newest keeps the newest events up to half the size limit and at most
// journalKeep of them, so that trimming is rare.
func newest(all []vault.AuditEvent) []vault.AuditEvent {
	size, i := 0, len(all)
	for i > 0 && len(all)-i < journalKeep {
		if size += len(all[i-1].Detail) + len(all[i-1].Kind) + 100; size > journalMaxSize/2 {
			break
		}
		i--
	}
	return all[i:]
}

// rewrite replaces the journal by keep(its events), under the lock.
func (j *journal) rewrite(keep func([]vault.AuditEvent) []vault.AuditEvent) error {
	unlock, err := atomicfile.Lock(j.lockPath)
	if err != nil {
		return err
	}
	defer unlock()
	return j.rewriteLocked(keep)
}

func (j *journal) rewriteLocked(keep func([]vault.AuditEvent) []vault.AuditEvent) error {
	all, err := j.read()
	if err != nil {
		return err
	}
	all = keep(all)
	if len(all) == 0 {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	var buf bytes.Buffer
	for _, e := range all {
		line, _ := json.Marshal(e)
		buf.Write(append(line, '\n'))
	}
	tmp, err := os.CreateTemp(j.dir, ".audit-*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(buf.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), j.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

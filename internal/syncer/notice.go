package syncer

import (
	"bytes"
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

// noticesFile, in the repository, holds the slot changes other devices
// made that this device has not acknowledged yet (a JSON array of Notice).
const noticesFile = "otter-notices.json"

// SlotNote names one slot of a Notice.
type SlotNote struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Label string `json:"label,omitempty"`
}

// String is "age slot alice", or "password slot 1a2b3c4d" without a label.
func (n SlotNote) String() string {
	if n.Label != "" {
		return fmt.Sprintf("%s slot %s", n.Type, n.Label)
	}
	return fmt.Sprintf("%s slot %.8s", n.Type, n.ID)
}

// Notice is a change of the vault's unlock slots (its members) that came
// in from another device: shown by every sync and status until this
// device acknowledges it (AckNotices). Slot changes made on this device
// are no notice.
type Notice struct {
	// At is when this device took the change in.
	At time.Time `json:"at"`
	// Devices made the change, as far as the device logs tell: those whose
	// log grew in the commits that brought it in (this device excluded);
	// empty when no log says.
	Devices    []string   `json:"devices,omitempty"`
	Generation uint64     `json:"generation"`
	Added      []SlotNote `json:"added,omitempty"`
	Removed    []SlotNote `json:"removed,omitempty"`
}

// Changes says what changed: "added age slot alice; removed password slot
// 1a2b3c4d".
func (n Notice) Changes() string {
	var parts []string
	for _, s := range n.Added {
		parts = append(parts, "added "+s.String())
	}
	for _, s := range n.Removed {
		parts = append(parts, "removed "+s.String())
	}
	return strings.Join(parts, "; ")
}

// slotNotice compares the slots before and after a change that came in
// from the remote; nil when they are the same.
func slotNotice(before, after []vault.Slot) *Notice {
	var n Notice
	has := func(list []vault.Slot, id string) bool {
		return slices.ContainsFunc(list, func(s vault.Slot) bool { return s.ID == id })
	}
	note := func(s vault.Slot) SlotNote { return SlotNote{ID: s.ID, Type: string(s.Type), Label: s.Label} }
	for _, s := range after {
		if !has(before, s.ID) {
			n.Added = append(n.Added, note(s))
		}
	}
	for _, s := range before {
		if !has(after, s.ID) {
			n.Removed = append(n.Removed, note(s))
		}
	}
	if len(n.Added) == 0 && len(n.Removed) == 0 {
		return nil
	}
	return &n
}

// authors returns the devices other than this one whose log grew from
// commit head (none: "") to commit remote.
func (s *Syncer) authors(head, remote string) []string {
	lines := func(c string) map[string]int {
		m := map[string]int{}
		if c == "" {
			return m
		}
		files, err := s.repo.Files(c)
		if err != nil {
			return m
		}
		for name := range files {
			id, ok := strings.CutPrefix(name, devicesDir)
			if !ok {
				continue
			}
			if b, err := s.repo.ReadFile(c, name); err == nil {
				m[strings.TrimSuffix(id, ".log")] = bytes.Count(b, []byte{'\n'})
			}
		}
		return m
	}
	was, now := lines(head), lines(remote)
	var out []string
	for _, id := range slices.Sorted(maps.Keys(now)) {
		if id != s.device && now[id] > was[id] {
			out = append(out, id)
		}
	}
	return out
}

// noteSlots records a notice when the slots changed from before to the
// vault's current ones by taking in the remote commit (this device's
// branch was at head): in the repository at once, since the local vault
// changed already even if the push that follows fails, and in s.notices
// for the Report.
func (s *Syncer) noteSlots(before []vault.Slot, head, remote string) {
	n := slotNotice(before, s.v.Slots())
	if n == nil {
		return
	}
	n.At, n.Generation, n.Devices = s.now().UTC().Truncate(time.Second), s.v.Generation(), s.authors(head, remote)
	s.notices = append(s.notices, *n)
	list, _ := Notices(s.repo)
	list = append(list, *n)
	if b, err := json.MarshalIndent(list, "", "  "); err == nil {
		_ = atomicfile.Write(atomicfile.OS, filepath.Join(s.repo.Dir(), noticesFile), append(b, '\n'))
	}
}

// Notices returns the slot changes of other devices this device has not
// acknowledged, oldest first.
func Notices(repo *gitrepo.Repo) ([]Notice, error) {
	b, err := os.ReadFile(filepath.Join(repo.Dir(), noticesFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var list []Notice
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("%s: %w", noticesFile, err)
	}
	return list, nil
}

// AckNotices clears the notices (the person has seen them) and returns
// how many there were.
func AckNotices(repo *gitrepo.Repo) (int, error) {
	unlock, err := lock(repo)
	if err != nil {
		return 0, err
	}
	defer unlock()
	list, err := Notices(repo)
	if err := os.Remove(filepath.Join(repo.Dir(), noticesFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	return len(list), err
}

package vaultops

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/otterauth/otter/vault"
)

// File-sync tools whose conflict copies ConflictCopyOf recognises.
const (
	ToolSyncthing = "Syncthing"
	ToolDropbox   = "Dropbox"
	ToolNextcloud = "Nextcloud"
)

// ConflictCopyOf reports which file-sync tool's conflict copy of the file
// named base (the vault's file name, no folder) name is, "" when it is
// none. The tool's marker must sit exactly between base's stem and its
// extension (filepath.Ext), case-sensitively:
//
//	Syncthing  STEM.sync-conflict-YYYYMMDD-HHMMSS-DEVICE7EXT (7 base32 characters)
//	Dropbox    STEM (OWNER's conflicted copy YYYY-MM-DD)EXT, also without
//	           "OWNER's " and with " (N)" after the date
//	Nextcloud  STEM (conflicted copy [USER ]YYYY-MM-DD HHMMSS)EXT and the
//	           older STEM_conflict-YYYYMMDD-HHMMSSEXT (ownCloud too)
//
// A base whose stem is empty (".otter") has no conflict copies.
func ConflictCopyOf(base, name string) string {
	ext := filepath.Ext(base)
	stem := base[:len(base)-len(ext)]
	if stem == "" || len(name) <= len(base) || !strings.HasPrefix(name, stem) || !strings.HasSuffix(name, ext) {
		return ""
	}
	mid := name[len(stem) : len(name)-len(ext)]
	if rest, ok := strings.CutPrefix(mid, ".sync-conflict-"); ok {
		// lib/model/folder_sendrecv.go conflictName: time.Now().Format(
		// ".sync-conflict-20060102-150405-") + the short device id.
		if len(rest) == 23 && stamp(rest[:15], "20060102-150405") && rest[15] == '-' && shortID(rest[16:]) {
			return ToolSyncthing
		}
		return ""
	}
	if rest, ok := strings.CutPrefix(mid, "_conflict-"); ok {
		if stamp(rest, "20060102-150405") {
			return ToolNextcloud
		}
		return ""
	}
	inner, ok := strings.CutPrefix(mid, " (")
	if !ok {
		return ""
	}
	if inner, ok = strings.CutSuffix(inner, ")"); !ok {
		return ""
	}
	// Nextcloud desktop, Utility::makeConflictFileName: " (conflicted
	// copy " + [user without parentheses + " "] + "yyyy-MM-dd hhmmss" + ")".
	if rest, ok := strings.CutPrefix(inner, "conflicted copy "); ok && len(rest) >= 17 {
		at, user := rest[len(rest)-17:], rest[:len(rest)-17]
		if stamp(at, "2006-01-02 150405") {
			if user == "" {
				return ToolNextcloud
			}
			if u, ok := strings.CutSuffix(user, " "); ok && owner(u) {
				return ToolNextcloud
			}
			return ""
		}
	}
	// Dropbox: " (" + [owner + "'s "] + "conflicted copy " + date + [" (N)"] + ")".
	i := strings.LastIndex(inner, "conflicted copy ")
	if i < 0 {
		return ""
	}
	who, rest := inner[:i], inner[i+len("conflicted copy "):]
	if who != "" {
		u, ok := strings.CutSuffix(who, "'s ")
		if !ok || !owner(u) {
			return ""
		}
	}
	if len(rest) < 10 || !stamp(rest[:10], "2006-01-02") {
		return ""
	}
	if n := rest[10:]; n != "" {
		d, ok := strings.CutPrefix(n, " (")
		if d, ok = strings.CutSuffix(d, ")"); !ok || !digits(d) || len(d) > 4 {
			return ""
		}
	}
	return ToolDropbox
}

// stamp reports whether s is a valid time in layout, digits where layout
// has digits.
func stamp(s, layout string) bool {
	if len(s) != len(layout) {
		return false
	}
	for i := range len(s) {
		if (layout[i] >= '0' && layout[i] <= '9') != (s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	_, err := time.Parse(layout, s)
	return err == nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// shortID reports whether s is a Syncthing short device id: 7 characters
// of the base32 alphabet.
func shortID(s string) bool {
	if len(s) != 7 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// owner reports whether s can be the computer or user name inside a
// conflict marker: not empty, valid UTF-8, no parentheses, path separators
// or control characters, not starting or ending with a space.
func owner(s string) bool {
	if s == "" || !utf8.ValidString(s) || s != strings.TrimSpace(s) || strings.ContainsAny(s, "()/\\") {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// ConflictReport is what MergeConflictCopies did.
type ConflictReport struct {
	Merged []MergedCopy
	// Warnings name the conflict copies left in place and why: of another
	// vault, damaged, written under another data key, or refused by the
	// merge.
	Warnings []error
}

// MergedCopy is one conflict copy merged in and moved aside.
type MergedCopy struct {
	Name      string // the copy's file name
	Tool      string // ToolSyncthing, ToolDropbox or ToolNextcloud
	Aside     string // where it is now
	In        vault.Changes
	Conflicts []vault.Conflict
	// Nothing is true when the copy held nothing the vault lacked (the
	// same file, or an older one): it was only moved aside.
	Nothing bool
}

// errNothingNew stops a merge that would change nothing.
var errNothingNew = errors.New("nothing new")

// MergeConflictCopies merges into the vault every conflict copy of it
// that a file-sync tool left beside it (ConflictCopyOf; regular files of
// the current user only, never through a symbolic link) with vault.Merge
// and no common ancestor, then moves each to backups/conflicts/
// (Vault.SetAside) so that it is not merged twice. A copy that holds
// nothing new is only moved aside. A copy that does not open (another
// vault's, damaged, no slot this device holds) or that the merge refuses
// — among them a copy under a data key no device of this vault made
// (vault.ErrUnvouched: it may be forged to add a slot) — is left in place
// and reported in Warnings. With
// no conflict copy it costs one read of the vault's folder. The error is
// for that read only.
func (s *Session) MergeConflictCopies() (ConflictReport, error) {
	var rep ConflictReport
	path := s.v.Path()
	base := filepath.Base(path)
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return rep, fmt.Errorf("cannot look for conflict copies beside the vault: %w", err)
	}
	for _, e := range ents {
		tool := ConflictCopyOf(base, e.Name())
		if tool == "" || !e.Type().IsRegular() { // symbolic links, folders: ignored
			continue
		}
		m, err := s.mergeCopy(e.Name(), tool)
		if err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Errorf("%s conflict copy %s left in place: %w", tool, e.Name(), err))
			continue
		}
		rep.Merged = append(rep.Merged, m)
	}
	return rep, nil
}

// mergeCopy merges the conflict copy name in and moves it aside.
func (s *Session) mergeCopy(name, tool string) (MergedCopy, error) {
	m := MergedCopy{Name: name, Tool: tool}
	raw, err := s.v.ReadSibling(name)
	if err != nil {
		return m, err
	}
	if bytes.Equal(raw, s.v.Raw()) {
		m.Nothing = true
	} else {
		if err := s.merge(raw, &m); err != nil {
			return m, err
		}
	}
	if m.Aside, err = s.v.SetAside(name); err != nil {
		if m.Nothing {
			return m, fmt.Errorf("cannot move it aside: %w", err)
		}
		return m, fmt.Errorf("merged, but it cannot be moved aside (it will be merged again, to no effect): %w", err)
	}
	return m, nil
}

// merge merges raw, a copy of the vault, in.
func (s *Session) merge(raw []byte, m *MergedCopy) error {
	c, err := s.v.OpenCopy(raw)
	if err != nil {
		if errors.Is(err, vault.ErrOtherVault) {
			return fmt.Errorf("it is a copy of another vault: %w", err)
		}
		return err
	}
	defer c.Close()
	before := s.v.Data()
	defer wipeData(before)
	slots := newSlots(s.v, c) // not in the merge function: it runs under the vault's lock
	err = s.v.MergeIn(nil, c, func(b, o, t *vault.Data) (*vault.Data, error) {
		d, r := vault.Merge(b, o, t)
		if !slots && vault.SameData(o, d) {
			return nil, errNothingNew
		}
		m.Conflicts = r.Conflicts
		return d, nil
	})
	switch {
	case errors.Is(err, errNothingNew):
		m.Nothing, m.Conflicts = true, nil
		return nil
	case err != nil:
		return err
	}
	after := s.v.Data()
	defer wipeData(after)
	m.In = vault.Diff(before, after)
	return nil
}

// newSlots reports whether merging the copy c would change the vault's
// slots: c has a slot the vault lacks, or removed one the vault has.
func newSlots(v *vault.Vault, c *vault.Copy) bool {
	have := map[string]bool{}
	for _, sl := range v.Slots() {
		have[sl.ID] = true
	}
	for _, sl := range c.Slots() {
		if !have[sl.ID] {
			return true
		}
	}
	for _, id := range c.RemovedSlots() {
		if have[id] {
			return true
		}
	}
	return false
}

// Summary is one line for a face: what the copy brought.
func (m MergedCopy) Summary() string {
	if m.Nothing {
		return fmt.Sprintf("%s conflict copy %s held nothing new; moved to %s", m.Tool, m.Name, m.Aside)
	}
	var parts []string
	for _, p := range []struct {
		n    int
		verb string
	}{{len(m.In.Added), "added"}, {len(m.In.Changed), "changed"}, {len(m.In.Deleted), "deleted"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s %s", p.n, plural(p.n, "account", "accounts"), p.verb))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no account changed")
	}
	if n := len(m.Conflicts); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s (the later edit won)", n, plural(n, "conflict", "conflicts")))
	}
	return fmt.Sprintf("merged %s conflict copy %s: %s; moved to %s", m.Tool, m.Name, strings.Join(parts, ", "), m.Aside)
}

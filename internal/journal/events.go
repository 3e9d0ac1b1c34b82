package journal

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/vault"
)

// UnlockEvents returns the events the unlock that opened v adds at now: the
// failed attempts before it (failed, from the lockout record) and the
// unlock itself, unless it went through the keyring.
func UnlockEvents(v *vault.Vault, failed lockout.Summary, now time.Time) []vault.AuditEvent {
	var out []vault.AuditEvent
	if failed.Failures > 0 {
		out = append(out, FailedEvent(failed))
	}
	if info := v.Unlocked(); info.SlotType != vault.SlotKeyring {
		out = append(out, vault.AuditEvent{ID: vault.NewID(nil), At: now.UTC(), Kind: "unlock",
			Detail: SlotName(v.Slots(), info.SlotID)})
	}
	return out
}

// FailedEvent turns the lockout record's summary into an audit event.
func FailedEvent(s lockout.Summary) vault.AuditEvent {
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(s.Kinds)) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, s.Kinds[k]))
	}
	attempts := "attempts"
	if s.Failures == 1 {
		attempts = "attempt"
	}
	detail := fmt.Sprintf("%d failed unlock %s before this unlock", s.Failures, attempts)
	if len(kinds) > 0 {
		detail += " (" + strings.Join(kinds, ", ") + ")"
	}
	return vault.AuditEvent{ID: vault.NewID(nil), At: s.Last.UTC(), Kind: "unlock.failed", Detail: detail}
}

// SlotName is "type slot 1a2b3c4d" with the slot's label, if any.
func SlotName(slots []vault.Slot, id string) string {
	for _, s := range slots {
		if s.ID == id {
			name := fmt.Sprintf("%s slot %s", s.Type, short(s.ID))
			if s.Label != "" {
				name += fmt.Sprintf(" %q", s.Label)
			}
			return name
		}
	}
	return "slot " + short(id)
}

// short is the first 8 characters of an id, as otter shows ids.
func short(id string) string { return id[:min(8, len(id))] }

package main

// The unlock journal (internal/journal): audit events that happen without a
// vault write, carried into the vault by its next write.

import (
	"github.com/otterauth/otter/internal/journal"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/vault"
)

// journal returns the unlock journal of the vault v.
func (a *app) journal(v *vault.Vault) *journal.Journal {
	return journal.Open(paths.State(), v.VaultID())
}

// auditUnlock journals the unlock that opened v and the failed attempts
// before it, and queues every event the vault does not hold yet for v's next
// write.
func (a *app) auditUnlock(v *vault.Vault, failed lockout.Summary) {
	j := a.journal(v)
	events, err := j.Pending(v.Data())
	if err != nil {
		a.warn("cannot read the unlock journal: %v", err)
	}
	fresh := journal.UnlockEvents(v, failed, a.now())
	if err := j.Append(fresh); err != nil {
		a.warn("cannot record the unlock in the journal (it is kept only if this command writes the vault): %v", err)
	}
	v.Carry(append(events, fresh...)...)
}

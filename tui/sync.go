package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/syncer"
	"github.com/otterauth/otter/vault"
)

// Sync with the vault's git remote (otter sync), from the TUI: with
// automatic sync on (Config.AutoSync), one sync right after unlock and one
// after every change the TUI makes; the S key syncs now. At most one sync
// runs: a change (or S) during a sync schedules one more after it. A sync
// and a vault transaction of the session never run at the same time
// (session.mu). The result is on the status line; a sync that brought
// something in reloads the data on screen as a change made by another
// process does.

// SyncFunc syncs the unlocked vault v with its remote and reports what it
// did (cmd/otter builds it over internal/syncer). It returns when ctx ends.
type SyncFunc func(ctx context.Context, v *vault.Vault) (syncer.Report, error)

// syncTimeout bounds one sync of the TUI: a remote that hangs must not
// hold back the syncs after it.
const syncTimeout = time.Minute

// syncMsg reports the end of a sync.
type syncMsg struct {
	epoch   int
	rep     syncer.Report
	err     error
	changed bool // the vault's generation moved: reload the data
}

// syncState is what the root model knows of the syncs.
type syncState struct {
	running bool
	again   bool               // a change came during the sync: one more after it
	cancel  context.CancelFunc // ends the running sync (lock, quit)
}

// canSync reports whether the vault has a sync repository.
func (m *Model) canSync() bool { return m.cfg.Sync != nil }

// autoSync starts a sync when automatic sync is on.
func (m *Model) autoSync() tea.Cmd {
	if !m.cfg.AutoSync {
		return nil
	}
	return m.startSync()
}

// startSync starts a sync in the background, or schedules one more after
// the one running.
func (m *Model) startSync() tea.Cmd {
	if !m.canSync() || m.sess == nil {
		return nil
	}
	if m.sync.running {
		m.sync.again = true
		return nil
	}
	m.sync.running = true
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	m.sync.cancel = cancel
	fn, sess := m.cfg.Sync, m.sess
	return func() tea.Msg {
		defer cancel()
		sess.mu.Lock()
		defer sess.mu.Unlock()
		before := sess.v.Generation()
		rep, err := fn(ctx, sess.v)
		return syncMsg{epoch: sess.epoch, rep: rep, err: err, changed: sess.v.Generation() != before}
	}
}

// stopSync cancels the running sync and forgets the scheduled one (lock,
// quit).
func (m *Model) stopSync() {
	if m.sync.cancel != nil {
		m.sync.cancel()
	}
	m.sync = syncState{}
}

// synced handles the end of a sync: the status line says what it did, the
// data reloads when it changed, and a sync scheduled meanwhile starts.
func (m *Model) synced(msg syncMsg) tea.Cmd {
	if m.sess == nil || msg.epoch != m.sess.epoch {
		return nil
	}
	m.sync.running, m.sync.cancel = false, nil
	var cmds []tea.Cmd
	if msg.changed {
		cmds = append(cmds, m.dataChanged())
	}
	switch {
	case msg.err != nil:
		// First what a person must know, in case the line is cut.
		m.setStatus("Sync failed, changes kept here: "+errText(msg.err), statusErr)
	case len(msg.rep.Conflicts) > 0:
		m.setStatus("Sync: "+msg.rep.Summary()+".", statusWarn)
	case m.status.text != "" && m.status.kind >= statusWarn:
		// A warning (failed unlock attempts, say) outweighs "synced".
	default:
		m.setStatus("Synced: "+msg.rep.Summary()+".", statusOK)
	}
	if m.sync.again {
		m.sync.again = false
		cmds = append(cmds, m.startSync())
	}
	return tea.Batch(cmds...)
}

// syncedOp reports whether an automatic sync follows the transaction op:
// every change, but not using a code (an HOTP counter) or logging a reveal,
// which are reading as otter code is; they go out with the next sync.
func syncedOp(op writeOp) bool {
	switch op {
	case opUse, opUsage, opHOTP, opRecoverLog, opQR:
		return false
	}
	return true
}

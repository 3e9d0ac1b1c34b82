package tui

import (
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/localstate"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// session is an unlocked vault and what the screens derive from it. The
// root model replaces data after every write or refresh; screens read it
// and never change it (vault.Data is a snapshot).
type session struct {
	v     *vault.Vault
	ops   *vaultops.Session // every change of the data goes through it
	data  *vault.Data
	epoch int // the lock generation; results of older sessions are dropped
	now   func() time.Time
	// hotp holds HOTP codes generated in this session: they stay on screen
	// for a while after the counter was persisted.
	hotp map[string]shownCode
	// usage is how often each account's code was used on this device
	// (local state, loaded by usageCmd when the session starts), for the
	// list's order. Uses recorded during the session do not change it, so
	// that rows stay where they are; they count at the next start.
	usage map[string]localstate.Use
	// trashed is the account deleted last in this session, which the undo
	// key brings back from the trash; "" when there is none.
	trashed string
	// saveWarning is Config.SaveWarning, or nil.
	saveWarning func() error
	// mu is held by every transaction and by a sync: a sync reads the
	// vault, then writes what came in, and no change of this session may
	// come between.
	mu *sync.Mutex
}

// shownCode is a generated HOTP code, the counter it was made for and
// when it was generated.
type shownCode struct {
	code    string
	counter uint64
	at      time.Time
}

// hotpShown is how long a generated HOTP code stays on screen.
const hotpShown = 30 * time.Second

func newSession(v *vault.Vault, stateDir string, epoch int, now func() time.Time) *session {
	return &session{
		v: v, ops: vaultops.New(v, stateDir, now), data: v.Data(), epoch: epoch, now: now,
		hotp: map[string]shownCode{}, usage: map[string]localstate.Use{}, mu: &sync.Mutex{},
	}
}

// writeOp names what a vault transaction did.
type writeOp int

const (
	opUse            writeOp = iota // a copy counted in local usage, usage in writeMsg.usage
	opHOTP                          // counter+1 persisted, code in writeMsg.code
	opPin                           // pinned flag toggled
	opDelete                        // account tombstoned
	opAdd                           // accounts added
	opEdit                          // account edited
	opRecoverUse                    // next recovery code used, code in writeMsg.code
	opRecoverAdd                    // recovery codes added
	opRecoverReplace                // recovery codes replaced by a new batch, their count in n
	opRecoverLog                    // a reveal was logged
	opKeyAdd                        // a security key joined the inventory, name in label
	opKeyLost                       // a security key was marked lost, name in label
	opUsage                         // local usage read, in writeMsg.usage (no vault write)
	opRestore                       // an account came back from the trash, its new id in writeMsg.id
	opQR                            // a QR code's reveal was logged
)

// writeMsg reports the end of a vault transaction.
type writeMsg struct {
	epoch int
	op    writeOp
	id    string // the account
	code  string // the HOTP or recovery code, if any
	ctr   uint64 // the HOTP counter code was made for
	n     int    // accounts or codes added; recovery codes left
	dup   int    // duplicates skipped
	label string
	note  string                    // a longer report for the screen that asked
	usage map[string]localstate.Use // when set, this device's usage now
	err   error
	warn  error // the save stands, but what followed it failed (Config.SaveWarning)
}

// run returns a command that runs one operation of the domain layer (a
// vault transaction) and reports its end; fn fills in the report.
func (s *session) run(op writeOp, id string, fn func(ops *vaultops.Session, r *writeMsg) error) tea.Cmd {
	ops, epoch, warning, mu := s.ops, s.epoch, s.saveWarning, s.mu
	return func() tea.Msg {
		mu.Lock()
		defer mu.Unlock()
		r := writeMsg{epoch: epoch, op: op, id: id}
		r.err = fn(ops, &r)
		if warning != nil {
			r.warn = warning()
		}
		return r
	}
}

// account returns the live account id of the current snapshot, or nil.
func (s *session) account(id string) *vault.Account {
	if s == nil || s.data == nil {
		return nil
	}
	return s.data.Account(id)
}

// useCmd records that the account's code was used (most-used sorting).
func (s *session) useCmd(id string) tea.Cmd {
	return s.run(opUse, id, func(ops *vaultops.Session, r *writeMsg) error {
		_, err := ops.RecordUse(id)
		return err
	})
}

// usageCmd reads this device's usage of the accounts (local state).
func (s *session) usageCmd() tea.Cmd {
	return s.run(opUsage, "", func(ops *vaultops.Session, r *writeMsg) error {
		r.usage = ops.Usage()
		return nil
	})
}

// restoreCmd brings the deleted account id back from the trash as a new
// account.
func (s *session) restoreCmd(id string) tea.Cmd {
	return s.run(opRestore, id, func(ops *vaultops.Session, r *writeMsg) error {
		a, err := ops.RestoreTrash(id)
		r.id, r.label = a.ID, a.Label()
		return err
	})
}

// hotpCmd persists counter+1 and only then returns the code for the old
// counter, so that a code is never shown twice.
func (s *session) hotpCmd(id string) tea.Cmd {
	return s.run(opHOTP, id, func(ops *vaultops.Session, r *writeMsg) error {
		c, err := ops.NextHOTP(id)
		r.code, r.ctr, r.label = c.Code, c.Counter, c.Account.Label()
		return err
	})
}

// pinCmd flips the pinned flag.
func (s *session) pinCmd(id string) tea.Cmd {
	return s.run(opPin, id, func(ops *vaultops.Session, r *writeMsg) error {
		a, err := ops.TogglePin(id)
		r.label = a.Label()
		if a.Pinned {
			r.n = 1
		}
		return err
	})
}

// deleteCmd tombstones the account and its recovery codes.
func (s *session) deleteCmd(id string) tea.Cmd {
	return s.run(opDelete, id, func(ops *vaultops.Session, r *writeMsg) error {
		var err error
		r.label, err = ops.Delete(id)
		return err
	})
}

// isHOTP reports whether codes of a are generated on demand.
func isHOTP(a *vault.Account) bool { return a.Type == string(otp.TypeHOTP) }

// period returns a's TOTP step, 30 s when unset.
func period(a *vault.Account) int {
	if a.Period > 0 {
		return a.Period
	}
	return otp.DefaultPeriod
}

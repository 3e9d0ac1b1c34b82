package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

// session is an unlocked vault and what the screens derive from it. The
// root model replaces data after every write or refresh; screens read it
// and never change it (vault.Data is a snapshot).
type session struct {
	v     *vault.Vault
	data  *vault.Data
	epoch int // the lock generation; results of older sessions are dropped
	now   func() time.Time
	// hotp holds HOTP codes generated in this session: they stay on screen
	// for a while after the counter was persisted.
	hotp map[string]shownCode
}

// shownCode is a generated HOTP code and when it was generated.
type shownCode struct {
	code string
	at   time.Time
}

// hotpShown is how long a generated HOTP code stays on screen.
const hotpShown = 30 * time.Second

func newSession(v *vault.Vault, epoch int, now func() time.Time) *session {
	return &session{v: v, data: v.Data(), epoch: epoch, now: now, hotp: map[string]shownCode{}}
}

// writeOp names what a vault transaction did.
type writeOp int

const (
	opUse        writeOp = iota // bump UseCount/LastUsed after a copy
	opHOTP                      // counter+1 persisted, code in writeMsg.code
	opPin                       // pinned flag toggled
	opDelete                    // account tombstoned
	opAdd                       // accounts added
	opEdit                      // account edited
	opRecoverUse                // next recovery code used, code in writeMsg.code
	opRecoverAdd                // recovery codes added
	opRecoverLog                // a reveal was logged
	opKeyAdd                    // a security key joined the inventory, name in label
	opKeyLost                   // a security key was marked lost, name in label
)

// writeMsg reports the end of a vault transaction.
type writeMsg struct {
	epoch int
	op    writeOp
	id    string // the account
	code  string // the HOTP or recovery code, if any
	n     int    // accounts or codes added; recovery codes left
	dup   int    // duplicates skipped
	label string
	note  string // a longer report for the screen that asked
	err   error
}

// write returns a command running fn in a vault transaction.
func (s *session) write(op writeOp, id string, fn func(d *vault.Data, r *writeMsg) error) tea.Cmd {
	v, epoch := s.v, s.epoch
	return func() tea.Msg {
		r := writeMsg{epoch: epoch, op: op, id: id}
		r.err = v.Update(func(d *vault.Data) error {
			res := writeMsg{epoch: epoch, op: op, id: id}
			if err := fn(d, &res); err != nil {
				return err
			}
			r = res
			return nil
		})
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

// touch stamps an account changed at now.
func touch(d *vault.Data, a *vault.Account, now time.Time) {
	a.Updated = now
	a.Stamp = d.Tick(now)
}

// useCmd records that the account's code was used (most-used sorting).
func (s *session) useCmd(id string) tea.Cmd {
	now := s.now()
	return s.write(opUse, id, func(d *vault.Data, r *writeMsg) error {
		a := d.Account(id)
		if a == nil {
			return errAccountGone
		}
		a.UseCount++
		a.LastUsed = now
		touch(d, a, now)
		return nil
	})
}

// hotpCmd persists counter+1 and only then returns the code for the old
// counter, so that a code is never shown twice.
func (s *session) hotpCmd(id string) tea.Cmd {
	now := s.now()
	return s.write(opHOTP, id, func(d *vault.Data, r *writeMsg) error {
		a := d.Account(id)
		if a == nil {
			return errAccountGone
		}
		r.code = keyOf(a).Code(now)
		r.label = label(a)
		a.Counter++
		a.UseCount++
		a.LastUsed = now
		touch(d, a, now)
		return nil
	})
}

// pinCmd flips the pinned flag.
func (s *session) pinCmd(id string) tea.Cmd {
	now := s.now()
	return s.write(opPin, id, func(d *vault.Data, r *writeMsg) error {
		a := d.Account(id)
		if a == nil {
			return errAccountGone
		}
		a.Pinned = !a.Pinned
		r.label = label(a)
		if a.Pinned {
			r.n = 1
		}
		touch(d, a, now)
		return nil
	})
}

// deleteCmd tombstones the account and its recovery codes.
func (s *session) deleteCmd(id string) tea.Cmd {
	now := s.now()
	return s.write(opDelete, id, func(d *vault.Data, r *writeMsg) error {
		a := d.Account(id)
		if a == nil {
			return errAccountGone
		}
		r.label = label(a)
		d.DeleteAccount(id, now)
		d.Log(now, "account.delete", r.label)
		return nil
	})
}

// keyOf returns the otp.Key of an account. It shares the secret;
// parameters the vault stores as zero take their defaults.
func keyOf(a *vault.Account) *otp.Key {
	k := &otp.Key{
		Type: otp.Type(a.Type), Issuer: a.Issuer, Account: a.Name, Secret: a.Secret,
		Algorithm: otp.Algorithm(a.Algorithm), Digits: a.Digits, Period: a.Period, Counter: a.Counter,
	}
	k.FillDefaults()
	return k
}

// label names an account as "issuer (name)".
func label(a *vault.Account) string {
	switch {
	case a.Issuer == "" && a.Name == "":
		return "unnamed account"
	case a.Issuer == "":
		return a.Name
	case a.Name == "":
		return a.Issuer
	}
	return a.Issuer + " (" + a.Name + ")"
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

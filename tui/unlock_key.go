package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/vault"
)

// This file is the unlock screen's security-key path: touch, then the
// key's PIN when a fido2 slot needs it.

// errKeyPIN means a fido2 slot needs the key's PIN and none was given.
var errKeyPIN = errors.New("the security key's PIN is needed")

// errNoKey means no security key is plugged in.
var errNoKey = errors.New("no security key is plugged in")

// has reports whether the vault can be unlocked with method m here.
func (u *unlockScreen) has(m unlockMethod) bool {
	for _, x := range u.methods {
		if x == m {
			return true
		}
	}
	return false
}

// canAskPIN reports whether a PIN typed here can reach the credential.
func (u *unlockScreen) canAskPIN() bool { return u.cfg.FIDOWithPIN != nil }

// slotsNeedPIN reports whether every fido2 slot was enrolled with the
// key's PIN, so that asking for it before the touch saves a round trip.
func (u *unlockScreen) slotsNeedPIN() bool {
	n := 0
	for _, s := range u.locked.Slots() {
		if s.Type == vault.SlotFIDO2 {
			if !s.PIN {
				return false
			}
			n++
		}
	}
	return n > 0
}

// tryKey starts a security-key unlock, first asking for the PIN when
// every fido2 slot needs it.
func (u *unlockScreen) tryKey() tea.Cmd {
	if !u.askPIN {
		if u.slotsNeedPIN() && u.canAskPIN() {
			u.askPIN, u.err, u.hint = true, "", ""
			u.input.limit = 63
			return nil
		}
		return u.keyAttempt(nil)
	}
	pin := pinBytes(&u.input)
	if msg := pinProblem(pin); msg != "" {
		clear(pin)
		u.err = msg
		return nil
	}
	u.input.Reset()
	return u.keyAttempt(pin)
}

// keyAttempt runs the unlock in a device command: lockout check, a key
// plugged in, then the one unlock sequence (the slots' Derive is the touch).
// It owns pin and zeroes it.
func (u *unlockScreen) keyAttempt(pin []byte) tea.Cmd {
	unl, list, mk, after := u.unlocker(), u.c.listKeys, u.credMaker(), u.cfg.AfterUnlock
	u.busy, u.err, u.hint = true, "", ""
	return u.wait.start("Touch your security key…", func(ctx context.Context) tea.Msg {
		defer clear(pin)
		fail := func(err error) tea.Msg { return unlockFailedMsg{method: methodFIDO, err: err} }
		if err := unl.Check(); err != nil {
			return fail(err)
		}
		if devs, err := list(); err != nil {
			return fail(err)
		} else if len(devs) == 0 {
			return fail(errNoKey)
		}
		r, err := unl.Unlock(&keyCred{ctx: ctx, pin: pin, make: mk})
		if err != nil {
			return fail(err)
		}
		opened := openedMsg{v: r.Vault(), method: methodFIDO, since: r.Failed, merged: mergedLines(r)}
		if after != nil {
			opened.note = after(UnlockFIDO2, nil)
		}
		return opened
	})
}

// credMaker is the configured seam as one that takes the PIN.
func (u *unlockScreen) credMaker() FIDOUnlockPIN {
	if u.cfg.FIDOWithPIN != nil {
		return u.cfg.FIDOWithPIN
	}
	f := u.cfg.FIDO
	return func(ctx context.Context, pin []byte) (vault.Credential, error) {
		clear(pin)
		return f(ctx)
	}
}

// keyResult handles the spinner and the end of a security-key unlock. A
// vault that opened after its screen gave up waiting is closed at once.
func (u *unlockScreen) keyResult(msg tea.Msg) tea.Cmd {
	res, cmd := u.wait.Update(msg)
	switch res := res.(type) {
	case nil:
		if done, ok := msg.(opDoneMsg); ok {
			if o, ok := done.msg.(openedMsg); ok {
				o.v.Close()
			}
		}
		return cmd
	case openedMsg:
		u.busy = false
		return emit(res)
	case unlockFailedMsg:
		return u.failed(res)
	}
	return cmd
}

// keyFailed counts a wrong PIN or a key answer that does not open the
// vault as a failed attempt, shows the PIN field when the key needs its
// PIN or the PIN was wrong, and a cancellation as no error at all.
func (u *unlockScreen) keyFailed(err error) {
	if errors.Is(err, vault.ErrWrongCredential) || errors.Is(err, fido.ErrPinInvalid) {
		u.failures++
		u.err += fmt.Sprintf(" %d failed %s.", u.failures, plural(u.failures, "attempt"))
	}
	switch {
	case errors.Is(err, fido.ErrCanceled):
		u.err, u.hint = "", "Cancelled."
	case errors.Is(err, errKeyPIN) && u.canAskPIN():
		u.askPIN = true
		u.input.limit = 63
		u.err = ""
		u.hint = "Your security key needs its PIN to unlock this vault."
	case errors.Is(err, fido.ErrPinInvalid):
		u.askPIN = u.canAskPIN()
	case errors.Is(err, fido.ErrPinBlocked), errors.Is(err, fido.ErrPinAuthBlocked):
		u.askPIN = false
	}
}

// keyCred is the credential of one security-key unlock. For every fido2
// slot it asks the seam for a fresh credential with its own copy of the
// PIN, and after a failure other than "this key does not hold that slot"
// or "that slot needs the PIN" it fails the remaining slots the same way,
// so that a wrong PIN is never sent to the key twice.
type keyCred struct {
	ctx   context.Context
	pin   []byte
	make  FIDOUnlockPIN
	fatal error
}

var _ vault.Credential = (*keyCred)(nil)

// SlotType implements vault.Credential.
func (*keyCred) SlotType() vault.SlotType { return vault.SlotFIDO2 }

// Enrol implements vault.Credential; the unlock screen never enrols.
func (*keyCred) Enrol(string, *vault.Slot) ([]byte, error) {
	return nil, fmt.Errorf("enrol a security key: %w", fido.ErrUnsupported)
}

// Derive implements vault.Credential.
func (c *keyCred) Derive(vaultID string, s *vault.Slot) ([]byte, error) {
	if c.fatal != nil {
		return nil, c.fatal
	}
	inner, err := c.make(c.ctx, bytes.Clone(c.pin))
	if err == nil {
		var kek []byte
		if kek, err = inner.Derive(vaultID, s); err == nil {
			return kek, nil
		}
	}
	switch {
	case s.PIN && len(c.pin) == 0 && pinNeeded(err):
		return nil, fmt.Errorf("%w: %w", errKeyPIN, err)
	case !errors.Is(err, fido.ErrNoCredentials):
		c.fatal = err
	}
	return nil, err
}

// pinNeeded reports whether err says that the key's PIN is needed.
func pinNeeded(err error) bool { return errors.Is(err, fido.ErrPinRequired) }

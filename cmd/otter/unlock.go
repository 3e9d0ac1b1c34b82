package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/vault"
)

// open loads and unlocks the vault once per command, trying in order:
// explicit files, then the keyring, a FIDO2 key, and a password (or
// recovery key) prompt on a TTY.
func (a *app) open() (*vault.Vault, error) {
	if a.v != nil {
		return a.v, nil
	}
	l, err := vault.Load(a.path(), a.options())
	if err != nil {
		return nil, err
	}
	a.lock = lockout.Open(paths.State(), l.VaultID(), a.now)
	v, err := a.unlock(l)
	if err != nil {
		return nil, err
	}
	a.v = v
	a.auditUnlock(v, a.reportFailures())
	return v, nil
}

// guard refuses a guessable unlock attempt while locked out, before any
// KDF work.
func (a *app) guard() error {
	err := a.lock.Check()
	var le *lockout.LockedError
	if errors.As(err, &le) {
		return &userError{code: exitLockedOut, msg: le.Error(), err: err,
			hint: "the lock protects the vault from guessing; the keyring and a FIDO2 key still unlock it"}
	}
	if err != nil {
		a.warn("cannot read the failed-attempt record: %v", err)
	}
	return nil
}

// failed records a wrong password or recovery key; the failure that crosses
// a threshold says so.
func (a *app) failed(kind string, cause *userError) error {
	if err := a.lock.Fail(kind); err != nil {
		var le *lockout.LockedError
		if errors.As(err, &le) {
			cause.hint = "too many failed attempts: further attempts are refused until " + le.Until.Local().Format("15:04")
		} else {
			a.warn("cannot record the failed attempt: %v", err)
		}
	}
	return cause
}

// reportFailures tells the person about failed attempts since the last
// successful unlock, clears them and returns them for the audit log.
func (a *app) reportFailures() lockout.Summary {
	s, err := a.lock.Success()
	if err != nil || s.Failures == 0 {
		return lockout.Summary{}
	}
	fmt.Fprintf(a.stderr, "otter: %d failed unlock attempt(s) since your last unlock, the last at %s\n",
		s.Failures, s.Last.Local().Format("2006-01-02 15:04"))
	return s
}

func (a *app) unlock(l *vault.Locked) (*vault.Vault, error) {
	if a.recoveryKeyFile != "" {
		return a.unlockRecoveryFile(l)
	}
	if a.passwordFile != "" {
		p, err := readSecretFile(a.passwordFile, "password")
		if err != nil {
			return nil, err
		}
		return a.unlockPassword(l, p)
	}
	types := slotTypes(l.Slots())
	if types[vault.SlotKeyring] {
		v, err := l.Unlock(vault.Keyring{Store: a.store})
		if err == nil {
			return v, nil
		}
		a.hint("%s; trying the vault's other unlock methods", keyringTrouble(err))
	}
	if types[vault.SlotFIDO2] {
		v, err := a.unlockFIDO2(l)
		if err == nil || !errors.Is(err, errNoFIDO) {
			return v, err
		}
		a.hint("%s; trying the vault's other unlock methods", fidoTrouble(err))
	}
	if a.interactive() {
		if types[vault.SlotPassword] {
			p, err := a.promptSecret("Vault password: ")
			if err != nil {
				return nil, err
			}
			return a.unlockPassword(l, p)
		}
		if types[vault.SlotRecovery] {
			k, err := a.promptSecret("Recovery key: ")
			if err != nil {
				return nil, err
			}
			return a.unlockRecovery(l, string(k))
		}
	}
	return nil, &userError{code: exitUnlock, msg: "cannot unlock the vault: no unlock method available here",
		hint: fmt.Sprintf("this vault opens with: %s; give --password-file FILE or --recovery-key-file FILE", slotSummary(l.Slots()))}
}

func (a *app) unlockPassword(l *vault.Locked, p []byte) (*vault.Vault, error) {
	p = normalizePassword(p)
	defer wipe(p)
	if err := a.guard(); err != nil {
		return nil, err
	}
	v, err := l.Unlock(vault.Password{Secret: p})
	switch {
	case errors.Is(err, vault.ErrWrongCredential):
		return nil, a.failed("password", &userError{code: exitUnlock, msg: "wrong password", err: err})
	case errors.Is(err, vault.ErrNoUsableSlot):
		return nil, &userError{code: exitUnlock, msg: "this vault has no password slot", err: err,
			hint: fmt.Sprintf("it opens with: %s", slotSummary(l.Slots()))}
	}
	return v, err
}

func (a *app) unlockRecoveryFile(l *vault.Locked) (*vault.Vault, error) {
	b, err := readSecretFile(a.recoveryKeyFile, "recovery key")
	if err != nil {
		return nil, err
	}
	defer wipe(b)
	return a.unlockRecovery(l, string(b))
}

func (a *app) unlockRecovery(l *vault.Locked, s string) (*vault.Vault, error) {
	key, err := vault.ParseRecoveryKey(s)
	if err != nil {
		return nil, &userError{code: exitUnlock, msg: "that is not a recovery key: " + err.Error(), err: err}
	}
	defer wipe(key)
	if err := a.guard(); err != nil {
		return nil, err
	}
	v, err := l.Unlock(vault.RecoveryKey{Key: key})
	switch {
	case errors.Is(err, vault.ErrWrongCredential):
		return nil, a.failed("recovery", &userError{code: exitUnlock, msg: "wrong recovery key", err: err})
	case errors.Is(err, vault.ErrNoUsableSlot):
		return nil, &userError{code: exitUnlock, msg: "this vault has no recovery slot", err: err,
			hint: fmt.Sprintf("it opens with: %s", slotSummary(l.Slots()))}
	}
	return v, err
}

// keyringTrouble says in words why the keyring did not unlock the vault.
func keyringTrouble(err error) string {
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return "the keyring has no otter entry for this vault (deleted, or another keyring)"
	case errors.Is(err, keyring.ErrUnavailable):
		return "the keyring did not answer (no Secret Service running, or it is locked)"
	case errors.Is(err, vault.ErrWrongCredential):
		return "the keyring entry does not open this vault (replaced?)"
	}
	return "the keyring failed: " + err.Error()
}

func slotTypes(slots []vault.Slot) map[vault.SlotType]bool {
	m := map[vault.SlotType]bool{}
	for _, s := range slots {
		m[s.Type] = true
	}
	return m
}

func slotSummary(slots []vault.Slot) string {
	var names []string
	seen := map[vault.SlotType]bool{}
	for _, s := range slots {
		if !seen[s.Type] {
			seen[s.Type] = true
			names = append(names, string(s.Type))
		}
	}
	return strings.Join(names, ", ")
}

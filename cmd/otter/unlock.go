package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
	"github.com/otterauth/otter/internal/keyring"
	"github.com/otterauth/otter/internal/lockout"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// open loads and unlocks the vault once per command, trying in order:
// explicit files, then the keyring, a FIDO2 key, and a password (or
// recovery key) prompt on a TTY. Every attempt goes through the one unlock
// sequence (vaultops.Unlocker): lockout check, unlock, record, journal.
func (a *app) open() (*vault.Vault, error) {
	if a.v != nil {
		return a.v, nil
	}
	store, cool := a.warmKeyring()
	defer cool()
	l, err := vault.Load(a.path(), a.options())
	if err != nil {
		return nil, err
	}
	if !a.inAgent && !a.noAgent {
		a.reportStartFailure() // before a prompt: it says why one is back
	}
	a.autoStart = a.wantAutoStart()
	r, err := a.unlock(vaultops.NewUnlocker(l, a.state, a.now), store, cool)
	if err != nil {
		wipe(a.autoSecret)
		a.autoSecret = nil
		return nil, err
	}
	a.v, a.s = r.Vault(), r.Session
	a.openedAt(a.v)
	a.autoStartAgent()
	if f := r.Failed; f.Failures > 0 {
		fmt.Fprintf(a.stderr, "otter: %d failed unlock %s since your last unlock, the last at %s\n",
			f.Failures, plural(f.Failures, "attempt", "attempts"), f.Last.Local().Format("2006-01-02 15:04"))
	}
	for _, w := range r.Warnings {
		a.warn("%v", w)
	}
	for _, m := range r.Conflicts {
		fmt.Fprintf(a.stderr, "otter: %s\n", esc(m.Summary()))
	}
	return a.v, nil
}

// warmKeyring starts the keyring's connection while the vault file is
// read (keyring.Store.Warm: about 1–2 ms of D-Bus round trips off the
// critical path) when unlock will ask the keyring first. It returns the
// store unlock asks and the function that lets go of an unused warm-up.
func (a *app) warmKeyring() (vault.SecretStore, func()) {
	ks, ok := a.store.(keyring.Store)
	if !ok || !a.keyringFirst() {
		return a.store, func() {}
	}
	return ks.Warm()
}

// keyringFirst reports whether unlock tries the keyring before anything
// else when the vault has a keyring slot: always for an agent a keyring
// unlock started, never for one handed a typed secret or a key's answer,
// otherwise unless a credential file was given.
func (a *app) keyringFirst() bool {
	switch a.autoBy {
	case byKeyring:
		return true
	case byPassword, byRecovery, byFIDO2:
		return false
	}
	return a.identityFile == "" && a.recoveryKeyFile == "" && a.passwordFile == ""
}

// credentialFiles reports whether the command was given a file to unlock
// with (or the key's PIN): an unlock that fails then counts towards the
// lockout.
func (a *app) credentialFiles() bool {
	return a.identityFile != "" || a.recoveryKeyFile != "" || a.passwordFile != "" || a.pinFile != ""
}

// unlock tries the credentials in order. store is the keyring to ask
// (warmed by open); cool lets go of its warm-up once the keyring has been
// asked or will not be, so that no connection is held through a FIDO2
// touch or a prompt.
func (a *app) unlock(u *vaultops.Unlocker, store vault.SecretStore, cool func()) (*vaultops.Unlocked, error) {
	l := u.Locked()
	switch a.autoBy { // an agent started by a command: only the way it unlocked
	case byKeyring:
		r, err := u.Unlock(vault.Keyring{Store: store})
		if err != nil {
			return nil, fmt.Errorf("%s", keyringTrouble(err))
		}
		return r, nil
	case byPassword, byRecovery, byFIDO2:
		b, err := readSecretFD(a.secretFD)
		if err != nil {
			return nil, err
		}
		switch a.autoBy {
		case byRecovery:
			return a.unlockRecovery(u, b)
		case byFIDO2:
			return a.unlockHandedFIDO2(u, b)
		}
		return a.unlockPassword(u, b)
	}
	if a.identityFile != "" || a.recoveryKeyFile != "" || a.passwordFile != "" {
		a.unlockedBy = byFiles
	}
	if a.identityFile != "" {
		return a.unlockIdentity(u)
	}
	if a.recoveryKeyFile != "" {
		b, err := a.readSecretFile(a.recoveryKeyFile, "recovery key")
		if err != nil {
			return nil, err
		}
		return a.unlockRecovery(u, b)
	}
	if a.passwordFile != "" {
		p, err := a.readSecretFile(a.passwordFile, "password")
		if err != nil {
			return nil, err
		}
		return a.unlockPassword(u, p)
	}
	types := slotTypes(l.Slots())
	if types[vault.SlotKeyring] {
		r, err := u.Unlock(vault.Keyring{Store: store})
		if err == nil {
			a.unlockedBy = byKeyring
			return r, nil
		}
		a.hint("%s; trying the vault's other unlock methods", keyringTrouble(err))
	}
	cool()
	if types[vault.SlotFIDO2] {
		r, err := a.unlockFIDO2(u)
		if err == nil || !errors.Is(err, errNoFIDO) {
			return r, err
		}
		a.hint("%s; trying the vault's other unlock methods", fidoTrouble(err))
	}
	if a.interactive() && (types[vault.SlotPassword] || types[vault.SlotRecovery]) {
		if err := u.Check(); err != nil { // before asking for what cannot be tried
			return nil, err
		}
		if types[vault.SlotPassword] {
			p, err := a.promptSecret("Vault password: ")
			if err != nil {
				return nil, err
			}
			a.keepForAgent(byPassword, "", p)
			return a.unlockPassword(u, p)
		}
		k, err := a.promptSecret("Recovery key: ")
		if err != nil {
			return nil, err
		}
		a.keepForAgent(byRecovery, "", k)
		return a.unlockRecovery(u, k)
	}
	return nil, &userError{code: exitUnlock, msg: "cannot unlock the vault: no unlock method available here",
		hint: fmt.Sprintf("this vault opens with: %s; give %s", slotSummary(l.Slots()), fileFlags(types))}
}

func (a *app) unlockPassword(u *vaultops.Unlocker, p []byte) (*vaultops.Unlocked, error) {
	p = normalizePassword(p)
	defer wipe(p)
	r, err := u.Unlock(vault.Password{Secret: p})
	return r, a.unlockErr(u, err, "password")
}

// unlockRecovery unlocks with the recovery key typed (or read from a file)
// in typed, which it zeroes: no string copy of the key is ever made.
func (a *app) unlockRecovery(u *vaultops.Unlocker, typed []byte) (*vaultops.Unlocked, error) {
	key, err := vault.ParseRecoveryKey(typed)
	if err != nil {
		return nil, &userError{code: exitUnlock, msg: "that is not a recovery key: " + err.Error(), err: err}
	}
	defer wipe(key)
	r, err := u.Unlock(vault.RecoveryKey{Key: key})
	return r, a.unlockErr(u, err, "recovery key")
}

// unlockIdentity unlocks with the age identities of --identity-file
// through an age slot.
func (a *app) unlockIdentity(u *vaultops.Unlocker) (*vaultops.Unlocked, error) {
	b, err := a.readSecretFile(a.identityFile, "age identity")
	if err != nil {
		return nil, err
	}
	defer wipe(b)
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil {
		return nil, &userError{code: exitUnlock, msg: "not an age identity file: " + err.Error(), err: err,
			hint: "give the file age-keygen wrote (AGE-SECRET-KEY-1…)"}
	}
	r, err := u.Unlock(vault.AgeIdentities{Identities: ids})
	if errors.Is(err, vault.ErrWrongCredential) {
		return nil, &userError{code: exitUnlock, msg: "the identity does not open any of this vault's age slots", err: err,
			hint: "otter slot list shows the recipients the vault's age slots name"}
	}
	return r, a.unlockErr(u, err, "age")
}

// unlockErr words a failed password or recovery-key unlock; the attempt
// that crossed the lockout threshold says until when.
func (a *app) unlockErr(u *vaultops.Unlocker, err error, what string) error {
	var le *lockout.LockedError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, vault.ErrWrongCredential):
		ue := &userError{code: exitUnlock, msg: "wrong " + what, err: err}
		if errors.As(err, &le) {
			ue.hint = "too many failed attempts: further attempts are refused until " + le.Until.Local().Format("15:04")
		}
		return ue
	case errors.Is(err, vault.ErrNoUsableSlot):
		return &userError{code: exitUnlock, msg: "this vault has no " + what + " slot", err: err,
			hint: fmt.Sprintf("it opens with: %s", slotSummary(u.Locked().Slots()))}
	}
	return err
}

// keyringTrouble says in words why the keyring did not unlock the vault.
func keyringTrouble(err error) string {
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return "the keyring has no otter entry for this vault (deleted, or another keyring)"
	case errors.Is(err, keyring.ErrUnavailable) && keyring.NoSession():
		return "no keyring in this session (DBUS_SESSION_BUS_ADDRESS is unset)"
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

// fileFlags names the flags that unlock this vault without a prompt.
func fileFlags(types map[vault.SlotType]bool) string {
	flags := []string{}
	for _, f := range []struct {
		t    vault.SlotType
		flag string
	}{{vault.SlotPassword, "--password-file FILE"}, {vault.SlotRecovery, "--recovery-key-file FILE"}, {vault.SlotAge, "--identity-file FILE"}} {
		if types[f.t] {
			flags = append(flags, f.flag)
		}
	}
	if len(flags) == 0 {
		return "a way in that works here"
	}
	return strings.Join(flags, " or ")
}

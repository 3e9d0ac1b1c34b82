package main

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// fido2RPID is the relying party of every otter fido2 slot credential.
const fido2RPID = "otter"

// errNoFIDO means a FIDO2 unlock cannot even be tried: the vault has no
// fido2 slot, no key is plugged in, or none of the keys holds a slot's
// credential. The unlock order then moves on to the password.
var errNoFIDO = errors.New("no FIDO2 key to unlock with")

// noFIDO is errNoFIDO with the reason.
type noFIDO string

func (e noFIDO) Error() string        { return string(e) }
func (e noFIDO) Is(target error) bool { return target == errNoFIDO }

// fido2Cred is the vault credential of fido2 slots: KEK =
// HKDF-SHA256(hmac-secret output, salt = slot salt, info = "otter fido2
// slot" ‖ vault id), the hmac-secret salt being the slot salt too. It
// opens keys lazily and keeps them, and the PIN, until close.
type fido2Cred struct {
	a      *app
	ctx    context.Context
	device string // --device; "" picks

	keys  []fido.Device // open keys, in List order
	pin   []byte
	fatal error // a failure that must not be repeated on the next slot (a wrong PIN)

	used fido.Device // the key that enrolled or derived last
	info fido.Info   // its info

	quiet bool // the TUI owns the terminal: no prompts or messages, keys closed after each Derive

	// keep: Derive keeps the hmac-secret output of the slot it derived
	// last (kept, of slot keptSlot) for the agent this unlock starts;
	// close wipes it.
	keep     bool
	kept     []byte
	keptSlot string
	// handOver, when set, gets a copy of the hmac-secret output of each
	// slot Derive opens, as keep does, for a credential that wipes its
	// own state when Derive returns (quiet: the TUI's).
	handOver func(slot string, secret []byte)
}

var _ vault.Credential = (*fido2Cred)(nil)

// fido2Credential returns the credential for `otter slot add fido2`:
// Enrol uses the key at device, or the only key, or the one touched.
func (a *app) fido2Credential(device string) (vault.Credential, error) {
	return &fido2Cred{a: a, ctx: context.Background(), device: device}, nil
}

// fido2UnlockCredential is the TUI's FIDO2 seam (tui.Config.FIDO): a
// credential for the vault's fido2 slots that never writes to or reads from
// the terminal, which the TUI owns; a slot enrolled with the key's PIN
// needs --pin-file (OTTER_PIN_FILE). Cancelling ctx cancels the touch.
func (a *app) fido2UnlockCredential(ctx context.Context) (vault.Credential, error) {
	return &fido2Cred{a: a, ctx: ctx, quiet: true}, nil
}

// SlotType implements vault.Credential.
func (*fido2Cred) SlotType() vault.SlotType { return vault.SlotFIDO2 }

// Enrol implements vault.Credential: a non-resident hmac-secret credential
// for rp "otter", then an assertion with the slot salt for its secret.
func (c *fido2Cred) Enrol(vaultID string, s *vault.Slot) ([]byte, error) {
	defer c.close()
	dev, err := c.pick()
	if err != nil {
		return nil, err
	}
	info, err := dev.Info(c.ctx)
	if err != nil {
		return nil, fidoErr(err, false)
	}
	if !info.Supports("hmac-secret") {
		return nil, &userError{code: exitError, msg: fmt.Sprintf("%s does not support hmac-secret, which fido2 slots need", dev.DeviceInfo().Product)}
	}
	if info.HasPIN() && c.pin == nil {
		if c.pin, err = c.a.keyPIN(dev); err != nil {
			return nil, fidoErr(err, false)
		}
	}
	if len(s.Salt) != 32 {
		s.Salt = make([]byte, 32)
		rand.Read(s.Salt)
	}
	c.a.touchPrompt(dev)
	cred, err := dev.MakeCredential(c.ctx, fido.CredentialOptions{RPID: fido2RPID, RPName: "otter",
		UserID: []byte(vaultID), UserName: "otter vault " + vaultID, HMACSecret: true, PIN: c.pin})
	if err != nil {
		return nil, fidoErr(err, false)
	}
	c.a.touchPrompt(dev)
	secret, uv, err := c.secret(dev, cred.ID, s.Salt, c.pin, cred.PublicKey)
	if err != nil {
		return nil, fidoErr(err, false)
	}
	defer wipe(secret)
	s.CredentialID, s.RPID, s.PIN, s.UV = cred.ID, fido2RPID, c.pin != nil, uv
	c.used, c.info = dev, info
	return fido2KEK(secret, s.Salt, vaultID)
}

// Derive implements vault.Credential. A key that does not hold the slot's
// credential fails with fido.ErrNoCredentials, so that the vault tries its
// next fido2 slot; other failures end the unlock.
func (c *fido2Cred) Derive(vaultID string, s *vault.Slot) ([]byte, error) {
	if c.fatal != nil {
		return nil, c.fatal
	}
	if c.quiet {
		defer c.close()
	}
	if err := checkFIDO2Slot(s); err != nil {
		return nil, err
	}
	dev, err := c.holder(s.CredentialID)
	if err != nil {
		return nil, c.fail(err)
	}
	if s.PIN && c.pin == nil {
		if c.pin, err = c.keyPIN(dev); err != nil {
			if errors.Is(err, errPINNeeded) {
				err = &userError{code: exitUnlock, err: errPINNeeded,
					msg:  "this fido2 slot was enrolled with the key's PIN, so unlocking needs it too",
					hint: "give it with --pin-file FILE (or OTTER_PIN_FILE), or run on a terminal"}
			}
			return nil, c.fail(err)
		}
	}
	pin := c.pin
	if !s.PIN {
		pin = nil // the key's answer depends on it: keep the enrolment state
	}
	if !c.quiet {
		c.a.touchPrompt(dev)
	}
	secret, uv, err := c.secret(dev, s.CredentialID, s.Salt, pin, nil)
	if err != nil {
		return nil, c.fail(err)
	}
	defer wipe(secret)
	if uv != s.UV {
		return nil, c.fail(&userError{code: exitUnlock, msg: fmt.Sprintf(
			"the key verified the user %s, but the slot was enrolled %s: its answer cannot open the vault", yesNoUV(uv), yesNoUV(s.UV)),
			hint: "unlock the way the slot was enrolled (with or without the key's PIN), or use another unlock method"})
	}
	c.used = dev
	if c.keep {
		wipe(c.kept)
		c.kept, c.keptSlot = bytes.Clone(secret), s.ID
	}
	if c.handOver != nil {
		c.handOver(s.ID, secret)
	}
	return fido2KEK(secret, s.Salt, vaultID)
}

// checkFIDO2Slot refuses a fido2 slot that names no credential of otter's
// or has no 32-byte salt.
func checkFIDO2Slot(s *vault.Slot) error {
	if len(s.CredentialID) == 0 || s.RPID != fido2RPID || len(s.Salt) != 32 {
		return fmt.Errorf("fido2 slot %s is malformed", s.ID)
	}
	return nil
}

func yesNoUV(uv bool) string {
	if uv {
		return "with PIN or built-in verification"
	}
	return "without user verification"
}

// fail remembers errors that must not be repeated on the next slot: all
// but "this key does not hold that credential".
func (c *fido2Cred) fail(err error) error {
	if !errors.Is(err, fido.ErrNoCredentials) {
		c.fatal = err
	}
	return err
}

// secret gets the hmac-secret output of credential id for salt, and
// whether the key verified the user; pub, when given, checks the signature.
func (c *fido2Cred) secret(dev fido.Device, id, salt, pin, pub []byte) ([]byte, bool, error) {
	as, err := dev.GetAssertion(c.ctx, fido.AssertionOptions{RPID: fido2RPID, Allow: [][]byte{id},
		HMACSalt: salt, PIN: pin, PublicKey: pub})
	if err != nil {
		return nil, false, err
	}
	if len(as) != 1 || len(as[0].HMACSecret) != 32 {
		fido.Wipe(as)
		return nil, false, fmt.Errorf("the key gave no hmac-secret output: %w", fido.ErrUnsupported)
	}
	return as[0].HMACSecret, as[0].UV, nil
}

// fido2KEK derives a slot's key-encryption key from the key's secret.
func fido2KEK(secret, salt []byte, vaultID string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, salt, "otter fido2 slot"+vaultID, 32)
}

// close closes the keys it opened and wipes the PIN and the kept secret.
func (c *fido2Cred) close() {
	for _, k := range c.keys {
		k.Close()
	}
	c.keys = nil
	wipe(c.pin)
	c.pin = nil
	wipe(c.kept)
	c.kept = nil
}

// keyPIN is app.keyPIN, without the prompt when the TUI owns the terminal.
func (c *fido2Cred) keyPIN(dev fido.Device) ([]byte, error) {
	if c.quiet && c.a.pinFile == "" {
		return nil, errPINNeeded
	}
	return c.a.keyPIN(dev)
}

// pick opens the key Enrol uses.
func (c *fido2Cred) pick() (fido.Device, error) {
	if c.used != nil {
		return c.used, nil
	}
	dev, err := c.a.pickKey(c.ctx, c.device)
	if err != nil {
		return nil, err
	}
	c.keys = append(c.keys, dev)
	return dev, nil
}

// holder returns the key that holds credential id, found by a silent
// probe (no touch, no PIN), so that neither a touch nor the PIN goes to a
// key that cannot answer.
func (c *fido2Cred) holder(id []byte) (fido.Device, error) {
	if err := c.openAll(); err != nil {
		return nil, err
	}
	var maybe fido.Device
	for _, k := range c.keys {
		_, err := k.GetAssertion(c.ctx, fido.AssertionOptions{RPID: fido2RPID, Allow: [][]byte{id}, NoPresence: true})
		switch {
		case err == nil:
			return k, nil
		case errors.Is(err, fido.ErrKeyRemoved):
			return nil, err
		case !errors.Is(err, fido.ErrNoCredentials) && maybe == nil:
			maybe = k
		}
	}
	if maybe != nil {
		return maybe, nil
	}
	return nil, fmt.Errorf("no plugged-in key holds the slot's credential: %w", fido.ErrNoCredentials)
}

// openAll opens --device, or every key plugged in, once.
func (c *fido2Cred) openAll() error {
	if len(c.keys) > 0 {
		return nil
	}
	devs, err := c.a.fido.List()
	switch {
	case errors.Is(err, fido.ErrUnsupported):
		return noFIDO(errNoFIDOBuild.msg)
	case err != nil:
		return fidoErr(err, true)
	}
	for _, d := range devs {
		if c.device != "" && d.Path != c.device {
			continue
		}
		k, err := c.a.fido.Open(c.ctx, d.Path)
		if err != nil {
			if !c.quiet {
				c.a.warn("cannot open %s: %v", d, err)
			}
			continue
		}
		c.keys = append(c.keys, k)
	}
	if len(c.keys) == 0 {
		return noFIDO("no FIDO2 key is plugged in")
	}
	return nil
}

// unlockFIDO2 unlocks with a fido2 slot and the key plugged in, using
// --pin-file or a prompt when the slot was enrolled with the key's PIN.
// Errors wrap errNoFIDO when there is nothing to try (no fido2 slot, no
// key, or no key holding a slot's credential); the others are final and
// carry exit code 3.
func (a *app) unlockFIDO2(u *vaultops.Unlocker) (*vaultops.Unlocked, error) {
	if !slotTypes(u.Locked().Slots())[vault.SlotFIDO2] {
		return nil, noFIDO("the vault has no fido2 slot")
	}
	ctx, stop := fidoContext()
	defer stop()
	c := &fido2Cred{a: a, ctx: ctx, keep: a.autoStart}
	defer c.close()
	r, err := u.Unlock(c)
	switch {
	case err == nil:
		if c.kept != nil {
			// The slot that opened is the one that derived last: Unlock
			// stops at the first slot that opens.
			a.keepForAgent(byFIDO2, c.keptSlot, c.kept)
		}
		return r, nil
	case errors.Is(err, errNoFIDO):
		return nil, err
	case errors.Is(err, fido.ErrNoCredentials):
		return nil, &userError{code: exitUnlock, err: fmt.Errorf("%w: %w", errNoFIDO, err),
			msg:  "the plugged-in key is not one of this vault's fido2 keys",
			hint: "plug in the key you enrolled, or use another unlock method"}
	case errors.Is(err, vault.ErrWrongCredential):
		return nil, &userError{code: exitUnlock, err: err,
			msg:  "the key's answer does not open the vault",
			hint: "was the slot enrolled with the key's PIN? unlock the same way, or use another unlock method"}
	}
	return nil, fidoErr(err, true)
}

// fido2Handed is the credential of an agent started by a command that
// unlocked with a fido2 slot (--auto fido2): the hmac-secret output the
// key gave that command for that slot, handed over an inherited pipe. It
// derives the slot's KEK as fido2Cred.Derive does, from the secret instead
// of a key, and the vault then opens as after any unlock (the slot's
// wrapped identity, the data key, the payload, all authenticated). For
// every other slot it is the wrong credential: the secret answers one
// credential and one salt.
type fido2Handed struct {
	slot   string // the id of the slot the command opened
	secret []byte // 32 bytes; the caller wipes it
}

var _ vault.Credential = fido2Handed{}

// SlotType implements vault.Credential.
func (fido2Handed) SlotType() vault.SlotType { return vault.SlotFIDO2 }

// Enrol implements vault.Credential: a handed secret makes no slot.
func (fido2Handed) Enrol(string, *vault.Slot) ([]byte, error) {
	return nil, errors.New("a handed fido2 secret cannot enrol a slot")
}

// Derive implements vault.Credential.
func (h fido2Handed) Derive(vaultID string, s *vault.Slot) ([]byte, error) {
	if s.ID != h.slot {
		return nil, vault.ErrWrongCredential
	}
	if err := checkFIDO2Slot(s); err != nil {
		return nil, err
	}
	return fido2KEK(h.secret, s.Salt, vaultID)
}

// unlockHandedFIDO2 unlocks an agent started after a FIDO2 unlock: the
// slot the command opened (--slot) with the hmac-secret output it handed
// over, through the one unlock sequence (lockout, journal), never asking
// a key.
func (a *app) unlockHandedFIDO2(u *vaultops.Unlocker, secret []byte) (*vaultops.Unlocked, error) {
	defer wipe(secret)
	if len(secret) != 32 {
		return nil, fmt.Errorf("the secret handed over is %d bytes, not a key's 32-byte hmac-secret output", len(secret))
	}
	if !slices.ContainsFunc(u.Locked().Slots(), func(s vault.Slot) bool { return s.ID == a.autoSlot && s.Type == vault.SlotFIDO2 }) {
		return nil, &userError{code: exitUnlock, msg: "the vault no longer has the fido2 slot the command unlocked with"}
	}
	r, err := u.Unlock(fido2Handed{slot: a.autoSlot, secret: secret})
	if errors.Is(err, vault.ErrWrongCredential) {
		return nil, &userError{code: exitUnlock, err: err, msg: "the key's answer the command handed over does not open the vault's fido2 slot"}
	}
	return r, err
}

// fidoTrouble says in words why the FIDO2 unlock was not possible.
func fidoTrouble(err error) string {
	var ue *userError
	var nf noFIDO
	switch {
	case errors.As(err, &ue):
		return ue.msg
	case errors.As(err, &nf):
		return string(nf)
	}
	return err.Error()
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/errcat"
)

// fidoContext is the context of FIDO operations: Ctrl-C cancels the one in
// progress on the key instead of killing otter mid-transaction.
func fidoContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// pickKeyInfo is pickKey followed by the key's info; on error the key is
// already closed, otherwise the caller closes it.
func (a *app) pickKeyInfo(ctx context.Context, device string) (fido.Device, fido.Info, error) {
	dev, err := a.pickKey(ctx, device)
	if err != nil {
		return nil, fido.Info{}, err
	}
	info, err := dev.Info(ctx)
	if err != nil {
		dev.Close()
		return nil, fido.Info{}, fidoErr(err, false)
	}
	return dev, info, nil
}

// pickKey opens the key at device, else the only key present, else the
// one the user touches.
func (a *app) pickKey(ctx context.Context, device string) (fido.Device, error) {
	devs, err := a.listKeys()
	if err != nil {
		return nil, err
	}
	if device != "" {
		for _, d := range devs {
			if d.Path == device {
				dev, err := a.fido.Open(ctx, d.Path)
				return dev, fidoErr(err, false)
			}
		}
		return nil, &userError{code: exitNotFound, msg: fmt.Sprintf("no FIDO2 key at %s", device),
			hint: "see the keys plugged in with: otter keys list --connected"}
	}
	switch len(devs) {
	case 0:
		return nil, errNoKey()
	case 1:
		dev, err := a.fido.Open(ctx, devs[0].Path)
		return dev, fidoErr(err, false)
	}
	fmt.Fprintf(a.stderr, "%d keys are plugged in: touch the one to use…\n", len(devs))
	dev, err := a.fido.Select(ctx, devs)
	if err != nil {
		return nil, fidoErr(err, false)
	}
	fmt.Fprintf(a.stderr, "using %s\n", dev.DeviceInfo())
	return dev, nil
}

// errNoFIDOBuild means this binary has no libfido2 (built without cgo).
var errNoFIDOBuild = &userError{code: errcat.NoFIDOBuild.Code, msg: errcat.NoFIDOBuild.Msg,
	hint: errcat.NoFIDOBuild.Hint, err: fido.ErrUnsupported}

// listKeys lists the keys plugged in.
func (a *app) listKeys() ([]fido.DeviceInfo, error) {
	devs, err := a.fido.List()
	if errors.Is(err, fido.ErrUnsupported) {
		return nil, errNoFIDOBuild
	}
	return devs, fidoErr(err, false)
}

func errNoKey() error {
	return &userError{code: exitNotFound, msg: "no FIDO2 key is plugged in", hint: "plug in your security key and try again"}
}

// touch tells the user that the key waits for a touch.
func (a *app) touchPrompt(dev fido.Device) {
	fmt.Fprintf(a.stderr, "Touch your key (%s)…\n", dev.DeviceInfo().Product)
}

// errPINNeeded means a key needs its PIN and there is no way to ask.
var errPINNeeded = fmt.Errorf("the key's PIN is needed: %w", fido.ErrPinRequired)

// keyPIN returns the PIN for dev from --pin-file (or OTTER_PIN_FILE) or a
// prompt, NFC-normalised as CTAP 2.1 asks. The caller wipes it.
func (a *app) keyPIN(dev fido.Device) ([]byte, error) {
	if a.pinFile != "" {
		p, err := a.readSecretFile(a.pinFile, "PIN")
		if err != nil {
			return nil, err
		}
		return normalizePassword(p), nil
	}
	if !a.interactive() {
		return nil, errPINNeeded
	}
	p, err := a.promptSecret(fmt.Sprintf("PIN of %s: ", dev.DeviceInfo().Product))
	if err != nil {
		return nil, err
	}
	return normalizePassword(p), nil
}

// newKeyPIN reads a new PIN from file or asks for it twice.
func (a *app) newKeyPIN(file string) ([]byte, error) {
	if file != "" {
		p, err := a.readSecretFile(file, "new PIN")
		if err != nil {
			return nil, err
		}
		return normalizePassword(p), nil
	}
	if !a.interactive() {
		return nil, usageErr("a new PIN is needed: give it in a file or run on a terminal")
	}
	p, err := a.promptTwice("New PIN: ", "Repeat the PIN: ", "PINs")
	if err != nil {
		return nil, err
	}
	return normalizePassword(p), nil
}

// fidoErr turns an error of the fido package into what the user reads;
// unlock selects exit code 3 (an unlock failed) over 1. Other errors pass
// through.
func fidoErr(err error, unlock bool) error {
	var ue *userError
	if err == nil || errors.As(err, &ue) {
		return err
	}
	e, ok := errcat.FIDO(err)
	if !ok {
		return err
	}
	if unlock {
		e.Code = exitUnlock
	}
	return &userError{code: e.Code, msg: e.Msg, hint: e.Hint, err: err}
}

func fidoPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

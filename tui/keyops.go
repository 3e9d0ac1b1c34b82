package tui

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/otterauth/otter/fido"
)

// This file holds the security-key operations of the keys screens. Each
// one opens the key, does its work and closes it, inside a command run by
// a waiter; PINs are copies that the operation zeroes.

// Results of the operations.
type (
	devicesMsg struct {
		devs []fido.DeviceInfo
		err  error
	}
	keyInfoMsg struct {
		info fido.Info
		err  error
	}
	keyPINMsg struct {
		changed bool // changed rather than set
		err     error
	}
	keyCredsMsg struct {
		md      fido.Metadata
		creds   []fido.Credential
		deleted *fido.Credential // the credential deleted first, if any
		err     error
	}
	keyProvedMsg struct{ err error }
)

// keyRPID is the relying party of the test credential that proves a key
// (the same as otter keys register and the fido2 slots).
const keyRPID = "otter"

// errBadAssertion means a key's test assertion did not check out.
var errBadAssertion = errors.New("the key's test assertion is not valid")

// listCmd lists the keys plugged in; it does not open them.
func listCmd(list func() ([]fido.DeviceInfo, error)) tea.Cmd {
	return func() tea.Msg {
		devs, err := list()
		return devicesMsg{devs: devs, err: err}
	}
}

// withKey opens the key at path, runs f with it and closes it.
func withKey(ctx context.Context, b fido.Backend, path string, f func(d fido.Device) error) error {
	d, err := b.Open(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	return f(d)
}

func infoOp(b fido.Backend, path string) func(context.Context) tea.Msg {
	return func(ctx context.Context) tea.Msg {
		var info fido.Info
		err := withKey(ctx, b, path, func(d fido.Device) error {
			var err error
			info, err = d.Info(ctx)
			return err
		})
		return keyInfoMsg{info: info, err: err}
	}
}

// pinOp sets the key's first PIN (old nil) or changes it.
func pinOp(b fido.Backend, path string, old, pin []byte) func(context.Context) tea.Msg {
	return func(ctx context.Context) tea.Msg {
		defer clear(old)
		defer clear(pin)
		err := withKey(ctx, b, path, func(d fido.Device) error {
			if old == nil {
				return d.SetPIN(ctx, pin)
			}
			return d.ChangePIN(ctx, old, pin)
		})
		return keyPINMsg{changed: old != nil, err: err}
	}
}

// credsOp deletes the resident credential del (if not nil), then lists
// the key's resident credentials.
func credsOp(b fido.Backend, path string, pin []byte, del *fido.Credential) func(context.Context) tea.Msg {
	return func(ctx context.Context) tea.Msg {
		defer clear(pin)
		var out keyCredsMsg
		out.err = withKey(ctx, b, path, func(d fido.Device) error {
			if del != nil {
				if err := d.DeleteCredential(ctx, del.ID, pin); err != nil {
					return err
				}
				out.deleted = del
			}
			return listCreds(ctx, d, pin, &out)
		})
		return out
	}
}

func listCreds(ctx context.Context, d fido.Device, pin []byte, out *keyCredsMsg) error {
	md, err := d.CredentialsMetadata(ctx, pin)
	if err != nil || md.Existing == 0 {
		out.md = md
		return err
	}
	rps, err := d.RPs(ctx, pin)
	if err != nil {
		return err
	}
	for _, rp := range rps {
		cs, err := d.Credentials(ctx, rp.ID, pin)
		if err != nil {
			return err
		}
		out.creds = append(out.creds, cs...)
	}
	slices.SortStableFunc(out.creds, func(a, b fido.Credential) int {
		return cmp.Or(strings.Compare(a.RPID, b.RPID), strings.Compare(a.UserName, b.UserName))
	})
	out.md = md
	return nil
}

// proveOp makes a throw-away non-resident credential and checks an
// assertion of it: the key is a working FIDO2 key that answers touches.
func proveOp(b fido.Backend, path, name string, pin []byte) func(context.Context) tea.Msg {
	return func(ctx context.Context) tea.Msg {
		defer clear(pin)
		err := withKey(ctx, b, path, func(d fido.Device) error { return prove(ctx, d, name, pin) })
		return keyProvedMsg{err: err}
	}
}

func prove(ctx context.Context, d fido.Device, name string, pin []byte) error {
	uid := make([]byte, 16)
	rand.Read(uid)
	cred, err := d.MakeCredential(ctx, fido.CredentialOptions{RPID: keyRPID, RPName: "otter",
		UserID: uid, UserName: name, PIN: pin})
	if err != nil {
		return err
	}
	as, err := d.GetAssertion(ctx, fido.AssertionOptions{RPID: keyRPID, Allow: [][]byte{cred.ID},
		PIN: pin, PublicKey: cred.PublicKey})
	if err != nil {
		return err
	}
	if len(as) != 1 || !bytes.Equal(as[0].CredentialID, cred.ID) || !as[0].UP {
		return errBadAssertion
	}
	return nil
}

// pinBytes returns the field's text NFC-normalised, as CTAP 2.1 asks of
// PINs. The caller zeroes it.
func pinBytes(f *field) []byte {
	b := f.Bytes()
	if norm.NFC.IsNormal(b) {
		return b
	}
	n := norm.NFC.Bytes(b)
	clear(b)
	return n
}

// pinProblem says why pin cannot be a PIN (CTAP: 4 to 63 bytes of UTF-8,
// at least 4 characters), or "".
func pinProblem(pin []byte) string {
	switch {
	case len(pin) == 0:
		return "Type the PIN."
	case utf8.RuneCount(pin) < 4:
		return "A PIN has at least 4 characters."
	case len(pin) > 63:
		return fmt.Sprintf("A PIN has at most 63 bytes; this one has %d.", len(pin))
	case bytes.IndexByte(pin, 0) >= 0:
		return "A PIN cannot hold a NUL character."
	}
	return ""
}

// productName is how the inventory names a key's model.
func productName(di fido.DeviceInfo) string {
	p := di.Product
	if p == "" {
		p = "FIDO key"
	}
	if di.Virtual {
		p += " (virtual)"
	}
	return p
}

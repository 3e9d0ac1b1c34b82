package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

const maxKeyName = 64

func (a *app) keysRegisterCmd() *cobra.Command {
	var slot bool
	var device string
	cmd := &cobra.Command{Use: "register NAME", Short: "Add a key to the vault's inventory (--slot: it also unlocks the vault)", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.keysRegister(args[0], device, slot) }}
	cmd.Flags().BoolVar(&slot, "slot", false, "also add a fido2 unlock slot for the key")
	cmd.Flags().StringVar(&device, "device", "", "the key's path (see otter keys list)")
	return cmd
}

func (a *app) keysRegister(name, device string, slot bool) error {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > maxKeyName {
		return usageErr("a key name has 1 to %d bytes", maxKeyName)
	}
	v, err := a.open()
	if err != nil {
		return err
	}
	if k := vaultops.FindKey(v.Data(), name); k != nil {
		return &userError{code: exitError, msg: fmt.Sprintf("a key named %q is already registered", name), hint: "pick another name"}
	}
	ctx, stop := fidoContext()
	defer stop()
	dev, info, err := a.pickKeyInfo(ctx, device)
	if err != nil {
		return err
	}
	defer dev.Close()
	var pin []byte
	if info.HasPIN() {
		if pin, err = a.keyPIN(dev); err != nil {
			return fidoErr(err, false)
		}
		defer wipe(pin)
	}
	slotID := ""
	if slot {
		c := &fido2Cred{a: a, ctx: ctx, used: dev, pin: bytes.Clone(pin)}
		s, err := v.AddSlot(c, "fido2: "+name)
		c.close()
		if err != nil {
			return err
		}
		slotID = s.ID
	} else if err := a.proveKey(ctx, dev, pin, name); err != nil {
		return err
	}
	if err := a.addKey(dev.DeviceInfo(), info, name, slotID); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "registered %q (%s)\n", name, dev.DeviceInfo())
	if slotID != "" {
		fmt.Fprintf(a.stdout, "added fido2 slot %s: the key now unlocks the vault\n", vaultops.ShortID(slotID))
	}
	return nil
}

// proveKey makes a throw-away non-resident credential and checks an
// assertion of it: the key is a working FIDO2 key that answers touches.
func (a *app) proveKey(ctx context.Context, dev fido.Device, pin []byte, name string) error {
	uid := make([]byte, 16)
	rand.Read(uid)
	a.touchPrompt(dev)
	cred, err := dev.MakeCredential(ctx, fido.CredentialOptions{RPID: fido2RPID, RPName: "otter",
		UserID: uid, UserName: name, PIN: pin})
	if err != nil {
		return fidoErr(err, false)
	}
	a.touchPrompt(dev)
	as, err := dev.GetAssertion(ctx, fido.AssertionOptions{RPID: fido2RPID, Allow: [][]byte{cred.ID},
		PIN: pin, PublicKey: cred.PublicKey})
	if err != nil {
		return fidoErr(err, false)
	}
	if len(as) != 1 || !bytes.Equal(as[0].CredentialID, cred.ID) || !as[0].UP {
		return &userError{code: exitError, msg: "the key's test assertion is not valid: it was not registered"}
	}
	return nil
}

// addKey records a key in the vault's inventory.
func (a *app) addKey(di fido.DeviceInfo, info fido.Info, name, slotID string) error {
	s, err := a.session()
	if err != nil {
		return err
	}
	_, err = s.RegisterKey(vaultops.KeyInfo{Name: name, AAGUID: info.AAGUIDString(), Product: productName(di)}, slotID)
	return err
}

// fido2Enrolled records the key that a fido2 slot c was just enrolled with
// (by `otter slot add fido2`) in the vault's key inventory: a key
// registered without a slot gains it (vaultops.Session.EnrollSlot), any
// other is registered, named name or after the product.
func (a *app) fido2Enrolled(c vault.Credential, slotID, name string) error {
	fc, ok := c.(*fido2Cred)
	if !ok || fc.used == nil {
		return nil
	}
	s, err := a.session()
	if err != nil {
		return err
	}
	di := fc.used.DeviceInfo()
	k, linked, err := s.EnrollSlot(vaultops.KeyInfo{Name: name, AAGUID: fc.info.AAGUIDString(), Product: productName(di)}, slotID)
	if err == nil && linked {
		fmt.Fprintf(a.stdout, "the registered key %q now unlocks the vault\n", k.Nickname)
	}
	return err
}

func productName(di fido.DeviceInfo) string {
	return di.Product + virtualMark(di.Virtual)
}

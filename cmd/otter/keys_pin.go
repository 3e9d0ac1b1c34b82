package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/fido"
)

func (a *app) keysPINCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "pin", Short: "Set or change a key's PIN"}
	var device, newPINFile string
	set := &cobra.Command{Use: "set", Short: "Set the first PIN of a key (from --pin-file or a prompt)", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.keysPINSet(device) }}
	change := &cobra.Command{Use: "change", Short: "Change a key's PIN (old from --pin-file, new from --new-pin-file, or prompts)", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.keysPINChange(device, newPINFile) }}
	change.Flags().StringVar(&newPINFile, "new-pin-file", "", "read the new PIN from this file")
	for _, c := range []*cobra.Command{set, change} {
		c.Flags().StringVar(&device, "device", "", "the key's path (see otter keys list)")
	}
	cmd.AddCommand(set, change)
	return cmd
}

func (a *app) keysPINSet(device string) error {
	ctx, stop := fidoContext()
	defer stop()
	dev, info, err := a.pickKeyInfo(ctx, device)
	if err != nil {
		return err
	}
	defer dev.Close()
	switch {
	case !info.SupportsPIN():
		return &userError{code: exitError, msg: fmt.Sprintf("%s cannot have a PIN", dev.DeviceInfo().Product)}
	case info.HasPIN():
		return &userError{code: exitError, msg: "the key already has a PIN", hint: "change it with: otter keys pin change"}
	}
	pin, err := a.newKeyPIN(a.pinFile)
	if err != nil {
		return err
	}
	defer wipe(pin)
	if err := dev.SetPIN(ctx, pin); err != nil {
		return fidoErr(err, false)
	}
	fmt.Fprintf(a.stdout, "PIN set on %s\n", dev.DeviceInfo())
	return nil
}

func (a *app) keysPINChange(device, newPINFile string) error {
	ctx, stop := fidoContext()
	defer stop()
	dev, info, err := a.pickKeyInfo(ctx, device)
	if err != nil {
		return err
	}
	defer dev.Close()
	switch {
	case !info.HasPIN():
		return &userError{code: exitError, msg: "the key has no PIN to change", hint: "set one with: otter keys pin set"}
	}
	old, err := a.keyPIN(dev)
	if err != nil {
		return fidoErr(err, false)
	}
	defer wipe(old)
	pin, err := a.newKeyPIN(newPINFile)
	if err != nil {
		return err
	}
	defer wipe(pin)
	if err := dev.ChangePIN(ctx, old, pin); err != nil {
		return fidoErr(err, false)
	}
	fmt.Fprintf(a.stdout, "PIN changed on %s\n", dev.DeviceInfo())
	return nil
}

// managePIN returns the PIN credential management needs, after checking
// that the key has one.
func (a *app) managePIN(dev fido.Device, info fido.Info) ([]byte, error) {
	if !info.HasPIN() {
		return nil, &userError{code: exitError, msg: "the key has no PIN, and managing its credentials needs one",
			hint: "set one with: otter keys pin set"}
	}
	pin, err := a.keyPIN(dev)
	return pin, fidoErr(err, false)
}

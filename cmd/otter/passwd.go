package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

func (a *app) passwdCmd() *cobra.Command {
	var newPasswordFile string
	cmd := &cobra.Command{
		Use:   "passwd",
		Short: "Set or change the vault password",
		Long: `Set or change the vault password. The new password gets a new slot and
the old password slot is removed, which rotates the data key.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v, err := a.open()
			if err != nil {
				return err
			}
			p, err := a.newPassword(newPasswordFile)
			if err != nil {
				return err
			}
			defer wipe(p)
			var old []vault.Slot
			for _, s := range v.Slots() {
				if s.Type == vault.SlotPassword {
					old = append(old, s)
				}
			}
			if _, err := v.AddSlot(vault.Password{Secret: p, KDF: vaultops.PasswordKDF(a.kdf)}, "password"); err != nil {
				return err
			}
			for _, s := range old {
				if err := v.RemoveSlot(s.ID); err != nil {
					return fmt.Errorf("the new password works, but the old one could not be removed: %w", err)
				}
			}
			if len(old) == 0 {
				fmt.Fprintln(a.stdout, "password set")
			} else {
				fmt.Fprintln(a.stdout, "password changed")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&newPasswordFile, "new-password-file", "", "read the new password from this file")
	return cmd
}

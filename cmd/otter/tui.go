package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/tui"
	"github.com/otterauth/otter/vault"
)

// runTUI starts the full-screen interface (otter with no arguments); without
// a terminal it prints the help instead.
func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	if !a.interactive() {
		return cmd.Help()
	}
	var failed lastFailure
	a.mirrorFailed = failed.set // the TUI shows them; stderr is its screen
	return tui.Run(tui.Config{
		SaveWarning: failed.take,
		AfterUnlock: a.afterTUIUnlock,
		VaultPath:   a.path(),
		LockoutDir:  a.state,
		Options:     a.options(),
		Store:       a.store,
		KDF:         a.kdf,
		Now:         a.now,
		Keys:        a.fido,
		FIDO:        a.fido2UnlockCredential,
		FIDOWithPIN: func(ctx context.Context, pin []byte) (vault.Credential, error) {
			return &fido2Cred{a: a, ctx: ctx, quiet: true, pin: pin}, nil
		},
	})
}

package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/internal/syncer"
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
	opts := a.options()         // sets the device id tuiSync stamps commits with
	syncFn, auto := a.tuiSync()
	return tui.Run(tui.Config{
		Sync:        syncFn,
		AutoSync:    auto,
		SaveWarning: failed.take,
		AfterUnlock: a.afterTUIUnlock,
		VaultPath:   a.path(),
		LockoutDir:  a.state,
		Options:     opts,
		Store:       a.store,
		KDF:         a.kdf,
		Now:         a.now,
		Keys:        a.fido,
		FIDO:        a.fido2UnlockCredential,
		FIDOWithPIN: func(ctx context.Context, pin []byte) (vault.Credential, error) {
			c := &fido2Cred{a: a, ctx: ctx, quiet: true, pin: pin}
			_, old := a.takeTUIKey() // an answer kept by an attempt that failed after it
			wipe(old)
			if a.wantAutoStart() {
				c.handOver = a.keepTUIKey // for the agent afterTUIUnlock starts
			}
			return c, nil
		},
	})
}

// tuiSync returns the TUI's sync of the vault with its remote, and whether
// automatic sync is on; nil when the vault has no sync repository.
func (a *app) tuiSync() (tui.SyncFunc, bool) {
	dir, err := a.syncRepoDir()
	if err != nil {
		return nil, false
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, false
	}
	// git and ssh must not prompt on the terminal the TUI draws on: a
	// remote that needs a password or a passphrase not in an agent fails,
	// and otter sync in a shell answers its prompts.
	for _, kv := range [][2]string{{"GIT_TERMINAL_PROMPT", "0"}, {"GIT_SSH_COMMAND", "ssh -o BatchMode=yes"}} {
		if _, set := os.LookupEnv(kv[0]); !set && (kv[0] != "GIT_SSH_COMMAND" || os.Getenv("GIT_SSH") == "") {
			os.Setenv(kv[0], kv[1])
		}
	}
	device, now := a.vaultOpts.DeviceID, a.now
	return func(ctx context.Context, v *vault.Vault) (syncer.Report, error) {
		repo, err := gitrepo.Open(dir)
		if err != nil {
			return syncer.Report{}, err
		}
		return syncer.New(repo, v, device, now).Sync(ctx)
	}, syncer.AutoIn(dir)
}

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/errcat"
	"github.com/otterauth/otter/internal/syncer"
	"github.com/otterauth/otter/vault"
)

// Automatic sync (otter sync auto on) of the CLI lives here and only here:
// runApp calls autoSync once the command has returned. A command that
// changed the vault — its generation moved between open and the end of the
// command — is followed by one sync, bounded by autoSyncTimeout and
// cancelled by ctrl+c, that says in one line on stderr what it did. It
// never changes the exit code: the change is saved in the local file
// whatever the remote does, and the next sync carries it.

// noAutoSyncKey marks a command (and, through its parent, its
// subcommands) that is never followed by an automatic sync: the sync
// commands themselves, the agent, and the commands that only read (even
// when they log a reveal). otter code is not marked: a TOTP code writes
// nothing, and an HOTP code's counter must reach the other devices before
// they show the same code. The TUI (the root command, never marked: its
// children would be) syncs on its own.
const noAutoSyncKey = "otter.no-auto-sync"

// noAutoSync marks cmd with noAutoSyncKey.
func noAutoSync(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[noAutoSyncKey] = "1"
	return cmd
}

// autoSyncExempt reports whether cmd or one of its parents is marked.
func autoSyncExempt(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		if c.Annotations[noAutoSyncKey] != "" {
			return true
		}
	}
	return false
}

// openedAt records the generation of the vault open just opened: the
// baseline autoSync compares with.
func (a *app) openedAt(v *vault.Vault) {
	a.openGen, a.opened = v.Generation(), true
}

// changed reports whether the vault open for this command was written.
func (a *app) changed() bool {
	return a.v != nil && a.opened && a.v.Generation() != a.openGen
}

// autoSyncOn reports whether the vault's sync repository has automatic
// sync on (it needs no key). A change the agent would make (an HOTP code,
// a recovery code used) is then made here instead, where autoSync follows
// it (agentCode, agentRecovery).
func (a *app) autoSyncOn() bool {
	dir, err := a.syncRepoDir()
	return err == nil && syncer.AutoIn(dir)
}

// autoSync runs the sync that follows a change when the vault's sync
// repository has automatic sync on; cmdErr is what the command returned.
func (a *app) autoSync(cmdErr error) {
	if a.cmd == nil || !a.cmd.HasParent() || autoSyncExempt(a.cmd) || !a.changed() || errors.Is(cmdErr, errcat.ErrInterrupted) {
		return
	}
	if !a.autoSyncOn() {
		return // no repository (not attached), or auto sync off
	}
	repo, err := a.syncRepo()
	if err == nil {
		ctx, cancel := signalContext()
		defer cancel()
		ctx, stop := context.WithTimeout(ctx, autoSyncTimeout)
		defer stop()
		var rep syncer.Report
		rep, err = syncer.New(repo, a.v, a.vaultOpts.DeviceID, a.now).Sync(ctx)
		if err == nil {
			fmt.Fprintf(a.stderr, "otter: synced: %s\n", esc(rep.Summary()))
			return
		}
		switch ctx.Err() {
		case context.DeadlineExceeded:
			err = fmt.Errorf("the remote did not answer within %d s", int(autoSyncTimeout.Seconds()))
		case context.Canceled:
			err = errors.New("cancelled")
		}
	}
	_, msg, _ := describe(err)
	fmt.Fprintf(a.stderr, "otter: sync failed: %s; the change is saved here, run otter sync later\n", esc(msg))
}

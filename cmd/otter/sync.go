package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/gitrepo"
	"github.com/otterauth/otter/internal/localstate"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/internal/syncer"
	"github.com/otterauth/otter/vault"
)

// autoSyncTimeout bounds the sync that follows a change when auto sync is
// on: a slow remote must not hold a command for long.
const autoSyncTimeout = 20 * time.Second

func (a *app) syncCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Sync the vault with its git remote: commit, fetch, merge, push",
		Long: `Sync the vault with the git remote it was attached to (otter sync init):
commit this device's changes, fetch the remote's, merge them record by
record, and push. Prints what came in, what went out and every conflict it
resolved. It never force-pushes; when another device pushed first it
fetches, merges and tries again.

The remote holds the encrypted vault file and one log per device; no
account name is in any file name, commit message or author.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.runSync() },
	}
	var noKeyring, asJSON, ack bool
	initCmd := &cobra.Command{
		Use:   "init REMOTE",
		Short: "Attach this vault to a git remote (a URL or a path to a bare repository) and sync",
		Long: `Attach this vault to a git remote and sync with it: an empty remote gets
the vault; a remote holding the same vault is merged with it; a remote
holding another vault is refused. REMOTE is anything git fetches from: a
path to a bare repository (git init --bare), an ssh or https URL.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.syncInit(args[0]) },
	}
	join := &cobra.Command{
		Use:   "join REMOTE",
		Short: "Fetch the vault from a git remote onto this machine and unlock it",
		Long: `On a new machine: fetch the vault from REMOTE, unlock it with any of its
credentials (--password-file, --recovery-key-file, --identity-file, a FIDO2
key, or a prompt), write it as this machine's vault and add a keyring slot
for this machine (unless --no-keyring). There must be no vault here yet.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.syncJoin(args[0], noKeyring) },
	}
	join.Flags().BoolVar(&noKeyring, "no-keyring", false, "do not add a keyring slot for this machine")
	status := &cobra.Command{
		Use:   "status",
		Short: "Show the remote, the last sync, both generations and every device",
		Long: `Show the remote, this device's last sync, the local and the remote
generation, each device with its last sync, and a fingerprint (vault id,
generation, checksum) to compare two machines by eye, and the unlock
slots (members) other devices added or removed, until acknowledged with
--ack. It fetches first; it does not unlock the vault.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.syncStatus(asJSON, ack) },
	}
	status.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	status.Flags().BoolVar(&ack, "ack", false, "acknowledge the members changed by other devices: show them this once more, then no longer")
	auto := &cobra.Command{
		Use:       "auto on|off",
		Short:     "Sync after every change and when the TUI starts (on), or only on otter sync (off)",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"on", "off"},
		RunE:      func(_ *cobra.Command, args []string) error { return a.syncAuto(args[0]) },
	}
	cmd.AddCommand(initCmd, join, status, auto)
	return cmd
}

// syncRepoDir is where the sync repository of the vault lives.
func (a *app) syncRepoDir() (string, error) {
	d, err := paths.Data()
	if err != nil {
		return "", err
	}
	return syncer.RepoDir(d, a.path()), nil
}

// syncRepo opens the vault's sync repository; ErrNotAttached without one.
func (a *app) syncRepo() (*gitrepo.Repo, error) {
	dir, err := a.syncRepoDir()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, syncer.ErrNotAttached
	}
	return gitrepo.Open(dir)
}

// signalContext is cancelled by ctrl+c.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

func (a *app) runSync() error {
	repo, err := a.syncRepo()
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	// Nothing to do needs no key: fetch and compare before unlocking.
	if local, err := os.ReadFile(a.path()); err == nil {
		if info, err := vault.Peek(local); err == nil {
			upToDate, err := syncer.Check(ctx, repo, local, a.now)
			if err != nil {
				return err
			}
			if upToDate {
				a.printSync(syncer.Report{Action: "up to date", Generation: info.Generation})
				return nil
			}
		}
	}
	v, err := a.open()
	if err != nil {
		return err
	}
	rep, err := syncer.New(repo, v, a.vaultOpts.DeviceID, a.now).Sync(ctx)
	if err != nil {
		return err
	}
	a.printSync(rep)
	return nil
}

func (a *app) syncInit(remote string) error {
	v, err := a.open()
	if err != nil {
		return err
	}
	dir, err := a.syncRepoDir()
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	repo, err := syncer.Attach(ctx, dir, remote, v.VaultID())
	if err != nil {
		return err
	}
	rep, err := syncer.New(repo, v, a.vaultOpts.DeviceID, a.now).Sync(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "attached to %s\n", esc(remote))
	a.printSync(rep)
	return nil
}

func (a *app) syncJoin(remote string, noKeyring bool) error {
	path := a.path()
	if _, err := os.Lstat(path); err == nil {
		return &userError{code: exitError, msg: "there is a vault here already: " + path,
			hint: "to merge it with the remote's, run: otter sync init " + remote}
	}
	dir, err := a.syncRepoDir()
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	f, err := syncer.Fetch(ctx, dir, remote)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := atomicfile.Create(atomicfile.OS, path, f.Raw); err != nil {
		return err
	}
	v, err := a.open()
	if err == nil {
		err = f.Joined()
	}
	if err != nil { // leave nothing behind: this machine had no vault
		a.close()
		os.Remove(path)
		os.RemoveAll(dir)
		return err
	}
	n := len(v.Data().Live())
	fmt.Fprintf(a.stdout, "joined vault %.8s (generation %d, %d %s) from %s\n",
		v.VaultID(), v.Generation(), n, plural(n, "account", "accounts"), esc(remote))
	if !noKeyring {
		if !a.keyringAnswers() {
			a.warn("no keyring answered: no keyring slot added; unlock with the credential you used, or later: otter slot add keyring")
		} else if s, err := v.AddSlot(vault.Keyring{Store: a.store}, hostLabel()); err != nil {
			a.warn("could not add a keyring slot for this machine: %v", err)
		} else {
			fmt.Fprintf(a.stdout, "added keyring slot %.8s for this machine\n", s.ID)
		}
	}
	rep, err := syncer.New(f.Repo, v, a.vaultOpts.DeviceID, a.now).Sync(ctx)
	if err != nil {
		return err
	}
	a.printSync(rep)
	return nil
}

// hostLabel labels this machine's keyring slot.
func hostLabel() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "this machine"
	}
	return h
}

func (a *app) syncStatus(asJSON, ack bool) error {
	repo, err := a.syncRepo()
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	var fetchErr error
	if _, err := repo.Fetch(ctx); err != nil {
		fetchErr = err
	}
	local, err := os.ReadFile(a.path())
	if err != nil {
		return err
	}
	device, _ := localstate.DeviceID(a.state)
	st, err := syncer.StatusOf(repo, local, device)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else {
		a.printStatus(st)
	}
	if fetchErr != nil {
		a.warn("could not fetch, the remote's state shown is from the last fetch: %v", fetchErr)
	}
	if ack {
		n, err := syncer.AckNotices(repo)
		if err != nil {
			return err
		}
		if !asJSON {
			fmt.Fprintf(a.stdout, "acknowledged %d %s\n", n, plural(n, "member change", "member changes"))
		}
	} else if len(st.Members) > 0 && !asJSON {
		a.hint("check the members with: otter slot list; then acknowledge: otter sync status --ack")
	}
	return nil
}

// printMembers shows the slot changes other devices made: "members
// changed by DEVICE at TIME: added age slot alice; …".
func (a *app) printMembers(indent string, list []syncer.Notice) {
	for _, n := range list {
		by := "another device"
		if len(n.Devices) > 0 {
			ids := make([]string, len(n.Devices))
			for i, d := range n.Devices {
				ids[i] = esc(fmt.Sprintf("%.12s", d))
			}
			by = strings.Join(ids, " or ")
		}
		fmt.Fprintf(a.stdout, "%smembers changed by %s at %s: %s\n", indent, by, n.At.Local().Format("2006-01-02 15:04"), esc(n.Changes()))
	}
}

func (a *app) printStatus(st syncer.Status) {
	w := a.stdout
	fmt.Fprintf(w, "remote:      %s\n", esc(st.Remote))
	fmt.Fprintf(w, "repository:  %s\n", esc(st.Repo))
	if st.LastSync.IsZero() {
		fmt.Fprintln(w, "last sync:   never")
	} else {
		fmt.Fprintf(w, "last sync:   %s\n", st.LastSync.Local().Format("2006-01-02 15:04:05"))
	}
	fp := func(f *syncer.Fingerprint) string {
		if f == nil {
			return "none"
		}
		return fmt.Sprintf("generation %d  fingerprint %.8s-%.12s", f.Generation, f.VaultID, f.Sum)
	}
	fmt.Fprintf(w, "local:       %s", fp(&st.Local))
	if st.Pending {
		fmt.Fprint(w, "  (changes not synced yet)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "remote:      %s\n", fp(st.Fetched))
	fmt.Fprintf(w, "devices:     %d\n", len(st.Devices))
	for _, d := range st.Devices {
		this := ""
		if d.This {
			this = "  (this device)"
		}
		fmt.Fprintf(w, "  %.12s  last sync %s  generation %d%s\n", esc(d.ID), d.LastSync.Local().Format("2006-01-02 15:04"), d.Generation, this)
	}
	a.printMembers("", st.Members)
}

func (a *app) syncAuto(onOff string) error {
	if onOff != "on" && onOff != "off" {
		return usageErr("otter sync auto takes on or off, not %q", onOff)
	}
	repo, err := a.syncRepo()
	if err != nil {
		return err
	}
	if err := syncer.SetAuto(repo, onOff == "on"); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "automatic sync %s\n", onOff)
	return nil
}

// printSync says what a sync did: what came in, what went out, each
// conflict.
func (a *app) printSync(rep syncer.Report) {
	w := a.stdout
	fmt.Fprintf(w, "%s (generation %d)\n", rep.Action, rep.Generation)
	for _, c := range []struct {
		dir string
		ch  vault.Changes
	}{{"in", rep.In}, {"out", rep.Out}} {
		for _, l := range []struct {
			what  string
			names []string
		}{{"added", c.ch.Added}, {"changed", c.ch.Changed}, {"deleted", c.ch.Deleted}} {
			if len(l.names) > 0 {
				fmt.Fprintf(w, "  %-3s %s: %s\n", c.dir, l.what, esc(strings.Join(l.names, ", ")))
			}
		}
	}
	for _, c := range rep.Conflicts {
		kept := ""
		if c.InTrash() {
			kept = ", the other is in the trash (otter trash)"
		}
		fmt.Fprintf(w, "  conflict: %s %s: both devices changed %s; kept the later change (device %.8s)%s\n",
			c.Kind, esc(c.Label), c.Field, esc(c.Winner), kept)
	}
	if rep.Retries > 0 {
		fmt.Fprintf(w, "  another device pushed meanwhile: merged and pushed again (%d %s)\n", rep.Retries, plural(rep.Retries, "retry", "retries"))
	}
	if len(rep.Members) > 0 {
		a.printMembers("  ", rep.Members)
		a.hint("check the members with: otter slot list; otter sync status shows this until: otter sync status --ack")
	}
}

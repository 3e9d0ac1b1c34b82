package main

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/localstate"
	"github.com/otterauth/otter/internal/mirror"
	"github.com/otterauth/otter/internal/paths"
	"github.com/otterauth/otter/vault"
)

func (a *app) backupDirCmd() *cobra.Command {
	var off bool
	cmd := &cobra.Command{
		Use:   "dir [PATH]",
		Short: "Copy the vault into a folder of your choice after every save (a synced folder, a USB stick)",
		Long: fmt.Sprintf(`With PATH, copy the vault file into that folder after every save, as
otter-VAULT-GEN.otter (VAULT: the first digits of the vault's id, GEN: the
generation). The copy is the vault file itself, encrypted as it is on disk:
it opens with the vault's passwords, keys and recovery key, and its name
tells no more than the file's header does. The newest %d copies are kept;
other files in the folder are never touched. A copy that fails is reported
as a warning and never stops the save.

Without PATH, show the folder and the newest copy there; with --off, stop
copying (the copies already made stay). The setting belongs to this device,
not to the vault.

To bring a copy back, put it in place of the vault file (keep the current
file aside first) and run: otter backup restore GEN. That makes it the
newest generation; otter refuses an older file until then.`, mirror.Keep),
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			switch {
			case off && len(args) > 0:
				return usageErr("give a folder or --off, not both")
			case off:
				return a.backupDirOff()
			case len(args) == 1:
				return a.backupDirSet(args[0])
			}
			return a.backupDirShow()
		},
	}
	cmd.Flags().BoolVar(&off, "off", false, "stop copying the vault")
	return cmd
}

func (a *app) backupDirSet(path string) error {
	dir, err := mirror.Resolve(path, a.ownBackups()...)
	if err != nil {
		return err
	}
	if err := localstate.SetBackupDir(a.state, dir); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Every save now copies the vault to %s (the newest %d copies are kept).\n", dir, mirror.Keep)
	return nil
}

// ownBackups are the backups folders otter prunes itself: beside the vault
// in use and beside the default vault.
func (a *app) ownBackups() []string {
	own := []string{filepath.Join(filepath.Dir(a.path()), "backups")}
	if def, err := paths.Vault(); err == nil {
		own = append(own, filepath.Join(filepath.Dir(def), "backups"))
	}
	return own
}

func (a *app) backupDirOff() error {
	if err := localstate.SetBackupDir(a.state, ""); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "The vault is no longer copied after a save; copies already made stay where they are.")
	return nil
}

func (a *app) backupDirShow() error {
	dir, err := localstate.BackupDir(a.state)
	if err != nil {
		return err
	}
	if dir == "" {
		fmt.Fprintln(a.stdout, "Off: the vault is not copied anywhere after a save (set a folder with: otter backup dir PATH).")
		return nil
	}
	fmt.Fprintf(a.stdout, "Every save copies the vault to %s.\n", dir)
	l, err := vault.Load(a.path(), nil) // the header only: no key, no guard
	if err != nil {
		return nil // no vault here (yet): nothing more to show
	}
	copies, err := mirror.List(dir, l.VaultID())
	switch {
	case err != nil:
		a.warn("cannot read %s: %v", dir, err)
	case len(copies) == 0:
		fmt.Fprintln(a.stdout, "No copy of this vault there yet: the next save makes one.")
	default:
		fmt.Fprintf(a.stdout, "Newest copy: %s (generation %d), %d %s kept.\n",
			filepath.Base(copies[0].Path), copies[0].Generation, len(copies), plural(len(copies), "copy", "copies"))
	}
	return nil
}

// mirrorHook returns the vault.Options.AfterSave that copies every saved
// file to the folder this device set, or nil when it set none. A failed
// copy goes to a.mirrorFailed (a warning on stderr unless the TUI
// collects it).
func (a *app) mirrorHook() func(vaultID string, gen uint64, file []byte) {
	dir, err := localstate.BackupDir(a.state)
	if err != nil {
		a.warn("%v (the vault is not copied to the backup folder)", err)
		return nil
	}
	if dir == "" {
		return nil
	}
	return func(vaultID string, gen uint64, file []byte) {
		if err := mirror.Save(dir, vaultID, gen, file); err != nil {
			err = fmt.Errorf("the vault was saved, but copying it to the backup folder %s failed: %w", dir, err)
			if a.mirrorFailed != nil {
				a.mirrorFailed(err)
				return
			}
			a.warn("%v", err)
		}
	}
}

// lastFailure keeps the latest failed copy for the TUI, which asks after
// every write (tui.Config.SaveWarning).
type lastFailure struct {
	mu  sync.Mutex
	err error
}

func (f *lastFailure) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// take returns the latest failure and forgets it.
func (f *lastFailure) take() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.err
	f.err = nil
	return err
}

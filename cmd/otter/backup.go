package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/vaultops"
)

func (a *app) backupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "List, look into and restore the generations kept under backups/; copy the vault to a folder",
		Long: `Every save keeps the previous file under backups/ beside the vault (the newest
10, and the newest of each day for 30 days). otter refuses to open a vault
file older than a generation it has already seen (exit 6): to go back on
purpose, restore a generation; the restore is itself a new generation, so it
can be undone the same way. otter backup dir also copies every save into a
folder of your choice (a synced folder, a USB stick).`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(a.backupListCmd(), a.backupShowCmd(), a.backupRestoreCmd(), a.backupDirCmd())
	return cmd
}

func (a *app) backupListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the current generation and the kept backups: time, accounts, changes",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return a.backupList() },
	}
}

func (a *app) backupList() error {
	s, err := a.session()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GENERATION\tSAVED\tACCOUNTS\tCHANGES")
	for _, g := range s.Generations() {
		gen := strconv.FormatUint(g.Generation, 10)
		if g.Current {
			gen += " (current)"
		}
		saved, accounts, changes := "-", "?", g.Changes
		if !g.Updated.IsZero() {
			saved = g.Updated.Local().Format("2006-01-02 15:04:05")
		}
		if g.Accounts >= 0 {
			accounts = strconv.Itoa(g.Accounts)
		}
		if g.Err != nil {
			changes = "cannot read: " + g.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", gen, saved, accounts, changes)
	}
	return tw.Flush()
}

func (a *app) backupShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show GEN",
		Short: "Show the accounts a generation held (no secrets; changes nothing)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			gen, err := parseGen(args[0])
			if err != nil {
				return err
			}
			return a.backupShow(gen)
		},
	}
}

func (a *app) backupShow(gen uint64) error {
	s, err := a.session()
	if err != nil {
		return err
	}
	view, err := s.ShowBackup(gen)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Generation %d: %d %s, %d with recovery codes.\n", view.Generation,
		len(view.Accounts), plural(len(view.Accounts), "account", "accounts"), view.Recovery)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, acc := range view.Accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", vaultops.ShortID(acc.ID), esc(acc.Label()), acc.Type)
	}
	return tw.Flush()
}

func (a *app) backupRestoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore GEN",
		Short: "Make a generation's accounts current again, as a new generation (slots are kept)",
		Long: `Make the accounts, recovery codes and settings of generation GEN current again.
The restore is saved as a new generation above every generation seen, and the
generation it replaces is kept as a backup, so it can be undone with another
restore. The vault's unlock methods (slots) are kept, not restored; HOTP
counters never go back and used recovery codes stay used.

This is also the way to accept an older vault file put in place on purpose:
otter refuses to open it (exit 6) until it is restored.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			gen, err := parseGen(args[0])
			if err != nil {
				return err
			}
			return a.backupRestore(gen)
		},
	}
}

func (a *app) backupRestore(gen uint64) error {
	a.vaultOpts.AllowRollback = true // the restore is the deliberate acceptance
	s, err := a.session()
	if err != nil {
		return err
	}
	from := s.Vault().Generation()
	now, err := s.Restore(gen)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Restored generation %d as generation %d (%s); generation %d is kept as a backup.\n",
		gen, now, accounts(len(s.Data().Live())), from)
	return nil
}

func parseGen(s string) (uint64, error) {
	gen, err := strconv.ParseUint(s, 10, 64)
	if err != nil || gen == 0 {
		return 0, usageErr("%q is not a generation: give its number, as otter backup list shows it", s)
	}
	return gen, nil
}

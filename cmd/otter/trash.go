package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

func (a *app) trashCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trash",
		Short: fmt.Sprintf("List removed accounts (kept %d days with their secret and recovery codes)", vault.TrashDays),
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			list := vaultops.ListTrash(s.Data())
			if len(list) == 0 {
				fmt.Fprintln(a.stderr, "the trash is empty")
				return nil
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ACCOUNT\tREMOVED\tID\tWHY")
			for _, t := range list {
				why := "deleted"
				if t.Conflict {
					why = "lost a sync conflict (the account is live with the other version)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", esc(t.Label), t.DeletedAt.Local().Format("2006-01-02 15:04"), vaultops.ShortID(t.ID), why)
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(a.trashRestoreCmd())
	return cmd
}

func (a *app) trashRestoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore QUERY",
		Short: "Bring a removed account back from the trash, with its secret and recovery codes",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			t, err := trashed(s.Data(), args[0])
			if err != nil {
				return err
			}
			acc, err := s.RestoreTrash(t.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "restored %s\n", esc(acc.Label()))
			return nil
		},
	}
}

// trashed finds the one trash entry query names: an id or its prefix, a
// label, an issuer, or a unique substring.
func trashed(d *vault.Data, query string) (vaultops.Trashed, error) {
	hits := vaultops.FindTrash(d, query)
	if len(hits) == 0 && len(strings.TrimSpace(query)) >= 4 {
		for _, t := range vaultops.ListTrash(d) {
			if strings.HasPrefix(t.ID, strings.TrimSpace(query)) {
				hits = append(hits, t)
			}
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		return vaultops.Trashed{}, fmt.Errorf("%q: %w", query, vaultops.ErrNotInTrash)
	}
	names := make([]string, len(hits))
	for i, t := range hits {
		names[i] = fmt.Sprintf("%s (%s, removed %s)", t.Label, vaultops.ShortID(t.ID), t.DeletedAt.Local().Format("2006-01-02 15:04"))
	}
	return vaultops.Trashed{}, &userError{code: exitNotFound, msg: fmt.Sprintf("%q matches %d accounts in the trash: %s", query, len(hits), strings.Join(names, ", ")),
		hint: "name one by the id the list shows: otter trash restore ID"}
}

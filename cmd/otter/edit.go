package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/vaultops"
)

func (a *app) editCmd() *cobra.Command {
	var issuer, account, tags, notes string
	var pin, unpin bool
	cmd := &cobra.Command{
		Use:   "edit QUERY [--issuer I] [--account A] [--tags T,U] [--notes TEXT] [--pin|--unpin]",
		Short: "Change an account's issuer, account name, tags, notes or pin",
		Long: `Change what otter shows for the account QUERY names. Only the flags given
change; --tags "" removes every tag and --notes "" the notes. The secret and
the code parameters stay: to change them, remove the account and add it again
from the site's setup page.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var e vaultops.Edit
			f := c.Flags()
			if f.Changed("issuer") {
				e.Issuer = &issuer
			}
			if f.Changed("account") {
				e.Name = &account
			}
			if f.Changed("tags") {
				t := strings.Split(tags, ",")
				e.Tags = &t
			}
			if f.Changed("notes") {
				e.Notes = &notes
			}
			switch {
			case pin && unpin:
				return usageErr("give --pin or --unpin, not both")
			case pin || unpin:
				e.Pinned = &pin
			}
			if e == (vaultops.Edit{}) {
				return usageErr("nothing to change: give --issuer, --account, --tags, --notes, --pin or --unpin")
			}
			s, acc, err := a.account(args[0])
			if err != nil {
				return err
			}
			got, err := s.Edit(acc.ID, e)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "saved %s (id %s)\n", esc(got.Label()), vaultops.ShortID(got.ID))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&issuer, "issuer", "", "the new issuer (the site)")
	f.StringVar(&account, "account", "", "the new account name")
	f.StringVar(&tags, "tags", "", "the tags, comma-separated (replaces the old ones)")
	f.StringVar(&notes, "notes", "", "the notes (replaces the old ones)")
	f.BoolVar(&pin, "pin", false, "pin the account to the top of the list")
	f.BoolVar(&unpin, "unpin", false, "unpin it")
	return cmd
}

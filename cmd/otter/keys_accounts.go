package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

func (a *app) keysAccountsCmd() *cobra.Command {
	var add, rm []string
	cmd := &cobra.Command{
		Use:   "accounts NAME [--add QUERY]... [--rm QUERY]...",
		Short: "Record which accounts a key is registered on (the health report and the lost-key playbook use it)",
		Long: `Show, or change with --add and --rm, the accounts where the key NAME is
registered as a security key. otter cannot see this on the sites themselves:
record it when you add the key at a site, and remove it when you take it off.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.keysAccounts(args[0], add, rm) },
	}
	cmd.Flags().StringArrayVar(&add, "add", nil, "an account the key is registered on (repeatable)")
	cmd.Flags().StringArrayVar(&rm, "rm", nil, "an account the key was removed from (repeatable)")
	return cmd
}

func (a *app) keysAccounts(name string, add, rm []string) error {
	s, err := a.session()
	if err != nil {
		return err
	}
	k, err := keyNamed(s.Data(), name)
	if err != nil {
		return err
	}
	if len(add) > 0 && k.Lost {
		return &userError{code: exitError, msg: fmt.Sprintf("the key %q is marked lost", k.Nickname),
			hint: "register the replacement key and record the account on it"}
	}
	adds, err := resolveIDs(s.Data(), add)
	if err != nil {
		return err
	}
	rms, err := resolveIDs(s.Data(), rm)
	if err != nil {
		return err
	}
	if len(adds)+len(rms) > 0 {
		if _, err := s.LinkAccounts(k.ID, adds, rms); err != nil {
			return err
		}
	}
	if k = vaultops.FindKey(s.Data(), k.Nickname); k == nil {
		return vaultops.ErrKeyGone
	}
	accs := vaultops.KeyAccounts(s.Data(), k)
	if len(accs) == 0 {
		fmt.Fprintf(a.stdout, "%q is not recorded on any account\n", k.Nickname)
		return nil
	}
	for _, acc := range accs {
		fmt.Fprintln(a.stdout, esc(acc.Label()))
	}
	return nil
}

func resolveIDs(d *vault.Data, queries []string) ([]string, error) {
	var out []string
	for _, q := range queries {
		acc, err := resolve(d, q)
		if err != nil {
			return nil, err
		}
		out = append(out, acc.ID)
	}
	return out, nil
}

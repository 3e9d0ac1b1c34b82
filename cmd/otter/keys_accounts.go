package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

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
	v, err := a.open()
	if err != nil {
		return err
	}
	k, err := keyNamed(v.Data(), name)
	if err != nil {
		return err
	}
	if len(add) > 0 && k.Lost {
		return &userError{code: exitError, msg: fmt.Sprintf("the key %q is marked lost", k.Nickname),
			hint: "register the replacement key and record the account on it"}
	}
	adds, err := resolveAll(v.Data(), add)
	if err != nil {
		return err
	}
	rms, err := resolveAll(v.Data(), rm)
	if err != nil {
		return err
	}
	if len(adds)+len(rms) > 0 {
		if err := a.changeKeyAccounts(v, k.ID, adds, rms); err != nil {
			return err
		}
	}
	k = liveKey(v.Data(), k.ID)
	accs := liveAccounts(v.Data(), k)
	if len(accs) == 0 {
		fmt.Fprintf(a.stdout, "%q is not recorded on any account\n", k.Nickname)
		return nil
	}
	for _, acc := range accs {
		fmt.Fprintln(a.stdout, label(acc))
	}
	return nil
}

func resolveAll(d *vault.Data, queries []string) ([]*vault.Account, error) {
	var out []*vault.Account
	for _, q := range queries {
		acc, err := resolve(d, q)
		if err != nil {
			return nil, err
		}
		out = append(out, acc)
	}
	return out, nil
}

// changeKeyAccounts records adds and removes rms on key id, with an audit
// event.
func (a *app) changeKeyAccounts(v *vault.Vault, id string, adds, rms []*vault.Account) error {
	now := a.now()
	err := v.Update(func(d *vault.Data) error {
		k := liveKey(d, id)
		if k == nil {
			return &userError{code: exitNotFound, msg: "the key was removed meanwhile"}
		}
		var changes []string
		for _, acc := range adds {
			if !slices.Contains(k.Accounts, acc.ID) {
				k.Accounts = append(k.Accounts, acc.ID)
				changes = append(changes, "+"+label(acc))
			}
		}
		for _, acc := range rms {
			if i := slices.Index(k.Accounts, acc.ID); i >= 0 {
				k.Accounts = slices.Delete(k.Accounts, i, i+1)
				changes = append(changes, "-"+label(acc))
			}
		}
		if len(changes) == 0 {
			return errUnchanged // nothing to write
		}
		k.Stamp = d.Tick(now)
		d.Log(now, "key.accounts", k.Nickname+": "+strings.Join(changes, " "))
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

var errUnchanged = errors.New("nothing changed")

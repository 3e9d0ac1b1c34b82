package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/health"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

func (a *app) keysLostCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "lost NAME",
		Short: "Lost-key playbook: what still gets you into each account, remove the key's vault slot, mark it lost",
		Long: `Run the playbook for a lost or stolen key: list every account the key is
registered on with the ways in that remain (other keys, unused recovery codes,
otter's one-time codes), remove the key's vault unlock slot if it has one (the
data key is rotated), mark the key lost in the inventory and say what to do at
each site. The key does not need to be plugged in.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.keysLost(args[0], yes) },
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "go ahead without asking (for scripts)")
	return cmd
}

func (a *app) keysLost(name string, yes bool) error {
	s, err := a.session()
	if err != nil {
		return err
	}
	k, err := keyNamed(s.Data(), name)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("Mark %q lost? Its vault slot, if any, is removed. [y/N] ", k.Nickname)
	if err := a.confirmDestructive(yes, "mark a key lost", q, "changed"); err != nil {
		return err
	}
	lost, err := s.MarkLost(k.ID)
	if errors.Is(err, vaultops.ErrLastWayIn) {
		return &userError{code: exitError, err: err,
			msg:  fmt.Sprintf("removing the slot of %q would leave the vault with a single way in; nothing was changed", k.Nickname),
			hint: "add another unlock method first (otter slot add password, recovery or fido2 with another key), then run: otter keys lost " + health.Quote(k.Nickname)}
	}
	if err != nil {
		return err
	}
	a.lostReport(s.Data(), &lost.Key, lost.Slot)
	return nil
}

// lostReport prints the playbook for key k, just marked lost.
func (a *app) lostReport(d *vault.Data, k *vault.HardwareKey, slot *vault.Slot) {
	w, q := a.stdout, health.Quote(k.Nickname)
	fmt.Fprintf(w, "Marked %q lost.\n", k.Nickname)
	if slot != nil {
		fmt.Fprintf(w, "Removed its vault slot %s and rotated the data key: the key no longer unlocks this vault.\n", vaultops.ShortID(slot.ID))
	} else {
		fmt.Fprintln(w, "It had no vault slot: it never unlocked this vault.")
	}
	accs := vaultops.KeyAccounts(d, k)
	if len(accs) == 0 {
		fmt.Fprintln(w, "\nNo account is recorded for this key in otter. If you used it on sites, remove it from each one's security settings.")
	} else {
		fmt.Fprintf(w, "\nIt is registered on %d %s. At each site, sign in with what you still have, remove %q from the security-key settings and register a replacement:\n",
			len(accs), fidoPlural(len(accs), "account", "accounts"), k.Nickname)
		for _, acc := range accs {
			a.lostAccount(w, d, k, acc)
		}
		fmt.Fprintf(w, "\nOnce the key is removed at a site, record it: otter keys accounts %s --rm QUERY\n", q)
	}
	fmt.Fprintln(w, "Whoever finds the key needs its PIN where a site asks for one, but only a touch where it does not: act soon.")
	fmt.Fprintln(w, "Register a replacement: otter keys register NEWNAME --slot, then otter keys accounts NEWNAME --add QUERY for each site.")
}

// lostAccount prints one account of the playbook: what remains, what to do.
func (a *app) lostAccount(w io.Writer, d *vault.Data, lost *vault.HardwareKey, acc *vault.Account) {
	var have []string
	for i := range d.Keys {
		o := &d.Keys[i]
		if o.ID != lost.ID && !o.Deleted && !o.Lost && slices.Contains(o.Accounts, acc.ID) {
			have = append(have, fmt.Sprintf("the key %q", o.Nickname))
		}
	}
	unused, _ := health.Unused(d, acc.ID)
	if unused > 0 {
		have = append(have, fmt.Sprintf("%d unused recovery %s (otter recovery use %s)", unused, fidoPlural(unused, "code", "codes"), health.Quote(acc.Label())))
	}
	have = append(have, fmt.Sprintf("one-time codes from otter (otter code %s)", health.Quote(acc.Label())))
	fmt.Fprintf(w, "  %s\n    still have: %s\n", esc(acc.Label()), esc(strings.Join(have, "; ")))
	if len(have) == 1 {
		fmt.Fprintf(w, "    warning: otter's codes are your only way in: once signed in, save new recovery codes: otter recovery add %s FILE\n", health.Quote(acc.Label()))
	}
}

// keyNamed returns the live key named name, lost or not, or a not-found
// error listing the inventory.
func keyNamed(d *vault.Data, name string) (*vault.HardwareKey, error) {
	if k := vaultops.FindKey(d, name); k != nil {
		return k, nil
	}
	var names []string
	for _, k := range d.Keys {
		if !k.Deleted {
			names = append(names, health.Quote(k.Nickname))
		}
	}
	hint := "the vault's key inventory is empty: otter keys register NAME"
	if len(names) > 0 {
		hint = "registered keys: " + strings.Join(names, ", ")
	}
	return nil, &userError{code: exitNotFound, msg: fmt.Sprintf("no registered key is named %q", name), hint: hint}
}

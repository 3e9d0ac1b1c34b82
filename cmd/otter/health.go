package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/health"
)

// healthJSON is `otter health --json`; its fields and the finding kinds of
// internal/health are stable.
type healthJSON struct {
	Accounts int              `json:"accounts"`
	Slots    int              `json:"slots"`
	Findings []health.Finding `json:"findings"`
}

func (a *app) healthCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check the vault against good account-security practice and say what to fix",
		Long: `Check the vault and say what to fix: accounts without a backup (no unused
recovery codes, no second key), recovery codes running low or used up, secrets
under 128 bits or shared by two accounts, lost keys still trusted by an account
or by the vault, unlock methods all of one kind, a password slot below the
default Argon2id cost. Findings are not errors: the exit status is 0.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.health(asJSON) },
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) health(asJSON bool) error {
	v, err := a.open()
	if err != nil {
		return err
	}
	d, slots := v.Data(), v.Slots()
	out := healthJSON{Accounts: len(d.Live()), Slots: len(slots), Findings: health.Check(d, slots)}
	if out.Findings == nil {
		out.Findings = []health.Finding{}
	}
	if asJSON {
		return writeJSON(a, out)
	}
	if len(out.Findings) == 0 {
		fmt.Fprintf(a.stdout, "No findings for %d %s and %d unlock slots: every account has a backup and the vault has more than one kind of way in.\n",
			out.Accounts, fidoPlural(out.Accounts, "account", "accounts"), out.Slots)
		return nil
	}
	fmt.Fprintf(a.stdout, "%d %s for %d %s:\n", len(out.Findings), fidoPlural(len(out.Findings), "finding", "findings"),
		out.Accounts, fidoPlural(out.Accounts, "account", "accounts"))
	for _, f := range out.Findings {
		subject := f.Account
		if subject == "" && f.Key != "" {
			subject = "key " + health.Quote(f.Key)
		}
		if subject == "" {
			subject = "vault"
		}
		fmt.Fprintf(a.stdout, "\n%-6s  %s: %s\n        what to do: %s\n", strings.ToUpper(string(f.Severity)), esc(subject), esc(f.Message), esc(f.Advice))
	}
	return nil
}

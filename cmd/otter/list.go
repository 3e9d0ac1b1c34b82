package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// accountJSON is the stable JSON shape of an account in listings: never
// the secret.
type accountJSON struct {
	ID        string     `json:"id"`
	Issuer    string     `json:"issuer"`
	Account   string     `json:"account"`
	Type      string     `json:"type"`
	Algorithm string     `json:"algorithm"`
	Digits    int        `json:"digits"`
	Period    int        `json:"period,omitempty"`
	Counter   *uint64    `json:"counter,omitempty"`
	Tags      []string   `json:"tags,omitempty"`
	Pinned    bool       `json:"pinned,omitempty"`
	Recovery  *codeCount `json:"recovery_codes,omitempty"`
	Created   time.Time  `json:"created"`
}

type codeCount struct {
	Unused int `json:"unused"`
	Total  int `json:"total"`
}

func (a *app) listCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List accounts (never prints secrets)",
		Long: `List the accounts: id, issuer, account name, type, recovery codes left and
tags. With --json, the "counter" of a HOTP account is the counter its next
code will use (one more than that of the last code shown).`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v, err := a.open()
			if err != nil {
				return err
			}
			d := v.Data()
			rows := make([]accountJSON, 0, len(d.Live()))
			for _, acc := range d.Live() {
				rows = append(rows, toJSON(d, acc))
			}
			if asJSON {
				return writeJSON(a, rows)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tISSUER\tACCOUNT\tTYPE\tRECOVERY\tTAGS")
			for _, r := range rows {
				rec := "-"
				if r.Recovery != nil {
					rec = fmt.Sprintf("%d of %d left", r.Recovery.Unused, r.Recovery.Total)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", vaultops.ShortID(r.ID), esc(r.Issuer), esc(r.Account), r.Type, rec, esc(strings.Join(r.Tags, ",")))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func toJSON(d *vault.Data, acc *vault.Account) accountJSON {
	r := accountJSON{ID: acc.ID, Issuer: acc.Issuer, Account: acc.Name, Type: acc.Type, Algorithm: acc.Algorithm,
		Digits: acc.Digits, Tags: acc.Tags, Pinned: acc.Pinned, Created: acc.Created}
	if acc.Type == "hotp" {
		c := acc.Counter
		r.Counter = &c
	} else {
		r.Period = acc.Period
	}
	if set := d.RecoveryFor(acc.ID); set != nil && len(set.Codes) > 0 {
		r.Recovery = &codeCount{Unused: set.Unused(), Total: len(set.Codes)}
	}
	return r
}

func writeJSON(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

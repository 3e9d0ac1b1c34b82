package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

const supportReminder = "No support team will ever ask you for these."

func (a *app) recoveryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "recovery", Short: "Keep an account's recovery (backup) codes"}
	var asJSON bool
	list := &cobra.Command{
		Use: "list QUERY", Short: "Show an account's recovery codes and which are used", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.recoveryList(args[0], asJSON) },
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(a.recoveryAddCmd(false), a.recoveryAddCmd(true), a.recoveryRmCmd(), list, &cobra.Command{
		Use: "use QUERY", Short: "Print the next unused code and mark it used", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.recoveryUse(args[0]) },
	})
	return cmd
}

type recoveryCodeJSON struct {
	Code   string `json:"code"`
	Added  string `json:"added"`
	UsedAt string `json:"used_at,omitempty"`
}

func (a *app) recoveryList(query string, asJSON bool) error {
	s, acc, err := a.account(query)
	if err != nil {
		return err
	}
	set := s.Data().RecoveryFor(acc.ID)
	if set == nil || len(set.Codes) == 0 {
		return &userError{code: exitNotFound, msg: "no recovery codes for " + acc.Label(),
			hint: "add the codes the site gave you: otter recovery add " + query + " FILE"}
	}
	// The codes are shown even if the reveal cannot be recorded: being
	// locked out of an account is worse.
	if err := s.LogReveal(acc.ID); err != nil {
		a.warn("the reveal could not be recorded in the audit log: %v", err)
	}
	fmt.Fprintln(a.stderr, supportReminder)
	if asJSON {
		out := make([]recoveryCodeJSON, 0, len(set.Codes))
		for _, c := range set.Codes {
			j := recoveryCodeJSON{Code: c.Code, Added: c.Added.UTC().Format("2006-01-02T15:04:05Z")}
			if !c.UsedAt.IsZero() {
				j.UsedAt = c.UsedAt.UTC().Format("2006-01-02T15:04:05Z")
			}
			out = append(out, j)
		}
		return writeJSON(a, out)
	}
	for _, c := range set.Codes {
		state := "unused"
		if !c.UsedAt.IsZero() {
			state = "used " + c.UsedAt.Local().Format("2006-01-02")
		}
		fmt.Fprintf(a.stdout, "%s\t%s\n", esc(c.Code), state)
	}
	fmt.Fprintf(a.stderr, "%d of %d left\n", set.Unused(), len(set.Codes))
	return nil
}

func (a *app) recoveryUse(query string) error {
	code, label, left, err := a.agentRecovery(query)
	if code == "" && err == nil {
		var s *vaultops.Session
		var acc *vault.Account
		if s, acc, err = a.account(query); err == nil {
			label = acc.Label()
			code, left, err = s.UseRecovery(acc.ID)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, esc(code))
	fmt.Fprintln(a.stderr, supportReminder)
	switch {
	case left == 0:
		a.warn("that was the last recovery code for %s: generate new ones on the site now", label)
	case left <= 2:
		a.warn("only %d recovery %s left for %s: generate new ones on the site soon", left, plural(left, "code", "codes"), label)
	}
	return nil
}

// agentRecovery asks a running agent for the next recovery code; no code
// and no error means unlock directly.
func (a *app) agentRecovery(query string) (code, label string, left int, err error) {
	c, ok := a.useAgent()
	if !ok || a.autoSyncOn() { // the used code must be synced: only this process does (autoSyncOn)
		return "", "", 0, nil
	}
	r, err := c.UseRecovery(a.path(), query)
	if fallback, err := a.fromAgent(err); fallback || err != nil {
		return "", "", 0, err
	}
	return r.Code, r.Label, r.Left, nil
}

// accounts is "1 account" or "N accounts".
func accounts(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "account", "accounts")) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/recoverycodes"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

const recoveryAddLong = `Read the codes from FILE, or from stdin when FILE is - or missing (paste
them, then press ctrl+d). Codes are separated by spaces, commas or new
lines; list bullets ("1.", "-", "•"), headers and sentences the site
printed around them are skipped, and Google's and Dropbox's "1234 5678"
is one code. The count and the first and last codes are shown before
anything is saved, with a confirmation (--yes for scripts).`

// recoveryAddCmd is "recovery add", or "recovery replace" when replace.
func (a *app) recoveryAddCmd(replace bool) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "add QUERY [FILE|-]",
		Short: "Add recovery codes to the ones an account has",
		Long:  recoveryAddLong,
		Args:  cobra.RangeArgs(1, 2),
		RunE:  func(_ *cobra.Command, args []string) error { return a.recoverySave(args, replace, yes) },
	}
	if replace {
		cmd.Use, cmd.Short = "replace QUERY [FILE|-]", "Replace an account's recovery codes by a new batch from the site"
		cmd.Long = recoveryAddLong + "\n\nThe account's old codes are removed: use this when the site generated new\nones and the old ones stopped working."
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "save without asking (for scripts)")
	return cmd
}

func (a *app) recoveryRmCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "rm QUERY",
		Short: "Remove an account's recovery codes (the vault's backups keep them)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(_ *cobra.Command, args []string) error { return a.recoveryRm(args[0], yes) },
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking (for scripts)")
	return cmd
}

// refuseUnasked is the error of a change that needs a confirmation when
// there is no terminal to ask on, as for otter import: exit 2, with a hint.
func (a *app) refuseUnasked(yes bool, what string) error {
	if yes || a.interactive() {
		return nil
	}
	return &userError{code: exitUsage, msg: "refusing to " + what + " without confirmation: there is no terminal to ask on",
		hint: "run it on a terminal to confirm, or again with --yes"}
}

// confirmDestructive lets a destructive change go ahead: at once with
// --yes, after a yes to question on a terminal, and never without a
// terminal to ask on (refuseUnasked). A no is the error "nothing " + done.
func (a *app) confirmDestructive(yes bool, what, question, done string) error {
	if yes {
		return nil
	}
	if err := a.refuseUnasked(false, what); err != nil {
		return err
	}
	return a.ask(question, "nothing "+done)
}

func (a *app) recoverySave(args []string, replace, yes bool) error {
	verb := "save recovery codes"
	if replace {
		verb = "replace recovery codes"
	}
	if err := a.refuseUnasked(yes, verb); err != nil {
		return err
	}
	codes, err := a.readCodes(args)
	if err != nil {
		return err
	}
	s, acc, err := a.account(args[0])
	if err != nil {
		return err
	}
	if !yes {
		a.previewCodes(acc, codes, s.Data().RecoveryFor(acc.ID), replace)
		if err := a.ask(fmt.Sprintf("Save %d %s? [y/N] ", len(codes), plural(len(codes), "code", "codes")), "nothing saved"); err != nil {
			return err
		}
	}
	if replace {
		n, err := s.ReplaceRecovery(acc.ID, codes)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "replaced the recovery codes of %s: %d new %s\n", acc.Label(), n, plural(n, "code", "codes"))
		return nil
	}
	added, err := s.AddRecovery(acc.ID, codes)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "added %d recovery codes to %s", added, acc.Label())
	if dup := len(codes) - added; dup > 0 {
		fmt.Fprintf(a.stdout, " (%d already there)", dup)
	}
	fmt.Fprintln(a.stdout)
	return nil
}

// readCodes reads and parses the codes from args[1], or stdin.
func (a *app) readCodes(args []string) ([]string, error) {
	var r io.Reader = a.stdin
	if len(args) == 2 && args[1] != "-" {
		f, err := os.Open(args[1])
		if err != nil {
			return nil, &userError{code: exitUsage, msg: err.Error(), err: err}
		}
		defer f.Close()
		r = f
	} else if a.interactive() {
		fmt.Fprintln(a.stderr, "Paste the codes the site gave you, then press ctrl+d on a line of its own:")
	}
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	return recoverycodes.Read(string(b))
}

// previewCodes shows what will be saved: the count and the first and last
// codes, enough to check against the site's sheet that nothing was split
// or taken from its headers, and what happens to the codes already there.
func (a *app) previewCodes(acc *vault.Account, codes []string, old *vault.RecoverySet, replace bool) {
	fmt.Fprintf(a.stdout, "%d recovery %s for %s\n", len(codes), plural(len(codes), "code", "codes"), acc.Label())
	fmt.Fprintf(a.stdout, "  first  %s\n", codes[0])
	if len(codes) > 1 {
		fmt.Fprintf(a.stdout, "  last   %s\n", codes[len(codes)-1])
	}
	switch {
	case old == nil || len(old.Codes) == 0:
	case replace:
		fmt.Fprintf(a.stdout, "they replace the %d %s it has (%d unused)\n", len(old.Codes), plural(len(old.Codes), "code", "codes"), old.Unused())
	default:
		fmt.Fprintf(a.stdout, "they are added to the %d %s it has (%d unused); to drop those, use otter recovery replace\n",
			len(old.Codes), plural(len(old.Codes), "code", "codes"), old.Unused())
	}
}

// ask asks question on the terminal and fails with no when the answer is
// not yes.
func (a *app) ask(question, no string) error {
	ok, err := a.confirm(question)
	if err != nil {
		return err
	}
	if !ok {
		return &userError{code: exitError, msg: no}
	}
	return nil
}

func (a *app) recoveryRm(query string, yes bool) error {
	if err := a.refuseUnasked(yes, "remove recovery codes"); err != nil {
		return err
	}
	s, acc, err := a.account(query)
	if err != nil {
		return err
	}
	set := s.Data().RecoveryFor(acc.ID)
	if set == nil || len(set.Codes) == 0 {
		return fmt.Errorf("%s: %w", acc.Label(), vaultops.ErrNoRecoveryCodes)
	}
	if !yes {
		q := fmt.Sprintf("Remove the %d recovery codes of %s (%d unused)? [y/N] ", len(set.Codes), acc.Label(), set.Unused())
		if err := a.ask(q, "nothing removed"); err != nil {
			return err
		}
	}
	if err := s.RemoveRecovery(acc.ID); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "removed the recovery codes of %s\n", acc.Label())
	return nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/importers"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

type importFlags struct {
	passphraseFile string
	identityFile   string
	yes            bool
	dryRun         bool
	skipInvalid    bool
}

func (a *app) importCmd() *cobra.Command {
	var fl importFlags
	cmd := &cobra.Command{
		Use:   "import FORMAT FILE",
		Short: "Import accounts from another authenticator's export, a QR image or an otter backup",
		Long: `Import accounts from FILE (- for stdin). FORMAT is one of:

  otpauth    a text file of otpauth:// URIs, one per line
  google     Google Authenticator export URIs (otpauth-migration://), one per line
  qr         a PNG or JPEG screenshot or photo: every otpauth or export QR code in it
  aegis      an Aegis vault export, plain or password-encrypted
  2fas       a 2FAS backup (.2fas), plain or password-encrypted
  andotp     an andOTP backup, plain or password-encrypted (.json.aes)
  bitwarden  a Bitwarden JSON export (not encrypted)
  ente       an Ente Auth plain-text export
  age        an otter backup written by otter export
  auto       guess from the content

A preview comes first, then a confirmation (--yes for scripts). Accounts
already in the vault (same issuer, account and secret) are skipped. If any
entry cannot be imported, nothing is, unless --skip-invalid is given.`,
		Example: `  otter import aegis aegis-export.json --passphrase-file pw.txt
  otter import qr screenshot.png
  otter import age backup.age --identity-file key.txt --yes`,
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error { return a.runImport(args[0], args[1], &fl) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.passphraseFile, "passphrase-file", "", "read the export's passphrase from this file")
	f.StringVar(&fl.identityFile, "identity-file", "", "age identity file that opens a backup encrypted to its public key")
	f.BoolVarP(&fl.yes, "yes", "y", false, "import without asking (for scripts)")
	f.BoolVar(&fl.dryRun, "dry-run", false, "show what would be imported and stop")
	f.BoolVar(&fl.skipInvalid, "skip-invalid", false, "import the valid entries even if some cannot be imported")
	return cmd
}

func (a *app) runImport(format, file string, fl *importFlags) error {
	format = strings.ToLower(format)
	if !slices.Contains(importers.Formats, format) {
		return &userError{code: exitUsage, msg: fmt.Sprintf("unknown import format %q", format),
			hint: "formats: " + strings.Join(importers.Formats, ", ")}
	}
	if !fl.yes && !fl.dryRun && (file == "-" || !a.interactive()) {
		return &userError{code: exitUsage, msg: "refusing to import without confirmation: there is no terminal to ask on",
			hint: "check the preview with --dry-run, then run again with --yes"}
	}
	res, err := a.readExport(format, file, fl)
	if err != nil {
		return err
	}
	defer res.Wipe()
	for _, w := range res.Warnings {
		a.warn("%s", w)
	}
	if err := a.checkProblems(res, fl.skipInvalid); err != nil {
		return err
	}
	s, err := a.session()
	if err != nil {
		return err
	}
	plan := planImport(s.Data(), res.Entries)
	a.printPreview(res, file, plan)
	fresh := plan.fresh()
	switch {
	case fl.dryRun:
		fmt.Fprintln(a.stdout, "dry run: nothing imported")
		return nil
	case fresh == 0:
		fmt.Fprintln(a.stdout, "nothing to import: every account is already in the vault")
		return nil
	}
	if !fl.yes {
		if ok, err := a.confirm(fmt.Sprintf("Import %s? [y/N] ", accounts(fresh))); err != nil {
			return err
		} else if !ok {
			return &userError{code: exitError, msg: "nothing imported"}
		}
	}
	return a.applyImport(s, res, plan)
}

// readExport reads and parses the file, asking for a passphrase on a
// terminal when the export is encrypted and none was given.
func (a *app) readExport(format, file string, fl *importFlags) (*importers.Result, error) {
	data, err := a.readImportFile(file)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	opts := &importers.Options{}
	if fl.passphraseFile != "" {
		if opts.Passphrase, err = a.readSecretFile(fl.passphraseFile, "passphrase"); err != nil {
			return nil, err
		}
	}
	defer func() { wipe(opts.Passphrase) }()
	if fl.identityFile != "" {
		if opts.Identity, err = a.readSecretFile(fl.identityFile, "identity"); err != nil {
			return nil, err
		}
	}
	defer func() { wipe(opts.Identity) }()
	res, err := importers.ParseWith(format, data, opts)
	if errors.Is(err, importers.ErrPassphraseRequired) && fl.passphraseFile == "" && file != "-" && a.interactive() {
		if opts.Passphrase, err = a.promptSecret("Passphrase of the export: "); err != nil {
			return nil, err
		}
		res, err = importers.ParseWith(format, data, opts)
	}
	if err != nil {
		return nil, err // describe reads the catalogue
	}
	return res, nil
}

func (a *app) readImportFile(file string) ([]byte, error) {
	var r io.Reader = a.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, &userError{code: exitUsage, msg: fmt.Sprintf("cannot read the export: %v", err), err: err}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Size() > importers.MaxSize {
			return nil, &userError{code: exitError, msg: fmt.Sprintf("%s is larger than %d MiB: not an export otter reads", file, importers.MaxSize>>20)}
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, importers.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read the export: %w", err)
	}
	if len(data) > importers.MaxSize {
		clear(data)
		return nil, &userError{code: exitError, msg: fmt.Sprintf("the export is larger than %d MiB: not an export otter reads", importers.MaxSize>>20)}
	}
	return data, nil
}

// checkProblems reports the entries that cannot be imported and refuses
// the import unless --skip-invalid.
func (a *app) checkProblems(res *importers.Result, skip bool) error {
	if len(res.Problems) == 0 {
		return nil
	}
	for _, p := range res.Problems {
		name := p.Name
		if name == "" {
			name = "(unnamed)"
		}
		fmt.Fprintf(a.stderr, "cannot import entry %d, %s: %s\n", p.Index, esc(name), esc(p.Reason))
	}
	switch {
	case !skip:
		return &userError{code: exitError, msg: fmt.Sprintf("%d of %d entries cannot be imported; nothing was imported",
			len(res.Problems), len(res.Problems)+len(res.Entries)),
			hint: fmt.Sprintf("fix them in the exporting app, or pass --skip-invalid to import the other %d", len(res.Entries))}
	case len(res.Entries) == 0:
		return &userError{code: exitError, msg: "no entry can be imported"}
	}
	a.warn("skipping %d entries that cannot be imported", len(res.Problems))
	return nil
}

// importPlan says, for each entry, which account already holds it.
type importPlan struct {
	dups []*vault.Account // nil: new
	self []int            // index of an earlier entry it repeats, or -1
}

func (p *importPlan) fresh() int {
	n := 0
	for i := range p.dups {
		if p.dups[i] == nil && p.self[i] < 0 {
			n++
		}
	}
	return n
}

func planImport(d *vault.Data, entries []importers.Entry) *importPlan {
	accs := make([]vault.Account, len(entries))
	for i := range entries {
		accs[i] = vaultops.AccountOf(entries[i].Key)
	}
	p := &importPlan{}
	p.dups, p.self = vaultops.Duplicates(d, accs)
	for i := range accs {
		wipe(accs[i].Secret)
	}
	return p
}

func (a *app) printPreview(res *importers.Result, file string, p *importPlan) {
	fmt.Fprintf(a.stdout, "%s (%s): %s\n", importers.DisplayFormat(res.Format), file, accounts(len(res.Entries)))
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for i, e := range res.Entries {
		mark, note := "+", extrasSummary(&e)
		switch {
		case p.dups[i] != nil:
			mark, note = "=", "already in the vault: skipped"
		case p.self[i] >= 0:
			mark, note = "=", fmt.Sprintf("repeats entry %d: skipped", p.self[i]+1)
		}
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", mark, esc(e.Name()), e.Key.Type, esc(note))
	}
	tw.Flush()
}

func extrasSummary(e *importers.Entry) string {
	var parts []string
	if len(e.Tags) > 0 {
		parts = append(parts, "tags: "+strings.Join(e.Tags, ","))
	}
	if n := len(e.Recovery); n > 0 {
		parts = append(parts, fmt.Sprintf("%d recovery codes", n))
	}
	if e.Notes != "" {
		parts = append(parts, "notes")
	}
	return strings.Join(parts, ", ")
}

// applyImport adds the new entries in one transaction; duplicates are
// checked again inside it, against what is in the vault by then.
func (a *app) applyImport(s *vaultops.Session, res *importers.Result, p *importPlan) error {
	var accs []vaultops.NewAccount
	var weak []string
	self := 0
	for i := range res.Entries {
		if p.self[i] >= 0 {
			self++
			continue
		}
		e := &res.Entries[i]
		accs = append(accs, vaultops.NewAccount{Account: accountFromEntry(e), Recovery: recoveryOf(e)})
		if e.Key.Weak() {
			weak = append(weak, e.Name())
		}
	}
	defer func() {
		for i := range accs {
			wipe(accs[i].Account.Secret)
		}
	}()
	out, err := s.Import(res.Format, accs)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "imported %s", accounts(len(out.Added)))
	if skipped := self + len(out.Skipped); skipped > 0 {
		fmt.Fprintf(a.stdout, "; skipped %d already in the vault", skipped)
	}
	if n := len(res.Problems); n > 0 {
		fmt.Fprintf(a.stdout, "; left out %d that cannot be imported", n)
	}
	fmt.Fprintln(a.stdout)
	if len(weak) > 0 && len(out.Added) > 0 {
		a.warn("secrets shorter than 128 bits: %s; the sites' setup pages may offer longer ones", strings.Join(weak, ", "))
	}
	return nil
}

func accountFromEntry(e *importers.Entry) vault.Account {
	acc := vaultops.AccountOf(e.Key)
	acc.Tags = slices.Clone(e.Tags)
	acc.Notes, acc.URL, acc.Pinned = e.Notes, e.URL, e.Pinned
	return acc
}

// recoveryOf returns an entry's recovery codes with their dates and used
// state.
func recoveryOf(e *importers.Entry) []vault.RecoveryCode {
	out := make([]vault.RecoveryCode, len(e.Recovery))
	for i, c := range e.Recovery {
		out[i] = vault.RecoveryCode{Code: c.Code, Added: c.Added, UsedAt: c.UsedAt}
	}
	return out
}

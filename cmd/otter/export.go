package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/atomicfile"
	"github.com/otterauth/otter/internal/importers"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

type exportFlags struct {
	format         string
	recipients     []string
	passphraseFile string
	insecure       bool
	force          bool
}

func (a *app) exportCmd() *cobra.Command {
	var fl exportFlags
	cmd := &cobra.Command{
		Use:   "export [--format age] [--recipient KEY | --passphrase-file F] FILE",
		Short: "Back up every account to an age-encrypted file (or, with --insecure, a plain URI list)",
		Long: `Write every account, with its recovery codes, tags and notes, to FILE.

--format age (the default) writes an age file that otter import age and the
standard age tool read: encrypted to the public keys given with --recipient,
or else to a passphrase (from --passphrase-file, or asked twice on a
terminal). --format otpauth --insecure writes the otpauth:// URIs in plain
text, for apps that read nothing else; delete such a file after use.

The file is created with mode 0600 and never overwrites an existing one
unless --force is given.`,
		Example: `  otter export backup.age
  otter export --recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p backup.age
  otter export --format otpauth --insecure uris.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.runExport(args[0], &fl) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.format, "format", "age", "age or otpauth")
	f.StringArrayVar(&fl.recipients, "recipient", nil, "encrypt to this age public key (repeatable)")
	f.StringVar(&fl.passphraseFile, "passphrase-file", "", "encrypt to the passphrase read from this file")
	f.BoolVar(&fl.insecure, "insecure", false, "allow --format otpauth, which writes secrets in plain text")
	f.BoolVar(&fl.force, "force", false, "overwrite FILE if it exists")
	return cmd
}

func (a *app) runExport(file string, fl *exportFlags) error {
	var to []age.Recipient
	var how string
	switch fl.format {
	case "age":
		var err error
		if to, how, err = a.exportRecipients(fl); err != nil {
			return err
		}
	case "otpauth":
		if !fl.insecure {
			return &userError{code: exitUsage, msg: "refusing to write every secret in plain text",
				hint: "prefer the encrypted --format age; if an app reads nothing but URIs, add --insecure and delete the file after use"}
		}
		how = "plain text"
	default:
		return &userError{code: exitUsage, msg: fmt.Sprintf("unknown export format %q", fl.format), hint: "formats: age, otpauth"}
	}
	if err := checkTarget(file, fl.force); err != nil {
		return err
	}
	v, err := a.open()
	if err != nil {
		return err
	}
	entries := entriesOf(v.Data())
	if len(entries) == 0 {
		return &userError{code: exitNotFound, msg: "the vault has no accounts to export"}
	}
	var buf bytes.Buffer
	defer func() { clear(buf.Bytes()) }()
	if fl.format == "age" {
		err = importers.WriteBackup(&buf, entries, a.now(), to...)
	} else {
		for _, e := range entries {
			buf.WriteString(e.Key.URI() + "\n")
		}
	}
	if err != nil {
		return err
	}
	if err := writeNew(file, buf.Bytes(), fl.force); err != nil {
		return err
	}
	s, err := a.session()
	if err == nil {
		err = s.Log("export", fmt.Sprintf("%s, %s", fl.format, accounts(len(entries))))
	}
	fmt.Fprintf(a.stdout, "exported %s to %s (%s, %s)\n", accounts(len(entries)), file, fl.format, how)
	fmt.Fprintln(a.stderr, supportReminder)
	if fl.format == "otpauth" {
		a.warn("%s holds every secret in plain text: delete it as soon as it has served", file)
	}
	return err
}

// exportRecipients reads the recipients or passphrase before the vault is
// opened, so that a mistake costs no unlock.
func (a *app) exportRecipients(fl *exportFlags) ([]age.Recipient, string, error) {
	if len(fl.recipients) > 0 && fl.passphraseFile != "" {
		return nil, "", usageErr("give --recipient or --passphrase-file, not both")
	}
	if len(fl.recipients) > 0 {
		for _, r := range fl.recipients {
			if err := identityAsRecipient(r); err != nil {
				return nil, "", err
			}
		}
		to, err := importers.Recipients(fl.recipients)
		if err != nil {
			return nil, "", &userError{code: exitUsage, msg: "bad --recipient: " + err.Error(), err: err,
				hint: "a recipient is an age public key such as age1ql3z…; age-keygen -y KEYFILE prints yours"}
		}
		return to, fmt.Sprintf("%d recipients", len(to)), nil
	}
	var pass []byte
	var err error
	switch {
	case fl.passphraseFile != "":
		pass, err = a.readSecretFile(fl.passphraseFile, "passphrase")
	case a.interactive():
		pass, err = a.promptBackupPassphrase()
	default:
		return nil, "", &userError{code: exitUsage, msg: "an age backup needs a passphrase or a recipient",
			hint: "give --passphrase-file FILE or --recipient AGE_PUBLIC_KEY"}
	}
	if err != nil {
		return nil, "", err
	}
	defer wipe(pass)
	if len(pass) == 0 {
		return nil, "", usageErr("the passphrase is empty")
	}
	logN := 18 // age's default, about a second
	if a.vaultOpts.AllowWeakKDF {
		logN = 10 // test builds only (--test-weak-kdf)
	}
	r, err := importers.PassphraseRecipient(pass, logN)
	if err != nil {
		return nil, "", err
	}
	return []age.Recipient{r}, "passphrase", nil
}

func (a *app) promptBackupPassphrase() ([]byte, error) {
	return a.promptTwice("Passphrase for the backup: ", "Repeat the passphrase: ", "passphrases")
}

// entriesOf turns the live accounts into export entries. The keys share
// the vault's secret buffers: they are not wiped here.
func entriesOf(d *vault.Data) []importers.Entry {
	var out []importers.Entry
	for _, acc := range d.Live() {
		e := importers.Entry{Key: vaultops.KeyOf(acc), Tags: acc.Tags, Notes: acc.Notes, URL: acc.URL, Pinned: acc.Pinned}
		if set := d.RecoveryFor(acc.ID); set != nil {
			for _, c := range set.Codes {
				e.Recovery = append(e.Recovery, importers.RecoveryCode{Code: c.Code, Added: c.Added, UsedAt: c.UsedAt})
			}
		}
		out = append(out, e)
	}
	return out
}

func checkTarget(file string, force bool) error {
	if file == "" || file == "-" {
		return usageErr("give the file to write the export to")
	}
	if _, err := os.Lstat(file); err == nil && !force {
		return &userError{code: exitUsage, msg: file + " already exists", hint: "choose another name, or pass --force to replace it"}
	}
	return nil
}

// writeNew writes data to path atomically with mode 0600; without
// overwrite an existing path is never replaced.
func writeNew(path string, data []byte, overwrite bool) error {
	write := atomicfile.Create
	if overwrite {
		write = atomicfile.Write
	}
	err := write(atomicfile.OS, path, data)
	if errors.Is(err, fs.ErrExist) && !overwrite {
		return &userError{code: exitUsage, msg: path + " already exists", hint: "pass --force to replace it"}
	}
	if err != nil {
		return fmt.Errorf("failed to write the export: %w", err)
	}
	return nil
}

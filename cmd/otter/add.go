package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

const maxAddInput = 16 << 20

func (a *app) addCmd() *cobra.Command {
	var form otp.Key
	var secret, typ, alg string
	cmd := &cobra.Command{
		Use:   "add URI... | add - | add --issuer I --account A --secret S",
		Short: "Add accounts from otpauth:// or otpauth-migration:// URIs, stdin, or flags",
		Example: `  otter add 'otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub'
  otter add - < uris.txt
  otter add --issuer GitHub --account alice --secret JBSWY3DPEHPK3PXP`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var keys []*otp.Key
			var err error
			if cmd.Flags().Changed("secret") || cmd.Flags().Changed("issuer") || cmd.Flags().Changed("account") {
				if len(args) > 0 {
					return usageErr("give URIs or --secret, not both")
				}
				k, err := keyFromFlags(form, secret, typ, alg, cmd)
				if err != nil {
					return err
				}
				keys = []*otp.Key{k}
			} else {
				keys, err = a.keysFromArgs(args)
				if err != nil {
					return err
				}
			}
			return a.addKeys(keys)
		},
	}
	f := cmd.Flags()
	f.StringVar(&form.Issuer, "issuer", "", "issuer (service name)")
	f.StringVar(&form.Account, "account", "", "account name (user, e-mail)")
	f.StringVar(&secret, "secret", "", "base32 secret (prefer a URI on stdin: flags are visible to other users)")
	f.StringVar(&typ, "type", "totp", "totp, hotp or steam")
	f.StringVar(&alg, "algorithm", "SHA1", "SHA1, SHA256 or SHA512")
	f.IntVar(&form.Digits, "digits", 6, "code length (6-10)")
	f.IntVar(&form.Period, "period", 30, "TOTP period in seconds")
	f.Uint64Var(&form.Counter, "counter", 0, "HOTP counter")
	return cmd
}

func keyFromFlags(k otp.Key, secret, typ, alg string, cmd *cobra.Command) (*otp.Key, error) {
	if secret == "" {
		return nil, usageErr("--secret is required with --issuer/--account")
	}
	s, err := otp.DecodeSecret(secret)
	if err != nil {
		return nil, &otp.ParseError{Field: "secret", Msg: err.Error()}
	}
	k.Secret = s
	k.Type = otp.Type(strings.ToLower(typ))
	k.Algorithm = otp.Algorithm(strings.ToUpper(alg))
	if k.Type == otp.TypeSteam && !cmd.Flags().Changed("digits") {
		k.Digits = 5
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return &k, nil
}

// keysFromArgs parses every URI (arguments, or stdin for "-") before
// anything is added, so one bad line adds nothing.
func (a *app) keysFromArgs(args []string) ([]*otp.Key, error) {
	if len(args) == 0 {
		return nil, usageErr("give one or more otpauth:// URIs, or - to read them from stdin")
	}
	var lines []string
	for _, arg := range args {
		if arg != "-" {
			lines = append(lines, arg)
			continue
		}
		in, err := readLines(a.stdin)
		if err != nil {
			return nil, err
		}
		lines = append(lines, in...)
	}
	var keys []*otp.Key
	for i, l := range lines {
		ks, err := parseAnyURI(l)
		if err != nil {
			return nil, fmt.Errorf("URI %d: %w", i+1, err)
		}
		keys = append(keys, ks...)
	}
	if len(keys) == 0 {
		return nil, usageErr("no URIs given")
	}
	return keys, nil
}

func readLines(r io.Reader) ([]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAddInput+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read stdin: %w", err)
	}
	if len(b) > maxAddInput {
		return nil, usageErr("stdin is larger than %d MiB", maxAddInput>>20)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), maxAddInput)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

func parseAnyURI(s string) ([]*otp.Key, error) {
	if len(s) >= 18 && strings.EqualFold(s[:18], "otpauth-migration:") {
		ks, _, err := otp.ParseMigration(s)
		return ks, err
	}
	k, err := otp.ParseURI(s)
	if err != nil {
		return nil, err
	}
	return []*otp.Key{k}, nil
}

func (a *app) addKeys(keys []*otp.Key) error {
	v, err := a.open()
	if err != nil {
		return err
	}
	var added []vault.Account
	var skipped []string
	err = v.Update(func(d *vault.Data) error {
		added, skipped = nil, nil
		now := a.now()
		ix := newDupIndex(d)
		for _, k := range keys {
			acc := accountFromKey(k)
			if dup := ix.find(acc); dup != nil {
				skipped = append(skipped, label(dup))
				continue
			}
			stored := *d.AddAccount(acc, now)
			ix.add(stored)
			added = append(added, stored)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, acc := range added {
		fmt.Fprintf(a.stdout, "added %s (id %s)\n", label(&acc), shortID(acc.ID))
		if len(acc.Secret) < 16 {
			a.warn("%s: the secret is only %d bits; the site's own setup page may offer a longer one", label(&acc), len(acc.Secret)*8)
		}
	}
	for _, s := range skipped {
		fmt.Fprintf(a.stderr, "skipped %s: already in the vault with the same secret\n", s)
	}
	return nil
}

func accountFromKey(k *otp.Key) vault.Account {
	return vault.Account{
		Issuer: k.Issuer, Name: k.Account, Secret: append([]byte(nil), k.Secret...),
		Type: string(k.Type), Algorithm: string(k.Algorithm),
		Digits: k.Digits, Period: k.Period, Counter: k.Counter,
	}
}

// keyFromAccount returns acc's otp.Key, sharing its secret; parameters the
// vault stores as zero take their defaults.
func keyFromAccount(acc *vault.Account) *otp.Key {
	k := &otp.Key{
		Type: otp.Type(acc.Type), Issuer: acc.Issuer, Account: acc.Name, Secret: acc.Secret,
		Algorithm: otp.Algorithm(acc.Algorithm), Digits: acc.Digits, Period: acc.Period, Counter: acc.Counter,
	}
	k.FillDefaults()
	return k
}

// dupIndex finds accounts with the same issuer, name and secret in one map
// lookup, so adding or importing n accounts costs O(n), not O(n²). Secrets
// are keyed by their SHA-256, never copied into the map.
type dupIndex map[[sha256.Size]byte]*vault.Account

func dupKey(issuer, name string, secret []byte) [sha256.Size]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d:%s%d:%s", len(issuer), issuer, len(name), name)
	h.Write(secret)
	return [sha256.Size]byte(h.Sum(nil))
}

func newDupIndex(d *vault.Data) dupIndex {
	ix := dupIndex{}
	for _, x := range d.Live() {
		ix[dupKey(x.Issuer, x.Name, x.Secret)] = x
	}
	return ix
}

// find returns the account acc duplicates, or nil.
func (ix dupIndex) find(acc vault.Account) *vault.Account {
	return ix[dupKey(acc.Issuer, acc.Name, acc.Secret)]
}

// add records acc (a copy: later appends to the data may move it).
func (ix dupIndex) add(acc vault.Account) { ix[dupKey(acc.Issuer, acc.Name, acc.Secret)] = &acc }

func label(acc *vault.Account) string {
	switch {
	case acc.Issuer == "":
		return acc.Name
	case acc.Name == "":
		return acc.Issuer
	}
	return acc.Issuer + ":" + acc.Name
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

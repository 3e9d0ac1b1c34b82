package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/vaultops"
)

const maxAddInput = 16 << 20

func (a *app) addCmd() *cobra.Command {
	var form otp.Key
	var secret, typ, alg string
	cmd := &cobra.Command{
		Use:   "add - | add URI... | add --issuer I --account A --secret -",
		Short: "Add accounts from otpauth:// or otpauth-migration:// URIs (pasted or on stdin), or flags",
		Long: `Add accounts from otpauth:// or otpauth-migration:// URIs, one per line.
With -, paste them (then ctrl+d) or give a file on stdin. A URI or --secret
given as an argument is seen by other users (ps) and kept in your shell's
history: otter adds it, but warns.`,
		Example: `  otter add -                  # paste the URI, then ctrl+d
  otter add - < uris.txt
  otter add --issuer GitHub --account alice --secret -   # asks for the secret`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var keys []*otp.Key
			var err error
			a.warnSecretArgs(args, secret)
			if cmd.Flags().Changed("secret") || cmd.Flags().Changed("issuer") || cmd.Flags().Changed("account") {
				if len(args) > 0 {
					return usageErr("give URIs or --secret, not both")
				}
				if secret == "-" {
					if secret, err = a.readSecretArg(); err != nil {
						return err
					}
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
	f.StringVar(&secret, "secret", "", "base32 secret; - reads it from stdin (a value here is visible to other users)")
	f.StringVar(&typ, "type", "totp", "totp, hotp or steam")
	f.StringVar(&alg, "algorithm", "SHA1", "SHA1, SHA256 or SHA512")
	f.IntVar(&form.Digits, "digits", 6, "code length (6-10)")
	f.IntVar(&form.Period, "period", 30, "TOTP period in seconds")
	f.Uint64Var(&form.Counter, "counter", 0, "HOTP counter")
	return cmd
}

// warnSecretArgs warns, once, when a secret arrived on the command line:
// a URI carrying one (secret= or an otpauth-migration payload) or a
// --secret value other than -.
func (a *app) warnSecretArgs(args []string, secret string) {
	if secret != "" && secret != "-" {
		a.warn("a secret on the command line is seen by other users (ps) and kept in shell history; next time paste it: otter add --issuer I --account A --secret -")
		return
	}
	for _, arg := range args {
		l := strings.ToLower(arg)
		if strings.Contains(l, "secret=") || strings.HasPrefix(l, "otpauth-migration:") {
			a.warn("a URI on the command line is seen by other users (ps) and kept in shell history; next time paste it: otter add - (or otter add - < FILE)")
			return
		}
	}
}

// readSecretArg reads the secret of --secret -: asked without echo on a
// terminal, else the first non-empty line of stdin.
func (a *app) readSecretArg() (string, error) {
	if a.interactive() {
		b, err := a.promptSecret("Secret (base32): ")
		defer wipe(b)
		return strings.TrimSpace(string(b)), err
	}
	lines, err := readLines(a.stdin)
	if err != nil {
		return "", err
	}
	if len(lines) == 0 {
		return "", usageErr("no secret on stdin")
	}
	return lines[0], nil
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
	s, err := a.session()
	if err != nil {
		return err
	}
	accs := make([]vaultops.NewAccount, len(keys))
	bits := make(map[string]int, len(keys))
	for i, k := range keys {
		accs[i].Account = vaultops.AccountOf(k)
		if k.Weak() {
			bits[accs[i].Account.Label()] = len(k.Secret) * 8
		}
	}
	res, err := s.Add(accs)
	if err != nil && !errors.Is(err, vaultops.ErrDuplicate) {
		return err
	}
	for _, acc := range res.Added {
		fmt.Fprintf(a.stdout, "added %s (id %s)\n", esc(acc.Label()), vaultops.ShortID(acc.ID))
		if n, weak := bits[acc.Label()]; weak {
			a.warn("%s: the secret is only %d bits; the site's own setup page may offer a longer one", acc.Label(), n)
		}
	}
	for _, acc := range res.Skipped {
		fmt.Fprintf(a.stderr, "skipped %s: already in the vault with the same secret\n", esc(acc.Label()))
	}
	return nil
}

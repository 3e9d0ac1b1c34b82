package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

type codeJSON struct {
	ID         string     `json:"id"`
	Issuer     string     `json:"issuer"`
	Account    string     `json:"account"`
	Type       string     `json:"type"`
	Code       string     `json:"code"`
	Counter    *uint64    `json:"counter,omitempty"`
	Period     int        `json:"period,omitempty"`
	Remaining  int        `json:"remaining_seconds,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
}

func (a *app) codeCmd() *cobra.Command {
	var at string
	var asJSON, copyIt bool
	cmd := &cobra.Command{
		Use:   "code QUERY",
		Short: "Print the current code of one account",
		Long: `Print the current code of the account QUERY names (an id, or a
case-insensitive match on issuer:account). For HOTP accounts the code for the
stored counter is printed and counter+1 is saved first, so no code is ever
shown twice.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			t := a.now()
			if at != "" {
				var err error
				if t, err = parseTime(at); err != nil {
					return err
				}
			}
			v, err := a.open()
			if err != nil {
				return err
			}
			out, err := a.currentCode(v, args[0], t)
			if err != nil {
				return err
			}
			if copyIt {
				if err := a.copyToClipboard(out.Code); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(a, out)
			}
			fmt.Fprintln(a.stdout, out.Code)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "the code at TIME (RFC 3339 or unix seconds) instead of now")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&copyIt, "copy", false, "also copy the code to the clipboard (cleared after 20 s)")
	return cmd
}

// currentCode computes the code; a HOTP counter is persisted before the
// code leaves this function.
func (a *app) currentCode(v *vault.Vault, query string, t time.Time) (*codeJSON, error) {
	acc, err := resolve(v.Data(), query)
	if err != nil {
		return nil, err
	}
	if acc.Type == string(otp.TypeHOTP) {
		return a.nextHOTP(v, acc.ID)
	}
	k := keyFromAccount(acc)
	code, err := computeCode(acc, k, t)
	if err != nil {
		return nil, err
	}
	until := t.Add(otp.Remaining(t, k.Period)).Truncate(time.Second)
	return &codeJSON{ID: acc.ID, Issuer: acc.Issuer, Account: acc.Name, Type: acc.Type, Code: code,
		Period: k.Period, Remaining: int(until.Sub(t.Truncate(time.Second)) / time.Second), ValidUntil: &until}, nil
}

// computeCode returns k's code at t, or an error naming acc if none can be
// computed (a bad parameter, an empty secret): never an empty code.
func computeCode(acc *vault.Account, k *otp.Key, t time.Time) (string, error) {
	if code := k.Code(t); code != "" {
		return code, nil
	}
	why := "its secret is empty or too long"
	var pe *otp.ParseError
	if errors.As(k.ValidateParams(), &pe) {
		why = pe.Field + ": " + pe.Msg
	}
	return "", &userError{code: exitError, msg: fmt.Sprintf("cannot compute a code for %s: %s", label(acc), why),
		hint: "the stored account is damaged; remove it (otter rm) and add it again from the site's setup page"}
}

func (a *app) nextHOTP(v *vault.Vault, id string) (*codeJSON, error) {
	var out *codeJSON
	err := v.Update(func(d *vault.Data) error {
		acc := d.Account(id)
		if acc == nil || acc.Deleted {
			return &userError{code: exitNotFound, msg: "the account was removed meanwhile"}
		}
		code, err := computeCode(acc, keyFromAccount(acc), a.now())
		if err != nil {
			return err // nothing is saved: the counter stays
		}
		c := acc.Counter
		out = &codeJSON{ID: acc.ID, Issuer: acc.Issuer, Account: acc.Name, Type: acc.Type, Code: code, Counter: &c}
		acc.Counter++
		acc.Updated = a.now()
		acc.Stamp = d.Tick(a.now())
		return nil
	})
	return out, err
}

func parseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageErr("--at %q: want RFC 3339 (2026-01-02T15:04:05Z) or unix seconds", s)
	}
	return t, nil
}

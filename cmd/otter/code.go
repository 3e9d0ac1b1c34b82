package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/agent"
	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/vaultops"
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
shown twice. With --json, "counter" is the counter of the code printed (the
next code uses counter+1), as the TUI shows it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			t := a.now()
			if at != "" {
				var err error
				if t, err = parseTime(at); err != nil {
					return err
				}
			}
			out, err := a.agentCode(args[0], at == "")
			if out == nil && err == nil {
				var s *vaultops.Session
				if s, err = a.session(); err == nil {
					out, err = currentCode(s, args[0], t)
				}
			}
			if err != nil {
				return err
			}
			if copyIt {
				a.copyToClipboard(out.Code)
			}
			if asJSON {
				return writeJSON(a, out)
			}
			_, err = fmt.Fprintln(a.stdout, out.Code) // a code lost (a full disk) is an error: an HOTP one is used up
			return err
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "the code at TIME (RFC 3339 or unix seconds) instead of now")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&copyIt, "copy", false, "also copy the code to the clipboard (cleared after 20 s if it still holds the code)")
	return cmd
}

// agentCode asks a running agent for the code (never for --at: the agent
// computes only the current code); nil and no error means unlock directly.
func (a *app) agentCode(query string, now bool) (*codeJSON, error) {
	c, ok := a.useAgent()
	if !ok || !now {
		return nil, nil
	}
	var r *agent.Code
	var err error
	if a.autoSyncOn() {
		// An HOTP code moves the counter, and auto sync must carry that to
		// the other devices, which only this process does: the agent
		// answers time-based codes only, an HOTP account unlocks here.
		if r, err = c.TimedCode(a.path(), query); errors.Is(err, agent.ErrCounter) {
			return nil, nil
		}
	} else {
		r, err = c.Code(a.path(), query)
	}
	if fallback, err := a.fromAgent(err); fallback || err != nil {
		return nil, err
	}
	if r.ClipboardClear > 0 && a.clipClear == 0 {
		a.clipClear = time.Duration(r.ClipboardClear) * time.Second
	}
	out := &codeJSON{ID: r.ID, Issuer: r.Issuer, Account: r.Account, Type: r.Type, Code: r.Code, Counter: r.Counter}
	if r.Until != nil {
		out.Period, out.ValidUntil = r.Period, r.Until
		out.Remaining = int(r.Until.Sub(a.now().Truncate(time.Second)) / time.Second)
	}
	return out, nil
}

// currentCode computes the code; a HOTP counter is persisted before the
// code leaves this function.
func currentCode(s *vaultops.Session, query string, t time.Time) (*codeJSON, error) {
	acc, err := resolve(s.Data(), query)
	if err != nil {
		return nil, err
	}
	if acc.Type == string(otp.TypeHOTP) {
		c, err := s.NextHOTP(acc.ID)
		if err != nil {
			return nil, err
		}
		return &codeJSON{ID: acc.ID, Issuer: acc.Issuer, Account: acc.Name, Type: acc.Type, Code: c.Code, Counter: &c.Counter}, nil
	}
	c, err := vaultops.TOTP(acc, t)
	if err != nil {
		return nil, err
	}
	until := c.Until
	return &codeJSON{ID: acc.ID, Issuer: acc.Issuer, Account: acc.Name, Type: acc.Type, Code: c.Code,
		Period: c.Period, Remaining: int(until.Sub(t.Truncate(time.Second)) / time.Second), ValidUntil: &until}, nil
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

package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/fido"
)

// credJSON is a resident credential in `keys creds --json`.
type credJSON struct {
	ID          string `json:"id"` // base64url, no padding
	RP          string `json:"rp"`
	UserName    string `json:"user_name,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	CredProtect int    `json:"cred_protect,omitempty"`
}

type credsJSON struct {
	Existing    int        `json:"existing"`
	Remaining   int        `json:"remaining"`
	Credentials []credJSON `json:"credentials"`
}

func (a *app) keysCredsCmd() *cobra.Command {
	var asJSON bool
	var device string
	cmd := &cobra.Command{Use: "creds", Short: "List the resident (discoverable) credentials on a key (needs its PIN)", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.keysCreds(device, asJSON) }}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.PersistentFlags().StringVar(&device, "device", "", "the key's path (see otter keys list)")
	var yes bool
	rm := &cobra.Command{Use: "rm ID", Short: "Delete a resident credential (ID or a unique prefix, as listed)", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.keysCredsRemove(device, args[0], yes) }}
	rm.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking (for scripts)")
	cmd.AddCommand(rm)
	return cmd
}

// credSession is an open key with its PIN, for credential management.
type credSession struct {
	ctx  context.Context
	dev  fido.Device
	pin  []byte
	stop func()
}

func (a *app) credSession(device string) (*credSession, error) {
	ctx, stop := fidoContext()
	dev, err := a.pickKey(ctx, device)
	if err != nil {
		stop()
		return nil, err
	}
	s := &credSession{ctx: ctx, dev: dev, stop: stop}
	info, err := dev.Info(ctx)
	if err == nil {
		s.pin, err = a.managePIN(dev, info)
	}
	if err != nil {
		s.close()
		return nil, fidoErr(err, false)
	}
	return s, nil
}

func (s *credSession) close() {
	wipe(s.pin)
	s.dev.Close()
	s.stop()
}

// all lists every resident credential on the key, with the counts.
func (s *credSession) all() (credsJSON, []fido.Credential, error) {
	out := credsJSON{Credentials: []credJSON{}}
	md, err := s.dev.CredentialsMetadata(s.ctx, s.pin)
	if err != nil {
		return out, nil, fidoErr(err, false)
	}
	out.Existing, out.Remaining = md.Existing, md.Remaining
	var creds []fido.Credential
	if md.Existing == 0 {
		return out, nil, nil
	}
	rps, err := s.dev.RPs(s.ctx, s.pin)
	if err != nil {
		return out, nil, fidoErr(err, false)
	}
	for _, rp := range rps {
		cs, err := s.dev.Credentials(s.ctx, rp.ID, s.pin)
		if err != nil {
			return out, nil, fidoErr(err, false)
		}
		for _, c := range cs {
			creds = append(creds, c)
			out.Credentials = append(out.Credentials, credJSON{ID: credID(c.ID), RP: rp.ID,
				UserName: c.UserName, DisplayName: c.DisplayName, CredProtect: c.CredProtect})
		}
	}
	return out, creds, nil
}

func credID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

func (a *app) keysCreds(device string, asJSON bool) error {
	s, err := a.credSession(device)
	if err != nil {
		return err
	}
	defer s.close()
	out, _, err := s.all()
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRP\tUSER\tDISPLAY NAME\tPROTECT")
	for _, c := range out.Credentials {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shortCredID(c.ID), c.RP, c.UserName, c.DisplayName, protectName(c.CredProtect))
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "%d resident %s, room for %d more\n", out.Existing, fidoPlural(out.Existing, "credential", "credentials"), out.Remaining)
	return nil
}

func shortCredID(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}

func protectName(level int) string {
	switch level {
	case fido.CredProtectUVOptional:
		return "uv optional"
	case fido.CredProtectUVOptionalWithID:
		return "uv optional with id"
	case fido.CredProtectUVRequired:
		return "uv required"
	}
	return "-"
}

func (a *app) keysCredsRemove(device, prefix string, yes bool) error {
	if err := a.refuseUnasked(yes, "delete a credential from the key"); err != nil {
		return err
	}
	s, err := a.credSession(device)
	if err != nil {
		return err
	}
	defer s.close()
	out, creds, err := s.all()
	if err != nil {
		return err
	}
	var match []int
	for i, c := range out.Credentials {
		if prefix != "" && strings.HasPrefix(c.ID, prefix) {
			match = append(match, i)
		}
	}
	switch len(match) {
	case 0:
		return &userError{code: exitNotFound, msg: fmt.Sprintf("no resident credential %q on this key", prefix),
			hint: "list them with: otter keys creds"}
	case 1:
	default:
		return &userError{code: exitNotFound, msg: fmt.Sprintf("%d credentials start with %q", len(match), prefix),
			hint: "give more of the ID (otter keys creds --json shows it whole)"}
	}
	c := out.Credentials[match[0]]
	q := fmt.Sprintf("Delete credential %s (%s, %s) from the key? It cannot be undone. [y/N] ", shortCredID(c.ID), esc(c.RP), esc(c.UserName))
	if err := a.confirmDestructive(yes, "delete a credential from the key", q, "deleted"); err != nil {
		return err
	}
	if err := s.dev.DeleteCredential(s.ctx, creds[match[0]].ID, s.pin); err != nil {
		return fidoErr(err, false)
	}
	fmt.Fprintf(a.stdout, "deleted credential %s (%s, %s)\n", shortCredID(c.ID), c.RP, c.UserName)
	return nil
}

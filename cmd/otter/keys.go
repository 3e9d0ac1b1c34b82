package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/fido"
	"github.com/otterauth/otter/vault"
)

func (a *app) keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage FIDO2 security keys: list, info, PIN, resident credentials, register, reset, lost"}
	cmd.AddCommand(a.keysListCmd(), a.keysInfoCmd(), a.keysPINCmd(), a.keysCredsCmd(), a.keysRegisterCmd(), a.keysResetCmd(),
		a.keysLostCmd(), a.keysAccountsCmd())
	return cmd
}

// connectedJSON is a key plugged in.
type connectedJSON struct {
	Path         string `json:"path"`
	Product      string `json:"product"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Virtual      bool   `json:"virtual,omitempty"`
}

// registeredJSON is a key of the vault's inventory.
type registeredJSON struct {
	ID       string    `json:"id"`
	Nickname string    `json:"nickname"`
	Product  string    `json:"product,omitempty"`
	AAGUID   string    `json:"aaguid,omitempty"`
	Added    time.Time `json:"added"`
	Lost     bool      `json:"lost,omitempty"`
	SlotID   string    `json:"slot_id,omitempty"`
	Accounts []string  `json:"accounts,omitempty"`
}

type keysListJSON struct {
	Connected  []connectedJSON  `json:"connected"`
	Registered []registeredJSON `json:"registered"`
}

func (a *app) keysListCmd() *cobra.Command {
	var asJSON, connected bool
	cmd := &cobra.Command{Use: "list", Short: "List the keys plugged in and the keys registered in the vault", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.keysList(asJSON, connected) }}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&connected, "connected", false, "only the keys plugged in (does not open the vault)")
	return cmd
}

func (a *app) keysList(asJSON, connectedOnly bool) error {
	devs, err := a.listKeys()
	if err != nil {
		return err
	}
	out := keysListJSON{Connected: []connectedJSON{}, Registered: []registeredJSON{}}
	for _, d := range devs {
		out.Connected = append(out.Connected, connectedJSON{d.Path, d.Product, d.Manufacturer, d.Virtual})
	}
	if !connectedOnly {
		if out.Registered, err = a.registeredKeys(); err != nil {
			var ue *userError
			if !errors.As(err, &ue) || ue.code != exitUnlock {
				return err
			}
			a.hint("the vault did not unlock (%s), so only the keys plugged in are listed", ue.msg)
			out.Registered = []registeredJSON{}
		}
	}
	if asJSON {
		return writeJSON(a, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGGED IN\tPRODUCT\t")
	for _, c := range out.Connected {
		fmt.Fprintf(tw, "%s\t%s%s\t\n", esc(c.Path), esc(c.Product), virtualMark(c.Virtual))
	}
	if len(out.Connected) == 0 {
		fmt.Fprintln(tw, "(none)\t\t")
	}
	if !connectedOnly {
		fmt.Fprintln(tw, "\t\t")
		fmt.Fprintln(tw, "REGISTERED\tPRODUCT\tADDED\tUNLOCKS VAULT\tSTATUS")
		for _, r := range out.Registered {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", esc(r.Nickname), esc(r.Product), r.Added.Format("2006-01-02"), yesNo(r.SlotID != ""), lostMark(r.Lost))
		}
		if len(out.Registered) == 0 {
			fmt.Fprintln(tw, "(none: otter keys register NAME)\t\t\t\t")
		}
	}
	return tw.Flush()
}

// registeredKeys is the vault's key inventory; none without a vault.
func (a *app) registeredKeys() ([]registeredJSON, error) {
	v, err := a.open()
	if errors.Is(err, vault.ErrNotExist) {
		return []registeredJSON{}, nil
	}
	if err != nil {
		return nil, err
	}
	rows := []registeredJSON{}
	for _, k := range v.Data().Keys {
		if !k.Deleted {
			rows = append(rows, registeredJSON{k.ID, k.Nickname, k.Product, k.AAGUID, k.Added, k.Lost, k.SlotID, k.Accounts})
		}
	}
	return rows, nil
}

func virtualMark(v bool) string {
	if v {
		return " (virtual)"
	}
	return ""
}

func lostMark(lost bool) string {
	if lost {
		return "lost"
	}
	return "ok"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// infoJSON is `keys info --json`.
type infoJSON struct {
	Path              string          `json:"path"`
	Product           string          `json:"product"`
	Virtual           bool            `json:"virtual,omitempty"`
	AAGUID            string          `json:"aaguid"`
	Versions          []string        `json:"versions"`
	Extensions        []string        `json:"extensions"`
	Options           map[string]bool `json:"options"`
	PINSet            bool            `json:"pin_set"`
	PINRetries        int             `json:"pin_retries"`
	RemainingResident int             `json:"remaining_resident"`
	MaxMsgSize        int             `json:"max_msg_size"`
	Protocols         []int           `json:"pin_protocols"`
}

func (a *app) keysInfoCmd() *cobra.Command {
	var asJSON bool
	var device string
	cmd := &cobra.Command{Use: "info", Short: "Show what a key supports and its PIN state", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.keysInfo(device, asJSON) }}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&device, "device", "", "the key's path (see otter keys list); needed only to skip touch-to-select")
	return cmd
}

func (a *app) keysInfo(device string, asJSON bool) error {
	ctx, stop := fidoContext()
	defer stop()
	dev, info, err := a.pickKeyInfo(ctx, device)
	if err != nil {
		return err
	}
	defer dev.Close()
	di := dev.DeviceInfo()
	j := infoJSON{Path: di.Path, Product: di.Product, Virtual: di.Virtual, AAGUID: info.AAGUIDString(),
		Versions: info.Versions, Extensions: info.Extensions, Options: info.Options, PINSet: info.HasPIN(),
		PINRetries: info.PINRetries, RemainingResident: info.RemainingResident, MaxMsgSize: info.MaxMsgSize, Protocols: info.Protocols}
	if asJSON {
		return writeJSON(a, j)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, esc(v)) }
	row("path:", j.Path)
	row("product:", j.Product+virtualMark(j.Virtual))
	row("aaguid:", j.AAGUID)
	row("versions:", strings.Join(j.Versions, ", "))
	row("extensions:", strings.Join(j.Extensions, ", "))
	row("options:", formatOptions(j.Options))
	row("pin:", pinState(info))
	if j.RemainingResident >= 0 {
		row("resident slots free:", fmt.Sprint(j.RemainingResident))
	}
	row("pin protocols:", strings.Trim(fmt.Sprint(j.Protocols), "[]"))
	row("max message:", fmt.Sprintf("%d bytes", j.MaxMsgSize))
	return tw.Flush()
}

func formatOptions(opts map[string]bool) string {
	names := make([]string, 0, len(opts))
	for k, v := range opts {
		names = append(names, fmt.Sprintf("%s=%t", k, v))
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

func pinState(info fido.Info) string {
	switch {
	case !info.SupportsPIN():
		return "not supported"
	case !info.HasPIN():
		return "not set"
	}
	return fmt.Sprintf("set, %d %s left", info.PINRetries, fidoPlural(info.PINRetries, "attempt", "attempts"))
}

func (a *app) keysResetCmd() *cobra.Command {
	var yes bool
	var device string
	cmd := &cobra.Command{Use: "reset", Short: "Erase a key: its PIN and every credential on it", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.keysReset(device, yes) }}
	cmd.Flags().BoolVar(&yes, "yes", false, "really erase the key")
	cmd.Flags().StringVar(&device, "device", "", "the key's path (see otter keys list)")
	return cmd
}

func (a *app) keysReset(device string, yes bool) error {
	if !yes {
		return &userError{code: exitUsage, msg: "a reset erases the key's PIN and every credential on it, for every site and vault",
			hint: "if that is what you want: otter keys reset --yes"}
	}
	ctx, stop := fidoContext()
	defer stop()
	dev, err := a.pickKey(ctx, device)
	if err != nil {
		return err
	}
	defer dev.Close()
	fmt.Fprintf(a.stderr, "Touch your key (%s) to confirm the reset…\n", dev.DeviceInfo().Product)
	if err := dev.Reset(ctx); err != nil {
		if errors.Is(err, fido.ErrNotAllowed) {
			return &userError{code: exitError, err: err,
				msg:  "the key refused the reset: keys allow it only in the first seconds after being plugged in",
				hint: "unplug the key, plug it back in and run otter keys reset --yes again within 10 seconds"}
		}
		return fidoErr(err, false)
	}
	fmt.Fprintf(a.stdout, "reset %s: its PIN and every credential on it are gone\n", dev.DeviceInfo())
	a.warn("vault slots and accounts that used this key no longer work with it")
	return nil
}

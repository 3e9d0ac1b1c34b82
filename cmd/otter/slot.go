package main

import (
	"crypto/rand"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

type slotJSON struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Label   string `json:"label,omitempty"`
	Created string `json:"created"`
	Current bool   `json:"unlocked_with,omitempty"`
	// Recipient is the slot's public key (an age recipient); the data key
	// is wrapped to it.
	Recipient string `json:"recipient,omitempty"`
	// Legacy: migrated from format 1 and not unlocked since; see slot list.
	Legacy bool `json:"legacy,omitempty"`
}

func (a *app) slotCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "slot", Short: "Manage the ways to unlock the vault (password, keyring, recovery key, FIDO2 key, age identity)"}
	var asJSON bool
	list := &cobra.Command{Use: "list", Short: "List unlock slots", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.slotList(asJSON) }}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	var newPasswordFile, keyOut, lbl, device string
	add := &cobra.Command{Use: "add password|keyring|recovery|fido2|age RECIPIENT", Short: "Add an unlock slot",
		Long: `Add a way to unlock the vault. "age RECIPIENT" adds an age X25519 recipient
(age1…): the holder of the matching identity unlocks with --identity-file FILE,
which suits headless machines; nothing secret is stored for it.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(_ *cobra.Command, args []string) error {
			if (args[0] == string(vault.SlotAge)) != (len(args) == 2) {
				return usageErr("give a recipient after age, and after nothing else: otter slot add age age1…")
			}
			if len(args) == 2 {
				return a.slotAddAge(args[1], lbl)
			}
			return a.slotAdd(args[0], lbl, newPasswordFile, keyOut, device)
		}}
	add.Flags().StringVar(&device, "device", "", "fido2: the key's path (see otter keys list)")
	add.Flags().StringVar(&newPasswordFile, "new-password-file", "", "read the new password from this file")
	add.Flags().StringVar(&keyOut, "recovery-key-out", "", "write a new recovery key to this new file instead of stdout")
	add.Flags().StringVar(&lbl, "label", "", "a name for the slot")
	var yes bool
	rm := &cobra.Command{Use: "rm ID", Short: "Remove an unlock slot (the data key is rotated)", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.slotRemove(args[0], yes) }}
	rm.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking (for scripts)")
	cmd.AddCommand(list, add, rm)
	return cmd
}

func (a *app) slotList(asJSON bool) error {
	v, err := a.open()
	if err != nil {
		return err
	}
	var rows []slotJSON
	for _, s := range v.Slots() {
		rows = append(rows, slotJSON{ID: s.ID, Type: string(s.Type), Label: s.Label,
			Created: s.Created.UTC().Format("2006-01-02"), Current: s.ID == v.Unlocked().SlotID,
			Recipient: s.Recipient, Legacy: len(s.Legacy) > 0})
	}
	if asJSON {
		return writeJSON(a, rows)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tLABEL\tCREATED\t")
	legacy := 0
	for _, r := range rows {
		mark := ""
		switch {
		case r.Current:
			mark = "(unlocked with)"
		case r.Legacy:
			mark = "(legacy: unlock with it once)"
			legacy++
		}
		if r.Type == string(vault.SlotAge) {
			if r.Label != "" {
				r.Label = "member " + r.Label
			}
			r.Label = strings.TrimSpace(r.Label + " " + r.Recipient)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", vaultops.ShortID(r.ID), r.Type, r.Label, r.Created, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if legacy > 0 {
		a.hint("legacy slots came from an older vault format: whoever held any earlier copy of the vault can still derive their keys; unlock once with each (the slot is then upgraded), or remove and add them again")
	}
	return nil
}

// slotAddAge adds an age slot for recipient: its identity unlocks the
// vault with --identity-file.
func (a *app) slotAddAge(recipient, lbl string) error {
	if err := identityAsRecipient(recipient); err != nil {
		return err
	}
	v, err := a.open()
	if err != nil {
		return err
	}
	s, err := v.AddSlot(vault.AgeRecipient{Recipient: strings.TrimSpace(recipient)}, lbl)
	if err != nil {
		return err
	}
	if vaultops.IsMember(s) {
		fmt.Fprintf(a.stdout, "added age slot %s for %s: member %q\n", vaultops.ShortID(s.ID), s.Recipient, esc(s.Label))
		a.hint("on their machine, with the vault synced to a remote they can reach: otter sync join REMOTE --identity-file FILE --no-keyring")
		return nil
	}
	fmt.Fprintf(a.stdout, "added age slot %s for %s\n", vaultops.ShortID(s.ID), s.Recipient)
	a.hint("unlock with its identity: otter --identity-file FILE …")
	return nil
}

// identityAsRecipient refuses an age identity (AGE-SECRET-KEY-1…) given
// where a recipient (age1…) belongs: the secret is now in the shell's
// history and in ps, so the error says to replace it.
func identityAsRecipient(r string) error {
	if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(r)), "AGE-SECRET-KEY-") {
		return nil
	}
	return &userError{code: exitUsage, msg: "that is an age identity (secret), not a recipient; it is now in your shell history",
		hint: "give its public key (age-keygen -y FILE prints it), and consider making a new identity"}
}

func (a *app) slotAdd(typ, lbl, newPasswordFile, keyOut, device string) error {
	var cred vault.Credential
	var display string
	switch vault.SlotType(typ) {
	case vault.SlotPassword:
		p, err := a.newPassword(newPasswordFile)
		if err != nil {
			return err
		}
		defer wipe(p)
		cred = vault.Password{Secret: p, KDF: vaultops.PasswordKDF(a.kdf)}
	case vault.SlotKeyring:
		if !a.keyringAnswers() {
			return &userError{code: exitError, msg: "no keyring answered", hint: "start a Secret Service (gnome-keyring, KWallet) and unlock it"}
		}
		cred = vault.Keyring{Store: a.store}
	case vault.SlotRecovery:
		key, disp, err := vault.NewRecoveryKey(rand.Reader)
		if err != nil {
			return err
		}
		defer wipe(key)
		cred, display = vault.RecoveryKey{Key: key}, disp
		if err := a.saveRecoveryKeyFile(keyOut, display); err != nil {
			return err
		}
	case vault.SlotFIDO2:
		c, err := a.fido2Credential(device)
		if err != nil {
			return err
		}
		cred = c
	default:
		return usageErr("unknown slot type %q: want password, keyring, recovery, fido2 or age RECIPIENT", typ)
	}
	v, err := a.open()
	if err != nil {
		return err
	}
	s, err := v.AddSlot(cred, lbl)
	if err != nil {
		return err
	}
	if s.Type == vault.SlotFIDO2 {
		if err := a.fido2Enrolled(cred, s.ID, lbl); err != nil {
			a.warn("the slot was added but the key could not be added to the inventory: %v", err)
		}
	}
	fmt.Fprintf(a.stdout, "added %s slot %s\n", s.Type, vaultops.ShortID(s.ID))
	if display != "" && keyOut == "" {
		fmt.Fprintln(a.stderr, "The new recovery key follows; it is shown only once. No support team will ever ask you for it.")
		fmt.Fprintln(a.stdout, display)
	}
	return nil
}

// newPassword reads a new password from a file or asks for it twice, and
// applies the policy.
func (a *app) newPassword(file string) ([]byte, error) {
	if file != "" {
		p, err := a.readSecretFile(file, "new password")
		if err != nil {
			return nil, err
		}
		return a.checkNewPassword(normalizePassword(p))
	}
	if !a.interactive() {
		return nil, usageErr("a new password is needed: give --new-password-file FILE or run on a terminal")
	}
	p, err := a.promptNewPassword()
	if err != nil {
		return nil, err
	}
	return a.checkNewPassword(p)
}

func (a *app) slotRemove(prefix string, yes bool) error {
	v, err := a.open()
	if err != nil {
		return err
	}
	var match []vault.Slot
	for _, s := range v.Slots() {
		if strings.HasPrefix(s.ID, strings.ToLower(prefix)) {
			match = append(match, s)
		}
	}
	if len(match) != 1 {
		return &userError{code: exitNotFound, msg: fmt.Sprintf("%d slots match %q", len(match), prefix), hint: "see them with: otter slot list"}
	}
	s := match[0]
	what := fmt.Sprintf("%s slot %s", s.Type, vaultops.ShortID(s.ID))
	if vaultops.IsMember(s) {
		what = fmt.Sprintf("member %q (age slot %s)", s.Label, vaultops.ShortID(s.ID))
	}
	q := fmt.Sprintf("Remove %s? It no longer unlocks the vault. [y/N] ", what)
	if err := a.confirmDestructive(yes, "remove a slot", q, "removed"); err != nil {
		return err
	}
	playbook := vaultops.OffboardingOf(v.Data(), s)
	if err := v.RemoveSlot(s.ID); err != nil {
		return err
	}
	if s.Type == vault.SlotKeyring {
		if err := a.store.Delete(v.VaultID() + "/" + s.ID); err != nil {
			a.warn("the slot is gone but its keyring entry could not be deleted: %v", err)
		}
	}
	fmt.Fprintf(a.stdout, "removed %s slot %s; the data key was rotated\n", s.Type, vaultops.ShortID(s.ID))
	a.offboardReport(playbook)
	return nil
}

// offboardReport prints the offboarding playbook of a removed slot: the
// data key is rotated, but whoever held the slot keeps every seed and
// recovery code they could read.
func (a *app) offboardReport(p vaultops.Playbook) {
	w := a.stdout
	if p.Slot.Type == vault.SlotKeyring && p.Slot.Label == hostLabel() {
		return // this machine's own keyring entry: nobody else held it
	}
	if len(p.Accounts) == 0 && p.Forgotten == 0 {
		fmt.Fprintln(w, "The vault held no account while the slot existed: there is nothing to re-enroll.")
		return
	}
	n := len(p.Accounts) + p.Forgotten
	if p.Slot.Type == vault.SlotAge {
		who := "Whoever holds this age identity"
		if p.Member {
			who = fmt.Sprintf("Member %q", esc(p.Slot.Label))
		}
		fmt.Fprintf(w, "\n%s no longer opens the vault's next generations, but keeps every seed and recovery code they could read.\n", who)
		fmt.Fprintf(w, "To lock them out for real, re-enroll 2FA %s: sign in, set up the authenticator again (then otter add the new one and otter rm the old), and generate new recovery codes where they had some (otter recovery replace QUERY FILE):\n",
			atSites(n))
		for _, acc := range p.Accounts {
			line := "  " + esc(acc.Label)
			if acc.Unused > 0 {
				line += fmt.Sprintf("  and %d unused recovery %s (generate new ones at the site)", acc.Unused, plural(acc.Unused, "code", "codes"))
			}
			if !acc.Deleted.IsZero() {
				line += fmt.Sprintf("  (deleted in otter on %s: if it still exists at the site, re-enroll it too)", acc.Deleted.Local().Format("2006-01-02"))
			}
			fmt.Fprintln(w, line)
		}
	} else {
		var names []string
		for _, acc := range p.Accounts {
			name := esc(acc.Label)
			if acc.Unused > 0 {
				name += fmt.Sprintf(" (and %d unused recovery %s)", acc.Unused, plural(acc.Unused, "code", "codes"))
			}
			names = append(names, name)
		}
		fmt.Fprintf(w, "\nWhoever held this credential could read every seed and recovery code of the vault and keeps them; if anyone but you held it, re-enroll 2FA %s: %s\n",
			atSites(n), strings.Join(names, ", "))
	}
	if p.Forgotten > 0 {
		fmt.Fprintf(w, "  and %d %s deleted in otter while the slot existed, whose %s otter no longer keeps (purged from the trash): if still enrolled at the site, re-enroll there too\n",
			p.Forgotten, plural(p.Forgotten, "account", "accounts"), plural(p.Forgotten, "name", "names"))
	}
	if p.Unsure {
		fmt.Fprintln(w, "  (the slot's creation time is unknown, so every account otter knows of is listed, deleted ones included)")
	}
	if p.Slot.Type == vault.SlotAge {
		a.hint("sync now (otter sync) so that every device gets the rotated key; a removed member's own copies stop opening new generations")
	}
}

// atSites says where to re-enroll: at this site, or at each of n sites.
func atSites(n int) string {
	if n == 1 {
		return "at this site"
	}
	return fmt.Sprintf("at each of these %d sites", n)
}

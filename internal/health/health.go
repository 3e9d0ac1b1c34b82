// Package health owns the vault health report: the checks that
// coach a person towards what account-security guides preach — a backup for
// every account, enough recovery codes, long and distinct secrets, no lost
// key still trusted, more than one kind of way into the vault.
//
// Check is a pure function of the vault's data and slots; it does no I/O and
// never puts a secret in a finding.
package health

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/otterauth/otter/vault"
)

// Severity ranks findings: high first.
type Severity string

// Severities.
const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
)

func (s Severity) rank() int {
	switch s {
	case High:
		return 0
	case Medium:
		return 1
	}
	return 2
}

// Kinds of finding. They are part of `otter health --json` and never change
// meaning.
const (
	NoBackup          = "no-backup"           // an account with no unused recovery code and no second key
	RecoveryLow       = "recovery-low"        // 1 or 2 unused recovery codes left
	RecoveryExhausted = "recovery-exhausted"  // recovery codes recorded, none unused
	ShortSecret       = "short-secret"        // a secret under 128 bits
	DuplicateSecret   = "duplicate-secret"    // the same secret on two accounts
	LostKeyRegistered = "lost-key-registered" // an account still relies on a key marked lost
	LostKeySlot       = "lost-key-slot"       // a key marked lost still unlocks the vault
	SingleSlotKind    = "single-slot-kind"    // every non-recovery slot is of one kind
	NoRecoverySlot    = "no-recovery-slot"    // no recovery key opens the vault
	WeakPasswordSlot  = "weak-password-slot"  // a password slot below the default KDF cost
	LegacySlot        = "legacy-slot"         // a slot migrated from format 1, not unlocked since
)

// Finding is one problem: what is wrong, with which account, key or slot,
// and what to do about it.
type Finding struct {
	Kind      string   `json:"kind"`
	Severity  Severity `json:"severity"`
	AccountID string   `json:"account_id,omitempty"`
	Account   string   `json:"account,omitempty"` // "issuer:name"
	Key       string   `json:"key,omitempty"`     // a hardware key's nickname
	SlotID    string   `json:"slot_id,omitempty"`
	Message   string   `json:"message"`
	Advice    string   `json:"advice"`
}

// Check returns the findings for d and the vault's slots, most severe
// first, in a stable order.
func Check(d *vault.Data, slots []vault.Slot) []Finding {
	var out []Finding
	for _, a := range d.Live() {
		out = append(out, backup(d, a)...)
		if n := len(a.Secret); n > 0 && n < 16 {
			out = append(out, accountFinding(a, ShortSecret, Low,
				fmt.Sprintf("its secret has only %d bits (at least 128 are recommended)", 8*n),
				"if the site offers it, set up two-factor sign-in again to get a longer secret, then add the new one to otter"))
		}
	}
	out = append(out, duplicates(d)...)
	out = append(out, lostKeys(d, slots)...)
	out = append(out, slotFindings(slots)...)
	slices.SortStableFunc(out, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(x.Severity.rank(), y.Severity.rank()), cmp.Compare(x.Kind, y.Kind),
			cmp.Compare(x.Account, y.Account), cmp.Compare(x.AccountID, y.AccountID),
			cmp.Compare(x.Key, y.Key), cmp.Compare(x.SlotID, y.SlotID))
	})
	return out
}

// Label is how findings and advice name an account: "issuer:name".
func Label(a *vault.Account) string {
	switch {
	case a.Issuer == "":
		return a.Name
	case a.Name == "":
		return a.Issuer
	}
	return a.Issuer + ":" + a.Name
}

func accountFinding(a *vault.Account, kind string, sev Severity, msg, advice string) Finding {
	return Finding{Kind: kind, Severity: sev, AccountID: a.ID, Account: Label(a), Message: msg, Advice: advice}
}

// keysOn returns the live keys registered on account id: the usable ones
// and the ones marked lost.
func keysOn(d *vault.Data, id string) (usable, lost []*vault.HardwareKey) {
	for i := range d.Keys {
		k := &d.Keys[i]
		if k.Deleted || !slices.Contains(k.Accounts, id) {
			continue
		}
		if k.Lost {
			lost = append(lost, k)
		} else {
			usable = append(usable, k)
		}
	}
	return usable, lost
}

// Unused returns the unused and total recovery codes of account id.
func Unused(d *vault.Data, id string) (unused, total int) {
	set := d.RecoveryFor(id)
	if set == nil {
		return 0, 0
	}
	for _, c := range set.Codes {
		if c.UsedAt.IsZero() {
			unused++
		}
	}
	return unused, len(set.Codes)
}

// backup checks that account a has a way back in besides otter's codes:
// unused recovery codes, or a second key.
func backup(d *vault.Data, a *vault.Account) []Finding {
	usable, _ := keysOn(d, a.ID)
	unused, total := Unused(d, a.ID)
	q := Quote(Label(a))
	addCodes := "generate recovery codes in the site's security settings and store them: otter recovery add " + q + " FILE"
	secondKey := len(usable) >= 2
	switch {
	case total > 0 && unused == 0 && !secondKey:
		return []Finding{accountFinding(a, RecoveryExhausted, High,
			"every recovery code is used and no second key is registered: losing otter's codes"+keyPhrase(usable)+" locks you out",
			addCodes)}
	case total > 0 && unused == 0:
		return []Finding{accountFinding(a, RecoveryExhausted, Medium,
			"every recovery code is used; the second key is the only backup", addCodes)}
	case unused > 0 && unused <= 2:
		return []Finding{accountFinding(a, RecoveryLow, Medium,
			fmt.Sprintf("only %d unused recovery %s left", unused, plural(unused, "code", "codes")), addCodes)}
	case total == 0 && !secondKey:
		return []Finding{accountFinding(a, NoBackup, Medium,
			"no backup method: no recovery codes and no second key"+onlyWay(usable),
			addCodes+"; or register a second security key there and record it: otter keys accounts NAME --add "+q)}
	}
	return nil
}

func keyPhrase(usable []*vault.HardwareKey) string {
	if len(usable) == 1 {
		return fmt.Sprintf(" or the key %q", usable[0].Nickname)
	}
	return ""
}

func onlyWay(usable []*vault.HardwareKey) string {
	if len(usable) == 1 {
		return fmt.Sprintf(" (only otter's codes and the key %q)", usable[0].Nickname)
	}
	return " (otter's codes are the only way in)"
}

// duplicates finds secrets shared by live accounts.
func duplicates(d *vault.Data) []Finding {
	live := d.Live()
	var out []Finding
	for i, a := range live {
		for _, b := range live[i+1:] {
			if len(a.Secret) == 0 || !bytes.Equal(a.Secret, b.Secret) {
				continue
			}
			msg := "has the same secret as " + Label(b) + " (id " + b.ID[:min(8, len(b.ID))] + ")"
			advice := "if both are the same account, remove the copy: otter rm " + Quote(b.ID) +
				"; otherwise set up two-factor sign-in again on one of them: a shared secret means one leak opens both"
			out = append(out, accountFinding(a, DuplicateSecret, Medium, msg, advice))
		}
	}
	return out
}

// lostKeys finds keys marked lost that accounts or the vault still trust.
func lostKeys(d *vault.Data, slots []vault.Slot) []Finding {
	var out []Finding
	for i := range d.Keys {
		k := &d.Keys[i]
		if k.Deleted || !k.Lost {
			continue
		}
		if k.SlotID != "" && slices.ContainsFunc(slots, func(s vault.Slot) bool { return s.ID == k.SlotID }) {
			out = append(out, Finding{Kind: LostKeySlot, Severity: High, Key: k.Nickname, SlotID: k.SlotID,
				Message: fmt.Sprintf("the lost key %q still unlocks this vault", k.Nickname),
				Advice:  "remove its slot (the data key is rotated): otter keys lost " + Quote(k.Nickname)})
		}
		for _, id := range k.Accounts {
			a := d.Account(id)
			if a == nil {
				continue
			}
			f := accountFinding(a, LostKeyRegistered, High,
				fmt.Sprintf("the lost key %q is still registered on this account", k.Nickname),
				fmt.Sprintf("sign in to the site another way, remove the key %q from its security settings, then: otter keys accounts %s --rm %s",
					k.Nickname, Quote(k.Nickname), Quote(Label(a))))
			f.Key = k.Nickname
			out = append(out, f)
		}
	}
	return out
}

// slotFindings checks the ways into the vault itself.
func slotFindings(slots []vault.Slot) []Finding {
	var out []Finding
	kinds := map[vault.SlotType]bool{}
	recovery := false
	for _, s := range slots {
		if len(s.Legacy) > 0 {
			out = append(out, Finding{Kind: LegacySlot, Severity: Medium, SlotID: s.ID,
				Message: fmt.Sprintf("%s slot %.8s still has its key from the older vault format: whoever kept an earlier copy of the vault file (a backup, a synced folder) can derive it and open the current vault",
					s.Type, s.ID),
				Advice: "unlock once with it (otter upgrades the slot on the next change), or remove it and add it again: otter slot rm ID"})
		}
		if s.Type == vault.SlotRecovery {
			recovery = true
			continue
		}
		kinds[s.Type] = true
		if s.Type == vault.SlotPassword && s.KDF != nil && weakKDF(*s.KDF) {
			out = append(out, Finding{Kind: WeakPasswordSlot, Severity: Medium, SlotID: s.ID,
				Message: fmt.Sprintf("password slot %.8s uses a cheaper Argon2id cost (m=%s, t=%d) than otter's default (m=%s, t=%d): a stolen vault file is easier to guess",
					s.ID, kib(s.KDF.Memory), s.KDF.Time, kib(vault.DefaultKDF.Memory), vault.DefaultKDF.Time),
				Advice: "set the password again, which re-enrols it at the default cost: otter passwd"})
		}
	}
	if !recovery {
		out = append(out, Finding{Kind: NoRecoverySlot, Severity: High,
			Message: "no recovery key opens this vault",
			Advice:  "add one and keep it offline, on paper: otter slot add recovery"})
	}
	if len(kinds) <= 1 {
		out = append(out, Finding{Kind: SingleSlotKind, Severity: Medium,
			Message: singleKind(kinds, recovery),
			Advice:  "add a different kind of unlock method: otter slot add " + missingKinds(kinds)})
	}
	return out
}

func singleKind(kinds map[vault.SlotType]bool, recovery bool) string {
	if len(kinds) == 0 {
		return "only recovery keys open this vault: there is no everyday way in to fall back from"
	}
	var k vault.SlotType
	for t := range kinds {
		k = t
	}
	fails := map[vault.SlotType]string{vault.SlotPassword: "a forgotten password",
		vault.SlotKeyring: "a wiped or locked keyring, a new machine", vault.SlotFIDO2: "a lost or broken key"}[k]
	if fails == "" {
		fails = "it stops working"
	}
	if !recovery {
		return fmt.Sprintf("every way into the vault is a %s slot: one failure (%s) locks you out", k, fails)
	}
	return fmt.Sprintf("every way into the vault besides the recovery key is a %s slot: after one failure (%s) only the recovery key is left", k, fails)
}

// kib formats a memory cost given in KiB.
func kib(m uint32) string {
	if m%1024 == 0 {
		return fmt.Sprintf("%d MiB", m/1024)
	}
	return fmt.Sprintf("%d KiB", m)
}

// weakKDF reports a cost below vault.DefaultKDF in memory or time.
func weakKDF(k vault.KDFParams) bool {
	return k.Memory < vault.DefaultKDF.Memory || k.Time < vault.DefaultKDF.Time
}

func missingKinds(have map[vault.SlotType]bool) string {
	var out []string
	for _, k := range []vault.SlotType{vault.SlotPassword, vault.SlotFIDO2, vault.SlotKeyring} {
		if !have[k] {
			out = append(out, string(k))
		}
	}
	return strings.Join(out, "|")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Quote returns s as one shell word: as is when it is plain, else in single
// quotes.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

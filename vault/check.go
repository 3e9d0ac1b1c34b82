package vault

import (
	"errors"
	"fmt"
	"slices"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/termtext"
)

// Field limits, checked before every save.
const (
	maxAccounts  = 100_000
	maxFieldLen  = 512 // issuer, name, type, algorithm, ids, key fields
	maxSecretLen = 1024
	maxURLLen    = 2048
	maxNotesLen  = 64 << 10
	maxTags      = 64
	maxCodes     = 1000
	maxCodeLen   = 256
	// maxItems caps records and list items together (accounts, tags,
	// recovery sets and codes, hardware keys and their account ids, audit
	// events), which bounds what decoding a payload can allocate.
	maxItems = 1_000_000
)

func limitf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrLimit)...)
}

// validate checks d against the field limits (ErrLimit).
func (d *Data) validate() error {
	if len(d.Accounts) > maxAccounts || len(d.Recovery) > maxAccounts || len(d.Keys) > maxAccounts || len(d.Trash) > maxAccounts {
		return limitf("more than %d records", maxAccounts)
	}
	if len(d.Audit) > maxAudit {
		return limitf("more than %d audit events", maxAudit)
	}
	if d.items() > maxItems {
		return limitf("more than %d records and list items", maxItems)
	}
	for _, e := range d.Audit {
		if !validTime(e.At) {
			return limitf("audit event %s: date out of range", e.ID)
		}
	}
	for i := range d.Accounts {
		if err := d.Accounts[i].validate(); err != nil {
			return err
		}
	}
	for i := range d.Recovery {
		if err := d.Recovery[i].validate(); err != nil {
			return err
		}
	}
	for i := range d.Trash {
		if err := d.Trash[i].validate(); err != nil {
			return err
		}
	}
	for _, k := range d.Keys {
		if longest(k.ID, k.Nickname, k.AAGUID, k.Product, k.SlotID) > maxFieldLen || len(k.Accounts) > maxAccounts {
			return limitf("hardware key %q: field too long", k.Nickname)
		}
		if !validTime(k.Added) {
			return limitf("hardware key %q: date out of range", k.Nickname)
		}
	}
	return nil
}

// items counts what maxItems caps.
func (d *Data) items() int {
	n := len(d.Accounts) + len(d.Recovery) + len(d.Keys) + len(d.Audit) + len(d.Trash)
	for i := range d.Accounts {
		n += len(d.Accounts[i].Tags)
	}
	for i := range d.Trash {
		n += len(d.Trash[i].Account.Tags) + len(d.Trash[i].Recovery)
	}
	for i := range d.Recovery {
		n += len(d.Recovery[i].Codes)
	}
	for i := range d.Keys {
		n += len(d.Keys[i].Accounts)
	}
	return n
}

func (a *Account) validate() error {
	switch {
	case longest(a.ID, a.Issuer, a.Name, a.Type, a.Algorithm) > maxFieldLen:
		return limitf("account %q: issuer, name or type longer than %d bytes", a.Issuer, maxFieldLen)
	case len(a.Secret) > maxSecretLen:
		return limitf("account %q: secret longer than %d bytes", a.Issuer, maxSecretLen)
	case len(a.URL) > maxURLLen || len(a.Notes) > maxNotesLen:
		return limitf("account %q: url or notes too long", a.Issuer)
	case len(a.Tags) > maxTags || longest(a.Tags...) > maxFieldLen:
		return limitf("account %q: too many or too long tags", a.Issuer)
	case !validTime(a.Created) || !validTime(a.Updated) || !validTime(a.LastUsed):
		return limitf("account %q: date out of range", a.Issuer)
	}
	return a.computable()
}

// computable returns an error wrapping ErrInvalid if otter cannot compute
// codes from a's type, algorithm, digits and period; zero values mean the
// defaults (totp, SHA1, 6 digits, 30 s). Tombstones are not checked.
func (a *Account) computable() error {
	if a.Deleted {
		return nil
	}
	k := otp.Key{Type: otp.Type(a.Type), Algorithm: otp.Algorithm(a.Algorithm), Digits: a.Digits, Period: a.Period}
	k.FillDefaults()
	err := k.ValidateParams()
	var pe *otp.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("account %q: %w: %s: %s", a.label(), ErrInvalid, pe.Field, pe.Msg)
	}
	return err
}

// label names a in errors as issuer:name, never with its secret.
func (a *Account) label() string {
	switch {
	case a.Issuer != "" && a.Name != "":
		return a.Issuer + ":" + a.Name
	case a.Issuer != "" || a.Name != "":
		return a.Issuer + a.Name
	}
	return a.ID
}

// checkAccounts is the check Unlock and Refresh make of a file's accounts.
func (d *Data) checkAccounts() error {
	for i := range d.Accounts {
		if err := d.Accounts[i].computable(); err != nil {
			return err
		}
	}
	return nil
}

func (t *TrashedAccount) validate() error {
	if !validTime(t.DeletedAt) {
		return limitf("account %q in the trash: date out of range", t.Account.Issuer)
	}
	if len(t.Reason) > maxFieldLen {
		return limitf("account %q in the trash: reason longer than %d bytes", t.Account.Issuer, maxFieldLen)
	}
	if err := t.Account.validate(); err != nil {
		return err
	}
	return validateCodes(t.Recovery)
}

func (r *RecoverySet) validate() error {
	return validateCodes(r.Codes)
}

func validateCodes(codes []RecoveryCode) error {
	if len(codes) > maxCodes {
		return limitf("more than %d recovery codes for one account", maxCodes)
	}
	for _, c := range codes {
		if len(c.Code) > maxCodeLen {
			return limitf("recovery code longer than %d bytes", maxCodeLen)
		}
		if !validTime(c.Added) || !validTime(c.UsedAt) {
			return limitf("recovery code: date out of range")
		}
	}
	return nil
}

func longest(ss ...string) int {
	n := 0
	for _, s := range ss {
		n = max(n, len(s))
	}
	return n
}

// checkChange refuses changes that sync must never see: an HOTP counter
// going back, a used recovery code becoming unused, a tombstone revived.
func checkChange(old, new *Data) error { return checkHistory(old, new, false) }

// checkHistory is checkChange; revive lets a tombstone come back, which a
// merge may do (the other copy edited the account after this one deleted
// it).
func checkHistory(old, new *Data, revive bool) error {
	type acct struct {
		counter uint64
		deleted bool
	}
	accts := make(map[string]acct, len(old.Accounts))
	for _, a := range old.Accounts {
		accts[a.ID] = acct{a.Counter, a.Deleted}
	}
	for _, a := range new.Accounts {
		o, ok := accts[a.ID]
		switch {
		case !ok || a.Deleted:
		case o.deleted && !revive:
			return fmt.Errorf("account %s: a deleted account cannot come back", a.ID)
		case a.Counter < o.counter:
			return fmt.Errorf("account %s: hotp counter cannot go back from %d to %d", a.ID, o.counter, a.Counter)
		}
	}
	return checkCodes(old, new)
}

func checkCodes(old, new *Data) error {
	used := make(map[string]map[string]bool)
	for _, r := range old.Recovery {
		for _, c := range r.Codes {
			if !c.UsedAt.IsZero() {
				if used[r.ID] == nil {
					used[r.ID] = make(map[string]bool)
				}
				used[r.ID][c.Code] = true
			}
		}
	}
	for _, r := range new.Recovery {
		if r.Deleted || used[r.ID] == nil {
			continue
		}
		still := 0
		for _, c := range r.Codes {
			if used[r.ID][c.Code] && !c.UsedAt.IsZero() {
				still++
			}
		}
		if still < len(used[r.ID]) {
			return fmt.Errorf("recovery codes of account %s: a used code cannot become unused", r.AccountID)
		}
	}
	return nil
}

// checkText refuses new text holding control characters (line breaks are
// allowed in notes): every text field of an account, tag, recovery code
// and hardware key that is new or changed since old. Text an older vault
// already holds is kept as it is, so that such a vault still saves; the
// faces escape it when they show it (termtext.Escape).
func checkText(old, new *Data) error { return checkTextFrom(new, old) }

// checkTextFrom is checkText where text is new unless one of olds holds it
// (a merge: text either copy holds was already accepted).
func checkTextFrom(new *Data, olds ...*Data) error {
	prev := make(map[string][]*Account)
	for _, old := range olds {
		for i := range old.Accounts {
			prev[old.Accounts[i].ID] = append(prev[old.Accounts[i].ID], &old.Accounts[i])
		}
	}
	for i := range new.Accounts {
		if err := new.Accounts[i].checkText(prev[new.Accounts[i].ID]...); err != nil {
			return err
		}
	}
	codes := map[string]bool{}
	nicks := map[string]bool{}
	for _, old := range olds {
		for _, r := range old.Recovery {
			for _, c := range r.Codes {
				codes[c.Code] = true
			}
		}
		for _, k := range old.Keys {
			nicks[k.Nickname] = true
		}
	}
	for _, r := range new.Recovery {
		for _, c := range r.Codes {
			if !codes[c.Code] && termtext.Dirty(c.Code, false) {
				return fmt.Errorf("a recovery code: %w", ErrControlChar)
			}
		}
	}
	for _, k := range new.Keys {
		if !nicks[k.Nickname] && termtext.Dirty(k.Nickname, false) {
			return fmt.Errorf("a hardware key's name: %w", ErrControlChar)
		}
	}
	return nil
}

// checkText refuses a text field of a that holds a control character and
// that none of olds (the account as it was) holds.
func (a *Account) checkText(olds ...*Account) error {
	held := func(field func(*Account) string) bool {
		return slices.ContainsFunc(olds, func(o *Account) bool { return o != nil && field(o) == field(a) })
	}
	fields := []struct {
		name  string
		field func(*Account) string
		lines bool
	}{
		{"issuer", func(x *Account) string { return x.Issuer }, false},
		{"name", func(x *Account) string { return x.Name }, false},
		{"url", func(x *Account) string { return x.URL }, false},
		{"notes", func(x *Account) string { return x.Notes }, true},
	}
	for _, f := range fields {
		if v := f.field(a); v != "" && !held(f.field) && termtext.Dirty(v, f.lines) {
			return fmt.Errorf("account %s: %s: %w", a.ID, f.name, ErrControlChar)
		}
	}
	for _, t := range a.Tags {
		old := slices.ContainsFunc(olds, func(o *Account) bool { return o != nil && slices.Contains(o.Tags, t) })
		if !old && termtext.Dirty(t, false) {
			return fmt.Errorf("account %s: a tag: %w", a.ID, ErrControlChar)
		}
	}
	return nil
}

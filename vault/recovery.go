package vault

import (
	"strings"
	"time"
)

// RecoveryFor returns the live recovery-code set of an account, or nil.
func (d *Data) RecoveryFor(accountID string) *RecoverySet {
	for i := range d.Recovery {
		if r := &d.Recovery[i]; r.AccountID == accountID && !r.Deleted {
			return r
		}
	}
	return nil
}

// AddRecoveryCodes appends the codes (spaces trimmed, blanks dropped) that
// the live account accountID does not have yet, in order, and returns how
// many it added.
func (d *Data) AddRecoveryCodes(accountID string, codes []string, now time.Time) int {
	if d.Account(accountID) == nil {
		return 0
	}
	set := d.RecoveryFor(accountID)
	fresh := set == nil
	if fresh {
		set = &RecoverySet{ID: NewID(nil), AccountID: accountID}
	}
	seen := make(map[string]bool, len(set.Codes)+len(codes))
	for _, c := range set.Codes {
		seen[c.Code] = true
	}
	n := 0
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		set.Codes = append(set.Codes, RecoveryCode{Code: c, Added: now})
		n++
	}
	if n == 0 {
		return 0
	}
	set.Stamp = d.Tick(now)
	if fresh {
		d.Recovery = append(d.Recovery, *set)
	}
	return n
}

// UseRecoveryCode marks the next unused code of an account (in the order
// added) as used at now and returns it with the number still unused. It
// returns ErrNoCodesLeft when none is left.
func (d *Data) UseRecoveryCode(accountID string, now time.Time) (string, int, error) {
	set := d.RecoveryFor(accountID)
	if set == nil {
		return "", 0, ErrNoCodesLeft
	}
	if now.IsZero() { // a zero UsedAt means unused
		now = time.UnixMilli(1)
	}
	for i := range set.Codes {
		if c := &set.Codes[i]; c.UsedAt.IsZero() {
			c.UsedAt = now
			set.Stamp = d.Tick(now)
			return c.Code, set.unused(), nil
		}
	}
	return "", 0, ErrNoCodesLeft
}

func (r *RecoverySet) unused() int {
	n := 0
	for _, c := range r.Codes {
		if c.UsedAt.IsZero() {
			n++
		}
	}
	return n
}

// Unused returns how many of the set's codes are unused (0 for nil).
func (r *RecoverySet) Unused() int {
	if r == nil {
		return 0
	}
	return r.unused()
}

package vaultops

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/internal/termtext"
	"github.com/otterauth/otter/vault"
)

// KeyOf returns the otp.Key that computes a's codes. It shares a's secret;
// parameters the vault stores as zero take their defaults.
func KeyOf(a *vault.Account) *otp.Key {
	k := &otp.Key{
		Type: otp.Type(a.Type), Issuer: a.Issuer, Account: a.Name, Secret: a.Secret,
		Algorithm: otp.Algorithm(a.Algorithm), Digits: a.Digits, Period: a.Period, Counter: a.Counter,
	}
	k.FillDefaults()
	return k
}

// AccountOf returns a new account with k's names, parameters and a copy of
// its secret.
func AccountOf(k *otp.Key) vault.Account {
	return vault.Account{
		Issuer: k.Issuer, Name: k.Account, Secret: bytes.Clone(k.Secret),
		Type: string(k.Type), Algorithm: string(k.Algorithm),
		Digits: k.Digits, Period: k.Period, Counter: k.Counter,
	}
}

// NewAccount is an account to add, with the recovery codes that come with
// it (from an import), dates and used state kept.
type NewAccount struct {
	Account  vault.Account
	Recovery []vault.RecoveryCode
}

// AddResult says what Add did: the accounts stored (with their ids, secrets
// dropped) and those skipped as duplicates, in the order given.
type AddResult struct {
	Added   []vault.Account
	Skipped []vault.Account
}

// Add stores the accounts that are not in the vault yet (same issuer, name
// and secret), in one transaction; duplicates are found through a hash
// index, so adding n accounts costs O(n). It fails with ErrDuplicate, and
// writes nothing, when every account is a duplicate.
func (s *Session) Add(accs []NewAccount) (AddResult, error) {
	return s.add(accs, "")
}

// Import is Add for an import from format, with an audit event; unlike Add
// it writes the event even when every account was already there.
func (s *Session) Import(format string, accs []NewAccount) (AddResult, error) {
	return s.add(accs, format)
}

func (s *Session) add(accs []NewAccount, format string) (AddResult, error) {
	now := s.now()
	var res AddResult
	err := s.v.Update(func(d *vault.Data) error {
		res = AddResult{}
		ix := newDupIndex(d)
		for i := range accs {
			acc := &accs[i].Account
			Clean(acc)
			if ix.has(acc) {
				res.Skipped = append(res.Skipped, public(acc))
				continue
			}
			stored := d.AddAccount(*acc, now)
			ix.add(stored)
			addRecovery(d, stored.ID, cleanCodes(accs[i].Recovery), now)
			res.Added = append(res.Added, public(stored))
		}
		if format != "" {
			d.Log(now, "import", fmt.Sprintf("%s, %d accounts", format, len(res.Added)))
			return nil
		}
		if len(res.Added) == 0 {
			return ErrDuplicate
		}
		return nil
	})
	return res, err
}

// Clean strips control characters from a's text, the one sanitising step
// for text that enters the vault (typed, pasted or imported): issuer,
// name, tags and URL become one line, notes keep their line breaks (see
// termtext.Clean). The vault refuses new text that was not cleaned.
func Clean(a *vault.Account) {
	a.Issuer, a.Name, a.URL = termtext.Clean(a.Issuer), termtext.Clean(a.Name), termtext.Clean(a.URL)
	a.Notes = termtext.CleanLines(a.Notes)
	a.Tags = CleanTags(a.Tags)
}

// cleanCodes strips control characters from imported recovery codes.
func cleanCodes(codes []vault.RecoveryCode) []vault.RecoveryCode {
	out := slices.Clone(codes)
	for i := range out {
		out[i].Code = termtext.Clean(out[i].Code)
	}
	return out
}

// public is a copy of a without its secret, for results.
func public(a *vault.Account) vault.Account {
	c := *a
	c.Secret = nil
	c.Tags = slices.Clone(a.Tags)
	return c
}

// dupIndex finds accounts with the same issuer, name and secret in one map
// lookup. Secrets are keyed by their SHA-256, never copied into the map.
type dupIndex map[[sha256.Size]byte]*vault.Account

func dupKey(a *vault.Account) [sha256.Size]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d:%s%d:%s", len(a.Issuer), a.Issuer, len(a.Name), a.Name)
	h.Write(a.Secret)
	return [sha256.Size]byte(h.Sum(nil))
}

func newDupIndex(d *vault.Data) dupIndex {
	ix := dupIndex{}
	for _, x := range d.Live() {
		ix[dupKey(x)] = x
	}
	return ix
}

func (ix dupIndex) has(a *vault.Account) bool { return ix[dupKey(a)] != nil }

// add records a (a copy: later appends to the data may move it).
func (ix dupIndex) add(a *vault.Account) {
	c := public(a)
	ix[dupKey(a)] = &c
}

// Duplicates previews an Add: for each account, the live account of d it
// duplicates (nil: none) and the index of an earlier account of accs it
// repeats (-1: none).
func Duplicates(d *vault.Data, accs []vault.Account) (inVault []*vault.Account, repeats []int) {
	ix := newDupIndex(d)
	first := make(map[[sha256.Size]byte]int, len(accs))
	inVault, repeats = make([]*vault.Account, len(accs)), make([]int, len(accs))
	for i := range accs {
		k := dupKey(&accs[i])
		inVault[i], repeats[i] = ix[k], -1
		if j, ok := first[k]; ok {
			repeats[i] = j
		} else {
			first[k] = i
		}
	}
	return inVault, repeats
}

// addRecovery gives a new account the recovery codes it came with, keeping
// their dates and used state.
func addRecovery(d *vault.Data, id string, codes []vault.RecoveryCode, now time.Time) {
	if len(codes) == 0 {
		return
	}
	list := make([]string, len(codes))
	byCode := make(map[string]vault.RecoveryCode, len(codes))
	for i, c := range codes {
		list[i] = c.Code
		byCode[strings.TrimSpace(c.Code)] = c
	}
	d.AddRecoveryCodes(id, list, now)
	set := d.RecoveryFor(id)
	if set == nil {
		return
	}
	for i := range set.Codes {
		c := byCode[set.Codes[i].Code]
		if !c.Added.IsZero() {
			set.Codes[i].Added = c.Added
		}
		set.Codes[i].UsedAt = c.UsedAt
	}
}

// Edit is a change of an account; nil fields stay as they are.
type Edit struct {
	Issuer, Name *string
	// Key, when set, replaces the secret and the parameters (type,
	// algorithm, digits, period; the counter of an HOTP account).
	Key    *otp.Key
	Tags   *[]string
	Notes  *string
	Pinned *bool
}

// Edit changes account id and returns it as stored (secret dropped). An
// edit that changes nothing writes nothing.
func (s *Session) Edit(id string, e Edit) (vault.Account, error) {
	var out vault.Account
	err := s.onAccount(id, func(d *vault.Data, a *vault.Account, now time.Time) error {
		before := public(a)
		newSecret := e.Key != nil && !bytes.Equal(a.Secret, e.Key.Secret)
		e.apply(a)
		if a.Issuer == "" && a.Name == "" {
			return ErrNoName
		}
		out = public(a)
		if !newSecret && sameEdit(&before, a) {
			return errUnchanged
		}
		touch(d, a, now)
		out = public(a)
		return nil
	})
	if err == errUnchanged {
		err = nil
	}
	return out, err
}

// sameEdit reports whether a and b agree on every field Edit changes but
// the secret.
func sameEdit(a, b *vault.Account) bool {
	return a.Issuer == b.Issuer && a.Name == b.Name && a.Type == b.Type && a.Algorithm == b.Algorithm &&
		a.Digits == b.Digits && a.Period == b.Period && a.Counter == b.Counter &&
		slices.Equal(a.Tags, b.Tags) && a.Notes == b.Notes && a.Pinned == b.Pinned
}

func (e *Edit) apply(a *vault.Account) {
	if e.Key != nil {
		k := e.Key
		a.Issuer, a.Name, a.Secret = k.Issuer, k.Account, bytes.Clone(k.Secret)
		a.Type, a.Algorithm, a.Digits, a.Period = string(k.Type), string(k.Algorithm), k.Digits, k.Period
		if k.Type == otp.TypeHOTP {
			a.Counter = k.Counter
		}
	}
	if e.Issuer != nil {
		a.Issuer = termtext.Clean(*e.Issuer)
	}
	if e.Name != nil {
		a.Name = termtext.Clean(*e.Name)
	}
	if e.Tags != nil {
		a.Tags = CleanTags(*e.Tags)
	}
	if e.Notes != nil {
		a.Notes = termtext.CleanLines(*e.Notes)
	}
	if e.Pinned != nil {
		a.Pinned = *e.Pinned
	}
}

// CleanTags trims tags, strips their control characters and drops blanks
// and repeats, keeping the order.
func CleanTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if t = termtext.Clean(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// TogglePin flips the pinned flag of account id and returns the account.
func (s *Session) TogglePin(id string) (vault.Account, error) {
	var out vault.Account
	err := s.onAccount(id, func(d *vault.Data, a *vault.Account, now time.Time) error {
		a.Pinned = !a.Pinned
		touch(d, a, now)
		out = public(a)
		return nil
	})
	return out, err
}

// Delete turns account id and its recovery codes into tombstones, keeping
// a copy of both in the vault's trash for vault.TrashDays days (see
// RestoreTrash), and returns its label.
func (s *Session) Delete(id string) (string, error) {
	var name string
	err := s.onAccount(id, func(d *vault.Data, a *vault.Account, now time.Time) error {
		name = a.Label()
		d.DeleteAccount(id, now)
		d.Log(now, "account.delete", name)
		return nil
	})
	return name, err
}

// Code is a one-time code and what it belongs to.
type Code struct {
	Account vault.Account // secret dropped
	Code    string
	Counter uint64    // HOTP: the counter the code is for
	Period  int       // TOTP and Steam: the step, in seconds
	Until   time.Time // TOTP and Steam: when the code expires
}

// ErrNoCode means otter cannot compute a code for an account: a parameter
// it cannot compute with, or an empty secret. A code is never "".
var ErrNoCode = errors.New("cannot compute a code")

// code returns a's code at t (HOTP: for its counter), or ErrNoCode naming
// the account and the reason.
func code(a *vault.Account, t time.Time) (string, error) {
	k := KeyOf(a)
	if c := k.Code(t); c != "" {
		return c, nil
	}
	why := "its secret is empty or too long"
	var pe *otp.ParseError
	if errors.As(k.ValidateParams(), &pe) {
		why = pe.Field + ": " + pe.Msg
	}
	return "", fmt.Errorf("%w for %s: %s", ErrNoCode, a.Label(), why)
}

// TOTP returns the code of the time-based account a at t, without a write.
func TOTP(a *vault.Account, t time.Time) (Code, error) {
	c, err := code(a, t)
	if err != nil {
		return Code{}, err
	}
	k := KeyOf(a)
	return Code{Account: public(a), Code: c, Period: k.Period, Until: t.Add(otp.Remaining(t, k.Period)).Truncate(time.Second)}, nil
}

// NextHOTP persists counter+1 of the HOTP account id, counts it as a use
// (in local state, see RecordUse),
// and returns the code for the counter before: a code leaves this function
// only once its counter is on disk, so that no code is ever shown twice.
func (s *Session) NextHOTP(id string) (Code, error) {
	var out Code
	err := s.onAccount(id, func(d *vault.Data, a *vault.Account, now time.Time) error {
		c, err := code(a, now)
		if err != nil {
			return err // nothing is saved: the counter stays
		}
		out = Code{Code: c, Counter: a.Counter}
		a.Counter++
		touch(d, a, now)
		out.Account = public(a)
		return nil
	})
	if err == nil {
		// The code is on disk; a use that cannot be recorded only costs
		// the ordering.
		s.recordUse(id, s.now())
	}
	return out, err
}

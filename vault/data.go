package vault

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/otterauth/otter/internal/termtext"
)

// Stamp is a hybrid logical clock value: wall time in unix milliseconds, a
// counter for events within one millisecond (or while the wall clock is
// behind), and the id of the device that made the change.
type Stamp struct {
	MS  int64  `json:"ms"`
	C   uint32 `json:"c"`
	Dev string `json:"dev"`
}

// Account is one one-time-code account. A deleted account is a tombstone:
// its secret and fields are cleared, its ID, dates and Stamp kept.
type Account struct {
	ID        string    `json:"id"`
	Issuer    string    `json:"issuer,omitempty"`
	Name      string    `json:"name,omitempty"`
	Secret    []byte    `json:"secret,omitempty"`
	Type      string    `json:"type,omitempty"` // totp, hotp or steam
	Algorithm string    `json:"algorithm,omitempty"`
	Digits    int       `json:"digits,omitempty"`
	Period    int       `json:"period,omitempty"`
	Counter   uint64    `json:"counter,omitempty"`
	Tags      []string  `json:"tags,omitempty"`
	Notes     string    `json:"notes,omitempty"`
	URL       string    `json:"url,omitempty"`
	Pinned    bool      `json:"pinned,omitempty"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	UseCount  int       `json:"use_count,omitempty"`
	Stamp     Stamp     `json:"stamp"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// String describes a without its secret.
func (a Account) String() string {
	secret := "none"
	if len(a.Secret) > 0 {
		secret = "redacted"
	}
	return fmt.Sprintf("Account{ID:%s Issuer:%q Name:%q Type:%s Secret:%s Deleted:%t}",
		a.ID, a.Issuer, a.Name, a.Type, secret, a.Deleted)
}

// Label names a for people and queries: "issuer:name", or whichever of the
// two is set ("unnamed account" when neither is). Data.Find finds an
// account by its label.
func (a *Account) Label() string {
	switch {
	case a.Issuer == "" && a.Name == "":
		return "unnamed account"
	case a.Issuer == "":
		return a.Name
	case a.Name == "":
		return a.Issuer
	}
	return a.Issuer + ":" + a.Name
}

// GoString is String, so that %#v does not print the secret either.
func (a Account) GoString() string { return a.String() }

func (a Account) clone() Account {
	a.Secret = bytes.Clone(a.Secret)
	a.Tags = slices.Clone(a.Tags)
	return a
}

// RecoveryCode is one backup code of an account. UsedAt is zero while
// unused.
type RecoveryCode struct {
	Code   string    `json:"code"`
	Added  time.Time `json:"added"`
	UsedAt time.Time `json:"used_at,omitzero"`
}

// RecoverySet holds an account's recovery codes in the order added.
type RecoverySet struct {
	ID        string         `json:"id"`
	AccountID string         `json:"account_id"`
	Codes     []RecoveryCode `json:"codes,omitempty"`
	Stamp     Stamp          `json:"stamp"`
	Deleted   bool           `json:"deleted,omitempty"`
}

// HardwareKey is a FIDO2 key the user owns.
type HardwareKey struct {
	ID       string    `json:"id"`
	Nickname string    `json:"nickname,omitempty"`
	AAGUID   string    `json:"aaguid,omitempty"`
	Product  string    `json:"product,omitempty"`
	Added    time.Time `json:"added"`
	Lost     bool      `json:"lost,omitempty"`
	Accounts []string  `json:"accounts,omitempty"` // ids of accounts it is registered on
	SlotID   string    `json:"slot_id,omitempty"`  // its vault unlock slot, if any
	Stamp    Stamp     `json:"stamp"`
	Deleted  bool      `json:"deleted,omitempty"`
}

// AuditEvent is one entry of the audit log. It never holds a secret.
type AuditEvent struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
}

// Settings are the user's preferences; zero values mean the defaults.
type Settings struct {
	ClipboardClear time.Duration `json:"clipboard_clear,omitempty"`
	AutoLock       time.Duration `json:"auto_lock,omitempty"`
}

// Data is the vault's model.
type Data struct {
	// DeviceID is this installation's id, which Tick stamps changes with.
	// It is not stored in the vault: the Vault sets it from
	// Options.DeviceID (per-device local state) when it reads the file.
	DeviceID string           `json:"device_id"`
	Accounts []Account        `json:"accounts"`
	Recovery []RecoverySet    `json:"recovery,omitempty"`
	Keys     []HardwareKey    `json:"keys,omitempty"`
	Audit    []AuditEvent     `json:"audit,omitempty"`
	Settings Settings         `json:"settings"`
	Clock    Stamp            `json:"clock"`           // last stamp issued
	Trash    []TrashedAccount `json:"trash,omitempty"` // deleted accounts, for TrashDays days
}

const maxAudit = 10_000

// clone returns a deep copy of d.
func (d *Data) clone() *Data {
	c := *d
	c.Accounts = make([]Account, len(d.Accounts))
	for i, a := range d.Accounts {
		c.Accounts[i] = a.clone()
	}
	c.Recovery = slices.Clone(d.Recovery)
	for i := range c.Recovery {
		c.Recovery[i].Codes = slices.Clone(c.Recovery[i].Codes)
	}
	c.Keys = slices.Clone(d.Keys)
	for i := range c.Keys {
		c.Keys[i].Accounts = slices.Clone(c.Keys[i].Accounts)
	}
	c.Audit = slices.Clone(d.Audit)
	c.Trash = slices.Clone(d.Trash)
	for i := range c.Trash {
		c.Trash[i] = c.Trash[i].clone()
	}
	return &c
}

// wipe zeroes every account secret, those in the trash too.
func (d *Data) wipe() {
	for i := range d.Accounts {
		zero(d.Accounts[i].Secret)
	}
	for i := range d.Trash {
		zero(d.Trash[i].Account.Secret)
	}
}

// Tick returns the next hybrid logical clock stamp. Stamps only grow, even
// when the wall clock goes backwards.
func (d *Data) Tick(now time.Time) Stamp {
	s := Stamp{MS: now.UnixMilli(), Dev: d.DeviceID}
	if s.MS <= d.Clock.MS {
		s.MS, s.C = d.Clock.MS, d.Clock.C+1
		if s.C == 0 { // the counter wrapped: move to the next millisecond
			s.MS++
		}
	}
	d.Clock = s
	return s
}

// Live returns the accounts that are not deleted, as pointers into
// d.Accounts (valid until the next append).
func (d *Data) Live() []*Account {
	out := make([]*Account, 0, len(d.Accounts))
	for i := range d.Accounts {
		if !d.Accounts[i].Deleted {
			out = append(out, &d.Accounts[i])
		}
	}
	return out
}

// Account returns the live account with the given id, or nil.
func (d *Data) Account(id string) *Account {
	for i := range d.Accounts {
		if a := &d.Accounts[i]; a.ID == id && !a.Deleted {
			return a
		}
	}
	return nil
}

// Find looks up live accounts: an exact id; else the unique account whose
// "issuer:name" or issuer equals the query (case-insensitively); else every
// account whose "issuer:name" contains it. Several results mean the query
// is ambiguous; a blank query finds nothing.
func (d *Data) Find(query string) []*Account {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil
	}
	if a := d.Account(strings.TrimSpace(query)); a != nil {
		return []*Account{a}
	}
	var exact, sub []*Account
	var buf []byte
	for i := range d.Accounts {
		a := &d.Accounts[i]
		if a.Deleted {
			continue
		}
		var n int
		buf, n = lowerKey(buf, a)
		if string(buf) == q || string(buf[:n]) == q {
			exact = append(exact, a)
		}
		if strings.Contains(string(buf), q) {
			sub = append(sub, a)
		}
	}
	if len(exact) == 1 {
		return exact
	}
	return sub
}

// lowerKey writes the lower-case "issuer:name" of a into buf and returns it
// with the length of its issuer part. ASCII keys cost no allocation.
func lowerKey(buf []byte, a *Account) ([]byte, int) {
	buf = append(append(append(buf[:0], a.Issuer...), ':'), a.Name...)
	for i, c := range buf {
		if c >= utf8.RuneSelf {
			issuer := strings.ToLower(a.Issuer)
			return append(append(append(buf[:0], issuer...), ':'), strings.ToLower(a.Name)...), len(issuer)
		}
		if 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return buf, len(a.Issuer)
}

// AddAccount appends a copy of a with a new random ID, Created and Updated
// set to now and a fresh Stamp, and returns a pointer to it (valid until the
// next append).
func (d *Data) AddAccount(a Account, now time.Time) *Account {
	a = a.clone()
	a.ID = NewID(nil)
	a.Created, a.Updated = now, now
	a.Deleted = false
	a.Stamp = d.Tick(now)
	d.Accounts = append(d.Accounts, a)
	return &d.Accounts[len(d.Accounts)-1]
}

// DeleteAccount turns the live account id, and its recovery codes, into
// tombstones, keeping a copy of both in the trash (see TrashedAccount). It
// reports whether the account existed.
func (d *Data) DeleteAccount(id string, now time.Time) bool {
	a := d.Account(id)
	if a == nil {
		return false
	}
	d.trash(a, now)
	zero(a.Secret)
	*a = Account{ID: a.ID, Created: a.Created, Updated: now, Stamp: d.Tick(now), Deleted: true}
	if set := d.RecoveryFor(id); set != nil {
		*set = RecoverySet{ID: set.ID, AccountID: id, Stamp: d.Tick(now), Deleted: true}
	}
	return true
}

// Log appends an audit event, keeping the newest 10 000. Detail must not
// hold a secret; it is cut to 1 KiB.
func (d *Data) Log(now time.Time, kind, detail string) {
	d.logEvent(AuditEvent{ID: NewID(nil), At: now, Kind: kind, Detail: detail})
}

func (d *Data) logEvent(e AuditEvent) {
	e.Detail = termtext.Clean(e.Detail) // details quote labels older vaults may hold
	if len(e.Detail) > 1024 {
		e.Detail = strings.ToValidUTF8(e.Detail[:1024], "")
	}
	if len(e.Kind) > maxFieldLen {
		e.Kind = strings.ToValidUTF8(e.Kind[:maxFieldLen], "")
	}
	d.Audit = append(d.Audit, e)
	if n := len(d.Audit) - maxAudit; n > 0 {
		d.Audit = slices.Clone(d.Audit[n:])
	}
}

// carry appends the events (see Vault.Carry) whose ID is not in the log.
func (d *Data) carry(events []AuditEvent) {
	if len(events) == 0 {
		return
	}
	seen := make(map[string]bool, len(d.Audit))
	for _, e := range d.Audit {
		seen[e.ID] = true
	}
	for _, e := range events {
		if !isID(e.ID) {
			e.ID = NewID(nil)
		}
		if seen[e.ID] || !validTime(e.At) {
			continue
		}
		seen[e.ID] = true
		d.logEvent(e)
	}
}

package vault

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// Wire types, as the low bits of a field's tag (number<<3 | wire type).
const (
	wVarint = uint64(protowire.VarintType)
	wFixed  = uint64(protowire.Fixed64Type)
	wBytes  = uint64(protowire.BytesType)
)

// unmarshalPayload decodes a payload made by marshalPayload, or by a later
// version: fields it does not know are skipped. No length it reads can
// allocate more than b holds, and the number of records is capped as
// Data.validate caps it. On error every secret decoded so far is zeroed.
func unmarshalPayload(b []byte) (*payload, error) {
	dc := decoder{chunk: min(len(b), arenaChunk)}
	pl := &payload{}
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case plData<<3 | wBytes:
			if pl.Data == nil {
				pl.Data = &Data{}
			}
			r.check(dc.data(r.val, pl.Data))
		case plSlotKeys<<3 | wBytes:
			r.check(dc.slotKey(r.val, pl))
		}
	}
	if r.err == nil && pl.Data == nil {
		r.err = errors.New("no data")
	}
	if r.err != nil {
		pl.wipe()
		return nil, r.err
	}
	return pl, nil
}

// wipe zeroes the payload's secrets.
func (pl *payload) wipe() {
	if pl.Data != nil {
		pl.Data.wipe()
	}
	for _, k := range pl.SlotKeys {
		zero(k)
	}
}

// arenaChunk is the size of the blocks that decoded strings and secrets
// share, so that decoding costs a few allocations rather than several per
// account.
const arenaChunk = 32 << 10

// decoder holds the state of one decoding: the records and list items
// decoded so far (maxItems) and the current arena blocks.
type decoder struct {
	items   int
	chunk   int             // size of a new block
	strs    strings.Builder // only ever appended to: earlier strings stay valid
	secrets []byte
	dev     string // the last Stamp.Dev: nearly all stamps share it
}

// str returns a copy of b as a string from the current block.
func (dc *decoder) str(b []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case len(b) > dc.chunk/8:
		return string(b)
	case dc.strs.Cap()-dc.strs.Len() < len(b):
		dc.strs = strings.Builder{}
		dc.strs.Grow(dc.chunk)
	}
	n := dc.strs.Len()
	dc.strs.Write(b)
	return dc.strs.String()[n:]
}

// secret returns a copy of b, nil when empty, from the current block of
// secrets. The copy's capacity ends where it does, so appending to it
// cannot touch the next secret; zeroing it zeroes its part of the block.
func (dc *decoder) secret(b []byte) []byte {
	switch {
	case len(b) == 0:
		return nil
	case len(b) > dc.chunk/8:
		return bytes.Clone(b)
	case cap(dc.secrets)-len(dc.secrets) < len(b):
		dc.secrets = make([]byte, 0, dc.chunk)
	}
	n := len(dc.secrets)
	dc.secrets = append(dc.secrets, b...)
	return dc.secrets[n:len(dc.secrets):len(dc.secrets)]
}

// reserve admits n more items into a list of have items that holds at most
// max.
func (dc *decoder) reserve(n, have, max int, what string) error {
	if have+n > max {
		return fmt.Errorf("more than %d %s", max, what)
	}
	if dc.items += n; dc.items > maxItems {
		return fmt.Errorf("more than %d records and list items", maxItems)
	}
	return nil
}

func (dc *decoder) data(b []byte, d *Data) error {
	var n [dTrash + 1]int
	if err := countFields(b, n[:]); err != nil {
		return err
	}
	for _, err := range []error{
		dc.reserve(n[dAccounts], len(d.Accounts), maxAccounts, "accounts"),
		dc.reserve(n[dRecovery], len(d.Recovery), maxAccounts, "recovery code sets"),
		dc.reserve(n[dKeys], len(d.Keys), maxAccounts, "hardware keys"),
		dc.reserve(n[dAudit], len(d.Audit), maxAudit, "audit events"),
		dc.reserve(n[dTrash], len(d.Trash), maxAccounts, "accounts in the trash"),
	} {
		if err != nil {
			return err
		}
	}
	d.Accounts = slices.Grow(d.Accounts, n[dAccounts])
	d.Recovery = slices.Grow(d.Recovery, n[dRecovery])
	d.Keys = slices.Grow(d.Keys, n[dKeys])
	d.Audit = slices.Grow(d.Audit, n[dAudit])
	d.Trash = slices.Grow(d.Trash, n[dTrash])
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case dAccounts<<3 | wBytes:
			d.Accounts = append(d.Accounts, Account{})
			r.check(dc.account(r.val, &d.Accounts[len(d.Accounts)-1]))
		case dRecovery<<3 | wBytes:
			d.Recovery = append(d.Recovery, RecoverySet{})
			r.check(dc.recoverySet(r.val, &d.Recovery[len(d.Recovery)-1]))
		case dKeys<<3 | wBytes:
			d.Keys = append(d.Keys, HardwareKey{})
			r.check(dc.hardwareKey(r.val, &d.Keys[len(d.Keys)-1]))
		case dAudit<<3 | wBytes:
			d.Audit = append(d.Audit, AuditEvent{})
			r.check(dc.auditEvent(r.val, &d.Audit[len(d.Audit)-1]))
		case dSettings<<3 | wBytes:
			r.check(dc.settings(r.val, &d.Settings))
		case dClock<<3 | wBytes:
			r.check(dc.stamp(r.val, &d.Clock))
		case dTrash<<3 | wBytes:
			d.Trash = append(d.Trash, TrashedAccount{})
			r.check(dc.trashed(r.val, &d.Trash[len(d.Trash)-1]))
		}
	}
	return r.err
}

func (dc *decoder) account(b []byte, a *Account) error {
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case aID<<3 | wBytes:
			a.ID = dc.str(r.val)
		case aIssuer<<3 | wBytes:
			a.Issuer = dc.str(r.val)
		case aName<<3 | wBytes:
			a.Name = dc.str(r.val)
		case aSecret<<3 | wBytes:
			zero(a.Secret)
			a.Secret = dc.secret(r.val)
		case aType<<3 | wBytes:
			a.Type = dc.str(r.val)
		case aAlgorithm<<3 | wBytes:
			a.Algorithm = dc.str(r.val)
		case aDigits<<3 | wVarint:
			a.Digits = r.int()
		case aPeriod<<3 | wVarint:
			a.Period = r.int()
		case aCounter<<3 | wVarint:
			a.Counter = r.u
		case aCreated<<3 | wFixed:
			a.Created = r.time()
		case aUpdated<<3 | wFixed:
			a.Updated = r.time()
		case aStamp<<3 | wBytes:
			r.check(dc.stamp(r.val, &a.Stamp))
		case aLastUsed<<3 | wFixed:
			a.LastUsed = r.time()
		case aUseCount<<3 | wVarint:
			a.UseCount = r.int()
		case aDeleted<<3 | wVarint:
			a.Deleted = r.u != 0
		case aPinned<<3 | wVarint:
			a.Pinned = r.u != 0
		case aTags<<3 | wBytes:
			if r.check(dc.reserve(1, len(a.Tags), maxTags, "tags")) {
				a.Tags = append(a.Tags, dc.str(r.val))
			}
		case aNotes<<3 | wBytes:
			a.Notes = dc.str(r.val)
		case aURL<<3 | wBytes:
			a.URL = dc.str(r.val)
		}
	}
	return r.err
}

func (dc *decoder) recoverySet(b []byte, s *RecoverySet) error {
	var n [rsCodes + 1]int
	if err := countFields(b, n[:]); err != nil {
		return err
	}
	if err := dc.reserve(n[rsCodes], len(s.Codes), maxCodes, "recovery codes in a set"); err != nil {
		return err
	}
	s.Codes = slices.Grow(s.Codes, n[rsCodes])
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case rsID<<3 | wBytes:
			s.ID = dc.str(r.val)
		case rsAccountID<<3 | wBytes:
			s.AccountID = dc.str(r.val)
		case rsCodes<<3 | wBytes:
			s.Codes = append(s.Codes, RecoveryCode{})
			r.check(dc.recoveryCode(r.val, &s.Codes[len(s.Codes)-1]))
		case rsStamp<<3 | wBytes:
			r.check(dc.stamp(r.val, &s.Stamp))
		case rsDeleted<<3 | wVarint:
			s.Deleted = r.u != 0
		}
	}
	return r.err
}

func (dc *decoder) trashed(b []byte, t *TrashedAccount) error {
	var n [taRecovery + 1]int
	if err := countFields(b, n[:]); err != nil {
		return err
	}
	if err := dc.reserve(n[taRecovery], len(t.Recovery), maxCodes, "recovery codes in the trash"); err != nil {
		return err
	}
	t.Recovery = slices.Grow(t.Recovery, n[taRecovery])
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case taAccount<<3 | wBytes:
			r.check(dc.account(r.val, &t.Account))
		case taRecovery<<3 | wBytes:
			t.Recovery = append(t.Recovery, RecoveryCode{})
			r.check(dc.recoveryCode(r.val, &t.Recovery[len(t.Recovery)-1]))
		case taDeletedAt<<3 | wFixed:
			t.DeletedAt = r.time()
		case taReason<<3 | wBytes:
			t.Reason = dc.str(r.val)
		}
	}
	return r.err
}

func (dc *decoder) recoveryCode(b []byte, c *RecoveryCode) error {
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case rcCode<<3 | wBytes:
			c.Code = dc.str(r.val)
		case rcAdded<<3 | wFixed:
			c.Added = r.time()
		case rcUsedAt<<3 | wFixed:
			c.UsedAt = r.time()
		}
	}
	return r.err
}

func (dc *decoder) hardwareKey(b []byte, k *HardwareKey) error {
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case hkID<<3 | wBytes:
			k.ID = dc.str(r.val)
		case hkNickname<<3 | wBytes:
			k.Nickname = dc.str(r.val)
		case hkAAGUID<<3 | wBytes:
			k.AAGUID = dc.str(r.val)
		case hkProduct<<3 | wBytes:
			k.Product = dc.str(r.val)
		case hkAdded<<3 | wFixed:
			k.Added = r.time()
		case hkLost<<3 | wVarint:
			k.Lost = r.u != 0
		case hkAccounts<<3 | wBytes:
			if r.check(dc.reserve(1, len(k.Accounts), maxAccounts, "accounts of a hardware key")) {
				k.Accounts = append(k.Accounts, dc.str(r.val))
			}
		case hkSlotID<<3 | wBytes:
			k.SlotID = dc.str(r.val)
		case hkStamp<<3 | wBytes:
			r.check(dc.stamp(r.val, &k.Stamp))
		case hkDeleted<<3 | wVarint:
			k.Deleted = r.u != 0
		}
	}
	return r.err
}

func (dc *decoder) auditEvent(b []byte, e *AuditEvent) error {
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case aeID<<3 | wBytes:
			e.ID = dc.str(r.val)
		case aeAt<<3 | wFixed:
			e.At = r.time()
		case aeKind<<3 | wBytes:
			e.Kind = dc.str(r.val)
		case aeDetail<<3 | wBytes:
			e.Detail = dc.str(r.val)
		}
	}
	return r.err
}

func (dc *decoder) settings(b []byte, s *Settings) error {
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case setClipboardClear<<3 | wVarint:
			s.ClipboardClear = time.Duration(r.u)
		case setAutoLock<<3 | wVarint:
			s.AutoLock = time.Duration(r.u)
		}
	}
	return r.err
}

func (dc *decoder) stamp(b []byte, s *Stamp) error {
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case stMS<<3 | wVarint:
			s.MS = int64(r.u)
		case stC<<3 | wVarint:
			s.C = uint32(r.u)
		case stDev<<3 | wBytes:
			if string(r.val) != dc.dev {
				dc.dev = dc.str(r.val)
			}
			s.Dev = dc.dev
		}
	}
	return r.err
}

// slotKey decodes one slot-key entry into pl.SlotKeys; a later entry for
// the same slot replaces an earlier one, as in a protobuf map.
func (dc *decoder) slotKey(b []byte, pl *payload) error {
	var id string
	var key []byte
	r := reader{b: b}
	for r.next() {
		switch r.tag {
		case skSlotID<<3 | wBytes:
			id = dc.str(r.val)
		case skKey<<3 | wBytes:
			zero(key)
			key = r.bytes()
		}
	}
	if r.err == nil && len(key) != keyLen {
		r.err = fmt.Errorf("slot key of %d bytes", len(key))
	}
	old, replaces := pl.SlotKeys[id]
	if r.err == nil && !replaces && len(pl.SlotKeys) >= maxSlots {
		r.err = fmt.Errorf("more than %d slot keys", maxSlots)
	}
	if r.err != nil {
		zero(key)
		return r.err
	}
	zero(old)
	if pl.SlotKeys == nil {
		pl.SlotKeys = make(map[string][]byte, 4)
	}
	pl.SlotKeys[id] = key
	return nil
}

// countFields adds to counts[num] the number of length-delimited fields num
// of b, for every num below len(counts).
func countFields(b []byte, counts []int) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		if typ == protowire.BytesType && int(num) < len(counts) {
			counts[num]++
		}
		b = b[n+m:]
	}
	return nil
}

// reader walks the fields of one message.
type reader struct {
	b   []byte // what is left
	tag uint64 // of the current field: number<<3 | wire type
	u   uint64 // its varint or fixed64 value
	val []byte // its bytes, aliasing the input
	err error  // the first error; it ends the walk
}

// next reads the next field, of any wire type (groups and fixed32 fields are
// skipped whole), and reports whether there is one. Tags, varints and
// lengths of one byte, the common case, take a fast path.
func (r *reader) next() bool {
	if r.err != nil || len(r.b) == 0 {
		return false
	}
	num, typ, n := protowire.Number(r.b[0]>>3), protowire.Type(r.b[0]&7), 1
	if r.b[0] >= 0x80 || num == 0 {
		if num, typ, n = protowire.ConsumeTag(r.b); n < 0 {
			r.err = protowire.ParseError(n)
			return false
		}
	}
	b := r.b[n:]
	switch {
	case typ == protowire.VarintType && len(b) > 0 && b[0] < 0x80:
		r.u, n = uint64(b[0]), 1
	case typ == protowire.VarintType:
		r.u, n = protowire.ConsumeVarint(b)
	case typ == protowire.Fixed64Type:
		r.u, n = protowire.ConsumeFixed64(b)
	case typ == protowire.BytesType && len(b) > 0 && b[0] < 0x80 && int(b[0]) < len(b):
		r.val, n = b[1:1+b[0]], 1+int(b[0])
	case typ == protowire.BytesType:
		r.val, n = protowire.ConsumeBytes(b)
	default:
		n = protowire.ConsumeFieldValue(num, typ, b)
	}
	if n < 0 {
		r.err = protowire.ParseError(n)
		return false
	}
	r.tag, r.b = uint64(num)<<3|uint64(typ), b[n:]
	return true
}

// check records err, if it is the first error, and reports whether the
// walk is still error-free.
func (r *reader) check(err error) bool {
	if r.err == nil {
		r.err = err
	}
	return r.err == nil
}

func (r *reader) int() int { return int(int64(r.u)) }

// bytes returns a copy of the field's bytes, nil when empty.
func (r *reader) bytes() []byte {
	if len(r.val) == 0 {
		return nil
	}
	return bytes.Clone(r.val)
}

func (r *reader) time() time.Time { return time.Unix(0, int64(r.u)).UTC() }

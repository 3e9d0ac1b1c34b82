package vault

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// payload is the plaintext sealed under the DEK: the data and every slot's
// slot key. Its encoding is described in the package documentation.
type payload struct {
	Data     *Data
	SlotKeys map[string][]byte // slot id → slot key
}

// Field numbers of the payload encoding (see the package documentation).
// A number is never reused or renumbered: old files must keep decoding.
const (
	plData     = 1
	plSlotKeys = 2

	skSlotID = 1
	skKey    = 2

	dDeviceID = 1 // no longer written (the device id is local state); skipped
	dAccounts = 2
	dRecovery = 3
	dKeys     = 4
	dAudit    = 5
	dSettings = 6
	dClock    = 7
	dTrash    = 8

	stMS  = 1
	stC   = 2
	stDev = 3

	aID        = 1
	aIssuer    = 2
	aName      = 3
	aSecret    = 4
	aType      = 5
	aAlgorithm = 6
	aDigits    = 7
	aPeriod    = 8
	aCounter   = 9
	aCreated   = 10
	aUpdated   = 11
	aStamp     = 12
	aLastUsed  = 13
	aUseCount  = 14
	aDeleted   = 15
	aPinned    = 16
	aTags      = 17
	aNotes     = 18
	aURL       = 19

	rsID        = 1
	rsAccountID = 2
	rsCodes     = 3
	rsStamp     = 4
	rsDeleted   = 5

	rcCode   = 1
	rcAdded  = 2
	rcUsedAt = 3

	hkID       = 1
	hkNickname = 2
	hkAAGUID   = 3
	hkProduct  = 4
	hkAdded    = 5
	hkLost     = 6
	hkAccounts = 7
	hkSlotID   = 8
	hkStamp    = 9
	hkDeleted  = 10

	aeID     = 1
	aeAt     = 2
	aeKind   = 3
	aeDetail = 4

	setClipboardClear = 1
	setAutoLock       = 2

	taAccount   = 1
	taRecovery  = 2
	taDeletedAt = 3
	taReason    = 4
)

// marshalPayload encodes the payload. The buffer is sized up front so that
// it never grows: no copy of a secret is left behind in a discarded buffer.
// The caller zeroes the result.
func marshalPayload(d *Data, keys map[string][]byte) ([]byte, error) {
	if len(keys) > maxSlots {
		return nil, fmt.Errorf("%d slot keys (max %d): %w", len(keys), maxSlots, ErrLimit)
	}
	b := make([]byte, 0, payloadBound(d, keys))
	b, start := openMsg(b, plData)
	b = appendData(b, d)
	b = closeMsg(b, start)
	// Sorted, so that equal payloads encode to equal bytes.
	for _, id := range slices.Sorted(maps.Keys(keys)) {
		if len(keys[id]) != keyLen {
			zero(b)
			return nil, fmt.Errorf("slot %s: slot key of %d bytes", id, len(keys[id]))
		}
		b, start = openMsg(b, plSlotKeys)
		b = appendString(b, skSlotID, id)
		b = appendBytes(b, skKey, keys[id])
		b = closeMsg(b, start)
	}
	return b, nil
}

func appendData(b []byte, d *Data) []byte {
	for i := range d.Accounts {
		b = appendAccount(b, dAccounts, &d.Accounts[i])
	}
	for i := range d.Recovery {
		b = appendRecoverySet(b, &d.Recovery[i])
	}
	for i := range d.Keys {
		b = appendHardwareKey(b, &d.Keys[i])
	}
	for i := range d.Audit {
		b = appendAuditEvent(b, &d.Audit[i])
	}
	if d.Settings != (Settings{}) {
		var start int
		b, start = openMsg(b, dSettings)
		b = appendInt(b, setClipboardClear, int64(d.Settings.ClipboardClear))
		b = appendInt(b, setAutoLock, int64(d.Settings.AutoLock))
		b = closeMsg(b, start)
	}
	b = appendStamp(b, dClock, &d.Clock)
	for i := range d.Trash {
		b = appendTrashed(b, &d.Trash[i])
	}
	return b
}

func appendTrashed(b []byte, t *TrashedAccount) []byte {
	b, start := openMsg(b, dTrash)
	b = appendAccount(b, taAccount, &t.Account)
	for i := range t.Recovery {
		b = appendRecoveryCode(b, taRecovery, &t.Recovery[i])
	}
	b = appendTime(b, taDeletedAt, t.DeletedAt)
	b = appendString(b, taReason, t.Reason)
	return closeMsg(b, start)
}

// appendAccount appends a as the embedded message num.
func appendAccount(b []byte, num protowire.Number, a *Account) []byte {
	b, start := openMsg(b, num)
	b = appendString(b, aID, a.ID)
	b = appendString(b, aIssuer, a.Issuer)
	b = appendString(b, aName, a.Name)
	b = appendBytes(b, aSecret, a.Secret)
	b = appendString(b, aType, a.Type)
	b = appendString(b, aAlgorithm, a.Algorithm)
	b = appendInt(b, aDigits, int64(a.Digits))
	b = appendInt(b, aPeriod, int64(a.Period))
	b = appendVarint(b, aCounter, a.Counter)
	b = appendTime(b, aCreated, a.Created)
	b = appendTime(b, aUpdated, a.Updated)
	b = appendStamp(b, aStamp, &a.Stamp)
	b = appendTime(b, aLastUsed, a.LastUsed)
	b = appendInt(b, aUseCount, int64(a.UseCount))
	b = appendBool(b, aDeleted, a.Deleted)
	b = appendBool(b, aPinned, a.Pinned)
	for _, t := range a.Tags {
		b = protowire.AppendTag(b, aTags, protowire.BytesType)
		b = protowire.AppendString(b, t)
	}
	b = appendString(b, aNotes, a.Notes)
	b = appendString(b, aURL, a.URL)
	return closeMsg(b, start)
}

func appendRecoverySet(b []byte, r *RecoverySet) []byte {
	b, start := openMsg(b, dRecovery)
	b = appendString(b, rsID, r.ID)
	b = appendString(b, rsAccountID, r.AccountID)
	for i := range r.Codes {
		b = appendRecoveryCode(b, rsCodes, &r.Codes[i])
	}
	b = appendStamp(b, rsStamp, &r.Stamp)
	b = appendBool(b, rsDeleted, r.Deleted)
	return closeMsg(b, start)
}

func appendRecoveryCode(b []byte, num protowire.Number, c *RecoveryCode) []byte {
	b, start := openMsg(b, num)
	b = appendString(b, rcCode, c.Code)
	b = appendTime(b, rcAdded, c.Added)
	b = appendTime(b, rcUsedAt, c.UsedAt)
	return closeMsg(b, start)
}

func appendHardwareKey(b []byte, k *HardwareKey) []byte {
	b, start := openMsg(b, dKeys)
	b = appendString(b, hkID, k.ID)
	b = appendString(b, hkNickname, k.Nickname)
	b = appendString(b, hkAAGUID, k.AAGUID)
	b = appendString(b, hkProduct, k.Product)
	b = appendTime(b, hkAdded, k.Added)
	b = appendBool(b, hkLost, k.Lost)
	for _, id := range k.Accounts {
		b = protowire.AppendTag(b, hkAccounts, protowire.BytesType)
		b = protowire.AppendString(b, id)
	}
	b = appendString(b, hkSlotID, k.SlotID)
	b = appendStamp(b, hkStamp, &k.Stamp)
	b = appendBool(b, hkDeleted, k.Deleted)
	return closeMsg(b, start)
}

func appendAuditEvent(b []byte, e *AuditEvent) []byte {
	b, start := openMsg(b, dAudit)
	b = appendString(b, aeID, e.ID)
	b = appendTime(b, aeAt, e.At)
	b = appendString(b, aeKind, e.Kind)
	b = appendString(b, aeDetail, e.Detail)
	return closeMsg(b, start)
}

// appendStamp appends s as field num, or nothing when s is zero.
func appendStamp(b []byte, num protowire.Number, s *Stamp) []byte {
	if *s == (Stamp{}) {
		return b
	}
	b, start := openMsg(b, num)
	b = appendInt(b, stMS, s.MS)
	b = appendVarint(b, stC, uint64(s.C))
	b = appendString(b, stDev, s.Dev)
	return closeMsg(b, start)
}

// openMsg appends the tag of the embedded message num and a one-byte length
// placeholder; it returns where the message body starts, for closeMsg.
func openMsg(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return append(b, 0), len(b) + 1
}

// closeMsg writes the length of the body that starts at start, moving the
// body when its length needs more than one byte.
func closeMsg(b []byte, start int) []byte {
	n := len(b) - start
	if k := protowire.SizeVarint(uint64(n)); k > 1 {
		b = append(b, make([]byte, k-1)...)
		copy(b[start+k-1:], b[start:start+n])
	}
	protowire.AppendVarint(b[:start-1], uint64(n))
	return b
}

// The scalar appenders write nothing for a zero value: an absent field
// decodes as zero.

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	return protowire.AppendString(protowire.AppendTag(b, num, protowire.BytesType), s)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
}

func appendInt(b []byte, num protowire.Number, v int64) []byte {
	return appendVarint(b, num, uint64(v))
}

func appendBool(b []byte, num protowire.Number, v bool) []byte {
	if !v {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), 1)
}

// appendTime appends t as unix nanoseconds (sfixed64); the zero time is
// absent. Data.validate keeps times within the range of int64 nanoseconds.
func appendTime(b []byte, num protowire.Number, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return protowire.AppendFixed64(protowire.AppendTag(b, num, protowire.Fixed64Type), uint64(t.UnixNano()))
}

// Upper bounds of one encoded field, besides its bytes: a tag (field
// numbers below 2048 take two bytes), then a length prefix or a value.
const (
	strBound   = 2 + 5 // lengths below 32 GiB
	intBound   = 2 + binary.MaxVarintLen64
	timeBound  = 2 + 8
	boolBound  = 2 + 1
	stampBound = strBound + intBound + (2 + 5) + strBound
)

// payloadBound is an upper bound of the encoded size of a payload.
func payloadBound(d *Data, keys map[string][]byte) int {
	n := strBound + stampBound + len(d.Clock.Dev) + strBound + 2*intBound
	for id, k := range keys {
		n += 3*strBound + len(id) + len(k)
	}
	for i := range d.Accounts {
		n += accountBound(&d.Accounts[i])
	}
	for _, r := range d.Recovery {
		n += 3*strBound + len(r.ID) + len(r.AccountID) + stampBound + len(r.Stamp.Dev) + boolBound
		for _, c := range r.Codes {
			n += 2*strBound + len(c.Code) + 2*timeBound
		}
	}
	for _, k := range d.Keys {
		n += 6*strBound + len(k.ID) + len(k.Nickname) + len(k.AAGUID) + len(k.Product) + len(k.SlotID) +
			timeBound + 2*boolBound + stampBound + len(k.Stamp.Dev)
		for _, id := range k.Accounts {
			n += strBound + len(id)
		}
	}
	for _, e := range d.Audit {
		n += 4*strBound + len(e.ID) + len(e.Kind) + len(e.Detail) + timeBound
	}
	for i := range d.Trash {
		t := &d.Trash[i]
		n += 3*strBound + accountBound(&t.Account) + timeBound + len(t.Reason)
		for _, c := range t.Recovery {
			n += 2*strBound + len(c.Code) + 2*timeBound
		}
	}
	return n
}

func accountBound(a *Account) int {
	n := 9*strBound + len(a.ID) + len(a.Issuer) + len(a.Name) + len(a.Secret) + len(a.Type) +
		len(a.Algorithm) + len(a.Notes) + len(a.URL) + 4*intBound + 3*timeBound + 2*boolBound +
		stampBound + len(a.Stamp.Dev)
	for _, t := range a.Tags {
		n += strBound + len(t)
	}
	return n
}

// The range of times the encoding holds (unix nanoseconds in an int64).
var (
	minTime = time.Unix(0, -1<<63)
	maxTime = time.Unix(0, 1<<63-1)
)

// validTime reports whether t is zero or encodable.
func validTime(t time.Time) bool {
	return t.IsZero() || !t.Before(minTime) && !t.After(maxTime)
}

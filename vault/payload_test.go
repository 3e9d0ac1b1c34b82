package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// payloadGolden is populatedPayload encoded. It pins every field number:
// if it stops decoding, files written earlier stop opening.
const payloadGolden = "testdata/payload.bin"

func id(c byte) string { return strings.Repeat(string(c), idLen) }

func stampOf(ms int64, c uint32) Stamp { return Stamp{MS: ms, C: c, Dev: id('d')} }

// populatedPayload sets every field of the payload at least once, with
// times in UTC so that reflect.DeepEqual can compare decoded values.
func populatedPayload() *payload {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	epoch := time.Unix(0, 0).UTC()                           // unix nanoseconds 0: not the zero time
	before := time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC) // negative nanoseconds
	d := &Data{
		Accounts: []Account{{
			ID: id('1'), Issuer: "GitHub", Name: "alice@example.com", Secret: []byte("JBSWY3DPEHPK3PXP\x00\xff"),
			Type: "hotp", Algorithm: "SHA256", Digits: 8, Period: 60, Counter: 1<<64 - 1,
			Tags: []string{"work", "", "日本語"}, Notes: "line 1\nline 2 ✓", URL: "https://github.com/login",
			Pinned: true, Created: t0, Updated: t0.Add(time.Hour), LastUsed: before, UseCount: 42,
			Stamp: stampOf(t0.UnixMilli(), 7),
		}, {
			ID: id('2'), Issuer: "Ärzte Zoë 🦦", Name: "\u200bzero width", Secret: []byte{1}, Type: "steam",
			Digits: -1, Period: 1 << 40, Created: epoch, Updated: epoch, Stamp: stampOf(-5, 0),
		}, {
			ID: id('3'), Created: t0, Updated: t0, Stamp: stampOf(1, 1<<32-1), Deleted: true, // a tombstone
		}},
		Recovery: []RecoverySet{{
			ID: id('r'), AccountID: id('1'), Stamp: stampOf(9, 2),
			Codes: []RecoveryCode{{Code: "1111-2222", Added: t0, UsedAt: t0.Add(time.Minute)}, {Code: "ÿ", Added: epoch}},
		}, {ID: id('s'), AccountID: id('3'), Stamp: stampOf(10, 0), Deleted: true}},
		Keys: []HardwareKey{{
			ID: id('k'), Nickname: "blue key", AAGUID: "cb69481e-8ff7-4039-93ec-0a2729a154a8", Product: "YubiKey 5",
			Added: t0, Lost: true, Accounts: []string{id('1'), id('2')}, SlotID: id('5'), Stamp: stampOf(11, 0),
		}, {ID: id('l'), Stamp: stampOf(12, 0), Deleted: true}},
		Audit: []AuditEvent{
			{ID: id('a'), At: t0, Kind: "unlock", Detail: "password slot"},
			{ID: id('b'), At: before, Kind: "add"},
		},
		Settings: Settings{ClipboardClear: 20 * time.Second, AutoLock: -time.Nanosecond},
		Clock:    stampOf(t0.UnixMilli(), 3),
		Trash: []TrashedAccount{{
			Account: Account{
				ID: id('3'), Issuer: "Dropbox", Name: "bob", Secret: []byte("gone"), Type: "totp",
				Tags: []string{"old"}, Created: t0, Updated: t0, Stamp: stampOf(2, 0),
			},
			Recovery:  []RecoveryCode{{Code: "9999", Added: epoch, UsedAt: t0}, {Code: "8888", Added: before}},
			DeletedAt: t0.Add(time.Hour),
		}, {Account: Account{ID: id('4')}, DeletedAt: before}},
	}
	keys := map[string][]byte{id('5'): bytes.Repeat([]byte{5}, keyLen), id('6'): bytes.Repeat([]byte{6}, keyLen)}
	return &payload{Data: d, SlotKeys: keys}
}

func marshal(t testing.TB, pl *payload) []byte {
	t.Helper()
	b, err := marshalPayload(pl.Data, pl.SlotKeys)
	if err != nil {
		t.Fatalf("marshalPayload: %v", err)
	}
	if bound := payloadBound(pl.Data, pl.SlotKeys); len(b) > bound || cap(b) != bound {
		t.Fatalf("encoded %d bytes in a buffer of %d, bound %d: the buffer grew", len(b), cap(b), bound)
	}
	return b
}

func TestPayloadRoundTrip(t *testing.T) {
	want := populatedPayload()
	got, err := unmarshalPayload(marshal(t, want))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the payload:\n got %+v\nwant %+v", got.Data, want.Data)
	}
}

// payloadV1 is populatedPayload as encoded before the device id moved to
// local state and the trash was added: it still decodes, its device id
// (field 1) skipped.
const payloadV1 = "testdata/payload-1.bin"

func TestPayloadBeforeTrashDecodes(t *testing.T) {
	want := populatedPayload()
	want.Data.Trash = nil
	got, err := unmarshalPayload(readFile(t, payloadV1))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%s decodes to %+v, %v", payloadV1, got, err)
	}
}

func TestPayloadGolden(t *testing.T) {
	pl := populatedPayload()
	b := marshal(t, pl)
	if *update {
		writeFile(t, payloadGolden, b)
	}
	golden := readFile(t, payloadGolden)
	if !bytes.Equal(b, golden) {
		t.Errorf("the encoding of %s changed: field numbers and wire types must stay as documented", payloadGolden)
	}
	got, err := unmarshalPayload(golden)
	if err != nil || !reflect.DeepEqual(got, pl) {
		t.Errorf("%s decodes to %+v, %v", payloadGolden, got, err)
	}
}

// Empty and nil slices encode alike (no field) and decode as nil, as the
// package documentation says.
func TestPayloadEmptySlicesDecodeAsNil(t *testing.T) {
	d := &Data{Accounts: []Account{{ID: id('1'), Secret: []byte{}, Tags: []string{}}}, Recovery: []RecoverySet{{Codes: []RecoveryCode{}}},
		Keys: []HardwareKey{{Accounts: []string{}}}, Audit: []AuditEvent{}}
	got, err := unmarshalPayload(marshal(t, &payload{Data: d}))
	if err != nil {
		t.Fatal(err)
	}
	a, g := got.Data.Accounts[0], got.Data
	if a.Secret != nil || a.Tags != nil || g.Recovery[0].Codes != nil || g.Keys[0].Accounts != nil || g.Audit != nil || got.SlotKeys != nil {
		t.Errorf("empty slices decoded as %#v", got.Data)
	}
	got, err = unmarshalPayload(marshal(t, &payload{Data: &Data{}}))
	if err != nil || got.Data.Accounts != nil {
		t.Errorf("empty data decoded as %+v, %v", got, err)
	}
}

// Times decode in UTC, without a monotonic reading, equal to what was
// stored; the zero time stays zero.
func TestPayloadTimes(t *testing.T) {
	now := time.Now()
	d := &Data{Accounts: []Account{{Created: now, Updated: now.In(time.FixedZone("X", 3600))}}}
	got, err := unmarshalPayload(marshal(t, &payload{Data: d}))
	if err != nil {
		t.Fatal(err)
	}
	a := got.Data.Accounts[0]
	if !a.Created.Equal(now) || !a.Updated.Equal(now) || a.Created.Location() != time.UTC || !a.LastUsed.IsZero() {
		t.Errorf("times decoded as %v, %v, %v; want %v", a.Created, a.Updated, a.LastUsed, now)
	}
}

// A later version may add fields of any wire type anywhere: they are
// skipped.
func TestPayloadSkipsUnknownFields(t *testing.T) {
	unknown := func(b []byte) []byte {
		b = protowire.AppendTag(b, 1000, protowire.VarintType)
		b = protowire.AppendVarint(b, 1<<60)
		b = protowire.AppendTag(b, 1001, protowire.BytesType)
		b = protowire.AppendString(b, "future")
		b = protowire.AppendTag(b, 1002, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, 7)
		b = protowire.AppendTag(b, 1003, protowire.StartGroupType)
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
		b = protowire.AppendTag(b, 1003, protowire.EndGroupType)
		// A known number with another wire type is unknown too.
		b = protowire.AppendTag(b, aID, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, 1)
	}
	want := &Data{Accounts: []Account{{ID: id('1'), Issuer: "x"}}}
	var acct []byte
	acct = appendString(unknown(acct), aID, id('1'))
	acct = unknown(appendString(acct, aIssuer, "x"))
	var data []byte
	data = appendString(unknown(data), dDeviceID, id('d'))
	data = protowire.AppendBytes(protowire.AppendTag(data, dAccounts, protowire.BytesType), acct)
	b := protowire.AppendBytes(protowire.AppendTag(unknown(nil), plData, protowire.BytesType), unknown(data))
	got, err := unmarshalPayload(unknown(b))
	if err != nil || !reflect.DeepEqual(got.Data, want) {
		t.Errorf("decoded %+v, %v; want %+v", got, err, want)
	}
}

// repeated returns n copies of the length-delimited field num holding v.
func repeated(num protowire.Number, v []byte, n int) []byte {
	one := protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
	return bytes.Repeat(one, n)
}

func inData(b []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, plData, protowire.BytesType), b)
}

func TestPayloadRejects(t *testing.T) {
	code := repeated(rsCodes, nil, maxCodes)
	cases := []struct {
		name, b, want string
	}{
		{"no data", "", "no data"},
		{"truncated", string(marshal(t, populatedPayload())[:100]), "unexpected EOF"},
		{"length beyond the end", string(protowire.AppendVarint(protowire.AppendTag(nil, plData, protowire.BytesType), 1<<40)), "unexpected EOF"},
		{"field number 0", "\x02\x00", "invalid field number"},
		{"end group without start", string(protowire.AppendTag(nil, 5, protowire.EndGroupType)), "end group"},
		{"too many accounts", string(inData(repeated(dAccounts, nil, maxAccounts+1))), "more than 100000 accounts"},
		{"too many audit events", string(inData(repeated(dAudit, nil, maxAudit+1))), "more than 10000 audit events"},
		{"too many tags", string(inData(repeated(dAccounts, repeated(aTags, nil, maxTags+1), 1))), "more than 64 tags"},
		{"too many codes", string(inData(repeated(dRecovery, repeated(rsCodes, nil, maxCodes+1), 1))), "more than 1000 recovery codes"},
		{"too many items", string(inData(repeated(dRecovery, code, maxItems/maxCodes))), "more than 1000000 records"},
		{"short slot key", string(inData(nil)) + string(repeated(plSlotKeys, appendBytes(nil, skKey, []byte{1}), 1)), "slot key of 1 bytes"},
		{"too many slot keys", func() string {
			b := inData(nil)
			for range maxSlots + 1 {
				e := appendBytes(appendString(nil, skSlotID, NewID(nil)), skKey, make([]byte, keyLen))
				b = append(b, repeated(plSlotKeys, e, 1)...)
			}
			return string(b)
		}(), "more than 16 slot keys"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := unmarshalPayload([]byte(tc.b)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("decoding %d bytes: %v, want an error saying %q", len(tc.b), err, tc.want)
			}
		})
	}
}

func TestPayloadLimitsAtSave(t *testing.T) {
	v, _ := newVault(t)
	cases := map[string]func(d *Data){
		"date before 1678": func(d *Data) { d.AddAccount(Account{}, testNow).LastUsed = time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC) },
		"too many items": func(d *Data) {
			a := d.AddAccount(Account{}, testNow)
			d.AddRecoveryCodes(a.ID, []string{"x"}, testNow)
			d.Recovery[0].Codes = make([]RecoveryCode, maxCodes)
			for range maxItems / maxCodes {
				d.Recovery = append(d.Recovery, d.Recovery[0])
			}
		},
	}
	for name, change := range cases {
		err := v.Update(func(d *Data) error { change(d); return nil })
		if !errors.Is(err, ErrLimit) {
			t.Errorf("%s: Update = %v, want ErrLimit", name, err)
		}
	}
}

// FuzzPayload: decoding never panics, and whatever decodes re-encodes to
// bytes that decode to an equal payload.
func FuzzPayload(f *testing.F) {
	golden, err := os.ReadFile(payloadGolden)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(golden[:len(golden)/3])
	if v1, err := os.ReadFile(payloadV1); err == nil {
		f.Add(v1)
	}
	f.Add(inData(repeated(dAccounts, repeated(aTags, []byte("t"), 3), 2)))
	f.Fuzz(func(t *testing.T, b []byte) {
		pl, err := unmarshalPayload(b)
		if err != nil {
			return
		}
		again, err := unmarshalPayload(marshal(t, pl))
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, pl) {
			t.Fatalf("re-encoding changed the payload:\n got %+v\nwant %+v", again.Data, pl.Data)
		}
	})
}

// A payload that decrypts but does not decode is corruption, never a
// wrong credential, and the error names the backup to restore.
func TestUndecodablePayloadIsCorrupt(t *testing.T) {
	v, c := newVault(t)
	addAccount(t, v, "GitHub") // generation 2; generation 1 is backed up
	st := v.snapshot()
	st.hdr.Generation++
	out, err := encode(&st.hdr, inData(repeated(dAccounts, []byte{0xff}, 1)), st.dek, v.o.rand)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, v.Path(), out)
	l, err := Load(v.Path(), testOptions())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	_, err = l.Unlock(c.pw)
	assertCorrupt(t, "Unlock", err, filepath.Join(filepath.Dir(v.Path()), "backups", "vault.otter.1"))
	if !strings.Contains(err.Error(), "unreadable payload") {
		t.Errorf("Unlock = %v, want it to say the payload is unreadable", err)
	}
}

package otp

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// The test's own protobuf encoder, written field by field from the
// MigrationPayload schema, independent of EncodeMigration.

type wireParams struct {
	secret                 []byte
	name, issuer           string
	algorithm, digits, typ uint64
	counter                int64
	extra                  []byte // appended verbatim
}

func (p wireParams) marshal() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, p.secret)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, p.name)
	if p.issuer != "" {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendString(b, p.issuer)
	}
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, p.algorithm)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, p.digits)
	b = protowire.AppendTag(b, 6, protowire.VarintType)
	b = protowire.AppendVarint(b, p.typ)
	if p.counter != 0 {
		b = protowire.AppendTag(b, 7, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(p.counter))
	}
	return append(b, p.extra...)
}

func payload(params []wireParams, version, size, index, id int32) []byte {
	var b []byte
	for _, p := range params {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, p.marshal())
	}
	for num, v := range map[protowire.Number]int32{2: version, 3: size, 4: index, 5: id} {
		b = protowire.AppendTag(b, num, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(v)))
	}
	return b
}

func migrationURI(b []byte) string {
	return "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(b))
}

func TestParseMigration(t *testing.T) {
	s20 := rfc6238Seeds[SHA1]
	s32 := rfc6238Seeds[SHA256]
	params := []wireParams{
		{secret: s20, name: "ACME Co:alice@example.com", issuer: "ACME Co", algorithm: 1, digits: 1, typ: 2},
		{secret: s32, name: "bob", issuer: "Big Bank", algorithm: 2, digits: 2, typ: 2},
		{secret: hello, name: "Label: carol", algorithm: 3, digits: 1, typ: 1, counter: 42},
		{secret: hello, name: "defaults"}, // every enum unspecified
		{secret: hello, name: "Label:dave", issuer: "Issuer", algorithm: 1, digits: 1, typ: 2,
			extra: protowire.AppendString(protowire.AppendTag(nil, 99, protowire.BytesType), "unknown field")},
	}
	want := []*Key{
		{Type: TypeTOTP, Issuer: "ACME Co", Account: "alice@example.com", Secret: s20, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "Big Bank", Account: "bob", Secret: s32, Algorithm: SHA256, Digits: 8, Period: 30},
		{Type: TypeHOTP, Issuer: "Label", Account: "carol", Secret: hello, Algorithm: SHA512, Digits: 6, Counter: 42},
		{Type: TypeTOTP, Account: "defaults", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "Issuer", Account: "dave", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
	}
	keys, batch, err := ParseMigration(migrationURI(payload(params, 1, 1, 0, -123456789)))
	if err != nil {
		t.Fatal(err)
	}
	checkKeys(t, keys, want)
	if want := (Batch{Version: 1, Size: 1, Index: 0, ID: -123456789}); *batch != want {
		t.Errorf("batch = %+v, want %+v", *batch, want)
	}
}

func checkKeys(t *testing.T, got, want []*Key) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d keys, want %d", len(got), len(want))
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			t.Errorf("key %d =\n%v, want\n%v", i, got[i], want[i])
		}
	}
}

// TestParseMigrationBatches decodes a three-part export and reassembles it.
func TestParseMigrationBatches(t *testing.T) {
	var all []wireParams
	var want []*Key
	for i, name := range []string{"one", "two", "three", "four", "five"} {
		secret := []byte(strings.Repeat(name, 4))
		all = append(all, wireParams{secret: secret, name: name, issuer: "Batch", algorithm: 1, digits: 1, typ: uint64(1 + i%2), counter: int64(i)})
		k := &Key{Type: []Type{TypeHOTP, TypeTOTP}[i%2], Issuer: "Batch", Account: name, Secret: secret, Algorithm: SHA1, Digits: 6, Counter: uint64(i)}
		if k.Type == TypeTOTP {
			k.Period = 30
		}
		want = append(want, k)
	}
	parts := [][]wireParams{all[:2], all[2:4], all[4:]}
	var got []*Key
	for i, p := range parts {
		keys, batch, err := ParseMigration(migrationURI(payload(p, 1, 3, int32(i), 77)))
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if want := (Batch{Version: 1, Size: 3, Index: i, ID: 77}); *batch != want {
			t.Errorf("part %d: batch = %+v, want %+v", i, *batch, want)
		}
		got = append(got, keys...)
	}
	checkKeys(t, got, want)
}

func TestParseMigrationEncodings(t *testing.T) {
	b := payload([]wireParams{{secret: []byte{0xfb, 0xff, 0xfe, 0xfa, 0xbe}, name: "x>?", algorithm: 1, digits: 1, typ: 2}}, 1, 1, 0, -1)
	std := base64.StdEncoding.EncodeToString(b)
	if !strings.ContainsAny(std, "+/") || !strings.Contains(std, "=") {
		t.Fatalf("test payload %s does not exercise + / and padding", std)
	}
	for _, data := range []string{
		url.QueryEscape(std),
		std, // + and / unescaped
		strings.TrimRight(std, "="),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		url.QueryEscape(std[:20] + "\n" + std[20:]),
	} {
		uri := "otpauth-migration://offline?data=" + data
		keys, _, err := ParseMigration(uri)
		if err != nil {
			t.Errorf("ParseMigration(%q): %v", uri, err)
			continue
		}
		if len(keys) != 1 || keys[0].Account != "x>?" || string(keys[0].Secret) != "\xfb\xff\xfe\xfa\xbe" {
			t.Errorf("ParseMigration(%q) = %v", uri, keys)
		}
	}
	if _, _, err := ParseMigration("OTPAUTH-MIGRATION://OFFLINE?DATA=" + std); err != nil {
		t.Errorf("upper-case URI: %v", err)
	}
}

func TestParseMigrationRejects(t *testing.T) {
	ok := wireParams{secret: hello, name: "a", algorithm: 1, digits: 1, typ: 2}
	with := func(edit func(*wireParams)) string {
		p := ok
		edit(&p)
		return migrationURI(payload([]wireParams{ok, p}, 1, 1, 0, 1))
	}
	raw := func(b []byte) string { return migrationURI(b) }
	tests := []struct {
		in, field, msg string
	}{
		{"otpauth://offline?data=AAAA", "uri", "scheme"},
		{"otpauth-migration:offline?data=AAAA", "uri", "form"},
		{"otpauth-migration://online?data=AAAA", "uri", "offline"},
		{"otpauth-migration://offline?" + strings.Repeat("a", 64<<10), "uri", "too long"},
		{"otpauth-migration://offline", "data", "missing"},
		{"otpauth-migration://offline?data=", "data", "missing"},
		{"otpauth-migration://offline?data=%zz", "data", "escape"},
		{"otpauth-migration://offline?data=A", "data", "base64"},
		{"otpauth-migration://offline?data=!!!!", "data", "base64"},
		{raw([]byte{0x0a, 0x05, 0x01}), "data", "protobuf"},
		{raw([]byte{0xff}), "data", "protobuf"},
		{raw([]byte{0x08, 0x01}), "data", "wire type"},
		{raw(payload(nil, 1, 1, 0, 1)), "data", "no accounts"},
		{with(func(p *wireParams) { p.algorithm = 4 }), "algorithm", "MD5 (account 2)"},
		{with(func(p *wireParams) { p.algorithm = 9 }), "algorithm", "unknown"},
		{with(func(p *wireParams) { p.digits = 3 }), "digits", "unknown"},
		{with(func(p *wireParams) { p.typ = 3 }), "type", "unknown"},
		{with(func(p *wireParams) { p.typ, p.counter = 1, -1 }), "counter", "negative"},
		{with(func(p *wireParams) { p.secret = nil }), "secret", "empty (account 2)"},
		{with(func(p *wireParams) { p.secret = make([]byte, 2000) }), "secret", "too long"},
		{with(func(p *wireParams) { p.name = "\xff" }), "label", "UTF-8"},
		{with(func(p *wireParams) { p.name = "a\x1b[2Jb" }), "label", "control"},
		{with(func(p *wireParams) { p.name = strings.Repeat("n", 300) }), "label", "too long"},
		{with(func(p *wireParams) { p.issuer = "\xff" }), "issuer", "UTF-8"},
		{with(func(p *wireParams) { p.issuer = strings.Repeat("i", 300) }), "issuer", "too long"},
		{with(func(p *wireParams) { p.extra = []byte{0x10, 0x01} }), "data", "wire type"},
	}
	for _, tt := range tests {
		keys, _, err := ParseMigration(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseMigration(%.80q) = %v, %v; want *ParseError for %s", tt.in, keys, err, tt.field)
			continue
		}
		if pe.Field != tt.field || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("ParseMigration(%.80q): field %q, message %q; want field %q, message containing %q", tt.in, pe.Field, pe.Msg, tt.field, tt.msg)
		}
	}
}

type migrationExample struct {
	Source string
	URI    string
	Batch  Batch
	Keys   []struct {
		Type            Type
		Issuer, Account string
		Secret          string
		Algorithm       Algorithm
		Digits, Period  int
		Counter         uint64
	}
}

func readMigrationExamples(t testing.TB) []migrationExample {
	t.Helper()
	data, err := os.ReadFile("testdata/migration.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Examples []migrationExample }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Examples
}

// TestParseMigrationPublicExamples decodes exports published by other
// projects.
func TestParseMigrationPublicExamples(t *testing.T) {
	examples := readMigrationExamples(t)
	if len(examples) == 0 {
		t.Fatal("no examples in testdata/migration.json")
	}
	for _, ex := range examples {
		keys, batch, err := ParseMigration(ex.URI)
		if err != nil {
			t.Errorf("%s: %v", ex.Source, err)
			continue
		}
		var want []*Key
		for _, k := range ex.Keys {
			want = append(want, &Key{Type: k.Type, Issuer: k.Issuer, Account: k.Account, Secret: mustDecode(t, k.Secret),
				Algorithm: k.Algorithm, Digits: k.Digits, Period: k.Period, Counter: k.Counter})
		}
		checkKeys(t, keys, want)
		if *batch != ex.Batch {
			t.Errorf("%s: batch = %+v, want %+v", ex.Source, *batch, ex.Batch)
		}
	}
}

func TestEncodeMigrationRoundTrip(t *testing.T) {
	keys := []*Key{
		{Type: TypeTOTP, Issuer: "ACME Co", Account: "alice@example.com", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "Café ☕", Account: "東京 bob", Secret: rfc6238Seeds[SHA512], Algorithm: SHA512, Digits: 8, Period: 30},
		{Type: TypeHOTP, Issuer: "", Account: "c:d", Secret: hello, Algorithm: SHA256, Digits: 6, Counter: 1 << 40},
		{Type: TypeHOTP, Issuer: "x:y", Account: "e:f", Secret: hello, Algorithm: SHA1, Digits: 8},
		{Type: TypeTOTP, Issuer: "", Account: "", Secret: []byte{1}, Algorithm: SHA1, Digits: 6, Period: 30},
	}
	for _, b := range []Batch{{}, {Version: 1, Size: 1, Index: 0, ID: -5}, {Version: 1, Size: 4, Index: 3, ID: 1<<31 - 1}} {
		uri, err := EncodeMigration(keys, b)
		if err != nil {
			t.Fatal(err)
		}
		got, batch, err := ParseMigration(uri)
		if err != nil {
			t.Fatalf("ParseMigration(%q): %v", uri, err)
		}
		checkKeys(t, got, keys)
		if *batch != b {
			t.Errorf("batch = %+v, want %+v", *batch, b)
		}
	}
	// The public examples re-encode to the same keys.
	for _, ex := range readMigrationExamples(t) {
		keys, batch, err := ParseMigration(ex.URI)
		if err != nil {
			t.Fatal(err)
		}
		uri, err := EncodeMigration(keys, *batch)
		if err != nil {
			t.Fatal(err)
		}
		again, _, err := ParseMigration(uri)
		if err != nil {
			t.Fatal(err)
		}
		checkKeys(t, again, keys)
	}
}

func TestEncodeMigrationRejects(t *testing.T) {
	ok := Key{Type: TypeTOTP, Account: "a", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30}
	tests := []struct {
		edit func(*Key)
		b    Batch
		msg  string
	}{
		{func(k *Key) { k.Type, k.Digits = TypeSteam, 5 }, Batch{}, "steam"},
		{func(k *Key) { k.Digits = 7 }, Batch{}, "7 digits"},
		{func(k *Key) { k.Period = 60 }, Batch{}, "period 60"},
		{func(k *Key) { k.Type, k.Counter = TypeHOTP, 1<<63 }, Batch{}, "counter"},
		{func(k *Key) { k.Secret = nil }, Batch{}, "secret"},
		{func(k *Key) {}, Batch{ID: 1 << 32}, "int32"},
	}
	for _, tt := range tests {
		k := ok
		tt.edit(&k)
		uri, err := EncodeMigration([]*Key{&ok, &k}, tt.b)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("EncodeMigration(%v, %+v) = %q, %v; want error containing %q", k, tt.b, uri, err, tt.msg)
		}
	}
}

// TestParseMigrationInt32 checks that batch fields are int32s, whether a
// negative value is sign-extended to 64 bits (as protobuf encoders do) or
// not.
func TestParseMigrationInt32(t *testing.T) {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, wireParams{secret: hello, name: "a"}.marshal())
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(uint32(0xF8A432EB)))
	_, batch, err := ParseMigration(migrationURI(b))
	if err != nil {
		t.Fatal(err)
	}
	if batch.ID != -123456789 {
		t.Errorf("batch ID = %d, want -123456789", batch.ID)
	}
}

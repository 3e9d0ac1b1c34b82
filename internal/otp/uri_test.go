package otp

import (
	"errors"
	"strings"
	"testing"
)

// hello is the secret of the Key-Uri-Format examples, JBSWY3DPEHPK3PXP.
var hello = []byte("Hello!\xde\xad\xbe\xef")

func TestParseURI(t *testing.T) {
	totp := func(issuer, account string) *Key {
		return &Key{Type: TypeTOTP, Issuer: issuer, Account: account, Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30}
	}
	tests := []struct {
		in   string
		want *Key
	}{
		// The examples of the Key-Uri-Format.
		{"otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example", totp("Example", "alice@google.com")},
		{"otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
			&Key{Type: TypeTOTP, Issuer: "ACME Co", Account: "john.doe@email.com", Secret: mustDecode(t, "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"), Algorithm: SHA1, Digits: 6, Period: 30}},
		// Label forms.
		{"otpauth://totp/Example%3Aalice@google.com?secret=JBSWY3DPEHPK3PXP", totp("Example", "alice@google.com")},
		{"otpauth://totp/Example:%20%20alice?secret=JBSWY3DPEHPK3PXP", totp("Example", "alice")},
		{"otpauth://totp/Example%3A%20alice?secret=JBSWY3DPEHPK3PXP", totp("Example", "alice")},
		{"otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP", totp("", "alice")},
		{"otpauth://totp/?secret=JBSWY3DPEHPK3PXP&issuer=Example", totp("Example", "")},
		{"otpauth://totp?secret=JBSWY3DPEHPK3PXP", totp("", "")},
		{"otpauth://totp/Label:alice?secret=JBSWY3DPEHPK3PXP&issuer=Param", totp("Param", "alice")},
		{"otpauth://totp/Label:alice?secret=JBSWY3DPEHPK3PXP&issuer=", totp("Label", "alice")},
		{"otpauth://totp/a:b:c?secret=JBSWY3DPEHPK3PXP", totp("a", "b:c")},
		{"otpauth://totp/Caf%C3%A9%20%E2%98%95:%E5%B1%B1%E7%94%B0?secret=JBSWY3DPEHPK3PXP", totp("Café ☕", "山田")},
		{"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&issuer=AT%26T+Inc", totp("AT&T Inc", "x")},
		// Case, secret spelling, unknown parameters.
		{"OTPAUTH://TOTP/alice?SECRET=jbswy3dpehpk3pxp", totp("", "alice")},
		{"otpauth://totp/alice?secret=jbsw%20y3dp%20ehpk%203pxp&image=https://x/y.png&foo", totp("", "alice")},
		{"otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP====&secret=AAAA", totp("", "alice")},
		{"otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&a=b;c", totp("", "alice")},
		{" otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP\r\n", totp("", "alice")},
		// Parameters.
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=sha256&digits=8&period=60",
			&Key{Type: TypeTOTP, Account: "a", Secret: hello, Algorithm: SHA256, Digits: 8, Period: 60}},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=Sha512&digits=10&period=1",
			&Key{Type: TypeTOTP, Account: "a", Secret: hello, Algorithm: SHA512, Digits: 10, Period: 1}},
		{"otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=0",
			&Key{Type: TypeHOTP, Account: "a", Secret: hello, Algorithm: SHA1, Digits: 6}},
		{"otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551615&digits=8",
			&Key{Type: TypeHOTP, Account: "a", Secret: hello, Algorithm: SHA1, Digits: 8, Counter: 1<<64 - 1}},
		// Steam, in both spellings; its parameters are fixed.
		{"otpauth://steam/Steam:gaben?secret=JBSWY3DPEHPK3PXP&issuer=Steam",
			&Key{Type: TypeSteam, Issuer: "Steam", Account: "gaben", Secret: hello, Algorithm: SHA1, Digits: 5, Period: 30}},
		{"otpauth://totp/Steam:gaben?secret=JBSWY3DPEHPK3PXP&issuer=Steam&encoder=steam&digits=5",
			&Key{Type: TypeSteam, Issuer: "Steam", Account: "gaben", Secret: hello, Algorithm: SHA1, Digits: 5, Period: 30}},
		{"otpauth://totp/Steam:gaben?secret=JBSWY3DPEHPK3PXP&encoder=Steam&digits=6&algorithm=SHA256&period=60",
			&Key{Type: TypeSteam, Issuer: "Steam", Account: "gaben", Secret: hello, Algorithm: SHA1, Digits: 5, Period: 30}},
	}
	for _, tt := range tests {
		got, err := ParseURI(tt.in)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("ParseURI(%q) =\n%v, want\n%v", tt.in, got, tt.want)
		}
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := DecodeSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseURIRejects(t *testing.T) {
	long := strings.Repeat("a", 257)
	tests := []struct {
		in, field, msg string
	}{
		{"", "uri", "scheme"},
		{"JBSWY3DPEHPK3PXP", "uri", "scheme"},
		{"http://totp/a?secret=JBSWY3DPEHPK3PXP", "uri", "scheme"},
		{"otpauth-migration://offline?data=AAAA", "uri", "scheme"},
		{"otpauth:totp/a?secret=JBSWY3DPEHPK3PXP", "uri", "form"},
		{"otpauth://user@totp/a?secret=JBSWY3DPEHPK3PXP", "uri", "form"},
		{"otpauth://totp/a%zz?secret=JBSWY3DPEHPK3PXP", "uri", "escape"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&issuer=%zz", "uri", "escape"},
		{"otpauth://totp/a?secret=" + strings.Repeat("A", 64<<10), "uri", "too long"},
		{"otpauth://yotp/a?secret=JBSWY3DPEHPK3PXP", "type", "unknown"},
		{"otpauth:///a?secret=JBSWY3DPEHPK3PXP", "type", "missing"},
		{"otpauth://totp/a", "secret", "missing"},
		{"otpauth://totp/a?secret=", "secret", "empty"},
		{"otpauth://totp/a?secret=%20-%20", "secret", "empty"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PX1", "secret", "base32"},
		{"otpauth://totp/a?secret=ABC", "secret", "base32"},
		{"otpauth://totp/a?secret=" + strings.Repeat("A", 1700), "secret", "too long"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=six", "digits", "integer"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=0", "digits", "between 1 and 10, got 0"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=-6", "digits", "between 1 and 10"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=11", "digits", "must be between 1 and 10, got 11"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=6.5", "digits", "integer"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0", "period", "between 1"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=-30", "period", "between 1"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=30s", "period", "integer"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=999999999", "period", "between 1"},
		{"otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP", "counter", "required"},
		{"otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=-1", "counter", "integer"},
		{"otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551616", "counter", "integer"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", "algorithm", `"MD5"`},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=SHA-1", "algorithm", "unsupported"},
		{"otpauth://totp/a%FF?secret=JBSWY3DPEHPK3PXP", "label", "UTF-8"},
		{"otpauth://totp/a%1B%5B2J?secret=JBSWY3DPEHPK3PXP", "label", "control"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&issuer=%FF", "issuer", "UTF-8"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&issuer=a%0Ab", "issuer", "control"},
		{"otpauth://totp/" + long + ":a?secret=JBSWY3DPEHPK3PXP", "label", "too long"},
		{"otpauth://totp/a:" + long + "?secret=JBSWY3DPEHPK3PXP", "label", "too long"},
		{"otpauth://totp/" + long + "?secret=JBSWY3DPEHPK3PXP", "label", "too long"},
		{"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&issuer=" + long, "issuer", "too long"},
	}
	for _, tt := range tests {
		k, err := ParseURI(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseURI(%.80q) = %v, %v; want *ParseError for %s", tt.in, k, err, tt.field)
			continue
		}
		if pe.Field != tt.field || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("ParseURI(%.80q): field %q, message %q; want field %q, message containing %q", tt.in, pe.Field, pe.Msg, tt.field, tt.msg)
		}
		if strings.Contains(err.Error(), "JBSWY3DPEHPK3PX") {
			t.Errorf("ParseURI(%.80q): error %q repeats the secret", tt.in, err)
		}
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := ParseURI("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=11")
	if got, want := err.Error(), "invalid otpauth URI: digits: must be between 1 and 10, got 11"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestURIRoundTrip(t *testing.T) {
	secret := rfc6238Seeds[SHA512]
	tests := []Key{
		{Type: TypeTOTP, Issuer: "Example", Account: "alice@google.com", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "ACME Co", Account: "john doe", Secret: secret, Algorithm: SHA512, Digits: 8, Period: 60},
		{Type: TypeTOTP, Issuer: "Café ☕ 東京", Account: "ÿ élan", Secret: secret, Algorithm: SHA256, Digits: 7, Period: 15},
		{Type: TypeTOTP, Issuer: "", Account: "", Secret: []byte{0}, Algorithm: SHA1, Digits: 1, Period: 1},
		{Type: TypeTOTP, Issuer: "", Account: "no issuer", Secret: hello, Algorithm: SHA1, Digits: 10, Period: 86400},
		{Type: TypeTOTP, Issuer: "only issuer", Account: "", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "a:b", Account: "c", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "a:b", Account: "c:d", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "", Account: "c:d", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "x", Account: "c: d", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "a+b&c=d?e#f/g%h;i", Account: "1+1=2 / ?#%;@", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: strings.Repeat("é", 128), Account: strings.Repeat("x", 256), Secret: make([]byte, 1024), Algorithm: SHA1, Digits: 6, Period: 30},
		{Type: TypeTOTP, Issuer: "counter", Account: "kept", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30, Counter: 7},
		{Type: TypeHOTP, Issuer: "Example", Account: "hotp", Secret: hello, Algorithm: SHA256, Digits: 6, Counter: 42},
		{Type: TypeHOTP, Issuer: "Example", Account: "hotp", Secret: hello, Algorithm: SHA1, Digits: 8, Period: 30, Counter: 1<<64 - 1},
		{Type: TypeSteam, Issuer: "Steam", Account: "gaben", Secret: hello, Algorithm: SHA1, Digits: 5, Period: 30},
	}
	for _, k := range tests {
		if err := k.Validate(); err != nil {
			t.Errorf("%v: Validate: %v", k, err)
			continue
		}
		uri := k.URI()
		got, err := ParseURI(uri)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", uri, err)
			continue
		}
		if !got.Equal(&k) {
			t.Errorf("ParseURI(%q) =\n%v, want\n%v", uri, got, k)
		}
	}
}

func TestURIFormat(t *testing.T) {
	k := Key{Type: TypeTOTP, Issuer: "ACME Co", Account: "john+doe@email.com", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30}
	want := "otpauth://totp/ACME%20Co:john%2Bdoe@email.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
	if got := k.URI(); got != want {
		t.Errorf("URI() =\n%s, want\n%s", got, want)
	}
}

func TestValidate(t *testing.T) {
	ok := Key{Type: TypeTOTP, Issuer: "i", Account: "a", Secret: hello, Algorithm: SHA1, Digits: 6, Period: 30}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%v): %v", ok, err)
	}
	tests := []struct {
		edit  func(*Key)
		field string
	}{
		{func(k *Key) { k.Type = "" }, "type"},
		{func(k *Key) { k.Type = "TOTP" }, "type"},
		{func(k *Key) { k.Secret = nil }, "secret"},
		{func(k *Key) { k.Algorithm = "" }, "algorithm"},
		{func(k *Key) { k.Algorithm = "sha1" }, "algorithm"},
		{func(k *Key) { k.Digits = 0 }, "digits"},
		{func(k *Key) { k.Digits = 11 }, "digits"},
		{func(k *Key) { k.Period = 0 }, "period"},
		{func(k *Key) { k.Type, k.Period = TypeHOTP, -1 }, "period"},
		{func(k *Key) { k.Type = TypeSteam }, "digits"},
		{func(k *Key) { k.Type, k.Digits, k.Period = TypeSteam, 5, 60 }, "period"},
		{func(k *Key) { k.Type, k.Digits, k.Algorithm = TypeSteam, 5, SHA256 }, "algorithm"},
		{func(k *Key) { k.Issuer = " padded" }, "issuer"},
		{func(k *Key) { k.Account = "padded\u00a0" }, "account"},
		{func(k *Key) { k.Account = "\xff" }, "account"},
		{func(k *Key) { k.Account = "a\tb" }, "account"},
		{func(k *Key) { k.Issuer = strings.Repeat("i", 257) }, "issuer"},
	}
	for _, tt := range tests {
		k := ok
		tt.edit(&k)
		err := k.Validate()
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Field != tt.field {
			t.Errorf("Validate(%v) = %v, want *ParseError for %s", k, err, tt.field)
		}
	}
	hotp := Key{Type: TypeHOTP, Secret: hello, Algorithm: SHA1, Digits: 6}
	if err := hotp.Validate(); err != nil {
		t.Errorf("Validate(%v) = %v; hotp needs no period", hotp, err)
	}
}

func TestValidateParamsIgnoresNamesAndSecret(t *testing.T) {
	k := Key{Type: TypeTOTP, Issuer: " padded", Algorithm: SHA1, Digits: 6, Period: 30}
	if err := k.ValidateParams(); err != nil {
		t.Errorf("ValidateParams(%v) = %v, want nil: names and secret are not parameters", k, err)
	}
	k.Digits = 12
	var pe *ParseError
	if err := k.ValidateParams(); !errors.As(err, &pe) || pe.Field != "digits" {
		t.Errorf("ValidateParams(%v) = %v, want *ParseError for digits", k, err)
	}
}

func TestFillDefaults(t *testing.T) {
	tests := []struct{ in, want Key }{
		{Key{}, Key{Type: TypeTOTP, Algorithm: SHA1, Digits: 6, Period: 30}},
		{Key{Type: TypeHOTP}, Key{Type: TypeHOTP, Algorithm: SHA1, Digits: 6}},
		{Key{Type: TypeSteam}, Key{Type: TypeSteam, Algorithm: SHA1, Digits: 5, Period: 30}},
		{Key{Type: TypeTOTP, Algorithm: SHA512, Digits: 8, Period: 60}, Key{Type: TypeTOTP, Algorithm: SHA512, Digits: 8, Period: 60}},
		{Key{Digits: 12}, Key{Type: TypeTOTP, Algorithm: SHA1, Digits: 12, Period: 30}}, // not a zero: left for ValidateParams
	}
	for _, tt := range tests {
		k := tt.in
		k.FillDefaults()
		if !k.Equal(&tt.want) {
			t.Errorf("FillDefaults(%v) = %v, want %v", tt.in, k, tt.want)
		}
	}
}

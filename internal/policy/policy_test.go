package policy

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestCheck(t *testing.T) {
	long1024 := "Aa1" + strings.Repeat("é", maxLen-3)
	tests := []struct {
		name, pw, rule string
	}{
		{"ok ascii", "Tr0ub4dor&3x", ""},
		{"ok exactly 10", "Abcdefgh1!", ""},
		{"ok unicode 11 runes", "Äpfelbäume1", ""},
		{"ok nfd input", norm.NFD.String("Äpfelbäume1"), ""},
		{"ok space is special", "Correct horse", ""},
		{"ok arabic-indic digit", "Abcdefghij٣", ""},
		{"ok listed word with suffix", "Password123!", ""},
		{"ok 1024 runes", long1024, ""},
		{"ok 1024 runes given as nfd", norm.NFD.String(long1024), ""},
		{"too long 1025 runes", long1024 + "x", "too-long"},
		{"too long huge", strings.Repeat("Aa1", 100000), "too-long"},
		{"empty", "", "length"},
		{"9 ascii", "Abcdefg1!", "length"},
		{"9 runes 12 bytes", "ÄpfelbäÜ1", "length"},
		{"9 runes after nfc, 11 before", norm.NFD.String("Äpfelbäu1"), "length"},
		{"no uppercase", "abcdefghij1", "uppercase"},
		{"no uppercase unicode", "élan vital1", "uppercase"},
		{"uppercase unicode only", "ÉLAN vital1", ""},
		{"no digit or special", "Abcdefghijk", "digit-or-special"},
		{"combining mark is not special", "Abcdefghij" + "\u0301" + "k", "digit-or-special"},
		{"compromised Password123", "Password123", "compromised"},
		{"compromised Qwerty123456", "Qwerty123456", "compromised"},
		{"compromised all caps", "PASSWORD123", "compromised"},
		{"compromised mixed case", "pAsSwOrD123", "compromised"},
		{"invalid utf8", "Abcdefghij1\xff", "utf8"},
		{"invalid utf8 short", "\xc3", "utf8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw := []byte(tt.pw)
			orig := bytes.Clone(pw)
			err := Check(pw)
			if !bytes.Equal(pw, orig) {
				t.Fatalf("Check modified its input")
			}
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			var v *Violation
			if !errors.As(err, &v) {
				t.Fatalf("Check(%q) = %v, want *Violation %q", tt.pw, err, tt.rule)
			}
			if v.Rule != tt.rule {
				t.Fatalf("Check(%q) rule = %q (%s), want %q", tt.pw, v.Rule, v.Msg, tt.rule)
			}
			if v.Error() != v.Msg || v.Msg == "" {
				t.Fatalf("Error() = %q, Msg = %q", v.Error(), v.Msg)
			}
			if len(tt.pw) >= 4 && strings.Contains(v.Msg, tt.pw) {
				t.Fatalf("message %q contains the password", v.Msg)
			}
		})
	}
}

func TestCheckMessages(t *testing.T) {
	tests := []struct{ pw, msg string }{
		{"Abcdef1", "the password must be at least 10 characters long (it has 7)"},
		{"ÄpfelbäÜ1", "the password must be at least 10 characters long (it has 9)"},
		{"A1" + strings.Repeat("ü", 1023), "the password must be at most 1024 characters long (it has 1025)"},
		{"Password123", "the password is on a list of commonly used passwords"},
	}
	for _, tt := range tests {
		if err := Check([]byte(tt.pw)); err == nil || err.Error() != tt.msg {
			t.Errorf("Check(%.20q…) = %v, want %q", tt.pw, err, tt.msg)
		}
	}
}

func TestListContents(t *testing.T) {
	m := ranks()
	if len(m) != 30000 {
		t.Errorf("list has %d entries, want 30000", len(m))
	}
	for _, pw := range []string{"123456", "password", "password123", "qwerty123456", "iloveyou"} {
		if _, ok := m[pw]; !ok {
			t.Errorf("%q missing from the list", pw)
		}
	}
	if r := m["123456"]; r != 1 {
		t.Errorf("rank of 123456 = %d, want 1", r)
	}
	for pw := range m {
		if pw != strings.ToLower(pw) || strings.TrimSpace(pw) != pw || !utf8.ValidString(pw) {
			t.Fatalf("list entry %q is not a trimmed lowercase UTF-8 line", pw)
		}
	}
}

// FuzzCheck checks that Check never panics and that whatever it accepts
// really satisfies every rule.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "Password123", "Äpfelbäume1", "Abcdefghij\xff", "A\u0308pfelba\u0308ume1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, pw []byte) {
		if Check(pw) != nil {
			return
		}
		n := norm.NFC.Bytes(pw)
		if c := utf8.RuneCount(n); !utf8.Valid(pw) || c < minLen || c > maxLen {
			t.Fatalf("accepted %q with %d runes", pw, c)
		}
		if !bytes.ContainsFunc(n, unicode.IsUpper) {
			t.Fatalf("accepted %q without uppercase", pw)
		}
		if _, ok := ranks()[strings.ToLower(string(n))]; ok {
			t.Fatalf("accepted listed %q", pw)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	pws := [][]byte{[]byte("Correct horse battery 9"), []byte("Password123"), []byte("Äpfelbäume1")}
	ranks() // build the list outside the timing
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = Check(pws[i%len(pws)])
	}
}

func BenchmarkListBuild(b *testing.B) {
	for b.Loop() {
		buildRanks()
	}
}

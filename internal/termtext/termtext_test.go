package termtext

import (
	"strings"
	"testing"
)

// osc52 is the group of the hostile Aegis fixture: it sets the clipboard
// and colours the screen red in many terminals.
const osc52 = "TAG\x1b]52;c;ZXZpbA==\a\x1b[1;31mX"

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"GitHub":                  "GitHub",
		"café ✓":                  "café ✓",
		osc52:                     `TAG\x1b]52;c;ZXZpbA==\x07\x1b[1;31mX`,
		"line one\nline\ttwo":     `line one\nline\ttwo`,
		"c1 \u009b31m and \u0085": `c1 \u009b31m and \u0085`,
		"bad \xff\x9b byte":       `bad \xff\x9b byte`,
		"del \x7f":                `del \x7f`,
	} {
		got := Escape(in)
		if got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(got, "\x1b\a\n\r\x7f\u009b") {
			t.Errorf("Escape(%q) = %q still holds a control character", in, got)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, one, lines string }{
		{"GitHub", "GitHub", "GitHub"},
		{osc52, "TAG]52;c;ZXZpbA==[1;31mX", "TAG]52;c;ZXZpbA==[1;31mX"},
		{" a\tb\r\nc \n", "a b  c", " a b\nc"},
		{"x\u009b31my\xff", "x31my", "x31my"},
	} {
		if got := Clean(tc.in); got != tc.one {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.one)
		}
		if got := CleanLines(tc.in); got != tc.lines {
			t.Errorf("CleanLines(%q) = %q, want %q", tc.in, got, tc.lines)
		}
		if Dirty(Clean(tc.in), false) || Dirty(CleanLines(tc.in), true) {
			t.Errorf("%q: cleaned text is still dirty", tc.in)
		}
	}
	if !Dirty(osc52, true) || Dirty("a\nb", true) || !Dirty("a\nb", false) {
		t.Error("Dirty")
	}
}

func FuzzEscape(f *testing.F) {
	f.Add(osc52)
	f.Add("a\nb\xff")
	f.Fuzz(func(t *testing.T, s string) {
		if e := Escape(s); Dirty(e, false) {
			t.Fatalf("Escape(%q) = %q", s, e)
		}
		if c := Clean(s); Dirty(c, false) {
			t.Fatalf("Clean(%q) = %q", s, c)
		}
		if c := CleanLines(s); Dirty(c, true) {
			t.Fatalf("CleanLines(%q) = %q", s, c)
		}
	})
}

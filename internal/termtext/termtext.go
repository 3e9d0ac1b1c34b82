// Package termtext owns what otter does with control characters in text
// that comes from people and from foreign files: Clean strips them before
// text enters the vault, Escape makes whatever text reaches a terminal
// inert (an ESC from an imported tag could otherwise set the clipboard
// through OSC 52 or recolour the screen).
package termtext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Control reports whether r is a C0 or C1 control character or DEL.
func Control(r rune) bool { return unicode.IsControl(r) }

// Clean returns s as one line: tabs and line breaks become spaces, other
// control characters and invalid UTF-8 are dropped, and surrounding spaces
// are trimmed.
func Clean(s string) string {
	return strings.TrimSpace(clean(s, false))
}

// CleanLines is Clean for notes: line breaks are kept (CR LF and CR become
// LF), and only trailing spaces of the whole text are trimmed.
func CleanLines(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	return strings.TrimRightFunc(clean(s, true), unicode.IsSpace)
}

func clean(s string, lines bool) string {
	if !dirty(s, lines) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && isInvalid(s[i:]):
		case r == '\n' && lines:
			b.WriteRune(r)
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case Control(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Dirty reports whether s holds a control character (a line break is
// allowed when lines is set) or invalid UTF-8: what Clean would change
// besides spaces.
func Dirty(s string, lines bool) bool { return dirty(s, lines) }

func dirty(s string, lines bool) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.IndexFunc(s, func(r rune) bool { return Control(r) && !(lines && r == '\n') }) >= 0
}

func isInvalid(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return r == utf8.RuneError && n <= 1
}

// Escape returns s safe to print on one line of a terminal: every control
// character (line breaks too) and every invalid byte is written as a Go
// escape (\n, \t, \x1b, \u009b, \xff), and a backslash that could be read
// as one is left as it is — Escape is for people to read, not to parse.
func Escape(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, Control) < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && isInvalid(s[i:]):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && Control(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case Control(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// EscapeAll is Escape of each of ss.
func EscapeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Escape(s)
	}
	return out
}

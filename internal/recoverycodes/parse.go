// Package recoverycodes owns how a pasted block of a site's recovery
// (backup) codes is split into codes, for the CLI and the TUI alike.
//
// The block is read a line at a time. A line is either prose (a header
// such as "Backup codes", a sentence, a date, "Generated on …") and is
// skipped, or a line of codes. Codes are separated by spaces, tabs, commas
// and semicolons; list bullets ("1.", "2)", "-", "*", "•") are dropped.
// Two groups of four letters or digits in a row ("1234 5678", Google's and
// Dropbox's form) are one code, stored with one space between the halves:
// the form the site shows, which its sign-in page accepts with or without
// the space. Codes written in a prose line are kept only when they cannot
// be words: groups joined by hyphens with a digit in them
// ("Your recovery code is ABCDE-12345-…").
package recoverycodes

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

var (
	bulletRE       = regexp.MustCompile(`^(\d{1,3}[.)]|[-*•])$`)
	bulletPrefixRE = regexp.MustCompile(`^\d{1,3}[.)](\S+)$`)
	leadBulletRE   = regexp.MustCompile(`^\s*[-*•]\s+`)
	segmentRE      = regexp.MustCompile(`[,;]+`)
	codeCharsRE    = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	halfRE         = regexp.MustCompile(`^[A-Za-z0-9]{4}$`)
	dateRE         = regexp.MustCompile(`^\d{4}-\d{1,2}-\d{1,2}$`)
	titleWordRE    = regexp.MustCompile(`^[A-Z][a-z]+$`)
	groupedRE      = regexp.MustCompile(`^[A-Za-z0-9]{4,}(-[A-Za-z0-9]{4,})+$`)
)

var (
	// ErrNone means the text holds no recovery code.
	ErrNone = errors.New("no recovery codes found")
	// ErrTooLong means a "code" is longer than MaxLen: not a recovery code.
	ErrTooLong = errors.New("too long to be a recovery code")
)

// MaxLen is the longest recovery code accepted, in bytes.
const MaxLen = 128

// minLen is the shortest token a line of codes holds: shorter ones ("on",
// "of", "5") are words or numbers of prose.
const minLen = 4

// Read is Parse for what a person pasted: it fails with ErrNone when there
// is no code and ErrTooLong when one is longer than MaxLen.
func Read(text string) ([]string, error) {
	codes := Parse(text)
	if len(codes) == 0 {
		return nil, ErrNone
	}
	for _, c := range codes {
		if len(c) > MaxLen {
			return nil, fmt.Errorf("%q…: %w", c[:16], ErrTooLong)
		}
	}
	return codes, nil
}

// Parse returns the codes of text in order, skipping prose lines and list
// bullets and joining "1234 5678" pairs (see the package comment).
func Parse(text string) []string {
	var out []string
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		out = append(out, parseLine(line)...)
	}
	return out
}

// parseLine returns the codes of one line.
func parseLine(line string) []string {
	line = leadBulletRE.ReplaceAllString(line, "")
	var items [][]string
	var all []string
	for _, seg := range segmentRE.Split(line, -1) {
		for _, it := range listItems(seg) {
			items = append(items, it)
			all = append(all, it...)
		}
	}
	if prose(all) {
		return grouped(all)
	}
	var out []string
	for _, it := range items {
		out = append(out, pairs(it)...)
	}
	return out
}

// listItems splits a segment at white space into the tokens of each list
// item: a bullet ("6." in Google's second column) starts a new item, and a
// glued one ("1.abcd") is dropped from its code.
func listItems(seg string) [][]string {
	var out [][]string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur = nil
	}
	for _, f := range strings.Fields(seg) {
		if m := bulletPrefixRE.FindStringSubmatch(f); m != nil {
			flush()
			f = m[1]
		}
		if bulletRE.MatchString(f) {
			flush()
			continue
		}
		cur = append(cur, f)
	}
	flush()
	return out
}

// prose reports whether the tokens of a line are words rather than codes:
// one holds punctuation or other signs, is a date, a capitalised word or
// shorter than minLen, or letters-only words stand alone or beside tokens
// of another length ("backup codes", "KEEP THESE SAFE").
func prose(fs []string) bool {
	words := 0
	for _, f := range fs {
		switch {
		case !codeCharsRE.MatchString(f), dateRE.MatchString(f), titleWordRE.MatchString(f), len(f) < minLen:
			return true
		case lettersOnly(f):
			words++
		}
	}
	if words == 0 {
		return false
	}
	if len(fs) == 1 {
		return len(fs[0]) < 6
	}
	for _, f := range fs[1:] {
		if len(f) != len(fs[0]) {
			return true
		}
	}
	return false
}

func lettersOnly(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// pairs joins consecutive four-character groups two by two.
func pairs(fs []string) []string {
	var out []string
	for i := 0; i < len(fs); i++ {
		if i+1 < len(fs) && halfRE.MatchString(fs[i]) && halfRE.MatchString(fs[i+1]) {
			out = append(out, fs[i]+" "+fs[i+1])
			i++
			continue
		}
		out = append(out, fs[i])
	}
	return out
}

// grouped returns the tokens of a prose line that can only be codes:
// hyphen-joined groups with a digit, trailing punctuation trimmed.
func grouped(fs []string) []string {
	var out []string
	for _, f := range fs {
		f = strings.TrimRight(f, ".!?:\"')]")
		f = strings.TrimLeft(f, "\"'([")
		if groupedRE.MatchString(f) && strings.ContainsAny(f, "0123456789") && !dateRE.MatchString(f) {
			out = append(out, f)
		}
	}
	return out
}

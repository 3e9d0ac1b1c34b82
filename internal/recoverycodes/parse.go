// Package recoverycodes owns how a pasted block of a site's recovery
// (backup) codes is split into codes, for the CLI and the TUI alike.
package recoverycodes

import (
	"errors"
	"fmt"
	"regexp"
)

var (
	bulletRE       = regexp.MustCompile(`^(\d{1,3}[.)]|[-*•])$`)
	bulletPrefixRE = regexp.MustCompile(`^\d{1,3}[.)](\S+)$`)
	separatorRE    = regexp.MustCompile(`[\s,;]+`)
)

var (
	// ErrNone means the text holds no recovery code.
	ErrNone = errors.New("no recovery codes found")
	// ErrTooLong means a "code" is longer than MaxLen: not a recovery code.
	ErrTooLong = errors.New("too long to be a recovery code")
)

// MaxLen is the longest recovery code accepted, in bytes.
const MaxLen = 128

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

// Parse splits text at spaces, commas, semicolons and newlines, dropping
// list bullets such as "1.", "2)" or "-" whether they stand alone or are
// glued to the code ("1.abcd").
func Parse(text string) []string {
	var out []string
	for _, f := range separatorRE.Split(text, -1) {
		if m := bulletPrefixRE.FindStringSubmatch(f); m != nil {
			f = m[1]
		}
		if f == "" || bulletRE.MatchString(f) {
			continue
		}
		out = append(out, f)
	}
	return out
}

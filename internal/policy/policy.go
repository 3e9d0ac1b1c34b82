// Package policy owns the master-password policy and the strength estimate
// shown when a password is chosen.
//
// A master password must be valid UTF-8 and, after NFC normalisation, have
// at least 10 and at most 1024 characters (runes, not bytes; a longer
// password is refused, never truncated), at least one uppercase letter, at
// least one digit or special character, and must not be a known-compromised
// password.
//
// The compromised-password list is compromised.txt: the 30,000 entries of the
// "passwords" frequency list shipped in the zxcvbn npm package 4.4.2
// (lib/frequency_lists.js, derived from Mark Burnett's 10M password corpus),
// most common first, one lowercase password a line. zxcvbn is MIT-licensed;
// its licence is kept in compromised.LICENSE. The match is a case-insensitive
// exact match of the whole password: variants such as "Password123!" that
// merely contain a listed password are not refused (Strength rates them low).
package policy

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const (
	minLen = 10
	maxLen = 1024
)

// Violation is the error Check returns: Rule names the first rule the
// password broke ("utf8", "too-long", "length", "uppercase",
// "digit-or-special" or "compromised") and Msg says it in a sentence for the
// user. Neither ever contains the password.
type Violation struct {
	Rule, Msg string
}

var _ error = (*Violation)(nil)

// Error returns v.Msg.
func (v *Violation) Error() string { return v.Msg }

// Check returns nil if pw satisfies the policy, or a *Violation naming the
// first rule that failed, in the order utf8, too-long, length, uppercase,
// digit-or-special, compromised. The caller should pass pw NFC-normalised;
// Check normalises it again on a copy, which it zeroes. pw itself is never
// modified.
func Check(pw []byte) error {
	if !utf8.Valid(pw) {
		return &Violation{"utf8", "the password is not valid UTF-8"}
	}
	if n := utf8.RuneCount(pw); n > 16*maxLen {
		// Far beyond what NFC composition could bring back under the limit.
		return tooLong(n)
	}
	n := norm.NFC.Append(nil, pw...)
	defer clear(n)
	switch runes := utf8.RuneCount(n); {
	case runes > maxLen:
		return tooLong(runes)
	case runes < minLen:
		return &Violation{"length", fmt.Sprintf("the password must be at least %d characters long (it has %d)", minLen, runes)}
	}
	if !bytes.ContainsFunc(n, unicode.IsUpper) {
		return &Violation{"uppercase", "the password must contain at least one uppercase letter"}
	}
	if !bytes.ContainsFunc(n, isDigitOrSpecial) {
		return &Violation{"digit-or-special", "the password must contain at least one digit or special character"}
	}
	if _, ok := compromisedRank(n); ok {
		return &Violation{"compromised", "the password is on a list of commonly used passwords"}
	}
	return nil
}

func tooLong(runes int) *Violation {
	return &Violation{"too-long", fmt.Sprintf("the password must be at most %d characters long (it has %d)", maxLen, runes)}
}

// isDigitOrSpecial reports whether r counts for the digit-or-special rule:
// anything that is neither a letter nor a combining mark (digits of any
// script, punctuation, symbols, spaces).
func isDigitOrSpecial(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsMark(r)
}

package tui

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otterauth/otter/internal/localstate"
	"github.com/otterauth/otter/vault"
)

// entry is one account of the codes list with its search text and its use
// on this device.
type entry struct {
	acc *vault.Account
	hay string // lowercase "issuer account tags"
	use localstate.Use
}

func newEntry(a *vault.Account, use localstate.Use) entry {
	parts := append([]string{a.Issuer, a.Name}, a.Tags...)
	return entry{acc: a, hay: strings.ToLower(strings.Join(parts, " ")), use: use}
}

// sortOrder is how the codes list is ordered; pinned accounts come first
// in every order.
type sortOrder int

const (
	byUsage  sortOrder = iota // most used, then most recently used, then by issuer
	byIssuer                  // issuer, then account name
	byName                    // account name, then issuer
	sortOrders
)

var sortNames = [sortOrders]string{"usage", "issuer", "name"}

// sortEntries orders the list: pinned first, then by the order asked for,
// then by issuer and account name.
func sortEntries(es []entry, by sortOrder) {
	slices.SortStableFunc(es, func(x, y entry) int {
		a, b := x.acc, y.acc
		if a.Pinned != b.Pinned {
			if a.Pinned {
				return -1
			}
			return 1
		}
		issuer := cmp.Compare(strings.ToLower(a.Issuer), strings.ToLower(b.Issuer))
		name := cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		switch by {
		case byName:
			return cmp.Or(name, issuer)
		case byIssuer:
			return cmp.Or(issuer, name)
		}
		return cmp.Or(cmp.Compare(y.use.Count, x.use.Count), y.use.Last.Compare(x.use.Last), issuer, name)
	})
}

// filterEntries returns the indexes of the entries whose search text
// fuzzily matches query, best match first (ties keep the list order).
func filterEntries(es []entry, query string) []int {
	q := []rune(strings.ToLower(strings.TrimSpace(query)))
	type match struct{ i, score int }
	ms := make([]match, 0, len(es))
	for i := range es {
		if s := fuzzyScore(q, es[i].hay); s >= 0 {
			ms = append(ms, match{i, s})
		}
	}
	slices.SortStableFunc(ms, func(a, b match) int { return cmp.Compare(b.score, a.score) })
	out := make([]int, len(ms))
	for j, m := range ms {
		out[j] = m.i
	}
	return out
}

// fuzzyScore reports how well the runes of q appear in order in hay (both
// lower case), or -1 if they do not. Like less's and bubbles' list filter
// it is a subsequence match; it rewards consecutive runes, runes at the
// start of a word and an early first match. Spaces in q are ignored.
func fuzzyScore(q []rune, hay string) int {
	score, qi, prev, first := 0, 0, -2, -1
	wordStart := true
	pos := 0
	for i := 0; i < len(hay) && qi < len(q); {
		r, n := rune(hay[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(hay[i:])
		}
		for qi < len(q) && q[qi] == ' ' {
			qi++
		}
		if qi < len(q) && r == q[qi] {
			score++
			if prev == pos-1 {
				score += 5
			}
			if wordStart {
				score += 8
			}
			if first < 0 {
				first = pos
			}
			prev = pos
			qi++
		}
		wordStart = !unicode.IsLetter(r) && !unicode.IsDigit(r)
		i += n
		pos++
	}
	for qi < len(q) && q[qi] == ' ' {
		qi++
	}
	if qi < len(q) {
		return -1
	}
	return score - min(first, 10)
}

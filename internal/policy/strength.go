package policy

import (
	"bytes"
	"math"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Estimate is a rough strength estimate of a password.
type Estimate struct {
	Score   int     // 0 (very weak) to 4 (very strong)
	Label   string  // "very weak", "weak", "fair", "strong" or "very strong"
	Guesses float64 // log10 of the estimated number of guesses
}

var labels = [...]string{"very weak", "weak", "fair", "strong", "very strong"}

// scoreThresholds are the log10 guesses at which the score goes up by one.
var scoreThresholds = [...]float64{6, 8, 10, 12}

// Strength estimates how many guesses an attacker needs for pw. It is a
// simple, deliberately modest model, not zxcvbn:
//
//   - a compromised password (see Check) scores 0, with log10 of its rank on
//     the list as the guesses;
//   - otherwise each character costs log10 of the pool size of the character
//     classes used (26 lowercase, 26 uppercase, 10 digits, 33 other ASCII,
//     100 for anything non-ASCII), except that a character repeating the
//     previous one or next to it ("aaa", "abc", "321") is part of a run
//     that costs only log10(3 × its length), and a password made of a unit
//     repeated k times costs the unit plus log10(k);
//   - a listed password followed by digits or symbols ("Password2024!") is
//     priced as its rank, its capitalisation and the brute-forced suffix,
//     when that is cheaper.
//
// Dictionary words, keyboard walks, dates and leetspeak are not modelled, so
// for those the estimate is an upper bound. Invalid UTF-8 scores 0.
func Strength(pw []byte) Estimate {
	if !utf8.Valid(pw) {
		return fromGuesses(0, true)
	}
	n := norm.NFC.Append(nil, pw...)
	defer clear(n)
	lower := bytes.ToLower(n)
	defer clear(lower)
	if r, ok := lookup(lower); ok {
		return fromGuesses(math.Log10(float64(r)), true)
	}
	runes := bytes.Runes(n)
	defer clear(runes)
	g := bruteForce(runes)
	if d, ok := listedWithSuffix(runes); ok && d < g {
		g = d
	}
	return fromGuesses(g, false)
}

// fromGuesses maps log10 guesses to an Estimate; compromised forces score 0.
func fromGuesses(g float64, compromised bool) Estimate {
	score := 0
	if !compromised {
		for _, t := range scoreThresholds {
			if g >= t {
				score++
			}
		}
	}
	return Estimate{Score: score, Label: labels[score], Guesses: g}
}

// bruteForce returns log10 guesses for an attacker trying every string over
// the character classes rs uses, discounting repeats and sequences.
func bruteForce(rs []rune) float64 {
	if len(rs) == 0 {
		return 0
	}
	if unit, k := repeatedUnit(rs); k > 1 {
		return bruteForce(unit) + math.Log10(float64(k))
	}
	perChar := math.Log10(float64(poolSize(rs)))
	g, run := 0.0, 0
	for i := range rs {
		if predictable(rs, i) {
			run++
			continue
		}
		g += runCost(run) + perChar
		run = 0
	}
	return g + runCost(run)
}

// runCost is log10 of the guesses for a run of n predictable characters:
// its length and whether it repeats, ascends or descends.
func runCost(n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Log10(float64(3 * n))
}

// predictable reports whether rs[i] repeats rs[i-1] or is next to it (one
// code point up or down), as in "aaa", "abc" or "321".
func predictable(rs []rune, i int) bool {
	if i == 0 {
		return false
	}
	d := rs[i] - rs[i-1]
	return d >= -1 && d <= 1
}

// repeatedUnit returns the shortest unit u and count k with rs == u repeated
// k times (k == 1 when rs is not a repetition).
func repeatedUnit(rs []rune) ([]rune, int) {
	n := len(rs)
	for p := 1; p <= n/2; p++ {
		if n%p != 0 {
			continue
		}
		i := p
		for i < n && rs[i] == rs[i-p] {
			i++
		}
		if i == n {
			return rs[:p], n / p
		}
	}
	return rs, 1
}

// poolSize is the number of characters in the classes rs draws from.
func poolSize(rs []rune) int {
	var lower, upper, digit, other, nonASCII bool
	for _, r := range rs {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < utf8.RuneSelf:
			other = true
		default:
			nonASCII = true
		}
	}
	size := 0
	for _, c := range []struct {
		used bool
		n    int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}, {nonASCII, 100}} {
		if c.used {
			size += c.n
		}
	}
	return size
}

// listedWithSuffix prices rs as a listed password followed by a run of
// non-letters, when it has that shape.
func listedWithSuffix(rs []rune) (float64, bool) {
	end := len(rs)
	for end > 0 && !unicode.IsLetter(rs[end-1]) {
		end--
	}
	if end == 0 || end == len(rs) {
		return 0, false
	}
	base := make([]byte, 0, utf8.UTFMax*end)
	for _, r := range rs[:end] {
		base = utf8.AppendRune(base, r)
	}
	defer clear(base)
	lower := bytes.ToLower(base)
	defer clear(lower)
	r, ok := lookup(lower)
	if !ok {
		return 0, false
	}
	return math.Log10(float64(r)) + capitalisation(rs[:end]) + bruteForce(rs[end:]), true
}

// capitalisation is log10 of the guesses needed to find the uppercase
// letters of word: none, the first or all cost little; others a bit each.
func capitalisation(word []rune) float64 {
	upper, letters := 0, 0
	for _, r := range word {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	switch {
	case upper == 0:
		return 0
	case upper == letters || (upper == 1 && unicode.IsUpper(word[0])):
		return math.Log10(3)
	}
	return float64(letters) * math.Log10(2)
}

package policy

import (
	"bytes"
	_ "embed"
	"strings"
	"sync"
)

//go:embed compromised.txt
var compromisedTxt string

// ranks maps each listed password to its 1-based rank (1 = most common). It
// is built once, on first use (about 3 ms).
var ranks = sync.OnceValue(buildRanks)

func buildRanks() map[string]int {
	m := make(map[string]int, 30000)
	rank := 0
	for line := range strings.Lines(compromisedTxt) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		rank++
		if _, dup := m[line]; !dup {
			m[line] = rank
		}
	}
	return m
}

// compromisedRank reports whether pw, compared case-insensitively, is on the
// compromised list, and its rank there. pw must be NFC-normalised.
func compromisedRank(pw []byte) (int, bool) {
	lower := bytes.ToLower(pw)
	defer clear(lower)
	return lookup(lower)
}

// lookup looks up an already lowercased password.
func lookup(lower []byte) (int, bool) {
	r, ok := ranks()[string(lower)]
	return r, ok
}

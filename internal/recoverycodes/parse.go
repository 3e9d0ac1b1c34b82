// Package recoverycodes owns how a pasted block of a site's recovery
// (backup) codes is split into codes, for the CLI and the TUI alike.
package recoverycodes

import "regexp"

var (
	bulletRE       = regexp.MustCompile(`^(\d{1,3}[.)]|[-*•])$`)
	bulletPrefixRE = regexp.MustCompile(`^\d{1,3}[.)](\S+)$`)
	separatorRE    = regexp.MustCompile(`[\s,;]+`)
)

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

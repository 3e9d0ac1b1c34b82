package importers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/otterauth/otter/internal/otp"
)

// parseOtpauth reads a text file of otpauth:// URIs, one per line (blank
// lines and lines starting with # ignored). otpauth-migration:// lines are
// read too. Each line that fails is a Problem with its line number.
func parseOtpauth(data []byte, _ *Options) (*Result, error) {
	return parseLines("otpauth", data, false)
}

// parseEnte reads Ente Auth's plain-text export: otpauth:// URIs one per
// line, each with a codeDisplay parameter holding JSON such as
// {"pinned":false,"trashed":false,"tags":["work"],"note":"…"}. Tags,
// notes and the pin are kept; entries in Ente's trash are left out with a
// warning.
func parseEnte(data []byte, _ *Options) (*Result, error) {
	return parseLines("ente", data, true)
}

// parseGoogle reads Google Authenticator export URIs,
// otpauth-migration://offline?data=…, one per line (a multi-part export
// is several lines). Each account inside is an entry of its own.
func parseGoogle(data []byte, _ *Options) (*Result, error) {
	return parseLines("google", data, false)
}

// lineReader turns lines of URIs into a Result.
type lineReader struct {
	format  string
	ente    bool
	c       collector
	batches batchTracker
	trashed int
}

func parseLines(format string, data []byte, ente bool) (*Result, error) {
	if !utf8.Valid(data) {
		return nil, formatErr(displayFormat(format), "the file is not UTF-8 text")
	}
	lr := &lineReader{format: format, ente: ente}
	uris := 0
	for i, line := range bytes.Split(data, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if hasScheme(l, "otpauth") || hasScheme(l, "otpauth-migration") {
			uris++
		}
		if err := lr.line(i+1, l); err != nil {
			return nil, &FormatError{Format: displayFormat(format), Err: err}
		}
	}
	if uris == 0 {
		return nil, formatErr(displayFormat(format), "no otpauth:// or otpauth-migration:// URIs found")
	}
	r := lr.c.result()
	r.Warnings = append(r.Warnings, lr.batches.warnings()...)
	if lr.trashed > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("left out %d entries that are in Ente's trash", lr.trashed))
	}
	return r, nil
}

func hasScheme(s, scheme string) bool {
	return len(s) > len(scheme) && strings.EqualFold(s[:len(scheme)+1], scheme+":")
}

// line reads one non-blank line, lineNo counting from 1.
func (lr *lineReader) line(lineNo int, l string) error {
	switch {
	case hasScheme(l, "otpauth-migration"):
		return lr.migration(lineNo, l)
	case hasScheme(l, "otpauth"):
		return lr.otpauth(lineNo, l)
	}
	return lr.c.problem(lineNo, "", "not an otpauth:// URI")
}

func (lr *lineReader) otpauth(lineNo int, l string) error {
	k, err := otp.ParseURI(l)
	if err != nil {
		return lr.c.problem(lineNo, uriName(l), reason(err).Error())
	}
	e := Entry{Key: k}
	if lr.ente {
		if trashed := enteDisplay(l, &e); trashed {
			k.Wipe()
			lr.trashed++
			return nil
		}
	}
	return lr.c.add(lineNo, e)
}

// uriName reads the label of an otpauth URI that failed to parse.
func uriName(l string) string {
	u, err := url.Parse(l)
	if err != nil {
		return ""
	}
	name, _ := url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/"))
	if is := u.Query().Get("issuer"); is != "" && !strings.Contains(name, ":") {
		name = is + ":" + name
	}
	return name
}

// enteCodeDisplay is the JSON in Ente's codeDisplay parameter.
type enteCodeDisplay struct {
	Pinned  bool     `json:"pinned"`
	Trashed bool     `json:"trashed"`
	Tags    []string `json:"tags"`
	Note    string   `json:"note"`
}

// enteDisplay copies Ente's tags, note and pin into e and reports whether
// the entry is in Ente's trash. A codeDisplay that does not parse is
// ignored: the key itself is what matters.
func enteDisplay(l string, e *Entry) (trashed bool) {
	u, err := url.Parse(l)
	if err != nil {
		return false
	}
	raw := u.Query().Get("codeDisplay")
	if raw == "" {
		return false
	}
	var d enteCodeDisplay
	if json.Unmarshal([]byte(raw), &d) != nil {
		return false
	}
	e.Pinned = d.Pinned
	e.Notes = d.Note
	for _, t := range d.Tags {
		if t = strings.TrimSpace(t); t != "" {
			e.Tags = append(e.Tags, t)
		}
	}
	return d.Trashed
}

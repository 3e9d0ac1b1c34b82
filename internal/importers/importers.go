// Package importers reads the export files of other authenticators, and
// otter's own age-encrypted backup, into one-time-code keys.
//
// Every importer is a pure function of the file's bytes and the
// credentials given: no I/O, no clock, no global state. Parse never panics
// on any input and refuses inputs larger than MaxSize before any work.
//
// A file that cannot be read as a whole is an error (a *FormatError, a
// *VersionError, ErrPassphraseRequired or ErrWrongPassphrase). A file that
// reads but holds entries otter cannot use (an empty secret, MD5, an
// unknown type) yields those entries as Problems beside the good ones; the
// caller decides whether to import the rest.
package importers

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/otterauth/otter/internal/otp"
)

// MaxSize is the largest file any importer accepts: 16 MiB.
const MaxSize = 16 << 20

// Limits that mirror the vault's field limits, so that an import the
// preview accepts is never refused when the vault is saved.
const (
	maxEntries  = 10_000
	maxNotes    = 64 << 10
	maxURL      = 2048
	maxTags     = 64
	maxTagLen   = 512
	maxCodes    = 1000
	maxCodeLen  = 256
	maxProblems = 1000
)

// Formats lists the format names Parse accepts, "auto" first.
var Formats = []string{"auto", "otpauth", "google", "qr", "aegis", "2fas", "andotp", "bitwarden", "ente", "age"}

// Entry is one account read from an export: its key and whatever else the
// format keeps that otter can keep too.
type Entry struct {
	Key      *otp.Key
	Tags     []string
	Notes    string
	URL      string
	Pinned   bool
	Recovery []RecoveryCode
}

// RecoveryCode is one backup code of an entry; UsedAt is zero while unused.
type RecoveryCode struct {
	Code   string
	Added  time.Time
	UsedAt time.Time
}

// Name returns "issuer:account", or whichever of the two is set.
func (e *Entry) Name() string {
	return displayName(e.Key.Issuer, e.Key.Account)
}

// Problem is an entry of the file that cannot be imported. Index counts
// entries (or lines, for URI lists) from 1; Name is the entry's name as far
// as it could be read.
type Problem struct {
	Index  int
	Name   string
	Reason string
}

// Result is what an importer read. Warnings describe the file as a whole
// (a multi-part Google export with parts missing) and do not block an
// import.
type Result struct {
	Format   string
	Entries  []Entry
	Problems []Problem
	Warnings []string
}

// Wipe zeroes every secret in r.
func (r *Result) Wipe() {
	for _, e := range r.Entries {
		e.Key.Wipe()
	}
}

// Options are the credentials an encrypted export may need.
type Options struct {
	// Passphrase opens password-encrypted Aegis, 2FAS, andOTP and age files.
	Passphrase []byte
	// Identity is the content of an age identity file (AGE-SECRET-KEY-1…
	// lines) that opens an age backup encrypted to its recipient.
	Identity []byte
}

// Errors Parse returns for a file as a whole.
var (
	ErrPassphraseRequired = errors.New("the file is encrypted: a passphrase is needed")
	ErrWrongPassphrase    = errors.New("wrong passphrase")
	ErrTooLarge           = fmt.Errorf("the file is larger than %d MiB", MaxSize>>20)
	ErrUnknownFormat      = errors.New("unknown format")
)

// FormatError reports a file that is not a valid export of its format:
// truncated, damaged or something else altogether.
type FormatError struct {
	Format string // display name, such as "Aegis"
	Err    error
}

func (e *FormatError) Error() string { return "not a valid " + e.Format + " export: " + e.Err.Error() }
func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(format string, msg string, args ...any) error {
	return &FormatError{Format: format, Err: fmt.Errorf(msg, args...)}
}

// VersionError reports an export whose version otter does not know.
type VersionError struct {
	Format string
	Got    int
	Known  string // the versions otter reads, such as "1" or "1 to 4"
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("the %s export has version %d, which otter does not know (it reads version %s)", e.Format, e.Got, e.Known)
}

type parser func(data []byte, o *Options) (*Result, error)

var parsers = map[string]parser{
	"otpauth":   parseOtpauth,
	"google":    parseGoogle,
	"qr":        parseQR,
	"aegis":     parseAegis,
	"2fas":      parse2FAS,
	"andotp":    parseAndOTP,
	"bitwarden": parseBitwarden,
	"ente":      parseEnte,
	"age":       parseAge,
}

// Parse reads data as an export of format (one of Formats) with an
// optional passphrase. It is ParseWith without an age identity.
func Parse(format string, data []byte, passphrase []byte) (*Result, error) {
	return ParseWith(format, data, &Options{Passphrase: passphrase})
}

// ParseWith reads data as an export of format, "auto" meaning Detect.
func ParseWith(format string, data []byte, o *Options) (*Result, error) {
	if o == nil {
		o = &Options{}
	}
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	format = strings.ToLower(strings.TrimSpace(format))
	if format == "auto" {
		f, err := Detect(data)
		if err != nil {
			return nil, err
		}
		format = f
	}
	p, ok := parsers[format]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownFormat, format, strings.Join(Formats, ", "))
	}
	r, err := p(data, o)
	if err != nil {
		return nil, err
	}
	r.Format = format
	if len(r.Entries)+len(r.Problems) == 0 {
		return nil, &FormatError{Format: displayFormat(format), Err: errors.New("it holds no accounts")}
	}
	return r, nil
}

// displayFormat names a format as its app spells it.
func displayFormat(f string) string {
	switch f {
	case "otpauth":
		return "otpauth URI list"
	case "google":
		return "Google Authenticator"
	case "qr":
		return "QR image"
	case "aegis":
		return "Aegis"
	case "2fas":
		return "2FAS"
	case "andotp":
		return "andOTP"
	case "bitwarden":
		return "Bitwarden"
	case "ente":
		return "Ente Auth"
	case "age":
		return "otter age backup"
	}
	return f
}

// DisplayFormat names a format (one of Formats) for people.
func DisplayFormat(f string) string { return displayFormat(f) }

// collector accumulates a Result, bounding its size.
type collector struct {
	r Result
}

// add appends entry i (counted from 1), or a problem if its extra fields
// break the vault's limits. An error means the file is too big to import.
func (c *collector) add(i int, e Entry) error {
	if msg := checkExtras(&e); msg != "" {
		e.Key.Wipe()
		return c.problem(i, e.Name(), msg)
	}
	if len(c.r.Entries) >= maxEntries {
		return fmt.Errorf("more than %d accounts", maxEntries)
	}
	c.r.Entries = append(c.r.Entries, e)
	return nil
}

func (c *collector) problem(i int, name, reason string) error {
	if len(c.r.Problems) >= maxProblems {
		return fmt.Errorf("more than %d entries cannot be read", maxProblems)
	}
	c.r.Problems = append(c.r.Problems, Problem{Index: i, Name: clip(name), Reason: reason})
	return nil
}

func (c *collector) result() *Result { return &c.r }

// checkExtras checks the fields beside the key against the vault's limits.
func checkExtras(e *Entry) string {
	switch {
	case len(e.Notes) > maxNotes:
		return fmt.Sprintf("notes are longer than %d KiB", maxNotes>>10)
	case len(e.URL) > maxURL:
		return fmt.Sprintf("the URL is longer than %d bytes", maxURL)
	case len(e.Tags) > maxTags:
		return fmt.Sprintf("more than %d tags", maxTags)
	case slices.ContainsFunc(e.Tags, func(t string) bool { return len(t) > maxTagLen }):
		return fmt.Sprintf("a tag is longer than %d bytes", maxTagLen)
	case len(e.Recovery) > maxCodes:
		return fmt.Sprintf("more than %d recovery codes", maxCodes)
	case slices.ContainsFunc(e.Recovery, func(c RecoveryCode) bool { return len(c.Code) > maxCodeLen }):
		return fmt.Sprintf("a recovery code is longer than %d bytes", maxCodeLen)
	}
	return ""
}

func displayName(issuer, account string) string {
	switch {
	case issuer == "":
		return account
	case account == "":
		return issuer
	}
	return issuer + ":" + account
}

// clip shortens a name for a problem report to valid UTF-8 of at most 80
// bytes.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= 80 {
		return s
	}
	s = strings.ToValidUTF8(s[:80], "")
	return s + "…"
}

package importers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/otterauth/otter/internal/otp"
)

// otter's backup is an age file (https://age-encryption.org/v1) that the
// standard age tool decrypts, encrypted either with a passphrase (age's
// scrypt recipient) or to one or more public keys (age1… or age1pq1…).
// Armored files (-----BEGIN AGE ENCRYPTED FILE-----) are read too. The
// plaintext is this UTF-8 JSON document (BackupVersion 1):
//
//	{
//	  "otter_backup": 1,
//	  "created": "2025-01-02T03:04:05Z",
//	  "accounts": [
//	    {
//	      "uri": "otpauth://totp/GitHub:alice?secret=…&issuer=GitHub&algorithm=SHA1&digits=6&period=30",
//	      "tags": ["work"],
//	      "notes": "free text",
//	      "url": "https://github.com",
//	      "pinned": true,
//	      "recovery_codes": [
//	        {"code": "a1b2-c3d4", "added": "2025-01-01T10:00:00Z"},
//	        {"code": "e5f6-g7h8", "added": "2025-01-01T10:00:00Z", "used_at": "2025-01-02T09:00:00Z"}
//	      ]
//	    }
//	  ]
//	}
//
// uri is the account's key as an otpauth:// URI (type totp, hotp with its
// current counter, or steam); every other field may be omitted. A code
// without used_at is unused. Readers must ignore fields they do not know;
// a change that old readers would misread increments otter_backup.

// BackupVersion is the version of the backup document this package writes
// and the newest it reads.
const BackupVersion = 1

const ageName = "otter age backup"

// ErrIdentityRequired and ErrWrongIdentity are about age backups encrypted
// to a public key.
var (
	ErrIdentityRequired = errors.New("the backup is encrypted to an age public key: its identity file is needed")
	ErrWrongIdentity    = errors.New("the identity does not open this backup")
)

type backupDoc struct {
	Version  *int            `json:"otter_backup"`
	Created  time.Time       `json:"created"`
	Accounts json.RawMessage `json:"accounts"`
}

type backupAccount struct {
	URI      string       `json:"uri"`
	Tags     []string     `json:"tags,omitempty"`
	Notes    string       `json:"notes,omitempty"`
	URL      string       `json:"url,omitempty"`
	Pinned   bool         `json:"pinned,omitempty"`
	Recovery []backupCode `json:"recovery_codes,omitempty"`
}

type backupCode struct {
	Code   string    `json:"code"`
	Added  time.Time `json:"added,omitzero"`
	UsedAt time.Time `json:"used_at,omitzero"`
}

// MarshalBackup returns the backup document holding entries. The result
// holds secrets: the caller zeroes it after use.
func MarshalBackup(entries []Entry, created time.Time) ([]byte, error) {
	accounts := make([]backupAccount, 0, len(entries))
	for _, e := range entries {
		if err := e.Key.Validate(); err != nil {
			return nil, fmt.Errorf("failed to export %s: %w", e.Name(), err)
		}
		a := backupAccount{URI: e.Key.URI(), Tags: e.Tags, Notes: e.Notes, URL: e.URL, Pinned: e.Pinned}
		for _, c := range e.Recovery {
			a.Recovery = append(a.Recovery, backupCode{Code: c.Code, Added: c.Added.UTC(), UsedAt: c.UsedAt.UTC()})
		}
		accounts = append(accounts, a)
	}
	v := BackupVersion
	return json.MarshalIndent(struct {
		Version  *int            `json:"otter_backup"`
		Created  time.Time       `json:"created"`
		Accounts []backupAccount `json:"accounts"`
	}{&v, created.UTC().Truncate(time.Second), accounts}, "", "  ")
}

// WriteBackup writes the backup of entries as an age file to w, encrypted
// to the recipients (see Recipients and PassphraseRecipient).
func WriteBackup(w io.Writer, entries []Entry, created time.Time, to ...age.Recipient) error {
	doc, err := MarshalBackup(entries, created)
	if err != nil {
		return err
	}
	defer clear(doc)
	enc, err := age.Encrypt(w, to...)
	if err != nil {
		return fmt.Errorf("failed to encrypt the backup: %w", err)
	}
	if _, err := enc.Write(doc); err != nil {
		return fmt.Errorf("failed to encrypt the backup: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("failed to encrypt the backup: %w", err)
	}
	return nil
}

// Recipients parses age public keys (age1… or age1pq1…).
func Recipients(keys []string) ([]age.Recipient, error) {
	for _, k := range keys {
		if strings.ContainsAny(k, "\n\r") || strings.TrimSpace(k) == "" || strings.HasPrefix(strings.TrimSpace(k), "#") {
			return nil, errors.New("a recipient must be one age public key (age1…)")
		}
	}
	return age.ParseRecipients(strings.NewReader(strings.Join(keys, "\n")))
}

// PassphraseRecipient encrypts to a passphrase with scrypt work factor
// 2^logN (age's default is 18; tests pass less).
func PassphraseRecipient(pass []byte, logN int) (age.Recipient, error) {
	r, err := age.NewScryptRecipient(string(pass))
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(logN)
	return r, nil
}

// ageMaxWorkFactor bounds the scrypt work a backup may demand (2^20 is
// about 1 GiB·s); otter writes 2^18.
const ageMaxWorkFactor = 20

func parseAge(data []byte, o *Options) (*Result, error) {
	src := io.Reader(bytes.NewReader(data))
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(armor.Header)) {
		src = armor.NewReader(bytes.NewReader(bytes.TrimLeft(data, " \t\r\n")))
	}
	br := bufio.NewReader(src)
	ids, scryptFile, err := ageIdentities(br, o)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(br, ids...)
	if err != nil {
		return nil, ageErr(err, scryptFile)
	}
	plain, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	defer clear(plain)
	if err != nil {
		return nil, formatErr(ageName, "the encrypted payload is damaged or truncated")
	}
	if len(plain) > MaxSize {
		return nil, ErrTooLarge
	}
	return backupContent(plain)
}

// ageIdentities picks the identities to try, peeking at the header to
// tell a passphrase file from one encrypted to public keys.
func ageIdentities(br *bufio.Reader, o *Options) (ids []age.Identity, scryptFile bool, err error) {
	head, _ := br.Peek(4096)
	if !bytes.HasPrefix(head, []byte("age-encryption.org/v1\n")) {
		return nil, false, formatErr(ageName, "it is not an age file (no age-encryption.org/v1 header)")
	}
	scryptFile = bytes.Contains(head, []byte("\n-> scrypt "))
	if scryptFile && len(o.Passphrase) > 0 {
		id, err := age.NewScryptIdentity(string(o.Passphrase))
		if err != nil {
			return nil, true, err
		}
		id.SetMaxWorkFactor(ageMaxWorkFactor)
		ids = append(ids, id)
	}
	if !scryptFile && len(o.Identity) > 0 {
		parsed, err := age.ParseIdentities(bytes.NewReader(o.Identity))
		if err != nil {
			return nil, false, fmt.Errorf("cannot read the age identity file: %w", err)
		}
		ids = append(ids, parsed...)
	}
	switch {
	case len(ids) > 0:
		return ids, scryptFile, nil
	case scryptFile:
		return nil, true, ErrPassphraseRequired
	}
	return nil, false, ErrIdentityRequired
}

// ageErr maps a failed age.Decrypt: no identity matching is a wrong
// passphrase or identity; anything else is a damaged file.
func ageErr(err error, scryptFile bool) error {
	var nm *age.NoIdentityMatchError
	switch {
	case errors.As(err, &nm) && scryptFile:
		return ErrWrongPassphrase
	case errors.As(err, &nm):
		return ErrWrongIdentity
	}
	return &FormatError{Format: ageName, Err: err}
}

func backupContent(plain []byte) (*Result, error) {
	var doc backupDoc
	if err := json.Unmarshal(plain, &doc); err != nil {
		return nil, &FormatError{Format: ageName, Err: jsonErr(err)}
	}
	if doc.Version == nil {
		return nil, formatErr(ageName, "the otter_backup version is missing")
	}
	if *doc.Version < 1 || *doc.Version > BackupVersion {
		return nil, &VersionError{Format: ageName, Got: *doc.Version, Known: fmt.Sprint(BackupVersion)}
	}
	raws, err := splitEntries(doc.Accounts)
	if err != nil {
		return nil, &FormatError{Format: ageName, Err: err}
	}
	var c collector
	for i, raw := range raws {
		if err := backupEntryTo(&c, i+1, raw); err != nil {
			return nil, &FormatError{Format: ageName, Err: err}
		}
	}
	return c.result(), nil
}

func backupEntryTo(c *collector, i int, raw json.RawMessage) error {
	var a backupAccount
	if err := json.Unmarshal(raw, &a); err != nil {
		return c.problem(i, "", jsonErr(err).Error())
	}
	k, err := otp.ParseURI(a.URI)
	if err != nil {
		return c.problem(i, uriName(a.URI), reason(err).Error())
	}
	e := Entry{Key: k, Tags: a.Tags, Notes: a.Notes, URL: a.URL, Pinned: a.Pinned}
	for _, rc := range a.Recovery {
		e.Recovery = append(e.Recovery, RecoveryCode{Code: rc.Code, Added: rc.Added, UsedAt: rc.UsedAt})
	}
	return c.add(i, e)
}

package importers

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/otterauth/otter/internal/otp"
)

// Bitwarden's unencrypted JSON export:
//
//	{"encrypted": false, "folders": [{"id", "name"}], "items": [
//	  {"type": 1, "name", "notes", "favorite", "folderId",
//	   "login": {"username", "uris": [{"uri"}], "totp": TOTP}}]}
//
// TOTP is an otpauth:// URI, a bare base32 secret (TOTP, SHA1, 6 digits,
// 30 s) or steam://SECRET. Items without a TOTP secret are passwords only
// and are skipped. The item's name stands in for a missing issuer and the
// login's username for a missing account name.

const bitwardenName = "Bitwarden"

type bitwardenFile struct {
	Encrypted         bool            `json:"encrypted"`
	PasswordProtected bool            `json:"passwordProtected"`
	Items             json.RawMessage `json:"items"`
	Folders           []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"folders"`
}

type bitwardenItem struct {
	Name     string  `json:"name"`
	Notes    *string `json:"notes"`
	Favorite bool    `json:"favorite"`
	FolderID *string `json:"folderId"`
	Login    *struct {
		Username *string `json:"username"`
		TOTP     *string `json:"totp"`
		URIs     []struct {
			URI *string `json:"uri"`
		} `json:"uris"`
	} `json:"login"`
}

// errBitwardenEncrypted is returned for the encrypted export variants.
var errBitwardenEncrypted = errors.New("this Bitwarden export is encrypted, which otter cannot read: export again choosing .json (not encrypted)")

func parseBitwarden(data []byte, _ *Options) (*Result, error) {
	var f bitwardenFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &FormatError{Format: bitwardenName, Err: jsonErr(err)}
	}
	if f.Encrypted || f.PasswordProtected {
		return nil, errBitwardenEncrypted
	}
	if len(f.Items) == 0 {
		return nil, formatErr(bitwardenName, "the items list is missing")
	}
	raws, err := splitEntries(f.Items)
	if err != nil {
		return nil, &FormatError{Format: bitwardenName, Err: err}
	}
	folders := map[string]string{}
	for _, d := range f.Folders {
		folders[d.ID] = d.Name
	}
	var c collector
	for i, raw := range raws {
		if err := bitwardenItemTo(&c, i+1, raw, folders); err != nil {
			return nil, &FormatError{Format: bitwardenName, Err: err}
		}
	}
	r := c.result()
	if len(r.Entries)+len(r.Problems) == 0 {
		return nil, formatErr(bitwardenName, "none of its %d items has a TOTP secret", len(raws))
	}
	return r, nil
}

func bitwardenItemTo(c *collector, i int, raw json.RawMessage, folders map[string]string) error {
	var it bitwardenItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return c.problem(i, jsonName(raw, "name"), jsonErr(err).Error())
	}
	if it.Login == nil || it.Login.TOTP == nil || strings.TrimSpace(*it.Login.TOTP) == "" {
		return nil
	}
	user := ""
	if it.Login.Username != nil {
		user = strings.TrimSpace(*it.Login.Username)
	}
	name := strings.TrimSpace(it.Name)
	k, err := bitwardenKey(strings.TrimSpace(*it.Login.TOTP), name, user)
	if err != nil {
		return c.problem(i, displayName(name, user), err.Error())
	}
	e := Entry{Key: k, Pinned: it.Favorite}
	if it.Notes != nil {
		e.Notes = *it.Notes
	}
	for _, u := range it.Login.URIs {
		if u.URI != nil && *u.URI != "" {
			e.URL = *u.URI
			break
		}
	}
	if it.FolderID != nil {
		if f := strings.TrimSpace(folders[*it.FolderID]); f != "" {
			e.Tags = []string{f}
		}
	}
	return c.add(i, e)
}

// bitwardenKey reads a login's totp field.
func bitwardenKey(totp, name, user string) (*otp.Key, error) {
	if hasScheme(totp, "otpauth") {
		k, err := otp.ParseURI(totp)
		if err != nil {
			return nil, reason(err)
		}
		if k.Issuer == "" {
			k.Issuer = name
		}
		if k.Account == "" {
			k.Account = user
		}
		if err := k.Validate(); err != nil {
			k.Wipe()
			return nil, reason(err)
		}
		return k, nil
	}
	spec := keySpec{issuer: name, account: user, secret: totp}
	if hasScheme(totp, "steam") {
		spec.typ = "steam"
		spec.secret = strings.TrimLeft(totp[len("steam:"):], "/")
		if spec.issuer == "" {
			spec.issuer = "Steam"
		}
	}
	return spec.key()
}

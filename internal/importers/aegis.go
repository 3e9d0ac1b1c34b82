package importers

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// Aegis's vault file (docs/vault.md in the Aegis repository):
//
//	{"version": 1,
//	 "header": {"slots": [...] | null, "params": {"nonce": HEX, "tag": HEX} | null},
//	 "db": {"version": 1..3, "entries": [...], "groups": [...]} | "BASE64"}
//
// An encrypted vault's db is the base64 of AES-256-GCM ciphertext (tag in
// header.params) under a random master key. Each password slot (type 1)
// holds the master key sealed with AES-256-GCM (key_params nonce and tag)
// under scrypt(password, salt, n, r, p) with a 32-byte output.

const aegisName = "Aegis"

type aegisFile struct {
	Version *int `json:"version"`
	Header  struct {
		Slots  []aegisSlot  `json:"slots"`
		Params *aegisParams `json:"params"`
	} `json:"header"`
	DB json.RawMessage `json:"db"`
}

type aegisParams struct {
	Nonce string `json:"nonce"`
	Tag   string `json:"tag"`
}

type aegisSlot struct {
	Type      int         `json:"type"`
	Key       string      `json:"key"`
	KeyParams aegisParams `json:"key_params"`
	N         int         `json:"n"`
	R         int         `json:"r"`
	P         int         `json:"p"`
	Salt      string      `json:"salt"`
}

type aegisDB struct {
	Version *int            `json:"version"`
	Entries json.RawMessage `json:"entries"`
	Groups  []aegisGroup    `json:"groups"`
}

type aegisGroup struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

type aegisEntry struct {
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	Issuer   string   `json:"issuer"`
	Note     string   `json:"note"`
	Favorite bool     `json:"favorite"`
	Group    string   `json:"group"`  // content versions 1 and 2
	Groups   []string `json:"groups"` // content version 3: group uuids
	Info     struct {
		Secret  string `json:"secret"`
		Algo    string `json:"algo"`
		Digits  int    `json:"digits"`
		Period  int    `json:"period"`
		Counter int64  `json:"counter"`
	} `json:"info"`
}

// Aegis's slot types.
const aegisSlotPassword = 1

func parseAegis(data []byte, o *Options) (*Result, error) {
	var f aegisFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &FormatError{Format: aegisName, Err: jsonErr(err)}
	}
	if f.Version == nil || len(f.DB) == 0 {
		return nil, formatErr(aegisName, "the version or db field is missing")
	}
	if *f.Version != 1 {
		return nil, &VersionError{Format: aegisName, Got: *f.Version, Known: "1"}
	}
	content := []byte(f.DB)
	if f.DB[0] == '"' {
		plain, err := f.decrypt(o.Passphrase)
		if err != nil {
			return nil, err
		}
		defer clear(plain)
		content = plain
	}
	return aegisContent(content)
}

// decrypt opens an encrypted vault's db with a password slot.
func (f *aegisFile) decrypt(pass []byte) ([]byte, error) {
	var b64 string
	if err := json.Unmarshal(f.DB, &b64); err != nil {
		return nil, &FormatError{Format: aegisName, Err: jsonErr(err)}
	}
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, formatErr(aegisName, "db is not valid base64 (truncated?)")
	}
	if f.Header.Params == nil {
		return nil, formatErr(aegisName, "the header has no params for its encrypted db")
	}
	slots := 0
	for _, s := range f.Header.Slots {
		if s.Type == aegisSlotPassword {
			slots++
		}
	}
	if slots == 0 {
		return nil, formatErr(aegisName, "the vault has no password slot (biometric-only vaults cannot be exported from the phone)")
	}
	if len(pass) == 0 {
		return nil, ErrPassphraseRequired
	}
	master, err := f.masterKey(pass)
	if err != nil {
		return nil, err
	}
	defer clear(master)
	plain, err := gcmOpen(master, f.Header.Params, ct)
	if err != nil {
		return nil, formatErr(aegisName, "the vault contents fail authentication (damaged file): %v", err)
	}
	return plain, nil
}

// masterKey tries every password slot.
func (f *aegisFile) masterKey(pass []byte) ([]byte, error) {
	for _, s := range f.Header.Slots {
		if s.Type != aegisSlotPassword {
			continue
		}
		salt, err := hex.DecodeString(s.Salt)
		if err != nil {
			return nil, formatErr(aegisName, "a slot's salt is not hex")
		}
		if err := checkScrypt(s.N, s.R, s.P); err != nil {
			return nil, &FormatError{Format: aegisName, Err: err}
		}
		kek, err := scrypt.Key(pass, salt, s.N, s.R, s.P, 32)
		if err != nil {
			return nil, &FormatError{Format: aegisName, Err: err}
		}
		sealed, err := hex.DecodeString(s.Key)
		if err != nil {
			return nil, formatErr(aegisName, "a slot's key is not hex")
		}
		master, err := gcmOpen(kek, &s.KeyParams, sealed)
		clear(kek)
		if err == nil && len(master) == 32 {
			return master, nil
		}
		if err != nil && !errors.Is(err, errAuth) {
			return nil, &FormatError{Format: aegisName, Err: err}
		}
	}
	return nil, ErrWrongPassphrase
}

// checkScrypt bounds scrypt's cost before any work: Aegis uses n=2^15,
// r=8, p=1; at most 256 MiB of memory and 2^24 block operations are
// allowed.
func checkScrypt(n, r, p int) error {
	switch {
	case n < 2 || n&(n-1) != 0 || n > 1<<20:
		return fmt.Errorf("scrypt n=%d is not a power of two up to 2^20", n)
	case r < 1 || r > 32 || p < 1 || p > 16:
		return fmt.Errorf("scrypt r=%d p=%d are out of range", r, p)
	case 128*r*n > 256<<20 || n*r*p > 1<<24:
		return fmt.Errorf("scrypt n=%d r=%d p=%d cost too much", n, r, p)
	}
	return nil
}

var errAuth = errors.New("authentication failed")

// gcmOpen opens AES-256-GCM ciphertext whose 12-byte nonce and 16-byte tag
// are given as hex.
func gcmOpen(key []byte, p *aegisParams, ct []byte) ([]byte, error) {
	nonce, err1 := hex.DecodeString(p.Nonce)
	tag, err2 := hex.DecodeString(p.Tag)
	if err1 != nil || err2 != nil || len(nonce) != 12 || len(tag) != 16 {
		return nil, errors.New("nonce or tag is not 12 or 16 bytes of hex")
	}
	return aesGCMOpen(key, nonce, append(ct[:len(ct):len(ct)], tag...))
}

// aesGCMOpen opens ct||tag under key with a 12-byte nonce.
func aesGCMOpen(key, nonce, sealed []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(nonce) != gcm.NonceSize() {
		return nil, fmt.Errorf("the nonce is %d bytes, not %d", len(nonce), gcm.NonceSize())
	}
	plain, err := gcm.Open(nil, nonce, sealed, nil)
	if err != nil {
		return nil, errAuth
	}
	return plain, nil
}

// aegisContent reads the (decrypted) db object.
func aegisContent(content []byte) (*Result, error) {
	var db aegisDB
	if err := json.Unmarshal(content, &db); err != nil {
		return nil, &FormatError{Format: aegisName, Err: jsonErr(err)}
	}
	if db.Version == nil {
		return nil, formatErr(aegisName, "the db version is missing")
	}
	if *db.Version < 1 || *db.Version > 3 {
		return nil, &VersionError{Format: aegisName + " content", Got: *db.Version, Known: "1 to 3"}
	}
	raws, err := splitEntries(db.Entries)
	if err != nil {
		return nil, &FormatError{Format: aegisName, Err: err}
	}
	groups := map[string]string{}
	for _, g := range db.Groups {
		groups[g.UUID] = g.Name
	}
	var c collector
	for i, raw := range raws {
		if err := aegisEntryTo(&c, i+1, raw, groups); err != nil {
			return nil, &FormatError{Format: aegisName, Err: err}
		}
	}
	return c.result(), nil
}

func aegisEntryTo(c *collector, i int, raw json.RawMessage, groups map[string]string) error {
	var e aegisEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return c.problem(i, jsonName(raw, "issuer", "name"), jsonErr(err).Error())
	}
	spec := keySpec{typ: e.Type, issuer: e.Issuer, account: e.Name, secret: e.Info.Secret,
		algorithm: e.Info.Algo, digits: e.Info.Digits, period: e.Info.Period, counter: e.Info.Counter}
	k, err := spec.key()
	if err != nil {
		return c.problem(i, displayName(e.Issuer, e.Name), err.Error())
	}
	entry := Entry{Key: k, Notes: e.Note, Pinned: e.Favorite}
	if g := strings.TrimSpace(e.Group); g != "" {
		entry.Tags = append(entry.Tags, g)
	}
	for _, id := range e.Groups {
		if name := strings.TrimSpace(groups[id]); name != "" {
			entry.Tags = append(entry.Tags, name)
		}
	}
	return c.add(i, entry)
}

package importers

// Fixtures for every format, built from each format's public
// documentation by code that shares nothing with the importers: the
// encrypted ones are sealed here with x/crypto's scrypt and PBKDF2 and the
// standard library's AES-GCM, as the formats' own apps do.
// `go test -run TestFixtures -update` rewrites testdata/, which seeds the
// fuzz targets and pins the files against regressions.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"

	"github.com/otterauth/otter/internal/otp"
)

var update = flag.Bool("update", false, "rewrite testdata/ fixtures")

// fixture is one account as the fixtures spell it.
type fixture struct {
	typ, issuer, account, secret, algo string
	digits, period                     int
	counter                            int64
	tags                               []string
	note                               string
}

// The accounts every fixture holds: one of each type and algorithm.
var fixtures = []fixture{
	{typ: "totp", issuer: "GitHub", account: "alice@example.com", secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", algo: "SHA1", digits: 6, period: 30, tags: []string{"work"}, note: "main account"},
	{typ: "totp", issuer: "Example Corp", account: "bob", secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA", algo: "SHA256", digits: 8, period: 60},
	{typ: "hotp", issuer: "Bank", account: "carol", secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", algo: "SHA512", digits: 6, counter: 7},
	{typ: "steam", issuer: "Steam", account: "dave", secret: "JRZCL47CMXVOQMNPZR2F7J4RGI", algo: "SHA1", digits: 5, period: 30},
}

// want is the otp.Key a fixture must become.
func (f fixture) want(t testing.TB) *otp.Key {
	t.Helper()
	s, err := otp.DecodeSecret(f.secret)
	if err != nil {
		t.Fatal(err)
	}
	k := &otp.Key{Type: otp.Type(f.typ), Issuer: f.issuer, Account: f.account, Secret: s,
		Algorithm: otp.Algorithm(f.algo), Digits: f.digits, Period: f.period, Counter: uint64(f.counter)}
	return k
}

func (f fixture) uri() string {
	q := url.Values{"secret": {f.secret}, "issuer": {f.issuer}, "algorithm": {f.algo}, "digits": {fmt.Sprint(f.digits)}}
	if f.typ == "hotp" {
		q.Set("counter", fmt.Sprint(f.counter))
	} else {
		q.Set("period", fmt.Sprint(f.period))
	}
	return "otpauth://" + f.typ + "/" + url.PathEscape(f.issuer) + ":" + url.PathEscape(f.account) + "?" + q.Encode()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// --- Aegis (docs/vault.md) ---

func aegisDBDoc(fs []fixture) map[string]any {
	var entries []map[string]any
	groups := []map[string]any{}
	for i, f := range fs {
		info := map[string]any{"secret": f.secret, "algo": f.algo, "digits": f.digits}
		if f.typ == "hotp" {
			info["counter"] = f.counter
		} else {
			info["period"] = f.period
		}
		e := map[string]any{"type": f.typ, "uuid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			"name": f.account, "issuer": f.issuer, "note": f.note, "favorite": i == 0, "icon": nil, "info": info, "groups": []string{}}
		for _, tag := range f.tags {
			id := fmt.Sprintf("10000000-0000-4000-8000-%012d", len(groups))
			groups = append(groups, map[string]any{"uuid": id, "name": tag})
			e["groups"] = []string{id}
		}
		entries = append(entries, e)
	}
	return map[string]any{"version": 3, "entries": entries, "groups": groups}
}

func aegisPlain(t testing.TB, fs []fixture) []byte {
	return mustJSON(t, map[string]any{"version": 1, "header": map[string]any{"slots": nil, "params": nil}, "db": aegisDBDoc(fs)})
}

// sealGCM seals with AES-256-GCM and returns ciphertext and tag apart.
func sealGCM(t testing.TB, key, nonce, plain []byte) (ct, tag []byte) {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	out := gcm.Seal(nil, nonce, plain, nil)
	return out[:len(out)-16], out[len(out)-16:]
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// aegisEncrypted seals the vault as Aegis does: a random master key
// encrypts the db; a password slot wraps the master key under
// scrypt(password, salt, n, 8, 1).
func aegisEncrypted(t testing.TB, fs []fixture, password string, n int) []byte {
	master, salt := random(32), random(32)
	kek, err := scrypt.Key([]byte(password), salt, n, 8, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	slotNonce, dbNonce := random(12), random(12)
	wrapped, slotTag := sealGCM(t, kek, slotNonce, master)
	db, dbTag := sealGCM(t, master, dbNonce, mustJSON(t, aegisDBDoc(fs)))
	slot := map[string]any{
		"type": 1, "uuid": "20000000-0000-4000-8000-000000000000", "key": hex.EncodeToString(wrapped),
		"n": n, "r": 8, "p": 1, "salt": hex.EncodeToString(salt), "repaired": true, "is_backup": false,
		"key_params": map[string]any{"nonce": hex.EncodeToString(slotNonce), "tag": hex.EncodeToString(slotTag)},
	}
	return mustJSON(t, map[string]any{"version": 1,
		"header": map[string]any{"slots": []any{slot}, "params": map[string]any{"nonce": hex.EncodeToString(dbNonce), "tag": hex.EncodeToString(dbTag)}},
		"db":     base64.StdEncoding.EncodeToString(db)})
}

// --- 2FAS (schema version 4, as the app writes it) ---

func twoFASServices(fs []fixture) []map[string]any {
	var out []map[string]any
	for i, f := range fs {
		o := map[string]any{"link": f.uri(), "label": f.account, "account": f.account, "issuer": f.issuer,
			"digits": f.digits, "algorithm": f.algo, "tokenType": strings.ToUpper(f.typ), "source": "Link"}
		if f.typ == "hotp" {
			o["counter"] = f.counter
		} else {
			o["period"] = f.period
		}
		s := map[string]any{"name": f.issuer, "secret": f.secret, "updatedAt": 1702934567518, "otp": o,
			"order": map[string]any{"position": i}, "icon": map[string]any{"selected": "Label"}}
		if len(f.tags) > 0 {
			s["groupId"] = "group-" + f.tags[0]
		}
		out = append(out, s)
	}
	return out
}

func twoFASGroups(fs []fixture) []map[string]any {
	groups := []map[string]any{}
	for _, f := range fs {
		for _, tag := range f.tags[:min(len(f.tags), 1)] {
			groups = append(groups, map[string]any{"id": "group-" + tag, "name": tag, "isExpanded": true})
		}
	}
	return groups
}

func twoFASPlain(t testing.TB, fs []fixture) []byte {
	return mustJSON(t, map[string]any{"services": twoFASServices(fs), "groups": twoFASGroups(fs), "updatedAt": 1702934732299,
		"schemaVersion": 4, "appVersionCode": 5000009, "appVersionName": "5.1.0", "appOrigin": "android"})
}

// twoFASSeal is "DATA:SALT:IV", each part base64, DATA the AES-GCM
// ciphertext with its tag, the key PBKDF2-HMAC-SHA256(password, salt,
// 10000, 32).
func twoFASSeal(t testing.TB, password string, salt, plain []byte) string {
	key := pbkdf2.Key([]byte(password), salt, 10000, 32, sha256.New)
	iv := random(12)
	ct, tag := sealGCM(t, key, iv, plain)
	enc := base64.StdEncoding.EncodeToString
	return enc(append(ct, tag...)) + ":" + enc(salt) + ":" + enc(iv)
}

func twoFASEncrypted(t testing.TB, fs []fixture, password string) []byte {
	salt := random(256)
	return mustJSON(t, map[string]any{"services": []any{}, "groups": twoFASGroups(fs), "updatedAt": 1702934782660,
		"schemaVersion": 4, "appVersionCode": 5000009, "appVersionName": "5.1.0", "appOrigin": "android",
		"servicesEncrypted": twoFASSeal(t, password, salt, mustJSON(t, twoFASServices(fs))),
		"reference":         twoFASSeal(t, password, salt, []byte("tRViSsLKzd86Hprh4ceC2OP7xazn4rrt4xhfEUbOjxLX8Rc3mkISXE0lWbmnWfggogbBJhtYgpK6fMl1D6mtsy92R3HkdGfwuXbzLebqVFJsR7IZ2w58t938iymwG4824igYy1wi6n2WDpO1Q1P69zwJGs2F5a1qP4MyIiDSD7NCV2OvidXQCBnDlGfmz0f1BQySRkkt4ryiJeCjD2o4QsveJ9uDBUn8ELyOrESv5R5DMDkD4iAF8TXU7KyoJujd"))})
}

// --- andOTP ---

func andOTPDoc(fs []fixture) []map[string]any {
	var out []map[string]any
	for _, f := range fs {
		e := map[string]any{"secret": f.secret, "issuer": f.issuer, "label": f.account, "digits": f.digits,
			"type": strings.ToUpper(f.typ), "algorithm": f.algo, "thumbnail": "Default", "last_used": 1608146844162,
			"used_frequency": 0, "tags": append([]string{}, f.tags...)}
		if f.typ == "hotp" {
			e["counter"] = f.counter
		} else {
			e["period"] = f.period
		}
		out = append(out, e)
	}
	return out
}

// andOTPEncrypted writes iterations | salt | nonce | ciphertext | tag with
// the key PBKDF2-HMAC-SHA1(password, salt, iterations, 32).
func andOTPEncrypted(t testing.TB, fs []fixture, password string, iter uint32) []byte {
	salt, nonce := random(12), random(12)
	key := pbkdf2.Key([]byte(password), salt, int(iter), 32, sha1.New)
	ct, tag := sealGCM(t, key, nonce, mustJSON(t, andOTPDoc(fs)))
	out := binary.BigEndian.AppendUint32(nil, iter)
	out = append(append(append(out, salt...), nonce...), ct...)
	return append(out, tag...)
}

// andOTPEncryptedOld is the oldest format: nonce | ciphertext | tag under
// SHA-256(password).
func andOTPEncryptedOld(t testing.TB, fs []fixture, password string) []byte {
	key := sha256.Sum256([]byte(password))
	nonce := random(12)
	ct, tag := sealGCM(t, key[:], nonce, mustJSON(t, andOTPDoc(fs)))
	return append(append(nonce, ct...), tag...)
}

// --- Bitwarden, Ente, otpauth lists, Google ---

func bitwardenDoc(t testing.TB, fs []fixture) []byte {
	items := []map[string]any{{"id": "p", "type": 1, "name": "Password only", "login": map[string]any{"username": "x", "password": "y", "totp": nil}}}
	for i, f := range fs {
		totp := f.uri()
		switch {
		case f.typ == "steam":
			totp = "steam://" + f.secret
		case i == 0:
			totp = strings.ToLower(f.secret[:4]) + " " + f.secret[4:] // a bare secret, as people paste it
		}
		items = append(items, map[string]any{"id": fmt.Sprint(i), "type": 1, "name": f.issuer, "notes": f.note,
			"favorite": false, "folderId": nil,
			"login": map[string]any{"username": f.account, "password": "pw", "totp": totp,
				"uris": []map[string]any{{"match": nil, "uri": "https://" + strings.ToLower(strings.ReplaceAll(f.issuer, " ", "")) + ".example"}}}})
	}
	return mustJSON(t, map[string]any{"encrypted": false, "folders": []any{}, "items": items})
}

func enteText(fs []fixture) []byte {
	var b strings.Builder
	for _, f := range fs {
		display, _ := json.Marshal(map[string]any{"pinned": false, "trashed": false, "lastUsedAt": 0, "tapCount": 0,
			"tags": append([]string{}, f.tags...), "note": f.note})
		b.WriteString(f.uri() + "&codeDisplay=" + url.QueryEscape(string(display)) + "\n")
	}
	trashed := fixture{typ: "totp", issuer: "Old", account: "gone", secret: "JBSWY3DPEHPK3PXP", algo: "SHA1", digits: 6, period: 30}
	b.WriteString(trashed.uri() + "&codeDisplay=" + url.QueryEscape(`{"trashed":true}`) + "\n")
	return []byte(b.String())
}

func otpauthText(fs []fixture) []byte {
	var b strings.Builder
	b.WriteString("# exported accounts\n\n")
	for _, f := range fs {
		b.WriteString(f.uri() + "\n")
	}
	return []byte(b.String())
}

// googleText encodes the fixtures Google's format can hold as a two-part
// export.
func googleText(t testing.TB, keys []*otp.Key) []byte {
	var parts []string
	for i, chunk := range [][]*otp.Key{keys[:1], keys[1:]} {
		u, err := otp.EncodeMigration(chunk, otp.Batch{Version: 1, Size: 2, Index: i, ID: 42})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, u)
	}
	return []byte(strings.Join(parts, "\n") + "\n")
}

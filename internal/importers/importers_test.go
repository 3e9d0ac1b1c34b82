package importers

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/otp"
)

// Test passwords; the testdata files use them too.
const (
	aegisPass  = "aegis-test-password"
	twoFASPass = "2fas-test-password"
	andOTPPass = "andotp-test-password"
	agePass    = "age-test-password"
)

type formatCase struct {
	name, format string
	data         []byte
	pass         string
	want         []fixture
}

// formatCases builds a fresh fixture of every format. fast uses tiny KDF
// costs; the testdata files use the apps' real ones.
func formatCases(t testing.TB, fast bool) []formatCase {
	aegisN, andOTPIter := 1<<15, uint32(140_000)
	if fast {
		aegisN, andOTPIter = 1<<10, 1000
	}
	return []formatCase{
		{"aegis_plain.json", "aegis", aegisPlain(t, fixtures), "", fixtures},
		{"aegis_encrypted.json", "aegis", aegisEncrypted(t, fixtures, aegisPass, aegisN), aegisPass, fixtures},
		{"2fas_plain.2fas", "2fas", twoFASPlain(t, fixtures), "", fixtures},
		{"2fas_encrypted.2fas", "2fas", twoFASEncrypted(t, fixtures, twoFASPass), twoFASPass, fixtures},
		{"andotp_plain.json", "andotp", mustJSON(t, andOTPDoc(fixtures)), "", fixtures},
		{"andotp_encrypted.json.aes", "andotp", andOTPEncrypted(t, fixtures, andOTPPass, andOTPIter), andOTPPass, fixtures},
		{"andotp_encrypted_old.json.aes", "andotp", andOTPEncryptedOld(t, fixtures, andOTPPass), andOTPPass, fixtures},
		{"bitwarden.json", "bitwarden", bitwardenDoc(t, fixtures), "", fixtures},
		{"ente.txt", "ente", enteText(fixtures), "", fixtures},
		{"otpauth.txt", "otpauth", otpauthText(fixtures), "", fixtures},
	}
}

func checkKeys(t *testing.T, r *Result, want []fixture) {
	t.Helper()
	if len(r.Problems) > 0 {
		t.Fatalf("problems: %+v", r.Problems)
	}
	if len(r.Entries) != len(want) {
		t.Fatalf("got %d entries, want %d", len(r.Entries), len(want))
	}
	for i, f := range want {
		if w := f.want(t); !r.Entries[i].Key.Equal(w) {
			t.Errorf("entry %d = %v, want %v", i, r.Entries[i].Key, w)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, c := range formatCases(t, true) {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse(c.format, c.data, []byte(c.pass))
			if err != nil {
				t.Fatal(err)
			}
			checkKeys(t, r, c.want)
			got, err := Detect(c.data)
			if strings.Contains(c.name, "andotp_encrypted") {
				if !errors.Is(err, ErrUnknownFormat) {
					t.Errorf("Detect(encrypted andOTP) = %q, %v; want ErrUnknownFormat", got, err)
				}
				return
			}
			if err != nil || got != c.format {
				t.Errorf("Detect = %q, %v; want %q", got, err, c.format)
			}
		})
	}
}

// TestExtras checks what each format keeps beside the key.
func TestExtras(t *testing.T) {
	for _, c := range formatCases(t, true) {
		r, err := Parse(c.format, c.data, []byte(c.pass))
		if err != nil {
			t.Fatal(err)
		}
		e := r.Entries[0]
		switch c.format {
		case "aegis":
			if !slices.Equal(e.Tags, []string{"work"}) || e.Notes != "main account" || !e.Pinned {
				t.Errorf("%s: tags %q notes %q pinned %v", c.name, e.Tags, e.Notes, e.Pinned)
			}
		case "2fas", "andotp":
			if !slices.Equal(e.Tags, []string{"work"}) {
				t.Errorf("%s: tags %q", c.name, e.Tags)
			}
		case "ente":
			if !slices.Equal(e.Tags, []string{"work"}) || e.Notes != "main account" {
				t.Errorf("%s: tags %q notes %q", c.name, e.Tags, e.Notes)
			}
			if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "trash") {
				t.Errorf("%s: warnings %q, want the trashed entry reported", c.name, r.Warnings)
			}
		case "bitwarden":
			if e.Notes != "main account" || e.URL != "https://github.example" {
				t.Errorf("%s: notes %q url %q", c.name, e.Notes, e.URL)
			}
		}
	}
}

func TestGoogleMultiBatch(t *testing.T) {
	keys := []*otp.Key{fixtures[0].want(t), fixtures[2].want(t), {Type: otp.TypeTOTP, Issuer: "Mail", Account: "erin",
		Secret: []byte("0123456789abcdef"), Algorithm: otp.SHA256, Digits: 8, Period: 30}}
	data := googleText(t, keys)
	r, err := Parse("auto", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Format != "google" || len(r.Entries) != 3 || len(r.Warnings) != 0 {
		t.Fatalf("format %s, %d entries, warnings %q", r.Format, len(r.Entries), r.Warnings)
	}
	for i, k := range keys {
		if !r.Entries[i].Key.Equal(k) {
			t.Errorf("entry %d = %v, want %v", i, r.Entries[i].Key, k)
		}
	}
	// One part of two: imported, with a warning naming the missing part.
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r, err = Parse("google", first, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Entries) != 1 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "missing: part 2") {
		t.Fatalf("%d entries, warnings %q", len(r.Entries), r.Warnings)
	}
}

// TestProblems: bad entries are reported one by one beside the good ones.
func TestProblems(t *testing.T) {
	md5 := fixture{typ: "totp", issuer: "Old", account: "md5", secret: "JBSWY3DPEHPK3PXP", algo: "MD5", digits: 6, period: 30}
	empty := fixture{typ: "totp", issuer: "Empty", account: "nothing", secret: "", algo: "SHA1", digits: 6, period: 30}
	yandex := fixture{typ: "yandex", issuer: "Yandex", account: "y", secret: "JBSWY3DPEHPK3PXP", algo: "SHA256", digits: 8, period: 30}
	mixed := []fixture{fixtures[0], md5, empty, yandex}
	for _, c := range []struct {
		format string
		data   []byte
		bad    int
	}{
		{"aegis", aegisPlain(t, mixed), 3},
		{"2fas", twoFASPlain(t, mixed[:3]), 2},
		{"andotp", mustJSON(t, andOTPDoc(mixed)), 3},
		{"otpauth", append(otpauthText(mixed[:3]), "hello\n"...), 3},
		{"google", googleWithMD5(t), 1},
	} {
		r, err := Parse(c.format, c.data, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		if len(r.Entries) != 1 || len(r.Problems) != c.bad {
			t.Fatalf("%s: %d entries, problems %+v; want 1 and %d", c.format, len(r.Entries), r.Problems, c.bad)
		}
		for _, p := range r.Problems {
			if p.Index < 1 || p.Reason == "" {
				t.Errorf("%s: problem %+v lacks an index or reason", c.format, p)
			}
		}
		if c.format == "aegis" && (r.Problems[0].Name != "Old:md5" || !strings.Contains(r.Problems[0].Reason, "MD5")) {
			t.Errorf("aegis: problem %+v should name the account and MD5", r.Problems[0])
		}
	}
}

// googleWithMD5 is a migration URI with a good account and an MD5 one,
// written field by field from Google's MigrationPayload definition.
func googleWithMD5(t *testing.T) []byte {
	good, err := otp.EncodeMigration([]*otp.Key{fixtures[0].want(t)}, otp.Batch{Version: 1, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := migrationPayload(strings.SplitN(good, "?", 2)[1])
	if err != nil {
		t.Fatal(err)
	}
	// OtpParameters{secret: "0123456789", name: "md5", algorithm: MD5 (4), digits: SIX, type: TOTP}
	bad := []byte{0x0a, 10, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0x12, 3, 'm', 'd', '5', 0x20, 4, 0x28, 1, 0x30, 2}
	payload = append(append(payload, 0x0a, byte(len(bad))), bad...)
	return []byte("otpauth-migration://offline?data=" + urlBase64(payload) + "\n")
}

func TestWrongAndMissingPassphrase(t *testing.T) {
	for _, c := range formatCases(t, true) {
		if c.pass == "" {
			continue
		}
		if _, err := Parse(c.format, c.data, []byte("not the password")); !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("%s with a wrong passphrase: %v, want ErrWrongPassphrase", c.name, err)
		}
		if _, err := Parse(c.format, c.data, nil); !errors.Is(err, ErrPassphraseRequired) {
			t.Errorf("%s without a passphrase: %v, want ErrPassphraseRequired", c.name, err)
		}
	}
}

// TestDamaged: truncated or garbage files are FormatErrors, never panics
// or half results.
func TestDamaged(t *testing.T) {
	garbage := random(3000)
	for _, c := range formatCases(t, true) {
		if c.format == "otpauth" || c.format == "ente" {
			continue // a truncated line is a per-line Problem; see TestProblems
		}
		for name, data := range map[string][]byte{"truncated": c.data[:len(c.data)/2], "garbage": garbage} {
			_, err := Parse(c.format, data, []byte(c.pass))
			var fe *FormatError
			ok := errors.As(err, &fe) && strings.HasPrefix(err.Error(), "not a valid ")
			if c.format == "andotp" && (name == "garbage" || strings.HasPrefix(c.name, "andotp_encrypted")) {
				// No signature: garbage looks encrypted, and a damaged
				// encrypted backup looks like a wrong password.
				// (A cut file can also fail as malformed: either is a clear error.)
				ok = ok || errors.Is(err, ErrWrongPassphrase) || errors.Is(err, ErrPassphraseRequired)
			}
			if !ok {
				t.Errorf("%s %s: %v, want a FormatError", c.name, name, err)
			}
		}
	}
	for _, f := range []string{"otpauth", "google", "ente", "qr", "age"} {
		var fe *FormatError
		if _, err := Parse(f, garbage, nil); !errors.As(err, &fe) {
			t.Errorf("%s garbage: %v, want a FormatError", f, err)
		}
	}
}

// flipBase64 replaces the base64 character at b[i] with another valid one
// (XOR-ing it could make it invalid: 'C'^3 is '@'), so that the damage is
// to the ciphertext, not to its encoding.
func flipBase64(b []byte, i int) {
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
}

func TestDamagedCiphertextIsNotWrongPassword(t *testing.T) {
	a := aegisEncrypted(t, fixtures, aegisPass, 1<<10)
	i := bytes.Index(a, []byte(`"db": "`)) + 20
	flipBase64(a, i)
	if _, err := Parse("aegis", a, []byte(aegisPass)); err == nil || errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("aegis with a damaged db: %v, want damaged", err)
	}
	f := twoFASEncrypted(t, fixtures, twoFASPass)
	i = bytes.Index(f, []byte(`"servicesEncrypted": "`)) + 30
	flipBase64(f, i)
	if _, err := Parse("2fas", f, []byte(twoFASPass)); err == nil || errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("2fas with damaged services: %v, want damaged", err)
	}
}

func TestVersions(t *testing.T) {
	for _, c := range []struct{ format, data string }{
		{"aegis", `{"version": 2, "header": {}, "db": {}}`},
		{"aegis", `{"version": 1, "header": {"slots": null}, "db": {"version": 9, "entries": []}}`},
		{"2fas", `{"schemaVersion": 5, "services": []}`},
	} {
		var ve *VersionError
		if _, err := Parse(c.format, []byte(c.data), nil); !errors.As(err, &ve) || !strings.Contains(err.Error(), "does not know") {
			t.Errorf("%s %s: %v, want a VersionError", c.format, c.data, err)
		}
	}
}

func TestLimits(t *testing.T) {
	big := make([]byte, MaxSize+1)
	for _, f := range Formats {
		if _, err := Parse(f, big, nil); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", f, err)
		}
	}
	if _, err := Parse("aegis", []byte(`{"version":1,"header":{"slots":[{"type":1,"n":1048576,"r":64,"p":1,"salt":"00","key":"00","key_params":{"nonce":"","tag":""}}],"params":{"nonce":"","tag":""}},"db":"AAAA"}`), []byte("x")); err == nil || !strings.Contains(err.Error(), "scrypt") {
		t.Errorf("absurd scrypt cost: %v, want a refusal before any work", err)
	}
	if _, err := Parse("bitwarden", []byte(`{"encrypted": true, "items": []}`), nil); !errors.Is(err, errBitwardenEncrypted) {
		t.Errorf("encrypted Bitwarden: %v", err)
	}
	if _, err := Parse("nope", []byte("x"), nil); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
}

// TestFixtures pins testdata/: each file still reads to the fixtures.
// With -update it rewrites them first.
func TestFixtures(t *testing.T) {
	if *update {
		writeFixtures(t)
	}
	for _, c := range formatCases(t, true) {
		data, err := os.ReadFile(filepath.Join("testdata", c.name))
		if err != nil {
			t.Fatalf("%v (run go test -run TestFixtures -update)", err)
		}
		r, err := Parse(c.format, data, []byte(c.pass))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkKeys(t, r, c.want)
	}
}

func writeFixtures(t *testing.T) {
	files := map[string][]byte{}
	for _, c := range formatCases(t, false) {
		files[c.name] = c.data
	}
	keys := []*otp.Key{fixtures[0].want(t), fixtures[2].want(t)}
	files["google.txt"] = googleText(t, keys)
	files["google_md5.txt"] = googleWithMD5(t)
	files["qr_otpauth.png"] = qrPNG(t, 4, fixtures[0].uri())
	files["backup.age"] = ageFixture(t)
	for name, data := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func urlBase64(b []byte) string {
	return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(base64.StdEncoding.EncodeToString(b))
}

// TestAndOTPEncryptedStartingLikeJSON: an encrypted andOTP backup is random
// bytes, and one in 128 starts with '[' or '{' — it must still be
// decrypted, and not detected as a JSON export.
func TestAndOTPEncryptedStartingLikeJSON(t *testing.T) {
	fs := fixtures[:2]
	for _, first := range []byte{'[', '{'} {
		var data []byte
		for data == nil || data[0] != first {
			data = andOTPEncryptedOld(t, fs, andOTPPass)
		}
		r, err := Parse("andotp", data, []byte(andOTPPass))
		if err != nil {
			t.Fatalf("backup starting with %q: %v", first, err)
		}
		checkKeys(t, r, fs)
		if got, err := Detect(data); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Detect(backup starting with %q) = %q, %v; want ErrUnknownFormat", first, got, err)
		}
	}
}

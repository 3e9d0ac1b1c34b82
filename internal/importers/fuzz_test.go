package importers

import (
	"os"
	"path/filepath"
	"testing"
)

// Every importer is fuzzed from the testdata fixtures. Encrypted formats
// are fuzzed without a passphrase (the KDFs would dominate); their
// decrypted contents go through the same parsers as the plain files.

func fuzzFormat(f *testing.F, format string, globs ...string) {
	seeds, err := seedFiles("testdata", globs...)
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range seeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(format, data, nil)
		if err != nil {
			if r != nil {
				t.Fatal("a result beside an error")
			}
			return
		}
		if len(r.Entries)+len(r.Problems) == 0 {
			t.Fatal("success with nothing in it")
		}
		for _, e := range r.Entries {
			if err := e.Key.Validate(); err != nil {
				t.Fatalf("entry %s does not validate: %v", e.Name(), err)
			}
			if msg := checkExtras(&e); msg != "" {
				t.Fatalf("entry %s breaks the vault's limits: %s", e.Name(), msg)
			}
		}
	})
}

func FuzzOtpauth(f *testing.F)   { fuzzFormat(f, "otpauth", "otpauth.txt", "ente.txt", "google*.txt") }
func FuzzGoogle(f *testing.F)    { fuzzFormat(f, "google", "google*.txt") }
func FuzzEnte(f *testing.F)      { fuzzFormat(f, "ente", "ente.txt") }
func FuzzAegis(f *testing.F)     { fuzzFormat(f, "aegis", "aegis_*.json") }
func Fuzz2FAS(f *testing.F)      { fuzzFormat(f, "2fas", "2fas_*.2fas") }
func FuzzAndOTP(f *testing.F)    { fuzzFormat(f, "andotp", "andotp_*") }
func FuzzBitwarden(f *testing.F) { fuzzFormat(f, "bitwarden", "bitwarden.json") }
func FuzzAge(f *testing.F)       { fuzzFormat(f, "age", "backup.age") }
func FuzzQR(f *testing.F)        { fuzzFormat(f, "qr", "qr_*.png") }
func FuzzAuto(f *testing.F)      { fuzzFormat(f, "auto", "*") }

// seedFiles reads the files in dir that match globs. Directories are
// skipped: testdata/fuzz is where Go keeps the failing inputs it found,
// and it matches "*".
func seedFiles(dir string, globs ...string) ([][]byte, error) {
	var out [][]byte
	for _, g := range globs {
		files, err := filepath.Glob(filepath.Join(dir, g))
		if err != nil {
			return nil, err
		}
		for _, p := range files {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// TestSeedFilesSkipsFuzzDir: a committed crasher under testdata/fuzz does
// not break the targets that seed from testdata/*.
func TestSeedFilesSkipsFuzzDir(t *testing.T) {
	dir := t.TempDir()
	crasher := filepath.Join(dir, "fuzz", "FuzzAuto")
	if err := os.MkdirAll(crasher, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(crasher, "0123"), []byte("go test fuzz v1\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "otpauth.txt"), []byte("seed"), 0o600)
	seeds, err := seedFiles(dir, "*")
	if err != nil || len(seeds) != 1 || string(seeds[0]) != "seed" {
		t.Fatalf("seedFiles = %q, %v; want the one file", seeds, err)
	}
}

// FuzzBackupContent fuzzes the decrypted backup document, which FuzzAge
// cannot reach without the passphrase.
func FuzzBackupContent(f *testing.F) {
	doc, err := MarshalBackup(backupEntries(f), backupTime)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add([]byte(`{"otter_backup":1,"accounts":[{"uri":"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP","recovery_codes":[{"code":"x"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := backupContent(data)
		if err != nil {
			return
		}
		for _, e := range r.Entries {
			if err := e.Key.Validate(); err != nil || checkExtras(&e) != "" {
				t.Fatalf("entry %s: %v", e.Name(), err)
			}
		}
	})
}

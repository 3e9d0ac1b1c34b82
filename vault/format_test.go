package vault

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "regenerate testdata/v1.otter")

// The test vector: a version 1 vault committed to testdata/. Opening it
// proves that the format did not change by accident.
const (
	vectorPath     = "testdata/v1.otter"
	vectorPassword = "otter test vector"
	vectorRecovery = "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"
)

func vectorCreds(t testing.TB) (Password, RecoveryKey) {
	key, err := ParseRecoveryKey([]byte(vectorRecovery))
	if err != nil {
		t.Fatal(err)
	}
	return Password{Secret: []byte(vectorPassword), KDF: weakKDF}, RecoveryKey{Key: key}
}

func writeVector(t *testing.T) {
	pw, rk := vectorCreds(t)
	path := filepath.Join(t.TempDir(), "vault.otter")
	v, err := Create(path, testOptions(), pw, rk)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	err = v.Update(func(d *Data) error {
		a := d.AddAccount(Account{Issuer: "GitHub", Name: "alice", Secret: []byte("JBSWY3DPEHPK3PXP"),
			Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30, Tags: []string{"work"}}, testNow)
		d.AddRecoveryCodes(a.ID, []string{"1111-2222", "3333-4444"}, testNow)
		d.UseRecoveryCode(a.ID, testNow)
		d.Log(testNow, "create", "test vector")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, vectorPath, readFile(t, path))
}

func TestFormatVector(t *testing.T) {
	if *update {
		writeVector(t)
	}
	pw, rk := vectorCreds(t)
	for _, c := range []Credential{pw, rk} {
		v := open(t, vectorPath, c)
		d := v.Data()
		a := d.Find("github")
		if len(a) != 1 || string(a[0].Secret) != "JBSWY3DPEHPK3PXP" || a[0].Digits != 6 || !slices.Equal(a[0].Tags, []string{"work"}) {
			t.Fatalf("%s: accounts = %v", c.SlotType(), d.Accounts)
		}
		if code, left, err := d.clone().UseRecoveryCode(a[0].ID, testNow); code != "3333-4444" || left != 0 || err != nil {
			t.Errorf("next recovery code = %q, %d, %v", code, left, err)
		}
		if v.Generation() != 2 || len(d.Audit) != 1 || d.DeviceID == "" {
			t.Errorf("generation %d, audit %v, device %q", v.Generation(), d.Audit, d.DeviceID)
		}
	}
}

func FuzzLoad(f *testing.F) {
	vector, err := os.ReadFile(vectorPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(vector, false)
	f.Add(vector, true)
	f.Add(vector[:len(vector)/2], true)
	f.Add([]byte(magic), false)
	pw, rk := vectorCreds(f)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix && len(b) >= sumLen {
			b = fixSum(b)
		}
		sumOK := len(b) >= minFileLen && fixSumEqual(b)
		mem := newMemFS()
		path := filepath.Join(t.TempDir(), "vault.otter")
		mem.put(path, b)
		l, err := Load(path, &Options{AllowWeakKDF: true, fs: mem})
		switch {
		case !sumOK && !errors.Is(err, ErrCorrupt):
			t.Fatalf("checksum fails but Load = %v", err)
		case errors.Is(err, ErrWrongCredential):
			t.Fatalf("Load reported a wrong credential: %v", err)
		case err != nil:
			return
		}
		creds := []Credential{rk}
		if k := l.Slots()[0].KDF; k != nil && k.Memory <= 1024 && k.Time <= 2 {
			creds = append(creds, pw) // only cheap KDF costs
		}
		for _, c := range creds {
			if v, err := l.Unlock(c); err == nil {
				v.Close()
			}
		}
	})
}

func fixSumEqual(b []byte) bool {
	return slices.Equal(fixSum(b), b)
}

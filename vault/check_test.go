package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"
)

// uncomputable are account parameters no otter build can compute codes for.
var uncomputable = map[string]struct {
	edit func(a *Account)
	want string
}{
	"12 digits":   {func(a *Account) { a.Digits = 12 }, "digits"},
	"MD5":         {func(a *Account) { a.Algorithm = "MD5" }, "algorithm"},
	"type yubico": {func(a *Account) { a.Type = "yubico" }, "type"},
	"period -30":  {func(a *Account) { a.Period = -30 }, "period"},
	"steam 6":     {func(a *Account) { a.Type, a.Digits = "steam", 6 }, "digits"},
}

func TestUpdateRefusesUncomputableAccount(t *testing.T) {
	v, _ := newVault(t)
	addAccount(t, v, "GitHub")
	for name, tc := range uncomputable {
		before := readFile(t, v.Path())
		err := v.Update(func(d *Data) error {
			a := d.AddAccount(Account{Issuer: "Bad", Name: "me", Secret: []byte("JBSWY3DPEHPK3PXP")}, testNow)
			tc.edit(a)
			return nil
		})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `account "Bad:me"`) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Update = %v, want ErrInvalid naming the account and %s", name, err, tc.want)
		}
		if !bytes.Equal(before, readFile(t, v.Path())) {
			t.Errorf("%s: refused Update changed the file", name)
		}
	}
	if len(v.Data().Live()) != 1 {
		t.Errorf("accounts in memory after refused updates: %v", issuers(v.Data()))
	}
}

func TestZeroParametersMeanTheDefaults(t *testing.T) {
	v, _ := newVault(t)
	err := v.Update(func(d *Data) error {
		d.AddAccount(Account{Issuer: "zeros"}, testNow)
		d.AddAccount(Account{Issuer: "hotp", Type: "hotp"}, testNow)
		d.AddAccount(Account{Issuer: "steam", Type: "steam"}, testNow)
		return nil
	})
	if err != nil {
		t.Fatalf("Update with zero type, algorithm, digits and period: %v", err)
	}
}

func TestDeletedAccountIsNotChecked(t *testing.T) {
	a := Account{ID: NewID(nil), Digits: 12, Deleted: true}
	if err := a.validate(); err != nil {
		t.Errorf("a tombstone was checked: %v", err)
	}
}

// saveUnchecked writes d as v's file the way save does, but without the
// checks save makes: a file only a bug or another program could write.
func saveUnchecked(t *testing.T, v *Vault, d *Data) {
	t.Helper()
	plain, err := marshalPayload(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdr := v.hdr.clone()
	hdr.Generation++
	out, err := encode(&hdr, plain, v.dek, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, v.Path(), out)
}

func TestUnlockRefusesUncomputableAccount(t *testing.T) {
	for name, tc := range uncomputable {
		t.Run(name, func(t *testing.T) {
			v, c := newVault(t)
			addAccount(t, v, "GitHub")
			d := v.Data().clone()
			tc.edit(&d.Accounts[0])
			saveUnchecked(t, v, d)
			l, err := Load(v.Path(), testOptions())
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			_, err = l.Unlock(c.pw)
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Unlock = %v, want a *CorruptError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, `account "GitHub:me"`) || !strings.Contains(msg, "cannot compute codes") || !strings.Contains(msg, tc.want) {
				t.Errorf("Unlock = %q, want it to name the account and say %s cannot be computed", msg, tc.want)
			}
			if strings.Contains(msg, "JBSWY3DPEHPK3PXP") {
				t.Errorf("Unlock's error shows the secret: %q", msg)
			}
		})
	}
}

func TestRefreshRefusesUncomputableAccount(t *testing.T) {
	v, _ := newVault(t)
	addAccount(t, v, "GitHub")
	d := v.Data().clone()
	d.Accounts[0].Algorithm = "MD5"
	saveUnchecked(t, v, d)
	if _, err := v.Refresh(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "MD5") {
		t.Errorf("Refresh = %v, want ErrCorrupt naming the algorithm", err)
	}
	if v.Data().Accounts[0].Algorithm != "" {
		t.Errorf("Refresh installed the bad account")
	}
}

// TestNewTextWithControlCharactersIsRefused: the vault refuses control
// characters in text it did not hold before, and saves an older vault's
// text as it is.
func TestNewTextWithControlCharactersIsRefused(t *testing.T) {
	v, _ := newVault(t)
	osc52 := "TAG\x1b]52;c;ZXZpbA==\a"
	for name, change := range map[string]func(a *Account){
		"issuer": func(a *Account) { a.Issuer = "Git\x1b[31mHub" },
		"tag":    func(a *Account) { a.Tags = []string{osc52} },
		"notes":  func(a *Account) { a.Notes = "one\ntwo\u009b" },
		"url":    func(a *Account) { a.URL = "https://x/\a" },
	} {
		err := v.Update(func(d *Data) error {
			a := Account{Issuer: "GitHub", Secret: []byte("12345678901234567890"), Notes: "one\ntwo"}
			change(&a)
			d.AddAccount(a, time.Now())
			return nil
		})
		if !errors.Is(err, ErrControlChar) {
			t.Errorf("%s: %v, want ErrControlChar", name, err)
		}
	}
	err := v.Update(func(d *Data) error {
		d.AddAccount(Account{Issuer: "GitHub", Secret: []byte("12345678901234567890"), Notes: "one\ntwo"}, time.Now())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// An older vault holding such text (otter did not refuse it before)
	// still saves, and the text is kept.
	v.data.Accounts[0].Tags = []string{osc52}
	err = v.Update(func(d *Data) error {
		d.Accounts[0].Pinned = true
		return nil
	})
	if err != nil || v.Data().Accounts[0].Tags[0] != osc52 {
		t.Fatalf("saving an older vault's text: %v", err)
	}
}

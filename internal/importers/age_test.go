package importers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
)

var backupTime = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// backupEntries are the fixtures with everything a backup keeps.
func backupEntries(t testing.TB) []Entry {
	var out []Entry
	for i, f := range fixtures {
		e := Entry{Key: f.want(t), Tags: f.tags, Notes: f.note, Pinned: i == 1}
		if i == 0 {
			e.URL = "https://github.com"
			e.Recovery = []RecoveryCode{
				{Code: "aaaa-1111", Added: backupTime.Add(-time.Hour)},
				{Code: "bbbb-2222", Added: backupTime.Add(-time.Hour), UsedAt: backupTime},
			}
		}
		out = append(out, e)
	}
	return out
}

func checkBackup(t *testing.T, r *Result, want []Entry) {
	t.Helper()
	if len(r.Entries) != len(want) || len(r.Problems) > 0 {
		t.Fatalf("%d entries, problems %+v", len(r.Entries), r.Problems)
	}
	for i, w := range want {
		g := r.Entries[i]
		if !g.Key.Equal(w.Key) || !slices.Equal(g.Tags, w.Tags) || g.Notes != w.Notes || g.URL != w.URL || g.Pinned != w.Pinned {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
		if len(g.Recovery) != len(w.Recovery) {
			t.Fatalf("entry %d: %d recovery codes, want %d", i, len(g.Recovery), len(w.Recovery))
		}
		for j, c := range w.Recovery {
			gc := g.Recovery[j]
			if gc.Code != c.Code || !gc.Added.Equal(c.Added) || !gc.UsedAt.Equal(c.UsedAt) {
				t.Errorf("entry %d code %d = %+v, want %+v", i, j, gc, c)
			}
		}
	}
}

func ageFixture(t testing.TB) []byte {
	rcpt, err := PassphraseRecipient([]byte(agePass), 10)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteBackup(&buf, backupEntries(t), backupTime, rcpt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAgeBackupPassphrase: filippo.io/age itself decrypts the backup to
// the documented JSON, and the importer restores every field.
func TestAgeBackupPassphrase(t *testing.T) {
	data := ageFixture(t)
	id, err := age.NewScryptIdentity(agePass)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version  int       `json:"otter_backup"`
		Created  time.Time `json:"created"`
		Accounts []struct {
			URI      string `json:"uri"`
			Recovery []struct {
				Code   string `json:"code"`
				UsedAt string `json:"used_at"`
			} `json:"recovery_codes"`
		} `json:"accounts"`
	}
	if err := json.NewDecoder(plain).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || !doc.Created.Equal(backupTime) || len(doc.Accounts) != 4 ||
		!strings.HasPrefix(doc.Accounts[0].URI, "otpauth://totp/GitHub:alice@example.com?secret=GEZDGNBV") ||
		doc.Accounts[0].Recovery[1].UsedAt != "2025-03-04T05:06:07Z" || doc.Accounts[0].Recovery[0].UsedAt != "" {
		t.Fatalf("backup document = %+v", doc)
	}
	r, err := Parse("auto", data, []byte(agePass))
	if err != nil {
		t.Fatal(err)
	}
	checkBackup(t, r, backupEntries(t))
	if _, err := Parse("age", data, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := Parse("age", data, nil); !errors.Is(err, ErrPassphraseRequired) {
		t.Errorf("no passphrase: %v", err)
	}
	var fe *FormatError
	if _, err := Parse("age", data[:len(data)-10], []byte(agePass)); !errors.As(err, &fe) {
		t.Errorf("truncated backup: %v, want a FormatError", err)
	}
}

func TestAgeBackupRecipient(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	to, err := Recipients([]string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteBackup(&buf, backupEntries(t), backupTime, to...); err != nil {
		t.Fatal(err)
	}
	identity := []byte("# created: test\n" + id.String() + "\n")
	r, err := ParseWith("age", buf.Bytes(), &Options{Identity: identity})
	if err != nil {
		t.Fatal(err)
	}
	checkBackup(t, r, backupEntries(t))

	// Armored, as `age -a` writes it.
	var arm bytes.Buffer
	aw := armor.NewWriter(&arm)
	io.Copy(aw, bytes.NewReader(buf.Bytes()))
	aw.Close()
	if r, err = ParseWith("auto", arm.Bytes(), &Options{Identity: identity}); err != nil || len(r.Entries) != 4 {
		t.Fatalf("armored: %v", err)
	}

	other, _ := age.GenerateX25519Identity()
	if _, err := ParseWith("age", buf.Bytes(), &Options{Identity: []byte(other.String())}); !errors.Is(err, ErrWrongIdentity) {
		t.Errorf("wrong identity: %v", err)
	}
	if _, err := Parse("age", buf.Bytes(), []byte("a passphrase")); !errors.Is(err, ErrIdentityRequired) {
		t.Errorf("no identity: %v", err)
	}
	if _, err := Recipients([]string{"age1notakey"}); err == nil {
		t.Error("a bad recipient was accepted")
	}
}

func TestAgeBackupNewerVersion(t *testing.T) {
	rcpt, _ := PassphraseRecipient([]byte(agePass), 10)
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, rcpt)
	io.WriteString(w, `{"otter_backup": 2, "accounts": []}`)
	w.Close()
	var ve *VersionError
	if _, err := Parse("age", buf.Bytes(), []byte(agePass)); !errors.As(err, &ve) {
		t.Errorf("version 2: %v, want a VersionError", err)
	}
}

package vault

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTickIsMonotonic(t *testing.T) {
	d := &Data{DeviceID: "dev"}
	times := []time.Time{testNow, testNow, testNow.Add(-time.Hour), testNow.Add(time.Millisecond), testNow.Add(-time.Minute)}
	var prev Stamp
	for i, now := range times {
		s := d.Tick(now)
		if i > 0 && !(s.MS > prev.MS || s.MS == prev.MS && s.C > prev.C) {
			t.Errorf("tick %d at %v: %+v does not follow %+v", i, now, s, prev)
		}
		if s.Dev != "dev" || d.Clock != s {
			t.Errorf("tick %d: %+v, clock %+v", i, s, d.Clock)
		}
		prev = s
	}
	d.Clock = Stamp{MS: testNow.UnixMilli(), C: ^uint32(0)}
	if s := d.Tick(testNow); s.MS != testNow.UnixMilli()+1 || s.C != 0 {
		t.Errorf("counter overflow: %+v", s)
	}
}

func findData() *Data {
	d := &Data{DeviceID: "dev"}
	for _, a := range [][2]string{
		{"GitHub", "alice"}, {"GitHub", "bob"}, {"GitLab", "alice"},
		{"Google", "alice@example.com"}, {"Go", "gopher"}, {"Ärzte", "Zoë"}, {"Old", "x"},
	} {
		d.AddAccount(Account{Issuer: a[0], Name: a[1]}, testNow)
	}
	d.DeleteAccount(d.Accounts[6].ID, testNow)
	return d
}

func TestFind(t *testing.T) {
	d := findData()
	id := d.Accounts[2].ID
	cases := []struct {
		query string
		want  []string
	}{
		{id, []string{"GitLab:alice"}},
		{"github:BOB", []string{"GitHub:bob"}},
		{"gitlab", []string{"GitLab:alice"}},
		{"github", []string{"GitHub:alice", "GitHub:bob"}}, // two exact issuers: ambiguous
		{"go", []string{"Go:gopher"}},                      // exact issuer beats substrings
		{"alice", []string{"GitHub:alice", "GitLab:alice", "Google:alice@example.com"}},
		{"hub:ali", []string{"GitHub:alice"}},
		{"old", nil},            // tombstone
		{d.Accounts[6].ID, nil}, // tombstone by id
		{"ärzte", []string{"Ärzte:Zoë"}},
		{"TE:ZOË", []string{"Ärzte:Zoë"}},
		{"  ", nil},
		{"nothing", nil},
	}
	for _, tc := range cases {
		var got []string
		for _, a := range d.Find(tc.query) {
			got = append(got, a.Issuer+":"+a.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Find(%q) = %v, want %v", tc.query, got, tc.want)
		}
	}
}

func TestDeleteLeavesTombstone(t *testing.T) {
	d := findData()
	a := d.Accounts[0]
	d.AddRecoveryCodes(a.ID, []string{"c1"}, testNow)
	if !d.DeleteAccount(a.ID, testNow.Add(time.Second)) || d.DeleteAccount(a.ID, testNow) {
		t.Fatal("DeleteAccount should succeed once")
	}
	tomb := d.Accounts[0]
	if !tomb.Deleted || tomb.ID != a.ID || tomb.Secret != nil || tomb.Issuer != "" || tomb.Stamp.MS <= a.Stamp.MS {
		t.Errorf("tombstone = %v %+v", tomb, tomb.Stamp)
	}
	if len(d.Live()) != 5 || d.Account(a.ID) != nil || d.RecoveryFor(a.ID) != nil {
		t.Error("deleted account or its codes still visible")
	}
	if len(d.Recovery) != 1 || !d.Recovery[0].Deleted || len(d.Recovery[0].Codes) != 0 {
		t.Errorf("recovery set not tombstoned: %+v", d.Recovery)
	}
}

func TestRecoveryCodes(t *testing.T) {
	d := findData()
	id := d.Accounts[0].ID
	if n := d.AddRecoveryCodes(id, []string{"aaa", " bbb ", "", "aaa", "ccc"}, testNow); n != 3 {
		t.Errorf("added %d codes, want 3", n)
	}
	if n := d.AddRecoveryCodes(id, []string{"bbb", "ddd"}, testNow); n != 1 {
		t.Errorf("added %d codes, want 1 (bbb is a duplicate)", n)
	}
	if n := d.AddRecoveryCodes("no-such-account", []string{"x"}, testNow); n != 0 {
		t.Error("added codes to a missing account")
	}
	for i, want := range []string{"aaa", "bbb", "ccc", "ddd"} {
		code, left, err := d.UseRecoveryCode(id, testNow)
		if code != want || left != 3-i || err != nil {
			t.Errorf("use %d = %q, %d, %v; want %q, %d", i, code, left, err, want, 3-i)
		}
	}
	if _, _, err := d.UseRecoveryCode(id, testNow); !errors.Is(err, ErrNoCodesLeft) {
		t.Errorf("use after the last = %v, want ErrNoCodesLeft", err)
	}
	if _, _, err := d.UseRecoveryCode(d.Accounts[1].ID, testNow); !errors.Is(err, ErrNoCodesLeft) {
		t.Errorf("account without codes = %v, want ErrNoCodesLeft", err)
	}
	if n := d.AddRecoveryCodes(id, []string{"aaa"}, testNow); n != 0 {
		t.Error("a used code was added again as unused")
	}
}

func TestAccountNeverPrintsItsSecret(t *testing.T) {
	d := &Data{}
	a := d.AddAccount(Account{Issuer: "GitHub", Secret: []byte("JBSWY3DPEHPK3PXP")}, testNow)
	for _, s := range []string{a.String(), fmt.Sprint(*a), fmt.Sprintf("%v %+v %#v", a, *a, *a), fmt.Sprintf("%v", d)} {
		if strings.Contains(s, "JBSWY3DPEHPK3PXP") || strings.Contains(s, "74 66 83") {
			t.Errorf("secret printed: %s", s)
		}
	}
}

func TestAuditLogIsBounded(t *testing.T) {
	d := &Data{}
	for i := range maxAudit + 5 {
		d.Log(testNow, "unlock", fmt.Sprint(i))
	}
	if len(d.Audit) != maxAudit || d.Audit[0].Detail != "5" {
		t.Errorf("audit log: %d events starting at %q", len(d.Audit), d.Audit[0].Detail)
	}
	d.Log(testNow, "long", strings.Repeat("é", 1000))
	if last := d.Audit[len(d.Audit)-1].Detail; len(last) > 1024 || !strings.HasPrefix(last, "é") {
		t.Errorf("long detail kept as %d bytes", len(last))
	}
}

package vaultops

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

var weakKDF = vault.KDFParams{Memory: 8, Time: 1, Threads: 1}

// fixture is a vault on disk with a password slot and a recovery slot (and
// the extra credentials given), and a Session on it with a fixed clock.
type fixture struct {
	t    *testing.T
	path string
	now  time.Time
	s    *Session
	dir  string // per-device state
}

func newFixture(t *testing.T, extra ...vault.Credential) *fixture {
	t.Helper()
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "vault.otter"), now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), dir: t.TempDir()}
	creds := append([]vault.Credential{f.password("pw1"), vault.RecoveryKey{Key: make([]byte, 20)}}, extra...)
	v, err := vault.Create(f.path, f.opts(), creds...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	f.s = New(v, f.dir, f.clock)
	return f
}

func (f *fixture) clock() time.Time { return f.now }

func (f *fixture) opts() *vault.Options {
	return &vault.Options{AllowWeakKDF: true, Now: f.clock}
}

func (f *fixture) password(p string) vault.Password {
	return vault.Password{Secret: []byte(p), KDF: weakKDF}
}

// reopen reads the vault from disk again with password p, as the next
// command would.
func (f *fixture) reopen(p string) (*vault.Vault, error) {
	l, err := vault.Load(f.path, f.opts())
	if err != nil {
		return nil, err
	}
	v, err := l.Unlock(f.password(p))
	if err == nil {
		f.t.Cleanup(v.Close)
	}
	return v, err
}

func (f *fixture) add(issuer, name, secret string) vault.Account {
	f.t.Helper()
	k := &otp.Key{Type: otp.TypeTOTP, Issuer: issuer, Account: name, Secret: []byte(secret),
		Algorithm: otp.SHA1, Digits: 6, Period: 30}
	res, err := f.s.Add([]NewAccount{{Account: AccountOf(k)}})
	if err != nil || len(res.Added) != 1 {
		f.t.Fatalf("add %s:%s: %v %+v", issuer, name, err, res)
	}
	return res.Added[0]
}

func TestKeyOfZeroParametersShowsADefaultCode(t *testing.T) {
	a := &vault.Account{Issuer: "Zero", Secret: []byte("12345678901234567890")}
	// RFC 6238 Appendix B, SHA1, cut to the default 6 digits and 30 s.
	c, err := TOTP(a, time.Unix(59, 0))
	if err != nil || c.Code != "287082" {
		t.Errorf("code of an account storing zero parameters = %q, %v; want 287082", c.Code, err)
	}
}

func TestTOTPNeverReturnsAnEmptyCode(t *testing.T) {
	a := &vault.Account{Issuer: "Empty", Name: "me"}
	c, err := TOTP(a, time.Unix(59, 0))
	if !errors.Is(err, ErrNoCode) || c.Code != "" {
		t.Fatalf("TOTP of an account without a secret = %q, %v; want ErrNoCode", c.Code, err)
	}
	if want := "Empty:me"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the account %q", err, want)
	}
}

// Drift: the TUI scanned every live account for each key it added (O(n²))
// while the CLI used a hash index. Both call Add now: duplicates in the
// vault and within one batch are skipped, and the rest is added once.
func TestAddSkipsDuplicatesInTheVaultAndInTheBatch(t *testing.T) {
	f := newFixture(t)
	f.add("GitHub", "alice", "12345678901234567890")
	k := func(issuer, name, secret string) NewAccount {
		return NewAccount{Account: AccountOf(&otp.Key{Type: otp.TypeTOTP, Issuer: issuer, Account: name, Secret: []byte(secret)})}
	}
	res, err := f.s.Add([]NewAccount{
		k("GitHub", "alice", "12345678901234567890"), // in the vault
		k("GitHub", "alice", "another secret 12345"), // same names, another secret: a new account
		k("Google", "bob", "12345678901234567890"),
		k("Google", "bob", "12345678901234567890"), // repeats the one before
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 2 || len(res.Skipped) != 2 {
		t.Fatalf("added %d, skipped %d; want 2 and 2", len(res.Added), len(res.Skipped))
	}
	if n := len(f.s.Data().Live()); n != 3 {
		t.Fatalf("%d live accounts, want 3", n)
	}
	if _, err := f.s.Add([]NewAccount{k("Google", "bob", "12345678901234567890")}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("adding only a duplicate: %v, want ErrDuplicate", err)
	}
	for _, a := range res.Added {
		if a.Secret != nil {
			t.Fatal("Add's result holds a secret")
		}
	}
}

func TestAddIsLinear(t *testing.T) {
	// 20 000 accounts in one batch: with a scan per account this is 2×10^8
	// comparisons and takes minutes; with the index it is well under the
	// test timeout. Not a timed assertion: a regression shows as a hang.
	f := newFixture(t)
	accs := make([]NewAccount, 20_000)
	for i := range accs {
		accs[i].Account = vault.Account{Issuer: "Site", Name: string(rune('a'+i%26)) + itoa(i), Secret: []byte("12345678901234567890"), Type: "totp"}
	}
	res, err := f.s.Add(accs)
	if err != nil || len(res.Added) != len(accs) {
		t.Fatalf("added %d of %d: %v", len(res.Added), len(accs), err)
	}
}

func itoa(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		if i /= 10; i == 0 {
			return string(b)
		}
	}
}

// Drift: an HOTP code from the CLI did not count as a use, from the TUI it
// did. NextHOTP is the one way to an HOTP code: it persists counter+1 and
// counts the use before the code leaves it.
func TestNextHOTPPersistsTheCounterAndCountsAUse(t *testing.T) {
	f := newFixture(t)
	// RFC 4226 Appendix D: counter 0 → 755224, counter 1 → 287082.
	res, err := f.s.Add([]NewAccount{{Account: vault.Account{Issuer: "H", Name: "otp", Type: "hotp", Secret: []byte("12345678901234567890")}}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Added[0].ID
	for i, want := range []string{"755224", "287082"} {
		c, err := f.s.NextHOTP(id)
		if err != nil || c.Code != want || c.Counter != uint64(i) {
			t.Fatalf("code %d = %q (counter %d), %v; want %s", i, c.Code, c.Counter, err, want)
		}
	}
	v, err := f.reopen("pw1")
	if err != nil {
		t.Fatal(err)
	}
	a := v.Data().Account(id)
	use := New(v, f.dir, f.clock).Usage()[id]
	if a.Counter != 2 || use.Count != 2 || !use.Last.Equal(f.now) {
		t.Fatalf("on disk: counter %d, uses %d, last used %v; want 2, 2, %v", a.Counter, use.Count, use.Last, f.now)
	}
}

func TestNextHOTPOfAnAccountWithoutSecretKeepsTheCounter(t *testing.T) {
	f := newFixture(t)
	res, err := f.s.Add([]NewAccount{{Account: vault.Account{Issuer: "H", Type: "hotp", Counter: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.NextHOTP(res.Added[0].ID); !errors.Is(err, ErrNoCode) {
		t.Fatalf("NextHOTP without secret: %v, want ErrNoCode", err)
	}
	if c := f.s.Data().Account(res.Added[0].ID).Counter; c != 5 {
		t.Fatalf("counter %d after a failed code, want 5", c)
	}
}

// Drift: marking a key lost in the TUI kept its unlock slot, the CLI
// removed it. MarkLost removes it: the key's credential no longer opens
// the vault, and the data key was rotated.
func TestMarkLostRemovesTheKeysSlot(t *testing.T) {
	// A password slot stands in for the key's fido2 slot: what matters is
	// that the slot the key names is gone afterwards.
	f := newFixture(t, vault.Password{Secret: []byte("the key's slot"), KDF: weakKDF})
	slots := f.s.Vault().Slots()
	keySlot := slots[2].ID
	acc := f.add("GitHub", "alice", "12345678901234567890")
	k, err := f.s.RegisterKey(KeyInfo{Name: "yubi", Product: "YubiKey 5"}, keySlot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.LinkAccounts(k.ID, []string{acc.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reopen("the key's slot"); err != nil {
		t.Fatalf("the key's slot does not open the vault before: %v", err)
	}
	lost, err := f.s.MarkLost(k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if lost.Slot == nil || lost.Slot.ID != keySlot || !lost.Key.Lost || lost.Key.SlotID != "" {
		t.Fatalf("MarkLost = %+v", lost)
	}
	if _, err := f.reopen("the key's slot"); !errors.Is(err, vault.ErrWrongCredential) {
		t.Fatalf("the lost key's slot still opens the vault: %v", err)
	}
	v, err := f.reopen("pw1")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Slots()) != 2 {
		t.Fatalf("%d slots after losing the key, want 2", len(v.Slots()))
	}
	got := FindKey(v.Data(), "YUBI")
	if got == nil || !got.Lost || len(KeyAccounts(v.Data(), got)) != 1 {
		t.Fatalf("key on disk: %+v", got)
	}
	if last := v.Data().Audit[len(v.Data().Audit)-1]; last.Kind != "key.lost" {
		t.Fatalf("last audit event %q, want key.lost", last.Kind)
	}
}

func TestMarkLostRefusesToLeaveOneWayIn(t *testing.T) {
	f := newFixture(t)
	slots := f.s.Vault().Slots()
	k, err := f.s.RegisterKey(KeyInfo{Name: "yubi"}, slots[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	gen := f.s.Vault().Generation()
	if _, err := f.s.MarkLost(k.ID); !errors.Is(err, ErrLastWayIn) || !errors.Is(err, vault.ErrTooFewSlots) {
		t.Fatalf("MarkLost with two slots: %v, want ErrLastWayIn", err)
	}
	if f.s.Vault().Generation() != gen || FindKey(f.s.Data(), "yubi").Lost {
		t.Fatal("a refused MarkLost changed the vault")
	}
}

func TestKeyNamesAreUnique(t *testing.T) {
	f := newFixture(t)
	if _, err := f.s.RegisterKey(KeyInfo{Name: "Yubi"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RegisterKey(KeyInfo{Name: " yubi "}, ""); !errors.Is(err, ErrKeyNameTaken) {
		t.Fatalf("a second key named yubi: %v, want ErrKeyNameTaken", err)
	}
}

func TestRecoveryUseReplaceRemove(t *testing.T) {
	f := newFixture(t)
	acc := f.add("GitHub", "alice", "12345678901234567890")
	if _, _, err := f.s.UseRecovery(acc.ID); !errors.Is(err, ErrNoRecoveryCodes) {
		t.Fatalf("use on an account that never had codes: %v, want ErrNoRecoveryCodes", err)
	}
	if n, err := f.s.AddRecovery(acc.ID, []string{"aaaa-1111", "bbbb-2222", "aaaa-1111"}); err != nil || n != 2 {
		t.Fatalf("AddRecovery = %d, %v; want 2", n, err)
	}
	code, left, err := f.s.UseRecovery(acc.ID)
	if err != nil || code != "aaaa-1111" || left != 1 {
		t.Fatalf("UseRecovery = %q, %d, %v", code, left, err)
	}
	if n, err := f.s.ReplaceRecovery(acc.ID, []string{"new-1", "new-2", "new-3"}); err != nil || n != 3 {
		t.Fatalf("ReplaceRecovery = %d, %v", n, err)
	}
	if code, left, err = f.s.UseRecovery(acc.ID); err != nil || code != "new-1" || left != 2 {
		t.Fatalf("after replace, UseRecovery = %q, %d, %v; want new-1 (the old batch is gone)", code, left, err)
	}
	if err := f.s.RemoveRecovery(acc.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.UseRecovery(acc.ID); !errors.Is(err, ErrNoRecoveryCodes) {
		t.Fatalf("after remove: %v, want ErrNoRecoveryCodes", err)
	}
	f.s.AddRecovery(acc.ID, []string{"x"})
	f.s.UseRecovery(acc.ID)
	if _, _, err := f.s.UseRecovery(acc.ID); !errors.Is(err, vault.ErrNoCodesLeft) {
		t.Fatalf("all used: %v, want vault.ErrNoCodesLeft", err)
	}
}

func TestOperationsOnAnAccountDeletedMeanwhile(t *testing.T) {
	f := newFixture(t)
	acc := f.add("GitHub", "alice", "12345678901234567890")
	// Another process deletes it.
	other, err := f.reopen("pw1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(other, f.dir, f.clock).Delete(acc.ID); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func() error{
		"pin":      func() error { _, err := f.s.TogglePin(acc.ID); return err },
		"use":      func() error { _, err := f.s.RecordUse(acc.ID); return err },
		"hotp":     func() error { _, err := f.s.NextHOTP(acc.ID); return err },
		"edit":     func() error { n := "x"; _, err := f.s.Edit(acc.ID, Edit{Name: &n}); return err },
		"delete":   func() error { _, err := f.s.Delete(acc.ID); return err },
		"recovery": func() error { _, err := f.s.AddRecovery(acc.ID, []string{"a"}); return err },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, ErrAccountGone) {
			t.Errorf("%s on a deleted account: %v, want ErrAccountGone", name, err)
		}
	}
}

func TestEditChangesOnlyWhatIsGivenAndStampsTheClock(t *testing.T) {
	f := newFixture(t)
	acc := f.add("GitHub", "alice", "12345678901234567890")
	gen := f.s.Vault().Generation()
	tags := []string{" work ", "", "work", "home"}
	pinned := true
	f.now = f.now.Add(time.Minute)
	got, err := f.s.Edit(acc.ID, Edit{Tags: &tags, Pinned: &pinned})
	if err != nil {
		t.Fatal(err)
	}
	if got.Issuer != "GitHub" || got.Name != "alice" || !got.Pinned || len(got.Tags) != 2 || got.Tags[0] != "work" || got.Tags[1] != "home" {
		t.Fatalf("edited = %+v", got)
	}
	if !got.Updated.Equal(f.now) || got.Stamp == acc.Stamp {
		t.Fatalf("edit did not stamp the account: updated %v, stamp %+v", got.Updated, got.Stamp)
	}
	if _, err := f.s.Edit(acc.ID, Edit{Tags: &tags, Pinned: &pinned}); err != nil {
		t.Fatal(err)
	}
	if f.s.Vault().Generation() != gen+1 {
		t.Fatalf("an edit that changes nothing wrote the vault (generation %d, want %d)", f.s.Vault().Generation(), gen+1)
	}
}

func TestLabelIsOneFormat(t *testing.T) {
	for _, c := range []struct{ issuer, name, want string }{
		{"GitHub", "alice", "GitHub:alice"}, {"GitHub", "", "GitHub"}, {"", "alice", "alice"}, {"", "", "unnamed account"},
	} {
		a := vault.Account{Issuer: c.issuer, Name: c.name}
		if got := a.Label(); got != c.want {
			t.Errorf("Label(%q, %q) = %q, want %q", c.issuer, c.name, got, c.want)
		}
		if c.issuer != "" && c.name != "" {
			d := &vault.Data{Accounts: []vault.Account{{ID: "x", Issuer: c.issuer, Name: c.name}}}
			if found := d.Find(a.Label()); len(found) != 1 {
				t.Errorf("the label %q does not find its account", a.Label())
			}
		}
	}
}

// hostile is text from a hostile export: OSC 52 sets the clipboard and CSI
// recolours the screen in many terminals.
const hostile = "TAG\x1b]52;c;ZXZpbA==\a\x1b[1;31mX"

func TestTextEntersTheVaultWithoutControlCharacters(t *testing.T) {
	f := newFixture(t)
	acc := AccountOf(&otp.Key{Type: otp.TypeTOTP, Issuer: "GitHub", Account: "alice", Secret: []byte("12345678901234567890")})
	acc.Tags = []string{hostile, "\u009b31mwork"}
	acc.Notes = "line one\r\nline two " + hostile
	acc.URL = "https://example.com/\x1b[2J"
	res, err := f.s.Import("Aegis", []NewAccount{{Account: acc, Recovery: []vault.RecoveryCode{{Code: "abcd\x1b[0m-1234"}}}})
	if err != nil || len(res.Added) != 1 {
		t.Fatalf("import: %v %+v", err, res)
	}
	id := res.Added[0].ID
	if _, err := f.s.AddRecovery(id, []string{"efgh\a5678"}); err != nil {
		t.Fatal(err)
	}
	notes := "typed\x1b]52;c;eA==\a note"
	if _, err := f.s.Edit(id, Edit{Notes: &notes, Tags: &[]string{"ok", "x\x1by"}}); err != nil {
		t.Fatal(err)
	}
	v, err := f.reopen("pw1")
	if err != nil {
		t.Fatal(err)
	}
	d := v.Data()
	a := d.Account(id)
	texts := append([]string{a.Issuer, a.Name, a.URL, a.Notes}, a.Tags...)
	for _, c := range d.RecoveryFor(id).Codes {
		texts = append(texts, c.Code)
	}
	for _, e := range d.Audit {
		texts = append(texts, e.Detail)
	}
	for _, s := range texts {
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }) {
			t.Errorf("the vault holds %q", s)
		}
	}
	if a.Notes != "typed]52;c;eA== note" || strings.Join(a.Tags, ",") != "ok,xy" {
		t.Errorf("notes %q, tags %q", a.Notes, a.Tags)
	}
}

// otter slot rm of a key's slot: the key stays in the inventory (not
// lost), but no longer names a slot that is gone.
func TestRemovingAKeysSlotLeavesTheKeyWithoutOne(t *testing.T) {
	f := newFixture(t, vault.Password{Secret: []byte("the key's slot"), KDF: weakKDF})
	keySlot := f.s.Vault().Slots()[2].ID
	k, err := f.s.RegisterKey(KeyInfo{Name: "yubi", Product: "YubiKey 5"}, keySlot)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Vault().RemoveSlot(keySlot); err != nil {
		t.Fatal(err)
	}
	v, err := f.reopen("pw1")
	if err != nil {
		t.Fatal(err)
	}
	got := FindKey(v.Data(), "yubi")
	if got == nil || got.ID != k.ID || got.Lost || got.SlotID != "" {
		t.Fatalf("key after its slot was removed: %+v", got)
	}
}

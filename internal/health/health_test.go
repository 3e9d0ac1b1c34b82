package health

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/vault"
)

var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func id(n int) string { return fmt.Sprintf("%032x", n) }

// secret20 is a distinct 160-bit secret per n.
func secret20(n int) []byte { return bytes.Repeat([]byte{byte(n)}, 20) }

func account(n int, issuer string, secret []byte) vault.Account {
	return vault.Account{ID: id(n), Issuer: issuer, Name: "alice", Secret: secret, Type: "totp", Created: t0}
}

// codes gives account n `used` used and `unused` unused recovery codes.
func codes(n, used, unused int) vault.RecoverySet {
	set := vault.RecoverySet{ID: id(1000 + n), AccountID: id(n)}
	for i := range used + unused {
		c := vault.RecoveryCode{Code: fmt.Sprintf("code-%d-%d", n, i), Added: t0}
		if i < used {
			c.UsedAt = t0
		}
		set.Codes = append(set.Codes, c)
	}
	return set
}

func key(n int, name string, lost bool, slot string, accounts ...int) vault.HardwareKey {
	k := vault.HardwareKey{ID: id(2000 + n), Nickname: name, Lost: lost, SlotID: slot, Added: t0}
	for _, a := range accounts {
		k.Accounts = append(k.Accounts, id(a))
	}
	return k
}

var (
	recoverySlot = vault.Slot{ID: id(9001), Type: vault.SlotRecovery}
	passwordSlot = vault.Slot{ID: id(9002), Type: vault.SlotPassword, KDF: &vault.DefaultKDF}
	keyringSlot  = vault.Slot{ID: id(9003), Type: vault.SlotKeyring}
	fidoSlot     = vault.Slot{ID: id(9004), Type: vault.SlotFIDO2, Label: "fido2: yubi"}
	weakSlot     = vault.Slot{ID: id(9005), Type: vault.SlotPassword, KDF: &vault.KDFParams{Memory: 19 * 1024, Time: 2, Threads: 1}}
	healthySlots = []vault.Slot{recoverySlot, passwordSlot, keyringSlot}
)

// summary is "kind severity subject" per finding, in Check's order.
func summary(fs []Finding) string {
	var out []string
	for _, f := range fs {
		subject := f.Account
		if subject == "" {
			subject = f.Key
		}
		if subject == "" && f.SlotID != "" {
			subject = "slot " + f.SlotID[len(f.SlotID)-4:]
		}
		out = append(out, strings.TrimSpace(fmt.Sprintf("%s %s %s", f.Kind, f.Severity, subject)))
	}
	return strings.Join(out, "; ")
}

func TestHealthCheck(t *testing.T) {
	deleted := account(9, "Gone", secret20(1))
	deleted.Deleted = true
	for _, tc := range []struct {
		name  string
		data  vault.Data
		slots []vault.Slot
		want  string
	}{
		{"healthy", vault.Data{
			Accounts: []vault.Account{account(1, "GitHub", secret20(1)), account(2, "GitLab", secret20(2))},
			Recovery: []vault.RecoverySet{codes(1, 0, 10)},
			Keys:     []vault.HardwareKey{key(1, "yubi", false, "", 2), key(2, "spare", false, "", 2)},
		}, healthySlots, ""},
		{"no backup at all", vault.Data{Accounts: []vault.Account{account(1, "GitHub", secret20(1))}},
			healthySlots, "no-backup medium GitHub:alice"},
		{"one key is not a backup", vault.Data{Accounts: []vault.Account{account(1, "GitHub", secret20(1))},
			Keys: []vault.HardwareKey{key(1, "yubi", false, "", 1)}},
			healthySlots, "no-backup medium GitHub:alice"},
		{"a lost second key does not count", vault.Data{Accounts: []vault.Account{account(1, "GitHub", secret20(1))},
			Keys: []vault.HardwareKey{key(1, "yubi", false, "", 1), key(2, "old", true, "", 1)}},
			healthySlots, "lost-key-registered high GitHub:alice; no-backup medium GitHub:alice"},
		{"codes low, exhausted, exhausted with two keys", vault.Data{
			Accounts: []vault.Account{account(1, "A", secret20(1)), account(2, "B", secret20(2)), account(3, "C", secret20(3)), account(4, "D", secret20(4))},
			Recovery: []vault.RecoverySet{codes(1, 8, 2), codes(2, 5, 0), codes(3, 3, 0), codes(4, 7, 3)},
			Keys:     []vault.HardwareKey{key(1, "k1", false, "", 3), key(2, "k2", false, "", 3)},
		}, healthySlots, "recovery-exhausted high B:alice; recovery-exhausted medium C:alice; recovery-low medium A:alice"},
		{"short and duplicate secrets; deleted accounts ignored", vault.Data{
			Accounts: []vault.Account{account(1, "Bank", []byte("0123456789")), account(2, "Mail", secret20(7)), account(3, "Mail copy", secret20(7)), deleted},
			Recovery: []vault.RecoverySet{codes(1, 0, 5), codes(2, 0, 5), codes(3, 0, 5)},
		}, healthySlots, "duplicate-secret medium Mail:alice; short-secret low Bank:alice"},
		{"lost key with a slot", vault.Data{
			Accounts: []vault.Account{account(1, "GitHub", secret20(1))},
			Recovery: []vault.RecoverySet{codes(1, 0, 10)},
			Keys:     []vault.HardwareKey{key(1, "yubi", true, fidoSlot.ID, 1)},
		}, append(healthySlots[:2:2], fidoSlot), "lost-key-registered high GitHub:alice; lost-key-slot high yubi"},
		{"lost key whose slot is gone and whose sites are cleaned up", vault.Data{
			Keys: []vault.HardwareKey{key(1, "yubi", true, id(77))},
		}, healthySlots, ""},
		{"keyring and recovery only", vault.Data{}, []vault.Slot{recoverySlot, keyringSlot}, "single-slot-kind medium"},
		{"a slot still legacy after the format-2 migration", vault.Data{},
			[]vault.Slot{recoverySlot, legacySlot(healthySlots[1]), keyringSlot}, "legacy-slot medium slot " + healthySlots[1].ID[28:]},
		{"two passwords, no recovery key, one weak", vault.Data{}, []vault.Slot{passwordSlot, weakSlot},
			"no-recovery-slot high; single-slot-kind medium; weak-password-slot medium slot " + id(9005)[28:]},
		{"recovery keys only", vault.Data{}, []vault.Slot{recoverySlot, {ID: id(9006), Type: vault.SlotRecovery}}, "single-slot-kind medium"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(&tc.data, tc.slots)
			if s := summary(got); s != tc.want {
				t.Errorf("findings:\n got %s\nwant %s", s, tc.want)
			}
			for _, f := range got {
				checkFinding(t, f, &tc.data)
			}
		})
	}
}

// checkFinding: every finding says what is wrong and what to do, names its
// account, and holds no secret or recovery code.
func checkFinding(t *testing.T, f Finding, d *vault.Data) {
	t.Helper()
	if f.Message == "" || f.Advice == "" || f.Severity.rank() > 2 || f.Severity == "" {
		t.Errorf("incomplete finding %+v", f)
	}
	if f.AccountID != "" && (d.Account(f.AccountID) == nil || f.Account != Label(d.Account(f.AccountID))) {
		t.Errorf("finding %s names account %q / %s wrongly", f.Kind, f.Account, f.AccountID)
	}
	text := fmt.Sprintf("%+v", f)
	for _, a := range d.Accounts {
		for _, s := range []string{string(a.Secret), hex.EncodeToString(a.Secret)} {
			if len(a.Secret) > 0 && strings.Contains(text, s) {
				t.Errorf("finding %s holds a secret: %s", f.Kind, text)
			}
		}
	}
	for _, r := range d.Recovery {
		for _, c := range r.Codes {
			if strings.Contains(text, c.Code) {
				t.Errorf("finding %s holds a recovery code: %s", f.Kind, text)
			}
		}
	}
}

func TestHealthAdviceNamesTheCommand(t *testing.T) {
	d := vault.Data{Accounts: []vault.Account{account(1, "Big Bank", secret20(1))},
		Keys: []vault.HardwareKey{key(1, "my key", true, fidoSlot.ID, 1)}}
	byKind := map[string]Finding{}
	for _, f := range Check(&d, []vault.Slot{recoverySlot, passwordSlot, fidoSlot}) {
		byKind[f.Kind] = f
	}
	for kind, want := range map[string]string{
		NoBackup:          "otter recovery add 'Big Bank:alice' FILE",
		LostKeySlot:       "otter keys lost 'my key'",
		LostKeyRegistered: "otter keys accounts 'my key' --rm 'Big Bank:alice'",
	} {
		if f, ok := byKind[kind]; !ok || !strings.Contains(f.Advice, want) {
			t.Errorf("%s advice = %q, want it to contain %q", kind, f.Advice, want)
		}
	}
}

func TestHealthQuote(t *testing.T) {
	for in, want := range map[string]string{
		"GitHub:alice": "GitHub:alice", "a b": "'a b'", "it's": `'it'\''s'`, "": "''", "x@y.z": "x@y.z", "$(rm)": "'$(rm)'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// legacySlot is s as a migration from format 1 leaves it until its
// credential is used.
func legacySlot(s vault.Slot) vault.Slot {
	s.Legacy = make([]byte, 72)
	return s
}

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// storeAccounts writes accounts straight into e's vault, as only an older
// otter or another program could: the CLI's own add validates them.
func storeAccounts(t *testing.T, e *env, accts ...vault.Account) {
	t.Helper()
	v := e.openVault(strongPassword)
	defer v.Close()
	err := v.Update(func(d *vault.Data) error {
		for _, a := range accts {
			d.AddAccount(a, time.Now())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCodeWithZeroParametersUsesTheDefaults(t *testing.T) {
	e, pw, _ := passwordVault(t)
	storeAccounts(t, e, vault.Account{Issuer: "Zero", Name: "z", Secret: []byte("12345678901234567890")})
	// RFC 6238 Appendix B, SHA1, cut to the default 6 digits and 30 s.
	if got := e.ok("", "--password-file", pw, "code", "zero", "--at", "59"); got != "287082\n" {
		t.Errorf("code of an account storing zero type, algorithm, digits and period = %q, want 287082", got)
	}
}

func TestCodeNeverPrintsAnEmptyCode(t *testing.T) {
	e, pw, _ := passwordVault(t)
	storeAccounts(t, e, vault.Account{Issuer: "NoSecret", Name: "totp", Type: "totp"},
		vault.Account{Issuer: "NoSecret", Name: "hotp", Type: "hotp", Counter: 3})
	for _, q := range []string{"nosecret:totp", "nosecret:hotp"} {
		for _, json := range []bool{false, true} {
			args := []string{"--password-file", pw, "code", q}
			if json {
				args = append(args, "--json")
			}
			r := e.fails(exitError, "", args...)
			if r.stdout != "" || !strings.Contains(r.stderr, "cannot compute a code for NoSecret") {
				t.Errorf("otter %v: stdout %q, stderr %q; want no output and an error naming the account", args, r.stdout, r.stderr)
			}
		}
	}
	if out := e.ok("", "--password-file", pw, "list", "--json"); !strings.Contains(out, `"counter": 3`) {
		t.Errorf("a failed hotp code moved the counter: %s", out)
	}
}

func TestAddRefusesParametersOtterCannotCompute(t *testing.T) {
	e, pw, _ := passwordVault(t)
	before := readFile(t, e.vault)
	for _, flags := range [][]string{{"--digits", "12"}, {"--algorithm", "MD5"}, {"--type", "yubico"}, {"--period", "0"}} {
		args := append([]string{"--password-file", pw, "add", "--issuer", "X", "--account", "y", "--secret", "JBSWY3DPEHPK3PXP"}, flags...)
		r := e.fails(exitError, "", args...)
		if !strings.Contains(r.stderr, strings.TrimPrefix(flags[0], "--")) {
			t.Errorf("otter add %v: %q does not name the parameter", flags, r.stderr)
		}
	}
	if !bytesEqual(before, readFile(t, e.vault)) {
		t.Fatal("the vault file changed although every add failed")
	}
	r := e.fails(exitError, "", "--password-file", pw, "add", "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=12")
	if !strings.Contains(r.stderr, "digits") {
		t.Errorf("add digits=12: %q does not name digits", r.stderr)
	}
}

// Drift fixed by the domain layer: an HOTP code from the CLI counts as a
// use, as one from the TUI does (most-used ordering).
func TestHOTPCodeCountsAsAUse(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--type", "hotp", "--issuer", "H", "--account", "otp", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	// RFC 4226 Appendix D: counter 0 → 755224, counter 1 → 287082.
	for _, want := range []string{"755224\n", "287082\n"} {
		if got := e.ok("", "--password-file", pw, "code", "h:otp"); got != want {
			t.Fatalf("code = %q, want %q", got, want)
		}
	}
	v := e.openVault(strongPassword)
	a := v.Data().Live()[0]
	use := vaultops.New(v, filepath.Join(e.dir, "state", "otter"), nil).Usage()[a.ID] // local state
	if a.Counter != 2 || use.Count != 2 || use.Last.IsZero() {
		t.Fatalf("after two codes: counter %d, uses %d, last used %v; want 2, 2, set", a.Counter, use.Count, use.Last)
	}
	if a.UseCount != 0 {
		t.Errorf("the vault counted %d uses: uses belong to local state", a.UseCount)
	}
}

// The HOTP counter in JSON: otter code --json gives the counter of the code
// printed (as the TUI shows it), otter list --json the counter the next
// code will use; each --help says which.
func TestHOTPCounterInJSON(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", "--type", "hotp", "--issuer", "H", "--account", "otp", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	// RFC 4226 Appendix D: counter 0 → 755224.
	if out := e.ok("", "--password-file", pw, "code", "h:otp", "--json"); !strings.Contains(out, `"code": "755224"`) || !strings.Contains(out, `"counter": 0`) {
		t.Errorf("code --json of the first code: %s; want code 755224, counter 0", out)
	}
	if out := e.ok("", "--password-file", pw, "list", "--json"); !strings.Contains(out, `"counter": 1`) {
		t.Errorf("list --json after one code: %s; want the next code's counter, 1", out)
	}
	for cmd, want := range map[string]string{
		"code": `"counter" is the counter of the code printed`,
		"list": `"counter" of a HOTP account is the counter its next
code will use`,
	} {
		if out := e.ok("", cmd, "--help"); !strings.Contains(out, want) {
			t.Errorf("otter %s --help does not say what the JSON counter means:\n%s", cmd, out)
		}
	}
}

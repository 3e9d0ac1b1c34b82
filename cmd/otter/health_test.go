package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otterauth/otter/internal/health"
	"github.com/otterauth/otter/vault"
)

func healthReport(t *testing.T, e *env, args ...string) healthJSON {
	t.Helper()
	var h healthJSON
	out := e.ok("", append(args, "health", "--json")...)
	must(t, json.Unmarshal([]byte(out), &h))
	if h.Findings == nil {
		t.Fatalf("health --json gave findings null, want a list: %s", out)
	}
	return h
}

// findingsOf is "kind subject" per finding, in the report's order.
func findingsOf(h healthJSON) string {
	var out []string
	for _, f := range h.Findings {
		s := f.Kind
		if f.Account != "" {
			s += " " + f.Account
		} else if f.Key != "" {
			s += " " + f.Key
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

// The report through the binary: exit 0 with findings, stable JSON, and
// advice that changes the report when followed.
func TestHealthReport(t *testing.T) {
	e, pw, _ := passwordVault(t)
	pwArgs := []string{"--password-file", pw}
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"),
		"otpauth://totp/Short:bob?secret=JBSWY3DPEHPK3PXP&issuer=Short", // 80 bits
		"otpauth://totp/Mail:carol?secret="+rfcSeedB32+"&issuer=Mail")   // GitHub's secret again
	e.ok("code1 code2 code3 code4 code5", "--password-file", pw, "recovery", "add", "--yes", "github")
	e.ok("sbak1 sbak2", "--password-file", pw, "recovery", "add", "--yes", "short")
	h := healthReport(t, e, pwArgs...)
	// The test build enrols passwords at a tiny Argon2id cost: a real finding.
	want := "duplicate-secret GitHub:alice; no-backup Mail:carol; recovery-low Short:bob; single-slot-kind; weak-password-slot; short-secret Short:bob"
	if got := findingsOf(h); got != want || h.Accounts != 3 || h.Slots != 2 {
		t.Fatalf("health: %d accounts, %d slots, findings\n got %s\nwant %s", h.Accounts, h.Slots, got, want)
	}
	for _, f := range h.Findings {
		if f.Severity == "" || f.Message == "" || !strings.Contains(f.Advice, "otter ") && f.Kind != health.ShortSecret {
			t.Errorf("finding without severity, message or a command to run: %+v", f)
		}
	}
	text := e.ok("", "--password-file", pw, "health")
	for _, part := range []string{"6 findings for 3 accounts", "MEDIUM  Mail:carol: no backup method", "what to do: generate recovery codes",
		"otter recovery add Mail:carol FILE", "LOW     Short:bob"} {
		if !strings.Contains(text, part) {
			t.Errorf("health text lacks %q:\n%s", part, text)
		}
	}
	// Following the advice clears the findings.
	e.ok("mbak1 mbak2 mbak3 mbak4", "--password-file", pw, "recovery", "add", "--yes", "mail")
	e.ok("sbak3 sbak4 sbak5", "--password-file", pw, "recovery", "add", "--yes", "short")
	e.ok("", "--password-file", pw, "rm", "--yes", "mail")
	if got := findingsOf(healthReport(t, e, pwArgs...)); got != "single-slot-kind; weak-password-slot; short-secret Short:bob" {
		t.Errorf("after following the advice: %s", got)
	}
	for range 3 {
		e.ok("", "--password-file", pw, "recovery", "use", "github")
	}
	if got := findingsOf(healthReport(t, e, pwArgs...)); !strings.HasPrefix(got, "recovery-low GitHub:alice") {
		t.Errorf("two codes left: %s", got)
	}
	for range 2 {
		e.ok("", "--password-file", pw, "recovery", "use", "github")
	}
	h = healthReport(t, e, pwArgs...)
	if got := findingsOf(h); !strings.HasPrefix(got, "recovery-exhausted GitHub:alice") || h.Findings[0].Severity != health.High {
		t.Errorf("codes used up: %s (%s)", got, h.Findings[0].Severity)
	}
}

// A vault with nothing wrong says so (in-process: the test binary's
// password slots are below the default cost on purpose).
func TestHealthClean(t *testing.T) {
	key, _, _ := vault.NewRecoveryKey(nil)
	v, err := vault.Create(filepath.Join(t.TempDir(), "vault.otter"), nil,
		vault.Password{Secret: []byte(strongPassword)}, vault.RecoveryKey{Key: key}, vault.Keyring{Store: mapStore{}})
	must(t, err)
	must(t, v.Update(func(d *vault.Data) error {
		acc := d.AddAccount(vault.Account{Issuer: "GitHub", Name: "alice", Secret: bytes.Repeat([]byte{7}, 20), Type: "totp"}, time.Now())
		d.AddRecoveryCodes(acc.ID, []string{"c1", "c2", "c3"}, time.Now())
		return nil
	}))
	var out bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &out)
	a.v = v
	defer a.close()
	must(t, a.health(false))
	if want := "No findings for 1 account and 3 unlock slots"; !strings.HasPrefix(out.String(), want) {
		t.Fatalf("health = %q, want %q…", out.String(), want)
	}
}

// mapStore is an in-memory keyring.
type mapStore map[string][]byte

func (m mapStore) Get(k string) ([]byte, error) { return bytes.Clone(m[k]), nil }
func (m mapStore) Set(k string, b []byte) error { m[k] = bytes.Clone(b); return nil }
func (m mapStore) Delete(k string) error        { delete(m, k); return nil }

package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/qrterm/qrtest"

	"github.com/otterauth/otter/internal/otp"
)

func TestQRCommand(t *testing.T) {
	e, pw, _ := passwordVault(t)
	e.ok("", "--password-file", pw, "add", rfcURI("GitHub", "alice"))
	r := e.run("", "--password-file", pw, "qr", "github")
	if r.code != 0 || !strings.Contains(r.stderr, supportReminder) {
		t.Fatalf("qr: exit %d: %s", r.code, r.stderr)
	}
	name, drawing, _ := strings.Cut(r.stdout, "\n")
	if name != "GitHub:alice" {
		t.Errorf("title %q", name)
	}
	k, err := otp.ParseURI(qrtest.Scan(t, drawing, true)[0])
	if err != nil || k.Issuer != "GitHub" || otp.EncodeSecret(k.Secret) != rfcSeedB32 || k.Digits != 8 {
		t.Fatalf("scanned %v, %v", k, err)
	}
	checkAudit(t, e, pw, "qr", "otpauth, GitHub:alice")
}

// TestQRGoogle: twelve accounts move in several transfer codes that each
// fit 80 columns; the Steam account is left out with a warning.
func TestQRGoogle(t *testing.T) {
	e, pw, _ := passwordVault(t)
	var uris []string
	for _, n := range []string{"ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon", "kim", "lee"} {
		uris = append(uris, "otpauth://totp/Service%20"+n+":"+n+"@example.com?secret="+rfcSeedB32)
	}
	uris = append(uris, "otpauth://steam/Steam:dave?secret=JRZCL47CMXVOQMNPZR2F7J4RGI")
	e.ok("", append([]string{"--password-file", pw, "add"}, uris...)...)
	r := e.run("", "--password-file", pw, "qr", "--google")
	if r.code != 0 || !strings.Contains(r.stderr, "Steam:dave cannot be moved") {
		t.Fatalf("qr --google: exit %d: %s", r.code, r.stderr)
	}
	parts := regexp.MustCompile(`(?m)^Code \d+ of (\d+): .*\n`).Split(r.stdout, -1)[1:]
	if len(parts) < 2 {
		t.Fatalf("%d codes, want several:\n%s", len(parts), r.stdout)
	}
	seen := map[string]bool{}
	for i, p := range parts {
		for _, l := range strings.Split(strings.TrimRight(p, "\n"), "\n") {
			if n := len([]rune(l)); n > 80 {
				t.Errorf("code %d is %d columns wide", i+1, n)
			}
		}
		keys, b, err := otp.ParseMigration(qrtest.Scan(t, p, true)[0])
		if err != nil {
			t.Fatal(err)
		}
		if b.Size != len(parts) || b.Index != i {
			t.Errorf("code %d says batch %d of %d", i+1, b.Index+1, b.Size)
		}
		for _, k := range keys {
			seen[k.Account] = true
		}
	}
	if len(seen) != 12 {
		t.Fatalf("the codes carry %d accounts, want 12: %v", len(seen), seen)
	}
}

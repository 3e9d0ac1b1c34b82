package tui

import (
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/qrterm"
	"github.com/otterauth/otter/vault"
)

func qrAccount() vault.Account {
	return vault.Account{Issuer: "GitHub", Name: "alice", Secret: githubSecret, Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30}
}

// Q on an account's detail shows its QR code with the reminder, once the
// reveal is in the audit log ("qr", as otter qr writes it); esc and the
// lock forget the drawn code.
func TestQRScreen(t *testing.T) {
	h := newHarness(t, 120, 30)
	h.seed(true, qrAccount())
	h.start()
	h.press("right")
	h.see("Q QR code")
	h.press("Q")
	h.see("QR code", "GitHub:alice", qrterm.Reminder[:30], "No support team will ever ask")
	q, ok := h.m.active().(*qrScreen)
	if !ok || q.code == nil {
		t.Fatal("no QR code on screen")
	}
	if !strings.Contains(h.screen(), q.code.Lines(false)[1]) {
		t.Fatal("the code's lines are not on screen")
	}
	v := h.reopen(vault.Password{Secret: []byte(testPass)})
	var got []string
	for _, e := range v.Data().Audit {
		if e.Kind == "qr" {
			got = append(got, e.Detail)
		}
	}
	if len(got) != 1 || got[0] != "otpauth, GitHub:alice" {
		t.Fatalf("qr audit events %q, want one for GitHub:alice", got)
	}

	code := q.code
	h.press("esc")
	h.see("Account")
	if q.code != nil || strings.Trim(code.Lines(false)[1], "█") != "" {
		t.Fatal("esc left the QR code in memory")
	}

	h.press("Q")
	q = h.m.active().(*qrScreen)
	code = q.code
	h.press("ctrl+l")
	h.see("Unlock the vault")
	h.notSee("GitHub:alice")
	if strings.Trim(code.Lines(false)[1], "█") != "" {
		t.Fatal("the lock left the QR code in memory")
	}
}

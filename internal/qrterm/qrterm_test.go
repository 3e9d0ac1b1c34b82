package qrterm

import (
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/qrterm/qrtest"
)

func TestQRRenderScans(t *testing.T) {
	uri := "otpauth://totp/Example%20Corp:bob%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20Corp&algorithm=SHA1&digits=6&period=30"
	code, err := Encode(uri)
	if err != nil {
		t.Fatal(err)
	}
	if code.Width() > 80 {
		t.Errorf("a typical URI takes %d columns, more than 80", code.Width())
	}
	for _, c := range []struct {
		name          string
		color, invert bool
		drawnIsLight  bool
	}{{"plain", false, false, true}, {"color", true, false, true}, {"invert", false, true, false}} {
		var b strings.Builder
		code.Render(&b, c.color, c.invert)
		if got := qrtest.Scan(t, b.String(), c.drawnIsLight); len(got) != 1 || got[0] != uri {
			t.Errorf("%s: scanned %q", c.name, got)
		}
		if c.color != strings.Contains(b.String(), "\x1b[") {
			t.Errorf("%s: colors %v", c.name, !c.color)
		}
	}
}

// TestWipe: a wiped code keeps no module of the secret it drew.
func TestWipe(t *testing.T) {
	code, err := Encode("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	code.Wipe()
	for _, l := range code.Lines(false) {
		if strings.Trim(l, "█") != "" {
			t.Fatalf("a wiped code still draws modules: %q", l)
		}
	}
	if got := len(code.Lines(false)); got != code.Height() {
		t.Errorf("%d lines, Height says %d", got, code.Height())
	}
}

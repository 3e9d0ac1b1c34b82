package qrterm

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"github.com/otterauth/otter/internal/importers"
)

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// scanTerminal turns half-block text back into a picture, as a phone
// camera would see it, and decodes every QR code in it with our decoder.
// light says which glyph halves are light: drawn ones (dark terminal) or
// blank ones (inverted output on a light terminal).
func scanTerminal(t *testing.T, text string, drawnIsLight bool) []string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(ansiRE.ReplaceAllString(text, ""), "\n"), "\n")
	w := 0
	for _, l := range lines {
		w = max(w, len([]rune(l)))
	}
	const px = 4
	img := image.NewGray(image.Rect(0, 0, (w+8)*px, (2*len(lines)+8)*px))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	set := func(x, y int, drawn bool) {
		v := uint8(0)
		if drawn == drawnIsLight {
			v = 255
		}
		for dy := range px {
			for dx := range px {
				img.SetGray((x+4)*px+dx, (y+4)*px+dy, color.Gray{Y: v})
			}
		}
	}
	for row, l := range lines {
		for col, r := range []rune(l) {
			set(col, 2*row, r == '█' || r == '▀')
			set(col, 2*row+1, r == '█' || r == '▄')
		}
		for col := len([]rune(l)); col < w; col++ {
			set(col, 2*row, false)
			set(col, 2*row+1, false)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	texts, err := importers.DecodeQR(buf.Bytes())
	if err != nil {
		t.Fatalf("the terminal QR code does not scan: %v\n%s", err, text)
	}
	return texts
}

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
		if got := scanTerminal(t, b.String(), c.drawnIsLight); len(got) != 1 || got[0] != uri {
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

// Package qrtest reads terminal QR codes back for tests, as a phone would.
package qrtest

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

// Scan turns half-block text back into a picture, as a phone
// camera would see it, and decodes every QR code in it with our decoder.
// light says which glyph halves are light: drawn ones (dark terminal) or
// blank ones (inverted output on a light terminal).
func Scan(t testing.TB, text string, drawnIsLight bool) []string {
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

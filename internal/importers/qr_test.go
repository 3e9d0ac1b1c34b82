package importers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"

	"github.com/otterauth/otter/internal/otp"
)

// The QR tests encode with boombuler/barcode, a library unrelated to the
// decoder, and decode with ours.

// qrModules encodes text and returns its modules (true = dark) with a
// 4-module quiet zone.
func qrModules(t testing.TB, text string) [][]bool {
	t.Helper()
	bc, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	n := bc.Bounds().Dx()
	m := make([][]bool, n+8)
	for y := range m {
		m[y] = make([]bool, n+8)
		for x := range m[y] {
			if x >= 4 && y >= 4 && x < n+4 && y < n+4 {
				r, _, _, _ := bc.At(x-4, y-4).RGBA()
				m[y][x] = r < 0x8000
			}
		}
	}
	return m
}

// qrScene draws the codes side by side on a white canvas, each module
// scale pixels, rotated by deg degrees, with gray noise of the given
// amplitude.
func qrScene(t testing.TB, scale, deg float64, noise int, texts ...string) *image.Gray {
	var codes [][][]bool
	w, h := 0.0, 0.0
	for _, s := range texts {
		m := qrModules(t, s)
		codes = append(codes, m)
		w += float64(len(m)) * scale
		h = max(h, float64(len(m))*scale)
	}
	pad := 0.25 * max(w, h)
	W, H := int(w+2*pad), int(h+2*pad)
	img := image.NewGray(image.Rect(0, 0, W, H))
	sin, cos := math.Sincos(deg * math.Pi / 180)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			// Rotate the canvas point back into code space.
			cx, cy := float64(x)-float64(W)/2, float64(y)-float64(H)/2
			sx, sy := cos*cx+sin*cy+float64(W)/2-pad, -sin*cx+cos*cy+float64(H)/2-pad
			v := 235
			off := 0.0
			for _, m := range codes {
				size := float64(len(m)) * scale
				if sx >= off && sx < off+size && sy >= 0 && sy < size && m[int(sy/scale)][int((sx-off)/scale)] {
					v = 25
				}
				off += size
			}
			if noise > 0 {
				v += rng.IntN(2*noise+1) - noise
			}
			img.Pix[y*img.Stride+x] = uint8(min(max(v, 0), 255))
		}
	}
	return img
}

func qrPNG(t testing.TB, scale float64, texts ...string) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, qrScene(t, scale, 0, 0, texts...)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestQRPNG(t *testing.T) {
	r, err := Parse("auto", qrPNG(t, 4, fixtures[0].uri()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Format != "qr" {
		t.Errorf("detected %s, want qr", r.Format)
	}
	checkKeys(t, r, fixtures[:1])
}

// TestQRSeveralCodes: an otpauth code and a migration code in one
// screenshot give all their accounts.
func TestQRSeveralCodes(t *testing.T) {
	mig, err := otp.EncodeMigration([]*otp.Key{fixtures[0].want(t), fixtures[2].want(t)}, otp.Batch{Version: 1, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse("qr", qrPNG(t, 3, fixtures[3].uri(), mig), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range r.Entries {
		names = append(names, e.Name())
	}
	all := strings.Join(names, ",")
	for _, want := range []string{"Steam:dave", "GitHub:alice@example.com", "Bank:carol"} {
		if !strings.Contains(all, want) {
			t.Errorf("entries %q lack %s", names, want)
		}
	}
}

// TestQRPhoto: a migration code scaled by a non-integer factor, rotated,
// noisy and saved as a lossy JPEG.
func TestQRPhoto(t *testing.T) {
	keys := []*otp.Key{fixtures[0].want(t), fixtures[2].want(t)}
	mig, err := otp.EncodeMigration(keys, otp.Batch{Version: 1, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, qrScene(t, 5.3, 7, 40, mig), &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	r, err := Parse("auto", buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkKeys(t, r, []fixture{fixtures[0], fixtures[2]})
}

func TestQRNothingUseful(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 300, 200)))
	var fe *FormatError
	if _, err := Parse("qr", buf.Bytes(), nil); !errors.As(err, &fe) || !strings.Contains(err.Error(), "no QR code") {
		t.Errorf("blank image: %v", err)
	}
	if _, err := Parse("qr", qrPNG(t, 3, "https://example.com/"), nil); !errors.As(err, &fe) || !strings.Contains(err.Error(), "otpauth") {
		t.Errorf("a QR code of a web address: %v", err)
	}
}

// TestQRImageBomb: a small file claiming a huge image is refused from its
// header, before any pixel is decoded.
func TestQRImageBomb(t *testing.T) {
	for _, tc := range []struct {
		name          string
		w, h          uint32
		depth, colour byte
	}{
		{"400 megapixels", 20000, 20000, 8, 0},
		{"10 000 × 5 000 16-bit RGBA", 10000, 5000, 16, 6},
		{"6 000 × 6 000 16-bit RGBA, under the pixel bound", 6000, 6000, 16, 6},
		{"9 000 × 9 000 grey, 81 megapixels", 9000, 9000, 8, 0},
	} {
		_, err := Parse("qr", hugePNGHeader(tc.w, tc.h, tc.depth, tc.colour), nil)
		if !errors.Is(err, ErrImageTooLarge) {
			t.Errorf("%s: %v, want ErrImageTooLarge", tc.name, err)
		}
	}
	// Under every bound, the header passes and the missing pixels are the
	// error.
	_, err := Parse("qr", hugePNGHeader(4000, 3000, 8, 6), nil)
	var fe *FormatError
	if !errors.As(err, &fe) || errors.Is(err, ErrImageTooLarge) {
		t.Errorf("a 12-megapixel RGBA header: %v, want a damaged-image FormatError", err)
	}
}

// hugePNGHeader is a PNG signature and IHDR claiming w×h pixels of the
// given bit depth and colour type, with no pixel data: a decompression
// bomb is refused from the header alone.
func hugePNGHeader(w, h uint32, depth, colour byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, colour, 0, 0, 0)
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, uint32(len(ihdr)))
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

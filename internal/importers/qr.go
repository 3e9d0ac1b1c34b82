package importers

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // screenshots are PNG or JPEG; GIF costs nothing
	_ "image/jpeg"
	_ "image/png"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Image limits, checked from the header before any pixel is decoded: a
// small file can claim a huge image (a 389 KB PNG of 10 000 × 5 000 16-bit
// pixels decodes to 400 MB).
const (
	maxImageSide   = 10_000
	maxImagePixels = 40_000_000
	maxImageBytes  = 256 << 20 // width × height × bytes per decoded pixel
	// workSide is the longest side images are scaled down to for the first
	// decoding attempts: QR codes in photos and screenshots are large, and
	// full-size 12-megapixel photos are slow to search.
	workSide = 1600
)

// parseQR reads every otpauth:// and otpauth-migration:// QR code in a PNG,
// JPEG or GIF image: a screenshot of a setup page or of Google
// Authenticator's export screen, or a photo of one. QR codes holding
// anything else are ignored with a warning.
func parseQR(data []byte, _ *Options) (*Result, error) {
	texts, err := DecodeQR(data)
	if err != nil {
		return nil, err
	}
	lr := &lineReader{format: "qr"}
	other := 0
	for i, t := range texts {
		if !hasScheme(t, "otpauth") && !hasScheme(t, "otpauth-migration") {
			other++
			continue
		}
		if err := lr.line(i+1, t); err != nil {
			return nil, &FormatError{Format: displayFormat("qr"), Err: err}
		}
	}
	if other == len(texts) {
		return nil, formatErr(displayFormat("qr"), "none of its %d QR codes holds an otpauth:// or otpauth-migration:// URI", len(texts))
	}
	r := lr.c.result()
	r.Warnings = append(r.Warnings, lr.batches.warnings()...)
	if other > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("ignored %d QR codes that hold no otpauth URI", other))
	}
	return r, nil
}

// DecodeQR returns the text of every QR code found in a PNG, JPEG or GIF
// image, in the order found, without duplicates. It is a FormatError when
// the data is not such an image or no QR code is found.
func DecodeQR(data []byte) ([]string, error) {
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	cfg, kind, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, formatErr(displayFormat("qr"), "not a PNG, JPEG or GIF image")
	}
	if err := checkImageSize(cfg, kind); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, formatErr(displayFormat("qr"), "the %s image is damaged or truncated", kind)
	}
	texts := findCodes(grayOf(img))
	if len(texts) == 0 {
		return nil, formatErr(displayFormat("qr"), "no QR code found in the image (a sharper, closer or straighter picture may help)")
	}
	return texts, nil
}

// ErrImageTooLarge means an image's header claims more pixels, or more
// decoded bytes, than otter decodes.
var ErrImageTooLarge = fmt.Errorf("the image is too large to decode (at most %d megapixels, %d MiB decoded)",
	maxImagePixels/1_000_000, maxImageBytes>>20)

// checkImageSize bounds what decoding an image of cfg would allocate.
func checkImageSize(cfg image.Config, kind string) error {
	w, h := int64(cfg.Width), int64(cfg.Height)
	if w <= 0 || h <= 0 {
		return formatErr(displayFormat("qr"), "the %s image has no pixels", kind)
	}
	if w > maxImageSide || h > maxImageSide || w*h > maxImagePixels || w*h*bytesPerPixel(cfg.ColorModel) > maxImageBytes {
		return fmt.Errorf("%w: the %s image is %d×%d pixels", ErrImageTooLarge, kind, w, h)
	}
	return nil
}

// bytesPerPixel is what the standard decoders allocate per pixel for an
// image of model m; unknown models count as the largest.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// findCodes tries ever harder ways to find QR codes, stopping at the first
// that finds any.
func findCodes(full *image.Gray) []string {
	work := full
	if s := max(full.Rect.Dx(), full.Rect.Dy()); s > workSide {
		work = shrink(full, (s+workSide-1)/workSide)
	}
	attempts := []func() []string{
		func() []string { return decodeMulti(work, false) },
		func() []string { return decodeSingle(work, false, false) },
		func() []string { return decodeSingle(work, true, false) },
		func() []string { return decodeSingle(work, false, true) },
	}
	if work != full {
		attempts = append(attempts,
			func() []string { return decodeMulti(full, false) },
			func() []string { return decodeSingle(full, false, false) })
	}
	for _, try := range attempts {
		if texts := try(); len(texts) > 0 {
			return texts
		}
	}
	return nil
}

var tryHarder = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}

// decodeMulti finds every QR code with the hybrid binarizer.
func decodeMulti(img *image.Gray, invert bool) (out []string) {
	defer recoverDecoder(&out)
	bmp, err := bitmap(img, invert, false)
	if err != nil {
		return nil
	}
	results, _ := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, tryHarder)
	return uniqueTexts(results)
}

// decodeSingle finds one QR code, optionally with the global histogram
// binarizer (better for even lighting) or on the inverted image (light
// modules on dark).
func decodeSingle(img *image.Gray, global, invert bool) (out []string) {
	defer recoverDecoder(&out)
	bmp, err := bitmap(img, invert, global)
	if err != nil {
		return nil
	}
	r, err := qrcode.NewQRCodeReader().Decode(bmp, tryHarder)
	if err != nil {
		return nil
	}
	return uniqueTexts([]*gozxing.Result{r})
}

// recoverDecoder turns a panic inside the third-party decoder into "no
// code found": a hostile image must not crash otter.
func recoverDecoder(out *[]string) {
	if recover() != nil {
		*out = nil
	}
}

func bitmap(img *image.Gray, invert, global bool) (*gozxing.BinaryBitmap, error) {
	src := gozxing.NewLuminanceSourceFromImage(img)
	if invert {
		src = src.Invert()
	}
	if global {
		return gozxing.NewBinaryBitmap(gozxing.NewGlobalHistgramBinarizer(src))
	}
	return gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
}

func uniqueTexts(results []*gozxing.Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range results {
		if r == nil {
			continue
		}
		if t := r.GetText(); t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// grayOf converts img to 8-bit luminance, transparent pixels on white.
func grayOf(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	if y, ok := img.(*image.YCbCr); ok {
		for row := 0; row < b.Dy(); row++ {
			copy(g.Pix[row*g.Stride:row*g.Stride+b.Dx()], y.Y[y.YOffset(b.Min.X, b.Min.Y+row):])
		}
		return g
	}
	for yy := 0; yy < b.Dy(); yy++ {
		for xx := 0; xx < b.Dx(); xx++ {
			r, gg, bb, a := img.At(b.Min.X+xx, b.Min.Y+yy).RGBA()
			lum := (299*r + 587*gg + 114*bb) / 1000 // premultiplied, 16-bit
			lum += 0xffff - a                       // composite on white
			g.Pix[yy*g.Stride+xx] = uint8(min(lum, 0xffff) >> 8)
		}
	}
	return g
}

// shrink scales g down by an integer factor, averaging each block.
func shrink(g *image.Gray, f int) *image.Gray {
	w, h := g.Rect.Dx()/f, g.Rect.Dy()/f
	out := image.NewGray(image.Rect(0, 0, max(w, 1), max(h, 1)))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0
			for dy := 0; dy < f; dy++ {
				row := g.Pix[(y*f+dy)*g.Stride+x*f:]
				for dx := 0; dx < f; dx++ {
					sum += int(row[dx])
				}
			}
			out.SetGray(x, y, color.Gray{Y: uint8(sum / (f * f))})
		}
	}
	return out
}

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
)

// qrQuiet is the quiet zone around a code, in modules, as the QR
// specification asks.
const qrQuiet = 4

// qrCode is a QR code's modules, true for dark, without quiet zone.
type qrCode [][]bool

// encodeQR encodes text at error-correction level M.
func encodeQR(text string) (qrCode, error) {
	code, err := encoder.Encoder_encode(text, decoder.ErrorCorrectionLevel_M, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to encode the QR code: %w", err)
	}
	m := code.GetMatrix()
	out := make(qrCode, m.GetHeight())
	for y := range out {
		out[y] = make([]bool, m.GetWidth())
		for x := range out[y] {
			out[y][x] = m.Get(x, y) == 1
		}
	}
	return out, nil
}

// width is the number of terminal columns the code takes.
func (q qrCode) width() int { return len(q) + 2*qrQuiet }

// dark reports the module at (x, y) of the code with its quiet zone.
func (q qrCode) dark(x, y int) bool {
	x, y = x-qrQuiet, y-qrQuiet
	return y >= 0 && y < len(q) && x >= 0 && x < len(q[y]) && q[y][x]
}

// render draws the code with half blocks, two module rows per line, one
// module per column. Light modules are drawn and dark ones left blank, so
// that the code reads on the usual dark terminal; color paints dark on a
// light background explicitly (for any terminal); invert draws dark
// modules instead, for light terminals without color.
func (q qrCode) render(w io.Writer, color, invert bool) {
	n := q.width()
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		if color {
			b.WriteString("\x1b[38;5;231;48;5;16m") // white on black
		}
		for x := 0; x < n; x++ {
			// Rows past the bottom are quiet zone, like the margins.
			top, bottom := !q.dark(x, y), !q.dark(x, y+1)
			if invert && !color {
				top, bottom = !top, !bottom
			}
			b.WriteString(halfBlock(top, bottom))
		}
		if color {
			b.WriteString("\x1b[0m")
		}
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

func halfBlock(top, bottom bool) string {
	switch {
	case top && bottom:
		return "█"
	case top:
		return "▀"
	case bottom:
		return "▄"
	}
	return " "
}

// Package qrterm draws QR codes with half-block characters for a terminal,
// for both faces (otter qr and the TUI's QR screen): one module per column,
// two module rows per line, light modules drawn so that the code reads on
// the usual dark terminal.
package qrterm

import (
	"fmt"
	"io"
	"strings"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
)

// Reminder is what a face says under a QR code of an account.
const Reminder = "Anyone who sees the code can copy the account: show it only to your phone."

// quiet is the quiet zone around a code, in modules, as the QR
// specification asks.
const quiet = 4

// Code is a QR code's modules, true for dark, without quiet zone. It
// holds a secret when it encodes an account: Wipe it when done.
type Code [][]bool

// Encode encodes text at error-correction level M.
func Encode(text string) (Code, error) {
	code, err := encoder.Encoder_encode(text, decoder.ErrorCorrectionLevel_M, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to encode the QR code: %w", err)
	}
	m := code.GetMatrix()
	out := make(Code, m.GetHeight())
	for y := range out {
		out[y] = make([]bool, m.GetWidth())
		for x := range out[y] {
			out[y][x] = m.Get(x, y) == 1
		}
	}
	return out, nil
}

// Width is the number of terminal columns the code takes.
func (q Code) Width() int { return len(q) + 2*quiet }

// Height is the number of terminal lines the code takes.
func (q Code) Height() int { return (q.Width() + 1) / 2 }

// Wipe clears every module.
func (q Code) Wipe() {
	for _, row := range q {
		clear(row)
	}
}

// dark reports the module at (x, y) of the code with its quiet zone.
func (q Code) dark(x, y int) bool {
	x, y = x-quiet, y-quiet
	return y >= 0 && y < len(q) && x >= 0 && x < len(q[y]) && q[y][x]
}

// Lines draws the code, quiet zone included, as Height lines of Width
// half blocks. Light modules are drawn and dark ones left blank; invert
// draws dark modules instead, for light terminals without color.
func (q Code) Lines(invert bool) []string {
	n := q.Width()
	out := make([]string, 0, q.Height())
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		b.Reset()
		for x := 0; x < n; x++ {
			// Rows past the bottom are quiet zone, like the margins.
			top, bottom := !q.dark(x, y), !q.dark(x, y+1)
			if invert {
				top, bottom = !top, !bottom
			}
			b.WriteString(halfBlock(top, bottom))
		}
		out = append(out, b.String())
	}
	return out
}

// Render writes Lines to w, one a line. color paints dark on a light
// background explicitly (for any terminal) and overrides invert.
func (q Code) Render(w io.Writer, color, invert bool) {
	var b strings.Builder
	for _, l := range q.Lines(invert && !color) {
		if color {
			b.WriteString("\x1b[38;5;231;48;5;16m") // white on black
		}
		b.WriteString(l)
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

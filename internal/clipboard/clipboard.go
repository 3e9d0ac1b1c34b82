// Package clipboard puts short secrets (one-time codes, recovery codes) on
// the system clipboard and takes them off again. It uses the platform's own
// tools (wl-copy/wl-paste on Wayland, xclip or xsel on X11, pbcopy/pbpaste on
// macOS, clip.exe/PowerShell on Windows) and falls back to the OSC 52
// terminal escape over SSH or when no system clipboard exists.
package clipboard

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// ErrUnavailable means neither a system clipboard nor a terminal for OSC 52
// is available.
var ErrUnavailable = errors.New("no clipboard available")

// Backend is one way of reaching a clipboard.
type Backend struct {
	Name  string
	copy  []string // command reading the value on stdin
	paste []string // command printing the value; nil if it cannot be read back
	clear []string // command clearing the clipboard; nil: copy an empty value
	osc52 io.Writer
}

// CanVerify reports whether the clipboard can be read back, which clearing
// "only if it still holds our value" needs.
func (b *Backend) CanVerify() bool { return b.paste != nil }

// Detect picks the backend for this session. env is os.Getenv in
// production; tty is where OSC 52 goes (nil: none).
func Detect(env func(string) string, tty io.Writer) *Backend {
	ssh := env("SSH_CONNECTION") != "" || env("SSH_TTY") != ""
	have := func(name string) bool { _, err := exec.LookPath(name); return err == nil }
	switch {
	case runtime.GOOS == "darwin" && !ssh:
		return &Backend{Name: "pbcopy", copy: []string{"pbcopy"}, paste: []string{"pbpaste"}}
	case runtime.GOOS == "windows":
		return &Backend{Name: "windows", copy: []string{"clip.exe"},
			paste: []string{"powershell.exe", "-NoProfile", "-Command", "Get-Clipboard"}}
	case env("WAYLAND_DISPLAY") != "" && have("wl-copy") && !ssh:
		return &Backend{Name: "wayland", copy: []string{"wl-copy"}, paste: []string{"wl-paste", "-n"}, clear: []string{"wl-copy", "--clear"}}
	case env("DISPLAY") != "" && have("xclip") && !ssh:
		return &Backend{Name: "xclip", copy: []string{"xclip", "-selection", "clipboard", "-in"}, paste: []string{"xclip", "-selection", "clipboard", "-out"}}
	case env("DISPLAY") != "" && have("xsel") && !ssh:
		return &Backend{Name: "xsel", copy: []string{"xsel", "--clipboard", "--input"}, paste: []string{"xsel", "--clipboard", "--output"}, clear: []string{"xsel", "--clipboard", "--clear"}}
	case tty != nil:
		return &Backend{Name: "osc52", osc52: tty}
	}
	return nil
}

// Copy puts value on the clipboard.
func (b *Backend) Copy(value []byte) error {
	if b == nil {
		return ErrUnavailable
	}
	if b.osc52 != nil {
		_, err := b.osc52.Write(OSC52(value))
		return err
	}
	return run(b.copy, value)
}

// Holds reports whether the clipboard still holds value (false when it
// cannot be read back).
func (b *Backend) Holds(value []byte) bool {
	if b == nil || b.paste == nil {
		return false
	}
	out, err := exec.Command(b.paste[0], b.paste[1:]...).Output()
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(bytes.TrimRight(out, "\r\n"), value) == 1
}

// HoldsDigest is Holds for a value known only by its SHA-256.
func (b *Backend) HoldsDigest(sum [32]byte) bool {
	if b == nil || b.paste == nil {
		return false
	}
	out, err := exec.Command(b.paste[0], b.paste[1:]...).Output()
	if err != nil {
		return false
	}
	got := sha256.Sum256(bytes.TrimRight(out, "\r\n"))
	return subtle.ConstantTimeCompare(got[:], sum[:]) == 1
}

// Clear empties the clipboard. Over OSC 52 it writes OSC52Clear.
func (b *Backend) Clear() error {
	switch {
	case b == nil:
		return ErrUnavailable
	case b.osc52 != nil:
		_, err := b.osc52.Write(OSC52Clear())
		return err
	case b.clear != nil:
		return run(b.clear, nil)
	}
	return run(b.copy, nil)
}

// ClearAfter waits d, then clears the clipboard if it still holds the value
// whose SHA-256 is sum. Without read-back it clears unconditionally only
// for OSC 52 (which cannot be read); otherwise it leaves it alone.
func (b *Backend) ClearAfter(d time.Duration, sum [32]byte) error {
	time.Sleep(d)
	if b == nil {
		return ErrUnavailable
	}
	if b.osc52 != nil || b.HoldsDigest(sum) {
		return b.Clear()
	}
	return nil
}

// OSC52 returns the escape sequence that asks the terminal to set its
// clipboard to value.
func OSC52(value []byte) []byte {
	return []byte("\x1b]52;c;" + base64.StdEncoding.EncodeToString(value) + "\a")
}

// OSC52Placeholder is what OSC52Clear writes first: tmux ignores an empty
// OSC 52 write (its paste buffer keeps the code), so the code is replaced
// by a single space, which pasting by mistake cannot turn into a command.
const OSC52Placeholder = " "

// OSC52Clear returns the escape sequences that take a value off a
// terminal's clipboard: the placeholder, then the empty write that xterm,
// kitty and most others take as "clear".
func OSC52Clear() []byte {
	return append(OSC52([]byte(OSC52Placeholder)), OSC52(nil)...)
}

func run(argv []string, stdin []byte) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = nil, nil
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("failed to start %s: %w", argv[0], err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s failed: %w", argv[0], err)
		}
		return nil
	case <-time.After(3 * time.Second):
		// xclip stays to serve the selection: that is success.
		return nil
	}
}

// TTY opens the controlling terminal for OSC 52, or returns nil.
func TTY() io.Writer {
	f, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return nil
	}
	return f
}

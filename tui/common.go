package tui

import (
	"github.com/otterauth/otter/internal/termtext"

	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/otterauth/otter/fido"
)

// screen is what every screen implements. Only the root model returns a
// tea.View; screens render a string body of exactly the size they were
// given and report the keys they answer to for the help bar.
type screen interface {
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	// Title names the screen in the header line.
	Title() string
	// Typing reports whether a text field has the focus, so that the root
	// model leaves printable keys such as "?" and "q" to it.
	Typing() bool
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// common is what the screens share: styles, keys, the clock, the timers
// (tea.Tick and tea.Every; tests replace them to fire by hand) and the
// FIDO seams.
type common struct {
	st    *Styles
	keys  *keyMap
	now   func() time.Time
	after func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	every func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	// device runs a command that may wait on a security key (for a touch,
	// say); tests replace it to run such commands in the background.
	device func(tea.Cmd) tea.Cmd
	// backend opens security keys (Config.Keys).
	backend fido.Backend
	// listKeys lists the security keys plugged in (backend.List).
	listKeys func() ([]fido.DeviceInfo, error)
}

// emit returns a command that delivers msg.
func emit(msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return msg }
}

// fit makes s exactly height lines of at most width cells: longer lines are
// cut with "…", missing lines are added empty.
func fit(s string, width, height int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		lines[i] = clip(l, width)
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// clip cuts one line to width cells.
func clip(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// cellWidth is the number of terminal cells s takes.
func cellWidth(s string) int { return ansi.StringWidth(s) }

// safe makes text from the vault inert on the terminal: control
// characters (an older vault's imported escape sequences) show as escapes.
func safe(s string) string { return termtext.Escape(s) }

// pad appends spaces to s up to width cells.
func pad(s string, width int) string {
	if w := ansi.StringWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// wrap breaks text into lines of at most width cells at spaces.
func wrap(text string, width int) string {
	if width <= 0 {
		return text
	}
	return ansi.Wrap(text, width, " ")
}

// clampInt returns v limited to [lo, hi].
func clampInt(v, lo, hi int) int {
	if v > hi {
		v = hi
	}
	if v < lo {
		v = lo
	}
	return v
}

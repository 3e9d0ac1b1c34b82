package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is every style the TUI uses. Colours are the terminal's own ANSI
// palette, so they suit light and dark themes; under NO_COLOR the program
// renders with the ASCII profile and only bold, faint and reverse remain,
// which is why nothing depends on colour alone (the urgent countdown also
// shows the next code, errors start with "✗").
type Styles struct {
	Title    lipgloss.Style
	Subtle   lipgloss.Style
	Bold     lipgloss.Style
	Selected lipgloss.Style // the selected row's marker and name
	Issuer   lipgloss.Style
	Account  lipgloss.Style
	Code     lipgloss.Style
	Urgent   lipgloss.Style // code and bar in the last 5 s
	Next     lipgloss.Style
	BarFull  lipgloss.Style
	BarEmpty lipgloss.Style
	Pinned   lipgloss.Style
	OK       lipgloss.Style
	Error    lipgloss.Style
	Warning  lipgloss.Style
	Label    lipgloss.Style
	Focused  lipgloss.Style // label of the focused field
	Cursor   lipgloss.Style
	Key      lipgloss.Style // the recovery key on the onboarding screen
	Spinner  lipgloss.Style // "touch your key"
	QR       lipgloss.Style // a QR code: drawn (light) modules on black
	Help     help.Styles
}

func newStyles() *Styles {
	red, green, yellow, cyan := lipgloss.Color("1"), lipgloss.Color("2"), lipgloss.Color("3"), lipgloss.Color("6")
	faint := lipgloss.NewStyle().Faint(true)
	st := &Styles{
		Title:    lipgloss.NewStyle().Bold(true).Foreground(cyan),
		Subtle:   faint,
		Bold:     lipgloss.NewStyle().Bold(true),
		Selected: lipgloss.NewStyle().Bold(true).Foreground(cyan),
		Issuer:   lipgloss.NewStyle().Bold(true),
		Account:  faint,
		Code:     lipgloss.NewStyle().Bold(true),
		Urgent:   lipgloss.NewStyle().Bold(true).Foreground(red),
		Next:     faint,
		BarFull:  lipgloss.NewStyle().Foreground(green),
		BarEmpty: faint,
		Pinned:   lipgloss.NewStyle().Foreground(yellow),
		OK:       lipgloss.NewStyle().Foreground(green),
		Error:    lipgloss.NewStyle().Foreground(red),
		Warning:  lipgloss.NewStyle().Foreground(yellow),
		Label:    faint,
		Focused:  lipgloss.NewStyle().Bold(true).Foreground(cyan),
		Cursor:   lipgloss.NewStyle().Reverse(true),
		Key:      lipgloss.NewStyle().Bold(true),
		Spinner:  lipgloss.NewStyle().Foreground(cyan),
		QR:       lipgloss.NewStyle().Foreground(lipgloss.Color("15")).Background(lipgloss.Color("0")),
	}
	st.Help = help.Styles{
		ShortKey:       lipgloss.NewStyle().Bold(true),
		ShortDesc:      faint,
		ShortSeparator: faint,
		Ellipsis:       faint,
		FullKey:        lipgloss.NewStyle().Bold(true),
		FullDesc:       faint,
		FullSeparator:  faint,
	}
	return st
}

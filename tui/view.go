package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// View renders the header, the active screen's body, the status line and
// the help bar, each cut to the terminal size.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "otter"
	return v
}

// render is the whole screen as a string (View without the tea.View).
func (m *Model) render() string {
	bw, bh := m.bodySize()
	var body string
	s := m.active()
	switch {
	case m.phase == phaseFatal:
		body = m.fatalView(bw)
	case s == nil:
		body = "\n " + m.c.st.Subtle.Render("Opening the vault…")
	case m.showHelp:
		body = m.fullHelp(s)
	default:
		body = s.View()
	}
	// A long status message may take two lines from the body.
	status := strings.Split(indent(wrap(m.renderStatus(), m.width-2), " "), "\n")
	if len(status) > 2 || bh < 6 {
		status = status[:1]
	}
	lines := []string{
		clip(m.header(s), m.width),
		fit(body, bw, bh+1-len(status)),
	}
	for _, l := range status {
		lines = append(lines, clip(l, m.width))
	}
	lines = append(lines, clip(m.shortHelp(s), m.width))
	return strings.Join(lines, "\n")
}

func (m *Model) header(s screen) string {
	st := m.c.st
	h := st.Title.Render(" otter")
	title := ""
	switch {
	case m.showHelp:
		title = "Keys"
	case s != nil:
		title = s.Title()
	}
	if title != "" {
		h += st.Subtle.Render(" · ") + st.Bold.Render(title)
	}
	return h
}

func (m *Model) renderStatus() string {
	text, kind := m.statusLine()
	st := m.c.st
	switch {
	case text == "":
		return ""
	case kind == statusOK:
		return st.OK.Render(text)
	case kind == statusWarn:
		return st.Warning.Render(text)
	case kind == statusErr:
		return st.Error.Render("✗ " + text)
	}
	return st.Subtle.Render(text)
}

// globalKeys are the bindings of the root model that apply now.
func (m *Model) globalKeys(s screen) []key.Binding {
	k := m.c.keys
	typing := s != nil && s.Typing()
	return []key.Binding{
		enabled(k.Help, !typing && s != nil),
		enabled(k.Lock, m.phase == phaseOpen),
		enabled(k.Sync, m.phase == phaseOpen && m.canSync() && !typing),
		k.Quit,
	}
}

func (m *Model) shortHelp(s screen) string {
	var b []key.Binding
	if m.showHelp {
		b = []key.Binding{with(m.c.keys.Back, "esc/?", "close help"), m.c.keys.Quit}
	} else {
		if s != nil {
			b = append(b, s.ShortHelp()...)
		}
		b = append(b, m.globalKeys(s)...)
	}
	return " " + m.help.ShortHelpView(b)
}

// fullHelp lays every enabled binding of the screen out top to bottom in
// as few columns as the height allows, cutting descriptions only when the
// columns would not fit the width.
func (m *Model) fullHelp(s screen) string {
	st := m.c.st
	var keys, descs []string
	kw := 0
	for _, g := range append(s.FullHelp(), m.globalKeys(s)) {
		for _, b := range g {
			if !b.Enabled() || b.Help().Key == "" {
				continue
			}
			keys, descs = append(keys, b.Help().Key), append(descs, b.Help().Desc)
			kw = max(kw, cellWidth(b.Help().Key))
		}
	}
	if len(keys) == 0 {
		return ""
	}
	_, bh := m.bodySize()
	top := "\n"
	if bh < 14 {
		top = ""
	}
	rows := max(1, bh-1-len(top))
	cols := (len(keys) + rows - 1) / rows
	rows = (len(keys) + cols - 1) / cols
	colW := max(kw+4, (m.width-1)/cols)
	lines := make([]string, rows)
	for i := range keys {
		cell := st.Help.FullKey.Render(pad(keys[i], kw)) + " " + st.Help.FullDesc.Render(clip(descs[i], colW-kw-2))
		if i/rows < cols-1 {
			cell = pad(cell, colW)
		}
		lines[i%rows] += cell
	}
	return top + indent(strings.Join(lines, "\n"), " ")
}

func (m *Model) fatalView(width int) string {
	st := m.c.st
	return "\n " + st.Error.Render("otter cannot open the vault") + "\n\n" +
		indent(wrap(m.fatal, width-2), " ") + "\n\n " + st.Subtle.Render("q quits")
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

package tui

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// echoMode says how a field shows its value.
type echoMode int

const (
	echoNormal echoMode = iota
	echoMask            // one "•" per character: passwords, secrets
	echoURI             // the value with its secret= parameter masked
)

const defaultFieldLimit = 1024

// field is a one-line text input. Unlike bubbles' textinput it keeps its
// value in a rune slice that Reset zeroes, draws no blinking cursor (so
// views are stable) and can mask the secret inside an otpauth URI.
type field struct {
	value       []rune
	pos         int
	echo        echoMode
	limit       int
	placeholder string
	lines       bool // keep line breaks (a pasted block), shown as "↵"
}

func newField(echo echoMode, placeholder string) field {
	return field{echo: echo, placeholder: placeholder, limit: defaultFieldLimit}
}

// Value returns the text.
func (f *field) Value() string { return string(f.value) }

// Bytes returns the text as a new UTF-8 slice the caller should zero.
func (f *field) Bytes() []byte {
	b := make([]byte, 0, len(f.value)*2)
	for _, r := range f.value {
		b = utf8.AppendRune(b, r)
	}
	return b
}

// Empty reports whether the field holds nothing but spaces.
func (f *field) Empty() bool { return strings.TrimSpace(string(f.value)) == "" }

// SetValue replaces the text and puts the cursor at its end.
func (f *field) SetValue(s string) {
	f.Reset()
	f.insert(s)
}

// Reset zeroes and empties the field.
func (f *field) Reset() {
	clear(f.value)
	f.value = f.value[:0]
	f.pos = 0
}

// Update edits the field for a key press or a paste and reports whether
// the text changed.
func (f *field) Update(msg tea.Msg, k *keyMap) bool {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		return f.insert(msg.Content)
	case tea.KeyPressMsg:
		return f.key(msg, k)
	}
	return false
}

func (f *field) key(msg tea.KeyPressMsg, k *keyMap) bool {
	n := len(f.value)
	switch {
	case key.Matches(msg, k.Left):
		f.pos = max(0, f.pos-1)
	case key.Matches(msg, k.Right):
		f.pos = min(n, f.pos+1)
	case key.Matches(msg, k.LineStart):
		f.pos = 0
	case key.Matches(msg, k.LineEnd):
		f.pos = n
	case key.Matches(msg, k.DelBack):
		if f.pos > 0 {
			f.cut(f.pos-1, f.pos)
		}
	case key.Matches(msg, k.DelForward):
		if f.pos < n {
			f.cut(f.pos, f.pos+1)
		}
	case key.Matches(msg, k.DelWord):
		f.cut(f.wordStart(), f.pos)
	case key.Matches(msg, k.DelToStart):
		f.cut(0, f.pos)
	case key.Matches(msg, k.DelToEnd):
		f.cut(f.pos, n)
	case msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 && msg.Text != "":
		return f.insert(msg.Text)
	}
	return len(f.value) != n
}

// insert adds s at the cursor: line breaks (unless the field keeps lines)
// and tabs become spaces, other control characters are dropped, the limit
// is kept.
func (f *field) insert(s string) bool {
	if f.lines {
		s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	}
	var add []rune
	for _, r := range s {
		switch {
		case r == '\n' && f.lines:
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		}
		if len(f.value)+len(add) >= f.limit {
			break
		}
		add = append(add, r)
	}
	if len(add) == 0 {
		return false
	}
	grown := make([]rune, 0, len(f.value)+len(add))
	grown = append(grown, f.value[:f.pos]...)
	grown = append(grown, add...)
	grown = append(grown, f.value[f.pos:]...)
	clear(f.value)
	f.value = grown
	f.pos += len(add)
	return true
}

// cut removes value[i:j], zeroing the freed tail.
func (f *field) cut(i, j int) {
	if i >= j {
		return
	}
	n := copy(f.value[i:], f.value[j:])
	clear(f.value[i+n:])
	f.value = f.value[:i+n]
	f.pos = i
}

func (f *field) wordStart() int {
	i := f.pos
	for i > 0 && f.value[i-1] == ' ' {
		i--
	}
	for i > 0 && f.value[i-1] != ' ' {
		i--
	}
	return i
}

var uriSecretRE = regexp.MustCompile(`(?i)((?:^|[?&])(?:secret|data)=)[^&]*`)

// shown returns the runes to display and the cursor position among them.
func (f *field) shown() ([]rune, int) {
	switch f.echo {
	case echoMask:
		return []rune(strings.Repeat("•", len(f.value))), f.pos
	case echoURI:
		s := uriSecretRE.ReplaceAllString(string(f.value), "${1}••••••")
		r := []rune(s)
		return r, len(r)
	}
	if f.lines {
		return []rune(strings.ReplaceAll(string(f.value), "\n", "↵")), f.pos
	}
	return f.value, f.pos
}

// View renders the field in width cells, with a reversed cursor cell when
// focused; long values scroll to keep the cursor in view.
func (f *field) View(width int, focused bool, st *Styles) string {
	if width < 2 {
		width = 2
	}
	d, pos := f.shown()
	if len(d) == 0 {
		return f.placeholderView(width, focused, st)
	}
	start := 0
	if pos >= width && focused {
		start = pos - width + 1
	}
	end := min(len(d), start+width)
	if !focused {
		return string(d[start:end])
	}
	var b strings.Builder
	b.WriteString(string(d[start:pos]))
	under := " "
	if pos < len(d) {
		under = string(d[pos])
	}
	b.WriteString(st.Cursor.Render(under))
	if pos < end {
		b.WriteString(string(d[pos+1 : end]))
	}
	return b.String()
}

// placeholderView shows the placeholder, under the cursor when focused.
func (f *field) placeholderView(width int, focused bool, st *Styles) string {
	p := []rune(clip(f.placeholder, width))
	if !focused {
		return st.Subtle.Render(string(p))
	}
	if len(p) == 0 {
		return st.Cursor.Render(" ")
	}
	return st.Cursor.Render(string(p[0])) + st.Subtle.Render(string(p[1:]))
}

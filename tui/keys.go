package tui

import "charm.land/bubbles/v2/key"

// keyMap holds every key binding of the TUI. Screens pick the bindings that
// apply to them for the help bar and match keys with key.Matches.
type keyMap struct {
	// Everywhere.
	Quit key.Binding
	Lock key.Binding
	Help key.Binding
	Back key.Binding
	Sync key.Binding

	// Lists.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding

	// Codes list.
	Copy        key.Binding
	Filter      key.Binding
	ClearFilter key.Binding
	Add         key.Binding
	Detail      key.Binding
	Recovery    key.Binding
	Pin         key.Binding
	Keys        key.Binding
	QuitQ       key.Binding
	Undo        key.Binding
	Sort        key.Binding

	// Unlock.
	SecurityKey key.Binding

	// Account detail.
	Edit    key.Binding
	Delete  key.Binding
	QR      key.Binding
	Confirm key.Binding
	Cancel  key.Binding

	// Recovery codes.
	Reveal  key.Binding
	UseNext key.Binding
	AddCode key.Binding

	// Security keys.
	Open     key.Binding
	Refresh  key.Binding
	KeyPIN   key.Binding
	Creds    key.Binding
	Register key.Binding
	Lost     key.Binding

	// Forms.
	NextField key.Binding
	PrevField key.Binding
	Submit    key.Binding
	Save      key.Binding
	Toggle    key.Binding
	Choice    key.Binding
	Method    key.Binding

	// Text editing inside a field.
	Left       key.Binding
	Right      key.Binding
	LineStart  key.Binding
	LineEnd    key.Binding
	DelBack    key.Binding
	DelForward key.Binding
	DelWord    key.Binding
	DelToStart key.Binding
	DelToEnd   key.Binding
}

func newKeyMap() *keyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &keyMap{
		Quit: b(s("ctrl+c"), "ctrl+c", "quit"),
		Lock: b(s("ctrl+l"), "ctrl+l", "lock"),
		Help: b(s("?"), "?", "help"),
		Back: b(s("esc"), "esc", "back"),
		Sync: b(s("S"), "S", "sync now"),

		Up:       b(s("up", "k"), "↑/k", "up"),
		Down:     b(s("down", "j"), "↓/j", "down"),
		PageUp:   b(s("pgup"), "pgup", "page up"),
		PageDown: b(s("pgdown"), "pgdn", "page down"),
		Home:     b(s("home", "g"), "g/home", "first"),
		End:      b(s("end", "G"), "G/end", "last"),

		Copy:        b(s("enter"), "enter", "copy"),
		Filter:      b(s("/"), "/", "filter"),
		ClearFilter: b(s("esc"), "esc", "clear filter"),
		Add:         b(s("a"), "a", "add"),
		Detail:      b(s("right", "l", "i"), "→", "details"),
		Recovery:    b(s("r"), "r", "recovery"),
		Pin:         b(s("p"), "p", "pin"),
		Keys:        b(s("K"), "K", "security keys"),
		QuitQ:       b(s("q"), "q", "quit"),
		Undo:        b(s("u"), "u", "undo delete"),
		Sort:        b(s("s"), "s", "sort"),

		SecurityKey: b(s("ctrl+t"), "ctrl+t", "security key"),

		Edit:    b(s("e"), "e", "edit"),
		Delete:  b(s("x", "delete"), "x", "delete"),
		QR:      b(s("Q"), "Q", "QR code"),
		Confirm: b(s("y"), "y", "yes, delete"),
		Cancel:  b(s("n", "esc"), "n/esc", "keep"),

		Reveal:  b(s("v", "space"), "v", "reveal"),
		UseNext: b(s("u"), "u", "use next"),
		AddCode: b(s("a"), "a", "add"),

		Open:     b(s("enter", "right", "l"), "enter", "open"),
		Refresh:  b(s("R"), "R", "refresh"),
		KeyPIN:   b(s("p"), "p", "PIN"),
		Creds:    b(s("c"), "c", "credentials"),
		Register: b(s("r"), "r", "register"),
		Lost:     b(s("L"), "L", "mark lost"),

		NextField: b(s("tab", "down"), "tab/↓", "next field"),
		PrevField: b(s("shift+tab", "up"), "shift+tab/↑", "previous field"),
		Submit:    b(s("enter"), "enter", "continue"),
		Save:      b(s("ctrl+s"), "ctrl+s", "save"),
		Toggle:    b(s("space"), "space", "toggle"),
		Choice:    b(s("left", "right"), "←/→", "change"),
		Method:    b(s("tab"), "tab", "other method"),

		Left:       key.NewBinding(key.WithKeys("left", "ctrl+b")),
		Right:      key.NewBinding(key.WithKeys("right", "ctrl+f")),
		LineStart:  key.NewBinding(key.WithKeys("home", "ctrl+a")),
		LineEnd:    key.NewBinding(key.WithKeys("end", "ctrl+e")),
		DelBack:    key.NewBinding(key.WithKeys("backspace", "ctrl+h")),
		DelForward: key.NewBinding(key.WithKeys("delete", "ctrl+d")),
		DelWord:    key.NewBinding(key.WithKeys("ctrl+w", "alt+backspace")),
		DelToStart: key.NewBinding(key.WithKeys("ctrl+u")),
		DelToEnd:   key.NewBinding(key.WithKeys("ctrl+k")),
	}
}

func s(keys ...string) []string { return keys }

// with returns b with other help text; screens use it where a shared key
// means something more specific ("enter: unlock").
func with(b key.Binding, helpKey, desc string) key.Binding {
	b.SetHelp(helpKey, desc)
	return b
}

// enabled returns b enabled or disabled.
func enabled(b key.Binding, on bool) key.Binding {
	b.SetEnabled(on)
	return b
}

package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/fido"
)

// credsScreen lists the resident (discoverable) credentials on a key and
// deletes one after a confirmation. Both need the key's PIN: it is asked
// first and kept, zeroed, until the screen is left or the vault locks.
type credsScreen struct {
	c    *common
	w, h int
	dev  fido.DeviceInfo
	wait waiter

	pinField   field
	pin        []byte // the PIN that listed the credentials
	creds      []fido.Credential
	md         fido.Metadata
	loaded     bool
	sel, off   int
	confirming bool
	msg        string
	msgKind    statusKind
}

func newCredsScreen(c *common, di fido.DeviceInfo) *credsScreen {
	s := &credsScreen{c: c, dev: di, wait: newWaiter(c), pinField: newField(echoMask, "")}
	s.pinField.limit = 63
	return s
}

func (s *credsScreen) SetSize(w, h int) { s.w, s.h = w, h }
func (s *credsScreen) Title() string    { return "Resident credentials" }
func (s *credsScreen) Typing() bool     { return s.pin == nil && !s.wait.busy }

// wipe zeroes the PIN and abandons the operation in progress.
func (s *credsScreen) wipe() {
	s.pinField.Reset()
	clear(s.pin)
	s.pin = nil
	s.wait.abandon()
}

func (s *credsScreen) say(text string, kind statusKind) { s.msg, s.msgKind = text, kind }

func (s *credsScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case spinMsg, opDoneMsg:
		res, cmd := s.wait.Update(msg)
		if r, ok := res.(keyCredsMsg); ok {
			s.listed(r)
		}
		return cmd
	case tea.PasteMsg:
		if s.Typing() {
			s.pinField.Update(msg, s.c.keys)
		}
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

// listed takes a listing (after a deletion, maybe), or its failure.
func (s *credsScreen) listed(r keyCredsMsg) {
	if r.err != nil {
		s.say(keyErrText(r.err), statusErr)
		if errors.Is(r.err, fido.ErrPinInvalid) || errors.Is(r.err, fido.ErrPinAuthBlocked) || errors.Is(r.err, fido.ErrPinBlocked) {
			clear(s.pin)
			s.pin, s.loaded = nil, false
		}
		return
	}
	s.creds, s.md, s.loaded = r.creds, r.md, true
	s.sel = clampInt(s.sel, 0, max(0, len(s.creds)-1))
	s.say("", statusInfo)
	if r.deleted != nil {
		s.say("Deleted the credential of "+credName(*r.deleted)+".", statusOK)
	}
}

func (s *credsScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.keys
	switch {
	case s.wait.busy:
		if key.Matches(msg, k.Back) {
			s.wait.cancelOp()
		}
	case s.pin == nil:
		return s.pinKey(msg)
	case s.confirming:
		switch {
		case key.Matches(msg, k.Confirm):
			s.confirming = false
			return s.load(&s.creds[s.sel])
		case key.Matches(msg, k.Cancel):
			s.confirming = false
		}
	case key.Matches(msg, k.Back):
		s.wipe()
		return emit(popMsg{})
	case key.Matches(msg, k.Up):
		s.sel = max(0, s.sel-1)
	case key.Matches(msg, k.Down):
		s.sel = clampInt(s.sel+1, 0, max(0, len(s.creds)-1))
	case key.Matches(msg, k.Refresh):
		return s.load(nil)
	case key.Matches(msg, k.Delete) && len(s.creds) > 0:
		s.confirming = true
		s.say("", statusInfo)
	}
	return nil
}

func (s *credsScreen) pinKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.keys
	switch {
	case key.Matches(msg, k.Back):
		s.wipe()
		return emit(popMsg{})
	case key.Matches(msg, k.Submit):
		pin := pinBytes(&s.pinField)
		if p := pinProblem(pin); p != "" {
			clear(pin)
			s.say(p, statusErr)
			return nil
		}
		s.pinField.Reset()
		s.pin = pin
		return s.load(nil)
	default:
		if s.pinField.Update(msg, k) {
			s.say("", statusInfo)
		}
	}
	return nil
}

// load deletes del (if not nil) and lists the credentials again.
func (s *credsScreen) load(del *fido.Credential) tea.Cmd {
	prompt := "Reading the credentials…"
	if del != nil {
		prompt = "Deleting the credential…"
	}
	return s.wait.start(prompt, credsOp(s.c.backend, s.dev.Path, append([]byte(nil), s.pin...), del))
}

// credName is "user on rp".
func credName(c fido.Credential) string {
	user := c.UserName
	if user == "" {
		user = c.DisplayName
	}
	if user == "" {
		return c.RPID
	}
	return user + " on " + c.RPID
}

func (s *credsScreen) View() string {
	st := s.c.st
	var lines []string
	add := func(text string) { lines = append(lines, strings.Split(text, "\n")...) }
	add(" " + st.Issuer.Render(clip(productName(s.dev), s.w-2)))
	switch {
	case s.pin == nil:
		add(wrapIndent("Listing or deleting resident credentials needs the key's PIN.", s.w))
		add(" " + st.Focused.Render(pad("Key PIN", 9)) + " " + s.pinField.View(max(4, s.w-12), !s.wait.busy, st))
	case s.loaded:
		add(wrapIndent(st.Subtle.Render(fmt.Sprintf("%d resident %s, room for %d more.", s.md.Existing,
			plural(s.md.Existing, "credential"), s.md.Remaining)), s.w))
	}
	if s.confirming && s.sel < len(s.creds) {
		add(wrapIndent(st.Warning.Render("Delete the credential of "+credName(s.creds[s.sel])+
			"? The site will no longer accept this key for it."), s.w))
		add(" " + st.Bold.Render("y") + " delete · " + st.Bold.Render("n") + " keep")
	}
	if s.wait.busy {
		add(s.wait.View(s.w))
	}
	if s.msg != "" {
		add(wrapIndent(msgText(st, s.msg, s.msgKind), s.w))
	}
	if s.pin != nil && s.loaded {
		add("")
		lines = append(lines, s.list(max(1, s.h-len(lines)))...)
	}
	return strings.Join(lines, "\n")
}

// list renders the rows in view: the relying party and the user.
func (s *credsScreen) list(rows int) []string {
	st := s.c.st
	if len(s.creds) == 0 {
		return []string{" " + st.Subtle.Render("No resident credentials on this key.")}
	}
	if s.sel < s.off {
		s.off = s.sel
	}
	if s.sel >= s.off+rows {
		s.off = s.sel - rows + 1
	}
	rpW := 0
	for _, c := range s.creds {
		rpW = max(rpW, cellWidth(c.RPID))
	}
	rpW = min(rpW, max(8, (s.w-5)/2))
	var out []string
	for i := s.off; i < min(len(s.creds), s.off+rows); i++ {
		c := s.creds[i]
		user := c.UserName
		if c.DisplayName != "" && c.DisplayName != user && s.w >= 80 {
			user += st.Subtle.Render(" (" + c.DisplayName + ")")
		}
		text := pad(clip(c.RPID, rpW), rpW) + "  " + user
		if i == s.sel {
			out = append(out, " "+st.Selected.Render("▸ ")+text)
		} else {
			out = append(out, "   "+text)
		}
	}
	return out
}

// msgText renders a screen's own message line.
func msgText(st *Styles, text string, kind statusKind) string {
	switch kind {
	case statusErr:
		return st.Error.Render("✗ " + text)
	case statusOK:
		return st.OK.Render("✓ " + text)
	}
	return st.Subtle.Render(text)
}

func (s *credsScreen) ShortHelp() []key.Binding {
	k := s.c.keys
	switch {
	case s.wait.busy:
		return []key.Binding{enabled(with(k.Back, "esc", "cancel"), !s.wait.cancelling)}
	case s.pin == nil:
		return []key.Binding{with(k.Submit, "enter", "list"), k.Back}
	case s.confirming:
		return []key.Binding{k.Confirm, k.Cancel}
	}
	return []key.Binding{enabled(k.Delete, len(s.creds) > 0), k.Refresh, k.Back}
}

func (s *credsScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(s.ShortHelp(), with(s.c.keys.Up, "↑↓ jk", "move"))}
}

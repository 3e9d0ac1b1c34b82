package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// codesScreen is the home screen: every account with its live code, a
// countdown bar and, near the end of a period, the next code. It keeps a
// sorted index of the accounts and renders only the rows in view, so
// drawing does not grow with the number of accounts.
type codesScreen struct {
	c    *common
	sess *session
	w, h int

	all       []entry
	shown     []int // indexes into all: the filter's matches, best first
	filtered  bool
	filter    field
	filtering bool // the filter field has the focus
	sel       int  // index into shown
	off       int  // first row in view
	order     sortOrder
}

func newCodesScreen(c *common, sess *session) *codesScreen {
	s := &codesScreen{c: c, sess: sess, filter: newField(echoNormal, "")}
	s.filter.limit = 256
	s.rebuild()
	return s
}

func (s *codesScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.scroll()
}

func (s *codesScreen) Title() string {
	by := ""
	if s.order != byUsage {
		by = ", by " + sortNames[s.order]
	}
	if s.filtered {
		return fmt.Sprintf("Codes (%d of %d%s)", len(s.shown), len(s.all), by)
	}
	return fmt.Sprintf("Codes (%d%s)", len(s.all), by)
}

// sortHelp is the sort key with the order it switches to.
func (s *codesScreen) sortHelp() key.Binding {
	return with(s.c.keys.Sort, "s", "sort by "+sortNames[(s.order+1)%sortOrders])
}

func (s *codesScreen) Typing() bool { return s.filtering }

// rebuild re-reads the accounts from the session and re-applies the
// filter, keeping the selected account selected.
func (s *codesScreen) rebuild() {
	keep := s.selectedID()
	live := s.sess.data.Live()
	s.all = s.all[:0]
	for _, a := range live {
		s.all = append(s.all, newEntry(a, s.sess.usage[a.ID]))
	}
	sortEntries(s.all, s.order)
	s.apply()
	s.selectID(keep)
}

// apply recomputes the rows shown for the filter text.
func (s *codesScreen) apply() {
	s.filtered = !s.filter.Empty()
	if s.filtered {
		s.shown = filterEntries(s.all, s.filter.Value())
	} else {
		s.shown = s.shown[:0]
		for i := range s.all {
			s.shown = append(s.shown, i)
		}
	}
	s.sel = clampInt(s.sel, 0, max(0, len(s.shown)-1))
	s.scroll()
}

func (s *codesScreen) selectedID() string {
	if s.sel < len(s.shown) {
		return s.all[s.shown[s.sel]].acc.ID
	}
	return ""
}

func (s *codesScreen) selectID(id string) {
	for i, j := range s.shown {
		if s.all[j].acc.ID == id {
			s.sel = i
			break
		}
	}
	s.scroll()
}

// rowHeight is 1 when a row fits on one line, 2 on narrow terminals.
func (s *codesScreen) rowHeight() int {
	if s.w >= 60 {
		return 1
	}
	return 2
}

// capacity is how many rows fit under the filter line.
func (s *codesScreen) capacity() int {
	h := s.h
	if s.filtering || s.filtered {
		h--
	}
	return max(1, h/s.rowHeight())
}

// scroll keeps the selected row in view.
func (s *codesScreen) scroll() {
	n := s.capacity()
	if s.sel < s.off {
		s.off = s.sel
	}
	if s.sel >= s.off+n {
		s.off = s.sel - n + 1
	}
	s.off = clampInt(s.off, 0, max(0, len(s.shown)-n))
}

func (s *codesScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		s.rebuild()
	case writeMsg:
		if msg.op == opAdd && msg.err == nil {
			s.clearFilter()
			s.selectID(msg.id)
		}
	case tea.PasteMsg:
		if !s.filtering {
			return s.pasted(msg.Content)
		}
		if s.filter.Update(msg, s.c.keys) {
			s.sel, s.off = 0, 0
			s.apply()
		}
	case tea.KeyPressMsg:
		if s.filtering {
			return s.filterKey(msg)
		}
		return s.key(msg)
	}
	return nil
}

func (s *codesScreen) move(d int) {
	s.sel = clampInt(s.sel+d, 0, max(0, len(s.shown)-1))
	s.scroll()
}

// nav handles the movement keys; it reports whether msg was one.
func (s *codesScreen) nav(msg tea.KeyPressMsg) bool {
	k := s.c.keys
	switch {
	case key.Matches(msg, k.Up):
		s.move(-1)
	case key.Matches(msg, k.Down):
		s.move(1)
	case key.Matches(msg, k.PageUp):
		s.move(-s.capacity())
	case key.Matches(msg, k.PageDown):
		s.move(s.capacity())
	default:
		return false
	}
	return true
}

func (s *codesScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.keys
	id := s.selectedID()
	switch {
	case s.nav(msg):
	case key.Matches(msg, k.Home):
		s.move(-len(s.shown))
	case key.Matches(msg, k.End):
		s.move(len(s.shown))
	case key.Matches(msg, k.Filter):
		s.filtering = true
		s.scroll()
	case key.Matches(msg, k.ClearFilter) && s.filtered:
		s.clearFilter()
	case key.Matches(msg, k.Add):
		return emit(pushMsg{newAddScreen(s.c, s.sess, "")})
	case key.Matches(msg, k.Keys):
		return openKeysScreen(s.c, s.sess)
	case key.Matches(msg, k.Sort):
		s.order = (s.order + 1) % sortOrders
		s.rebuild()
	case key.Matches(msg, k.QuitQ):
		return emit(quitReq{})
	case key.Matches(msg, k.Undo) && s.sess.trashed != "":
		return s.sess.restoreCmd(s.sess.trashed)
	case id == "":
	case key.Matches(msg, k.Copy):
		return emit(copyReq{id})
	case key.Matches(msg, k.Detail):
		return emit(pushMsg{newDetailScreen(s.c, s.sess, id)})
	case key.Matches(msg, k.Recovery):
		return emit(pushMsg{newRecoveryScreen(s.c, s.sess, id)})
	case key.Matches(msg, k.Pin):
		return s.sess.pinCmd(id)
	}
	return nil
}

// filterKey handles keys while the filter field has the focus: typing
// narrows the list at once, arrows move, enter copies the selected code.
// Only esc and enter leave the filter.
func (s *codesScreen) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.keys
	switch {
	case key.Matches(msg, k.Up, k.Down):
		s.nav(msg)
	case key.Matches(msg, k.PageUp, k.PageDown):
		s.nav(msg)
	case key.Matches(msg, k.Back):
		s.clearFilter()
	case key.Matches(msg, k.Copy):
		s.filtering = false
		s.scroll()
		if id := s.selectedID(); id != "" {
			return emit(copyReq{id})
		}
	case key.Matches(msg, k.DelBack) && s.filter.Empty():
		// Stay: leaving silently would make the next letters commands.
	default:
		if s.filter.Update(msg, k) {
			s.sel, s.off = 0, 0
			s.apply()
		}
	}
	return nil
}

// pasted opens the add screen with an otpauth URI pasted on the list.
func (s *codesScreen) pasted(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	if !hasPrefixFold(text, "otpauth") {
		return nil
	}
	a := newAddScreen(s.c, s.sess, "")
	a.Update(tea.PasteMsg{Content: text})
	return emit(pushMsg{a})
}

func (s *codesScreen) clearFilter() {
	keep := s.selectedID()
	s.filter.Reset()
	s.filtering = false
	s.apply()
	s.selectID(keep)
}

func (s *codesScreen) ShortHelp() []key.Binding {
	k := s.c.keys
	if s.filtering {
		return []key.Binding{with(k.Copy, "enter", "copy"), with(k.Back, "esc", "clear"), with(k.Up, "↑/↓", "move")}
	}
	some := len(s.shown) > 0
	return []key.Binding{
		enabled(k.Copy, some), k.Filter, enabled(k.ClearFilter, s.filtered), k.Add,
		enabled(k.Detail, some), enabled(k.Recovery, some), enabled(k.Pin, some),
		enabled(k.Undo, s.sess.trashed != ""),
	}
}

func (s *codesScreen) FullHelp() [][]key.Binding {
	k := s.c.keys
	some := len(s.shown) > 0
	return [][]key.Binding{
		{enabled(k.Copy, some), k.Filter, enabled(k.ClearFilter, s.filtered), k.Add, enabled(k.Detail, some),
			enabled(k.Recovery, some), enabled(k.Pin, some), enabled(k.Undo, s.sess.trashed != ""), s.sortHelp(), k.Keys, k.QuitQ},
		{with(k.Up, "↑↓ jk", "move"), with(k.PageUp, "pgup/dn", "page"), with(k.Home, "g/G", "first/last")},
	}
}

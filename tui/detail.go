package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// detailScreen shows one account: its code and the next one, the recovery
// codes left, notes and tags; it pins, edits and deletes (after a y).
type detailScreen struct {
	c          *common
	sess       *session
	id         string
	w, h       int
	confirming bool
}

func newDetailScreen(c *common, sess *session, id string) *detailScreen {
	return &detailScreen{c: c, sess: sess, id: id}
}

func (d *detailScreen) SetSize(w, h int) { d.w, d.h = w, h }
func (d *detailScreen) Title() string    { return "Account" }
func (d *detailScreen) Typing() bool     { return false }

func (d *detailScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		if d.sess.account(d.id) == nil {
			return emit(closeMsg{d})
		}
	case tea.KeyPressMsg:
		return d.key(msg)
	}
	return nil
}

func (d *detailScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := d.c.keys
	if d.sess.account(d.id) == nil { // deleted: only back
		d.confirming = false
		if key.Matches(msg, k.Back) {
			return emit(popMsg{})
		}
		return nil
	}
	if d.confirming {
		switch {
		case key.Matches(msg, k.Confirm):
			d.confirming = false
			return d.sess.deleteCmd(d.id)
		case key.Matches(msg, k.Cancel):
			d.confirming = false
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return emit(popMsg{})
	case key.Matches(msg, k.Copy):
		return emit(copyReq{d.id})
	case key.Matches(msg, k.Edit):
		return emit(pushMsg{newAddScreen(d.c, d.sess, d.id)})
	case key.Matches(msg, k.Pin):
		return d.sess.pinCmd(d.id)
	case key.Matches(msg, k.Recovery):
		return emit(pushMsg{newRecoveryScreen(d.c, d.sess, d.id)})
	case key.Matches(msg, k.QR):
		return openQR(d.c, d.sess, d.id)
	case key.Matches(msg, k.Delete):
		d.confirming = true
	}
	return nil
}

func (d *detailScreen) View() string {
	st := d.c.st
	a := d.sess.account(d.id)
	if a == nil {
		return " This account was deleted."
	}
	var lines []string
	gap := func() {
		if d.h >= 12 {
			lines = append(lines, "")
		}
	}
	if d.confirming {
		lines = append(lines, wrapIndent(st.Warning.Render("Delete "+safe(a.Label())+"? It and its recovery codes stay 30 days in the trash."), d.w),
			" "+st.Bold.Render("y")+" delete · "+st.Bold.Render("n")+" keep")
		gap()
	}
	lines = append(lines, " "+d.title(a), " "+st.Account.Render(clip(safe(a.Name), d.w-1)))
	gap()
	lines = append(lines, d.codeLines(a)...)
	gap()
	lines = append(lines, d.facts(a)...)
	return strings.Join(lines, "\n")
}

// title is the issuer, cut with "…" so that "★ pinned" stays in view.
func (d *detailScreen) title(a *vault.Account) string {
	st := d.c.st
	pinned := ""
	if a.Pinned {
		pinned = " ★ pinned"
	}
	title := st.Issuer.Render(clip(safe(a.Issuer), d.w-1-cellWidth(pinned)))
	if a.Pinned {
		title += " " + st.Pinned.Render("★ pinned")
	}
	return title
}

func (d *detailScreen) codeLines(a *vault.Account) []string {
	st := d.c.st
	lc := d.sess.codeAt(a, d.c.now())
	if lc.hotp {
		if lc.code == "" {
			return []string{" " + st.Subtle.Render(fmt.Sprintf("HOTP: enter makes the next code (counter %d)", a.Counter)), ""}
		}
		return []string{" " + st.Code.Render(lc.code), " " + st.Subtle.Render(fmt.Sprintf("counter %d · next code: counter %d", lc.counter, a.Counter))}
	}
	code := st.Code.Render(lc.code)
	if lc.urgent {
		code = st.Urgent.Render(lc.code)
	}
	secs := fmt.Sprintf(" %ds", seconds(lc.left))
	next := vaultops.KeyOf(a).Code(d.c.now().Add(lc.left))
	return []string{
		" " + code + "  " + d.c.bar(lc, clampInt(d.w-cellWidth(lc.code)-9, 4, 20)) + secs,
		" " + st.Next.Render("next "+group(next)),
	}
}

func (d *detailScreen) facts(a *vault.Account) []string {
	st := d.c.st
	row := func(name, value string) string {
		return " " + st.Label.Render(pad(name, 9)) + " " + value
	}
	typ := strings.ToUpper(a.Type) + " · " + a.Algorithm + fmt.Sprintf(" · %d digits", a.Digits)
	if !isHOTP(a) {
		typ += fmt.Sprintf(" · %d s", period(a))
	}
	out := []string{row("Type", typ), row("Recovery", d.recoverySummary(a))}
	if len(a.Tags) > 0 {
		out = append(out, row("Tags", safe(strings.Join(a.Tags, ", "))))
	}
	if a.Notes != "" {
		notes := strings.Split(wrap(safeLines(a.Notes), max(10, d.w-12)), "\n")
		out = append(out, row("Notes", notes[0]))
		for _, l := range notes[1:] {
			out = append(out, "           "+l)
		}
	}
	used := "never"
	if u := d.sess.usage[a.ID]; u.Count > 0 {
		used = fmt.Sprintf("%d %s, last %s", u.Count, plural(u.Count, "time"), u.Last.Local().Format("2006-01-02"))
	}
	out = append(out, row("Used", used), row("Added", a.Created.Local().Format("2006-01-02")))
	return out
}

// recoverySummary is "7 of 10 left", with a warning at two or fewer.
func (d *detailScreen) recoverySummary(a *vault.Account) string {
	st := d.c.st
	set := d.sess.data.RecoveryFor(a.ID)
	if set == nil || len(set.Codes) == 0 {
		return st.Subtle.Render("none (r adds them)")
	}
	left := set.Unused()
	s := fmt.Sprintf("%d of %d left", left, len(set.Codes))
	if left <= 2 {
		return st.Warning.Render("⚠ " + s)
	}
	return s
}

func (d *detailScreen) ShortHelp() []key.Binding {
	k := d.c.keys
	if d.sess.account(d.id) == nil {
		return []key.Binding{k.Back}
	}
	if d.confirming {
		return []key.Binding{k.Confirm, k.Cancel}
	}
	return []key.Binding{k.Copy, k.Edit, k.Pin, k.Recovery, k.QR, k.Delete, k.Back}
}

func (d *detailScreen) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// safeLines is safe for notes, whose line breaks are kept.
func safeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = safe(l)
	}
	return strings.Join(lines, "\n")
}

package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/qrterm"
	"github.com/otterauth/otter/internal/vaultops"
)

// qrScreen shows an account as a QR code (otpauth://), to move it to a
// phone. The reveal is written to the audit log first, as otter qr does;
// the code is drawn only once that write reports back, and wiped when the
// screen closes or the vault locks.
type qrScreen struct {
	c     *common
	sess  *session
	id    string
	w, h  int
	label string
	code  qrterm.Code // nil until the reveal is logged, and after wipe
	err   string
}

// openQR pushes the QR screen of account id and logs the reveal.
func openQR(c *common, sess *session, id string) tea.Cmd {
	q := &qrScreen{c: c, sess: sess, id: id}
	if a := sess.account(id); a != nil {
		q.label = a.Label()
	}
	return tea.Sequence(emit(pushMsg{q}), q.logCmd())
}

// logCmd writes the "qr" audit event, as otter qr does.
func (q *qrScreen) logCmd() tea.Cmd {
	detail := "otpauth, " + q.label
	return q.sess.run(opQR, q.id, func(ops *vaultops.Session, _ *writeMsg) error { return ops.Log("qr", detail) })
}

func (q *qrScreen) SetSize(w, h int) { q.w, q.h = w, h }
func (q *qrScreen) Title() string    { return "QR code" }
func (q *qrScreen) Typing() bool     { return false }

func (q *qrScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case writeMsg:
		if msg.op == opQR && msg.id == q.id {
			q.logged(msg)
		}
	case dataMsg:
		if q.sess.account(q.id) == nil {
			return emit(closeMsg{q})
		}
	case tea.KeyPressMsg:
		if key.Matches(msg, q.c.keys.Back) {
			q.wipe()
			return emit(popMsg{})
		}
	}
	return nil
}

// logged draws the code once the reveal is in the audit log.
func (q *qrScreen) logged(msg writeMsg) {
	a := q.sess.account(q.id)
	switch {
	case msg.err != nil:
		q.err = "The QR code is not shown: the audit log could not be written."
	case a == nil:
		q.err = "This account was deleted."
	default:
		code, err := qrterm.Encode(vaultops.KeyOf(a).URI())
		if err != nil {
			q.err = errText(err)
			return
		}
		q.code = code
	}
}

// wipe forgets the code.
func (q *qrScreen) wipe() {
	q.code.Wipe()
	q.code = nil
}

func (q *qrScreen) View() string {
	st := q.c.st
	head := " " + st.Issuer.Render(clip(safe(q.label), q.w-1))
	switch {
	case q.err != "":
		return head + "\n\n" + wrapIndent(st.Error.Render(q.err), q.w)
	case q.code == nil:
		return head + "\n\n " + st.Subtle.Render("Writing the reveal to the audit log…")
	}
	if v, ok := q.beside(); ok {
		return v
	}
	reminder := wrapIndent(st.Warning.Render(qrReminder), q.w)
	n := strings.Count(reminder, "\n") + 1
	if q.code.Width()+1 > q.w || q.code.Height()+n+1 > q.h {
		need := fmt.Sprintf("The code needs %d×%d cells: enlarge the window or make the font smaller.",
			q.code.Width()+qrTextW+3, q.code.Height()+3)
		return head + "\n\n" + wrapIndent(need, q.w)
	}
	lines := []string{head}
	for _, l := range q.code.Lines(false) {
		lines = append(lines, " "+st.QR.Render(l))
	}
	return strings.Join(append(lines, reminder), "\n")
}

// qrReminder is what the QR screen says under or beside the code.
const qrReminder = qrterm.Reminder + " " + supportReminder

// qrTextW is the least width of the text beside a code.
const qrTextW = 24

// beside lays the label and the reminder out to the right of the code,
// when the body is wide and tall enough.
func (q *qrScreen) beside() (string, bool) {
	st := q.c.st
	tw := q.w - q.code.Width() - 3
	if tw < qrTextW || q.code.Height() > q.h {
		return "", false
	}
	text := append([]string{st.Issuer.Render(clip(safe(q.label), tw)), ""},
		strings.Split(st.Warning.Render(wrap(qrReminder, tw)), "\n")...)
	lines := q.code.Lines(false)
	for i, l := range lines {
		lines[i] = " " + st.QR.Render(l)
		if i < len(text) {
			lines[i] += "  " + text[i]
		}
	}
	return strings.Join(lines, "\n"), true
}

func (q *qrScreen) ShortHelp() []key.Binding { return []key.Binding{q.c.keys.Back} }

func (q *qrScreen) FullHelp() [][]key.Binding { return [][]key.Binding{q.ShortHelp()} }

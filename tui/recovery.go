package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/otterauth/otter/internal/recoverycodes"
	"github.com/otterauth/otter/internal/vaultops"
	"github.com/otterauth/otter/vault"
)

// supportReminder is shown whenever a recovery code is on screen.
const supportReminder = "No support team will ever ask you for these."

// recoveryScreen keeps an account's recovery codes: masked by default, one
// revealed at a time, "use next" copies the next unused one and marks it
// used, and a pasted block adds more or replaces them, after a preview of
// what was read from it.
type recoveryScreen struct {
	c    *common
	sess *session
	id   string
	w, h int

	sel      int
	off      int
	top      int // lines above the list, as last drawn
	revealed int // index of the code on screen, -1 for none
	adding   bool
	block    field
	preview  []string // the codes read from block, shown before saving
	replace  bool     // the preview replaces the codes instead of adding
}

func newRecoveryScreen(c *common, sess *session, id string) *recoveryScreen {
	r := &recoveryScreen{c: c, sess: sess, id: id, revealed: -1, block: newField(echoNormal, "paste the codes here")}
	r.block.limit = 64 << 10
	r.block.lines = true // the parser reads the block a line at a time
	r.adding = len(r.codes()) == 0
	return r
}

func (r *recoveryScreen) SetSize(w, h int) { r.w, r.h = w, h }
func (r *recoveryScreen) Title() string    { return "Recovery codes" }
func (r *recoveryScreen) Typing() bool     { return r.adding && r.preview == nil }

// wipe zeroes a pasted block of codes.
func (r *recoveryScreen) wipe() { r.block.Reset() }

func (r *recoveryScreen) codes() []vault.RecoveryCode {
	if set := r.sess.data.RecoveryFor(r.id); set != nil {
		return set.Codes
	}
	return nil
}

func (r *recoveryScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		if r.sess.account(r.id) == nil {
			return emit(closeMsg{r})
		}
	case writeMsg:
		r.written(msg)
	case tea.PasteMsg:
		if r.adding {
			r.block.Update(msg, r.c.keys)
		}
	case tea.KeyPressMsg:
		if r.preview != nil {
			return r.previewKey(msg)
		}
		if r.adding {
			return r.addKey(msg)
		}
		return r.key(msg)
	}
	return nil
}

func (r *recoveryScreen) written(msg writeMsg) {
	if msg.id != r.id || msg.err != nil {
		return
	}
	switch msg.op {
	case opRecoverUse:
		for i, c := range r.codes() {
			if c.Code == msg.code {
				r.revealed, r.sel = i, i
				r.scroll()
			}
		}
	case opRecoverAdd, opRecoverReplace:
		r.adding, r.preview, r.replace = false, nil, false
		r.block.Reset()
	}
}

func (r *recoveryScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.keys
	n := len(r.codes())
	switch {
	case key.Matches(msg, k.Back):
		return emit(popMsg{})
	case key.Matches(msg, k.Up):
		r.sel = max(0, r.sel-1)
	case key.Matches(msg, k.Down):
		r.sel = clampInt(r.sel+1, 0, max(0, n-1))
	case key.Matches(msg, k.AddCode):
		r.adding = true
	case key.Matches(msg, k.UseNext):
		return r.useNext()
	case key.Matches(msg, k.Reveal) && n > 0:
		if r.revealed == r.sel {
			r.revealed = -1
			return nil
		}
		r.revealed = r.sel
		return r.logReveal()
	}
	r.scroll()
	return nil
}

func (r *recoveryScreen) addKey(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.keys
	switch {
	case key.Matches(msg, k.Back):
		r.block.Reset()
		r.adding = false
		if len(r.codes()) == 0 {
			return emit(popMsg{})
		}
	case key.Matches(msg, k.Submit):
		return r.readBlock()
	default:
		r.block.Update(msg, k)
	}
	return nil
}

func (r *recoveryScreen) useNext() tea.Cmd {
	id := r.id
	return r.sess.run(opRecoverUse, id, func(ops *vaultops.Session, w *writeMsg) error {
		var err error
		w.code, w.n, err = ops.UseRecovery(id)
		if a := ops.Data().Account(id); a != nil {
			w.label = a.Label()
		}
		return err
	})
}

func (r *recoveryScreen) logReveal() tea.Cmd {
	id := r.id
	return r.sess.run(opRecoverLog, id, func(ops *vaultops.Session, _ *writeMsg) error { return ops.LogReveal(id) })
}

// readBlock reads the pasted block and shows what it holds.
func (r *recoveryScreen) readBlock() tea.Cmd {
	codes, err := recoverycodes.Read(r.block.Value())
	if err != nil {
		return emit(statusMsg{text: errText(err), kind: statusErr})
	}
	r.preview, r.replace = codes, false
	return nil
}

// previewKey handles the preview: enter saves, ←/→ (or ↑/↓) switch
// between adding and replacing when the account has codes, esc goes back
// to the pasted block.
func (r *recoveryScreen) previewKey(msg tea.KeyPressMsg) tea.Cmd {
	k := r.c.keys
	switch {
	case key.Matches(msg, k.Back):
		r.preview = nil
	case key.Matches(msg, k.Submit):
		return r.saveCodes()
	case key.Matches(msg, k.Choice, k.Up, k.Down) && len(r.codes()) > 0:
		r.replace = !r.replace
	}
	return nil
}

func (r *recoveryScreen) saveCodes() tea.Cmd {
	id, codes := r.id, r.preview
	if r.replace {
		return r.sess.run(opRecoverReplace, id, func(ops *vaultops.Session, w *writeMsg) error {
			var err error
			w.n, err = ops.ReplaceRecovery(id, codes)
			return err
		})
	}
	return r.sess.run(opRecoverAdd, id, func(ops *vaultops.Session, w *writeMsg) error {
		var err error
		w.n, err = ops.AddRecovery(id, codes)
		w.dup = len(codes) - w.n
		return err
	})
}

// head is the lines above the list: the account, the count (with a
// warning when few are left) and, while a code shows, the reminder.
func (r *recoveryScreen) head(a *vault.Account, codes []vault.RecoveryCode) []string {
	st := r.c.st
	lines := []string{" " + st.Issuer.Render(clip(safe(a.Label()), r.w-2))}
	lines = append(lines, strings.Split(wrapIndent(r.summary(codes), r.w), "\n")...)
	if r.revealed >= 0 {
		lines = append(lines, strings.Split(wrapIndent(st.Warning.Render(supportReminder), r.w), "\n")...)
	}
	return lines
}

func (r *recoveryScreen) scroll() {
	n := max(1, r.h-r.top)
	if r.sel < r.off {
		r.off = r.sel
	}
	if r.sel >= r.off+n {
		r.off = r.sel - n + 1
	}
}

func (r *recoveryScreen) View() string {
	st := r.c.st
	a := r.sess.account(r.id)
	if a == nil {
		return " This account was deleted."
	}
	if r.preview != nil {
		return r.previewView(a)
	}
	if r.adding {
		lines := []string{" " + st.Issuer.Render(clip(safe(a.Label()), r.w-2))}
		lines = append(lines, wrapIndent("Paste the codes the site gave you (spaces, commas or new lines between them), then press enter.", r.w),
			"", " "+st.Focused.Render("> ")+r.block.View(max(4, r.w-4), true, st))
		return strings.Join(lines, "\n")
	}
	codes := r.codes()
	lines := r.head(a, codes)
	r.top = len(lines)
	r.scroll()
	end := min(len(codes), r.off+max(1, r.h-r.top))
	codeW := 8
	for _, c := range codes {
		codeW = max(codeW, cellWidth(c.Code))
	}
	for i := r.off; i < end; i++ {
		lines = append(lines, r.codeLine(i, codes[i], codeW))
	}
	return strings.Join(lines, "\n")
}

func (r *recoveryScreen) summary(codes []vault.RecoveryCode) string {
	st := r.c.st
	left := (&vault.RecoverySet{Codes: codes}).Unused()
	s := fmt.Sprintf("%d of %d left", left, len(codes))
	switch {
	case left == 0:
		return st.Error.Render("✗ " + s + ": generate new codes on the site now.")
	case left <= 2:
		return st.Warning.Render("⚠ " + s + ": generate new codes on the site soon.")
	}
	return st.Subtle.Render(s)
}

func (r *recoveryScreen) codeLine(i int, c vault.RecoveryCode, codeW int) string {
	st := r.c.st
	mark := "  "
	if i == r.sel {
		mark = st.Selected.Render("▸ ")
	}
	code := "••••••••"
	if i == r.revealed {
		code = st.Code.Render(c.Code)
	}
	state := ""
	if !c.UsedAt.IsZero() {
		state = st.Subtle.Render("used " + c.UsedAt.Local().Format("2006-01-02"))
		if i != r.revealed {
			code = st.Subtle.Render(code)
		}
	}
	num := st.Subtle.Render(fmt.Sprintf("%2d ", i+1))
	w := min(codeW, max(8, r.w-cellWidth(state)-8))
	return " " + mark + num + pad(clip(code, w), w) + "  " + state
}

func (r *recoveryScreen) ShortHelp() []key.Binding {
	k := r.c.keys
	if r.preview != nil {
		return []key.Binding{with(k.Submit, "enter", "save"), enabled(with(k.Choice, "←/→", "add/replace"), len(r.codes()) > 0),
			with(k.Back, "esc", "back")}
	}
	if r.adding {
		return []key.Binding{with(k.Submit, "enter", "preview"), with(k.Back, "esc", "cancel")}
	}
	some := len(r.codes()) > 0
	return []key.Binding{enabled(k.UseNext, some), enabled(k.Reveal, some), k.AddCode, k.Back}
}

func (r *recoveryScreen) FullHelp() [][]key.Binding {
	if r.adding {
		return [][]key.Binding{r.ShortHelp()}
	}
	return [][]key.Binding{append(r.ShortHelp(), r.c.keys.Up, r.c.keys.Down)}
}

package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/otterauth/otter/internal/otp"
	"github.com/otterauth/otter/vault"
)

const labelW = 10

func (a *addScreen) View() string {
	top := a.previewLines()
	var form []string
	focusLine := 0
	for i := 0; i < fieldCount; i++ {
		if !a.visible(i) {
			continue
		}
		if i == a.focus {
			focusLine = len(form)
		}
		form = append(form, a.fieldLine(i))
	}
	form = append(form, a.batchLines()...)
	// Scroll the form so that the focused field stays in view.
	room := max(1, a.h-len(top))
	if focusLine < a.off {
		a.off = focusLine
	}
	if focusLine >= a.off+room {
		a.off = focusLine - room + 1
	}
	a.off = clampInt(a.off, 0, max(0, len(form)-room))
	return strings.Join(append(top, form[a.off:]...), "\n")
}

// previewLines are the code preview or the error, then a blank line.
func (a *addScreen) previewLines() []string {
	st := a.c.st
	var text string
	switch {
	case a.saving:
		text = st.Subtle.Render("Saving…")
	case a.err != "":
		text = st.Error.Render("✗ " + a.err)
	case a.batch != nil:
		text = st.OK.Render(fmt.Sprintf("✓ %d %s in this export: %s adds %s.", len(a.batch), plural(len(a.batch), "account"), a.saveKey(),
			map[bool]string{true: "it", false: "them all"}[len(a.batch) == 1]))
	default:
		text = a.preview()
	}
	return append(strings.Split(wrapIndent(text, a.w), "\n"), "")
}

// preview shows the code the form would produce, or what is missing.
func (a *addScreen) preview() string {
	st := a.c.st
	if a.fields[fSecret].Empty() {
		return st.Subtle.Render("Paste an otpauth:// URI, or type the issuer, account and secret.")
	}
	k, err := a.formKey()
	if err != nil {
		return st.Error.Render("✗ " + errText(err))
	}
	defer k.Wipe()
	label := st.Label.Render("Preview ")
	if k.Type == otp.TypeHOTP {
		return label + st.Subtle.Render("HOTP: the first code comes when you press enter on the list.")
	}
	now := a.c.now()
	s := label + st.Code.Render(group(k.Code(now))) + st.Subtle.Render(fmt.Sprintf(" · %d s left", seconds(otp.Remaining(now, k.Period))))
	if k.Weak() {
		s += " " + st.Warning.Render(fmt.Sprintf("(secret only %d bits)", len(k.Secret)*8))
	}
	return s
}

func (a *addScreen) fieldLine(i int) string {
	st := a.c.st
	focused := i == a.focus
	lbl := st.Label
	switch {
	case i == a.errAt:
		lbl = st.Error
	case focused:
		lbl = st.Focused
	}
	mark := "  "
	if focused {
		mark = st.Focused.Render("▸ ")
	}
	vw := max(4, a.w-labelW-4)
	var value string
	switch i {
	case fAdvanced:
		value = st.Subtle.Render("▸ type, algorithm, digits, period (enter)")
		if a.advanced {
			value = st.Subtle.Render("▾ (enter hides)")
		}
		return mark + lbl.Render(pad("Advanced", labelW)) + " " + clip(value, vw)
	case fType:
		value = choice(types[a.typ], focused)
	case fAlgorithm:
		value = choice(algorithms[a.alg], focused)
	default:
		value = a.fields[i].View(vw, focused, st)
	}
	return mark + lbl.Render(pad(fieldNames[i], labelW)) + " " + value
}

// choice renders a value picked with ←/→.
func choice(v string, focused bool) string {
	if focused {
		return "‹ " + v + " ›"
	}
	return v
}

// batchLines list the accounts of a migration URI.
func (a *addScreen) batchLines() []string {
	var out []string
	for _, k := range a.batch {
		acc := vault.Account{Issuer: k.Issuer, Name: k.Account}
		out = append(out, "   "+clip(acc.Label(), a.w-4))
	}
	return out
}

// ShortHelp shows the one way to save that applies (enter on a pasted
// URI, ctrl+s elsewhere) and what Enter does on the focused row.
func (a *addScreen) ShortHelp() []key.Binding {
	k := a.c.keys
	save, enter := k.Save, a.enterHelp()
	if a.enterSaves() {
		save, enter = with(k.Submit, "enter", "save"), with(k.NextField, "tab", "next")
	}
	return []key.Binding{
		save, enter,
		enabled(k.Choice, a.focus == fType || a.focus == fAlgorithm),
		with(k.Back, "esc", "cancel"),
	}
}

// enterHelp says what Enter does on the focused row when it does not save.
func (a *addScreen) enterHelp() key.Binding {
	switch {
	case a.focus == fAdvanced && a.advanced:
		return with(a.c.keys.Submit, "enter", "hide advanced")
	case a.focus == fAdvanced:
		return with(a.c.keys.Submit, "enter", "advanced")
	}
	return with(a.c.keys.Submit, "enter", "next")
}

func (a *addScreen) FullHelp() [][]key.Binding {
	k := a.c.keys
	return [][]key.Binding{{k.Save, with(k.Submit, "enter", "next field (save a pasted URI)"), k.NextField, k.PrevField,
		enabled(k.Toggle, a.focus == fAdvanced), k.Choice, with(k.Back, "esc", "cancel")}}
}

// saveKey names the key that saves the form now.
func (a *addScreen) saveKey() string {
	if a.enterSaves() {
		return a.c.keys.Submit.Help().Key
	}
	return a.c.keys.Save.Help().Key
}

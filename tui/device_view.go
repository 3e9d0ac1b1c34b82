package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/otterauth/otter/fido"
)

func (d *deviceScreen) View() string {
	st := d.c.st
	var lines []string
	add := func(text string) { lines = append(lines, strings.Split(text, "\n")...) }
	title := st.Issuer.Render(productName(fido.DeviceInfo{Product: d.dev.Product}))
	if d.dev.Virtual {
		title += st.Subtle.Render(" · virtual")
	}
	add(" " + clip(title, d.w-2))
	add(" " + st.Subtle.Render(clip(keyPath(d.dev.Path), d.w-2)))
	if d.wait.busy {
		add(d.wait.View(d.w))
	}
	if d.msg != "" {
		add(wrapIndent(msgText(st, d.msg, d.msgKind), d.w))
	}
	add("")
	switch {
	case d.mode == devPIN:
		add(d.formView("Set the key's PIN: 4 to 63 characters.", "Change the key's PIN: 4 to 63 characters."))
	case d.mode == devRegister:
		add(d.formView("Name the key for the vault's inventory, then touch it twice: otter makes a test credential and checks its signature.", ""))
	case d.info != nil:
		add(factRows(st, d.infoRows(*d.info), d.w))
	}
	return strings.Join(lines, "\n")
}

// formView is the intro (the change text when the key has a PIN and one
// is given) and the fields.
func (d *deviceScreen) formView(intro, change string) string {
	st := d.c.st
	if change != "" && len(d.fields) == 3 {
		intro = change
	}
	out := []string{wrapIndent(intro, d.w)}
	fw := max(4, d.w-12)
	for i, l := range d.labels {
		label := st.Label.Render(pad(l, 9))
		if i == d.focus {
			label = st.Focused.Render(pad(l, 9))
		}
		out = append(out, " "+label+" "+d.fields[i].View(fw, i == d.focus && !d.wait.busy, st))
	}
	return strings.Join(out, "\n")
}

// infoRows is what the key says about itself.
func (d *deviceScreen) infoRows(info fido.Info) [][2]string {
	rows := [][2]string{{"PIN", pinText(info)}}
	if info.RemainingResident >= 0 {
		rows = append(rows, [2]string{"Resident", fmt.Sprintf("room for %d more %s", info.RemainingResident,
			plural(info.RemainingResident, "credential"))})
	}
	return append(rows,
		[2]string{"Versions", strings.Join(info.Versions, ", ")},
		[2]string{"Extensions", strings.Join(info.Extensions, ", ")},
		[2]string{"AAGUID", info.AAGUIDString()},
		[2]string{"Options", optionsText(info.Options)})
}

// optionsText lists the options that are on, then those that are off.
func optionsText(opts map[string]bool) string {
	var on, off []string
	for name, v := range opts {
		if v {
			on = append(on, name)
		} else {
			off = append(off, name)
		}
	}
	slices.Sort(on)
	slices.Sort(off)
	s := strings.Join(on, ", ")
	if len(off) > 0 {
		s += " (off: " + strings.Join(off, ", ") + ")"
	}
	return s
}

func pinText(info fido.Info) string {
	switch {
	case !info.SupportsPIN():
		return "not supported"
	case !info.HasPIN():
		return "not set"
	case info.PINRetries == 0:
		return "set, blocked (reset the key)"
	}
	return fmt.Sprintf("set, %d %s left", info.PINRetries, plural(info.PINRetries, "attempt"))
}

func (d *deviceScreen) ShortHelp() []key.Binding {
	k := d.c.keys
	switch {
	case d.wait.busy:
		return []key.Binding{enabled(with(k.Back, "esc", "cancel"), !d.wait.cancelling)}
	case d.mode != devView:
		save := d.firstEmpty() < 0
		return []key.Binding{with(k.Submit, "enter", map[bool]string{false: "next", true: "save"}[save]),
			with(k.NextField, "tab", "next field"), with(k.Back, "esc", "cancel")}
	}
	ok := d.info != nil
	pin := "set PIN"
	if ok && d.info.HasPIN() {
		pin = "change PIN"
	}
	return []key.Binding{
		enabled(with(k.KeyPIN, "p", pin), ok && d.info.SupportsPIN()), enabled(k.Creds, ok),
		enabled(k.Register, ok), k.Refresh, k.Back,
	}
}

func (d *deviceScreen) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
